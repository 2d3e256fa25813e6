import { expect, test } from "@playwright/test";
import { alertOf, addTask, loginViaUi, registerViaApi, shotBoth, taskCard, uniqueEmail } from "./helpers";

// The stack is real; only single requests are made to fail with page.route.

test.beforeEach(async ({ page }) => {
  const email = uniqueEmail("resilience");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await addTask(page, "Resilient task", { description: "Original description" });
});

test("a status change the server refuses rolls back with a message and can be retried", async ({ page }) => {
  let refuse = true;
  let puts = 0;
  await page.route(/\/api\/tasks\/\d+$/, async (route) => {
    if (route.request().method() === "PUT") puts += 1;
    if (route.request().method() === "PUT" && refuse) {
      await route.fulfill({ status: 422, contentType: "application/json", body: JSON.stringify({ detail: "Status change not allowed" }) });
    } else {
      await route.continue();
    }
  });
  const status = taskCard(page, "Resilient task").getByRole("group", { name: /Status of/ });
  await status.getByRole("button", { name: "Completed" }).click();
  await expect(alertOf(page)).toContainText("Status change not allowed");
  await expect(status.getByRole("button", { name: "Pending" })).toHaveAttribute("aria-pressed", "true");
  await expect(alertOf(page).getByRole("button", { name: "Try again" })).toBeVisible();
  await shotBoth(page, "dashboard-rollback");
  expect(puts, "a 4xx is never retried").toBe(1);
  refuse = false;
  await alertOf(page).getByRole("button", { name: "Try again" }).click();
  await expect(status.getByRole("button", { name: "Completed" })).toHaveAttribute("aria-pressed", "true");
  await expect(alertOf(page)).toHaveCount(0);
});

test("5xx answers are retried with backoff and succeed without bothering the user", async ({ page }) => {
  let failures = 0;
  await page.route(/\/api\/tasks\/\d+$/, async (route) => {
    if (route.request().method() === "PUT" && failures < 2) {
      failures += 1;
      await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ detail: "Service unavailable" }) });
    } else {
      await route.continue();
    }
  });
  const status = taskCard(page, "Resilient task").getByRole("group", { name: /Status of/ });
  await status.getByRole("button", { name: "In progress" }).click();
  await expect(taskCard(page, "Resilient task").getByText("Saving…")).toHaveCount(0);
  expect(failures).toBe(2);
  await expect(alertOf(page)).toHaveCount(0);
  await page.reload();
  await expect(
    taskCard(page, "Resilient task").getByRole("group", { name: /Status of/ }).getByRole("button", { name: "In progress" }),
  ).toHaveAttribute("aria-pressed", "true");
});

test("an edit the server refuses restores the old text; field errors reopen the editor", async ({ page }) => {
  await page.route(/\/api\/tasks\/\d+$/, async (route) => {
    if (route.request().method() === "PUT") {
      await route.fulfill({
        status: 422,
        contentType: "application/json",
        body: JSON.stringify({ detail: "Validation failed", validation_errors: [{ field: "title", message: "Title is not allowed" }] }),
      });
    } else {
      await route.continue();
    }
  });
  await taskCard(page, "Resilient task").getByRole("button", { name: /^Edit/ }).click();
  const form = page.getByRole("form", { name: /Edit “Resilient task”/ });
  await form.getByLabel("Title").fill("Forbidden title");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByText("Title is not allowed")).toBeVisible();
  await expect(form.getByLabel("Title")).toHaveValue("Forbidden title");
  await expect(form.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(taskCard(page, "Resilient task").getByText("Original description")).toBeVisible();
});

test("a delete that fails brings the task back", async ({ page }) => {
  await page.route(/\/api\/tasks\/\d+$/, (route) =>
    route.request().method() === "DELETE"
      ? route.fulfill({ status: 400, contentType: "application/json", body: JSON.stringify({ detail: "Cannot delete right now" }) })
      : route.continue(),
  );
  const card = taskCard(page, "Resilient task");
  await card.getByRole("button", { name: /^Delete/ }).click();
  await card.getByRole("button", { name: "Yes, delete" }).click();
  await expect(alertOf(page)).toContainText("Cannot delete right now");
  await expect(taskCard(page, "Resilient task")).toBeVisible();
});

test("a network failure while loading shows a retryable error", async ({ page }) => {
  let down = true;
  // The list is asked for with a query string (`?limit=50&sort=...`).
  await page.route(/\/api\/tasks(\?.*)?$/, (route) => (down ? route.abort("connectionrefused") : route.continue()));
  await page.reload();
  // Idempotent GETs are retried with backoff before giving up (about 3 s in total).
  await expect(page.getByText("We couldn’t load your tasks.")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText("Can't reach the server.", { exact: false })).toBeVisible();
  await shotBoth(page, "dashboard-load-error");
  down = false;
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(taskCard(page, "Resilient task")).toBeVisible();
});

test("a request that hangs is abandoned after 30 s with a retryable message", async ({ page }) => {
  await page.clock.install();
  await page.reload();
  await expect(taskCard(page, "Resilient task")).toBeVisible();
  let hang = true;
  await page.route("**/api/tasks", (route) =>
    route.request().method() === "POST" && hang ? undefined /* never answered */ : route.continue(),
  );
  await page.getByLabel("Title", { exact: true }).fill("Slow task");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByRole("button", { name: "Adding…" })).toBeDisabled();
  await page.clock.runFor(29_000);
  await expect(page.getByRole("button", { name: "Adding…" })).toBeVisible();
  await page.clock.runFor(1_500);
  const form = page.getByRole("region", { name: "Add a task" });
  await expect(alertOf(page)).toContainText("The server took too long to respond.");
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Slow task");
  hang = false;
  await form.getByRole("button", { name: "Try again" }).click();
  await expect(taskCard(page, "Slow task")).toBeVisible();
  await expect(alertOf(page)).toHaveCount(0);
});
