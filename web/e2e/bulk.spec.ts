import { expect, test } from "@playwright/test";
import { createTasksViaApi, loginViaUi, registerViaApi, shotBoth, taskCard, uniqueEmail } from "./helpers";

test("several tasks are completed, re-prioritised and deleted (and restored) at once", async ({ page }) => {
  const email = uniqueEmail("bulk");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await createTasksViaApi(page, [{ title: "One" }, { title: "Two" }, { title: "Three" }, { title: "Four" }]);
  await page.reload();
  await expect(page.getByRole("listitem")).toHaveCount(4);

  await page.getByRole("checkbox", { name: "Select “One”" }).check();
  await page.getByRole("checkbox", { name: "Select “Three”" }).check();
  await expect(page.getByText("2 selected")).toBeVisible();
  const bulkRequest = page.waitForRequest((r) => r.url().endsWith("/api/tasks/bulk"));
  await page.getByRole("button", { name: "Complete selected" }).click();
  const sent = await bulkRequest;
  expect(sent.postDataJSON()).toMatchObject({ action: "update", changes: { status: "completed" } });
  expect(sent.headers()["idempotency-key"]).toBeTruthy();
  const pressed = (title: string) =>
    taskCard(page, title).getByRole("group", { name: /Status of/ }).getByRole("button", { name: "Completed" });
  await expect(pressed("One")).toHaveAttribute("aria-pressed", "true");
  await expect(pressed("Three")).toHaveAttribute("aria-pressed", "true");
  await expect(pressed("Two")).toHaveAttribute("aria-pressed", "false");

  await page.getByLabel("Priority for the selected tasks").selectOption("urgent");
  await page.getByRole("button", { name: "Set priority" }).click();
  await expect(taskCard(page, "One").getByText("Urgent priority")).toBeVisible();
  await expect(taskCard(page, "Three").getByText("Urgent priority")).toBeVisible();
  await expect(taskCard(page, "Two").getByText("Normal priority")).toBeVisible();
  await shotBoth(page, "dashboard-bulk");
  await page.reload();
  await expect(pressed("One")).toHaveAttribute("aria-pressed", "true");
  await expect(taskCard(page, "Three").getByText("Urgent priority")).toBeVisible();
  await expect(page.getByText("0 selected")).toBeVisible();

  // Delete all shown, then undo.
  await page.getByRole("checkbox", { name: "Select all shown" }).check();
  await expect(page.getByText("4 selected")).toBeVisible();
  await page.getByRole("button", { name: "Delete selected" }).click();
  await expect(page.getByRole("listitem")).toHaveCount(0);
  const toast = page.getByRole("status").filter({ hasText: "Deleted 4 tasks. They stay in the trash for 7 days." });
  await toast.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("listitem")).toHaveCount(4);
  await page.reload();
  await expect(page.getByRole("listitem")).toHaveCount(4);
});
