import { expect, test } from "@playwright/test";
import { createTasksViaApi, loginViaUi, registerViaApi, shotBoth, taskCard, uniqueEmail } from "./helpers";

// The browser runs in UTC (playwright.config.ts), so local times below are UTC times.
const pad = (n: number) => String(n).padStart(2, "0");
const localInput = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;

test("due date and priority are chosen on create and edit and shown on the task", async ({ page }) => {
  const email = uniqueEmail("plan");
  await registerViaApi(page, email);
  await loginViaUi(page, email);

  // Create with the Tomorrow shortcut and a priority.
  const composer = page.getByRole("region", { name: "Add a task" });
  await composer.getByLabel("Title", { exact: true }).fill("Plan the trip");
  await composer.getByRole("button", { name: "Tomorrow" }).click();
  const tomorrow = new Date();
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  tomorrow.setUTCHours(9, 0, 0, 0);
  await expect(composer.getByLabel("Due date (optional)", { exact: true })).toHaveValue(localInput(tomorrow));
  await composer.getByLabel("Priority", { exact: true }).selectOption("high");
  const created = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/api/tasks"));
  await composer.getByRole("button", { name: "Add task" }).click();
  const body = (await created).postDataJSON() as { due_at: string; priority: string };
  expect(body.priority).toBe("high");
  expect(Date.parse(body.due_at)).toBe(tomorrow.getTime());
  expect(body.due_at).toMatch(/(Z|[+-]\d\d:\d\d)$/);

  const card = taskCard(page, "Plan the trip");
  await expect(card.getByText("High priority")).toBeVisible();
  const due = card.locator("time", { hasText: "due tomorrow 09:00" });
  await expect(due).toBeVisible();
  await expect(due).toHaveAttribute("title", /\d{4}.*9:00/);
  await expect(due).toHaveAttribute("datetime", tomorrow.toISOString().replace(".000Z", "Z"));
  await expect(card.locator(".sr-only", { hasText: /\(.*\d{4}.*\)/ })).toHaveCount(1);
  // The form is ready for the next task: no due date, normal priority.
  await expect(composer.getByLabel("Due date (optional)", { exact: true })).toHaveValue("");
  await expect(composer.getByLabel("Priority", { exact: true })).toHaveValue("normal");

  // Overdue tasks stand out.
  await createTasksViaApi(page, [{ title: "Late invoice", due_at: new Date(Date.now() - 2 * 86_400_000 - 60_000).toISOString() }]);
  await page.reload();
  const late = taskCard(page, "Late invoice");
  await expect(late.getByText("overdue by 2 days")).toBeVisible();
  await expect(late.getByText("Overdue", { exact: true })).toBeVisible();
  await expect(late).toHaveAttribute("data-overdue", "true");
  await expect(late.getByText("Normal priority")).toBeVisible();
  await expect(taskCard(page, "Plan the trip")).not.toHaveAttribute("data-overdue", "true");
  await shotBoth(page, "dashboard-due-priority");

  // Edit: another due date and priority; the server keeps them.
  await taskCard(page, "Plan the trip").getByRole("button", { name: /^Edit/ }).click();
  const form = page.getByRole("form", { name: /Edit “Plan the trip”/ });
  await expect(form.getByLabel("Due date", { exact: true })).toHaveValue(localInput(tomorrow));
  await expect(form.getByLabel("Priority", { exact: true })).toHaveValue("high");
  await form.getByLabel("Due date", { exact: true }).fill("2030-05-06T17:30");
  await form.getByLabel("Priority", { exact: true }).selectOption("urgent");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(card.getByText("Saving…")).toHaveCount(0);
  await page.reload();
  await expect(card.getByText("Urgent priority")).toBeVisible();
  await expect(card.locator("time", { hasText: "due May 6, 2030 17:30" })).toHaveAttribute("datetime", "2030-05-06T17:30:00Z");

  // Clearing the due date.
  await card.getByRole("button", { name: /^Edit/ }).click();
  await form.getByRole("button", { name: "No due date" }).click();
  await expect(form.getByLabel("Due date", { exact: true })).toHaveValue("");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(card.getByText(/^due /)).toHaveCount(0);
  await page.reload();
  await expect(card.getByText("Urgent priority")).toBeVisible();
  await expect(card.getByText(/^due /)).toHaveCount(0);

  // Started and completed times come from the server.
  const status = card.getByRole("group", { name: /Status of/ });
  await status.getByRole("button", { name: "In progress" }).click();
  await expect(card.locator(".task-meta").getByText(/^Started/)).toBeVisible();
  await status.getByRole("button", { name: "Completed" }).click();
  await expect(card.locator(".task-meta").getByText(/^Completed/)).toBeVisible();
  await page.reload();
  await expect(card.locator(".task-meta").getByText(/^Started/)).toBeVisible();
  await expect(card.locator(".task-meta time")).toHaveCount(4); // created, started, completed, updated
  // Each with the full date and time on hover.
  for (const label of ["Started", "Completed"])
    await expect(card.locator(".task-meta span", { hasText: label }).locator("time")).toHaveAttribute("title", /\d{4}.*\d{1,2}:\d{2}/);
});
