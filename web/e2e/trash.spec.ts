import { expect, test } from "@playwright/test";
import {
  createTasksViaApi,
  deleteTasksViaApi,
  listedTitles,
  loginViaUi,
  registerViaApi,
  shotBoth,
  taskCard,
  tokenOf,
  uniqueEmail,
} from "./helpers";

test.beforeEach(async ({ page }) => {
  const email = uniqueEmail("trash");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
});

test("a delete can be undone from the toast", async ({ page }) => {
  await createTasksViaApi(page, [{ title: "First" }, { title: "Second" }, { title: "Third" }]);
  await page.reload();
  await expect.poll(() => listedTitles(page)).toEqual(["Third", "Second", "First"]);
  const card = taskCard(page, "Second");
  await card.getByRole("button", { name: /^Delete/ }).click();
  await card.getByRole("button", { name: "Yes, delete" }).click();
  await expect(taskCard(page, "Second")).toHaveCount(0);
  const toast = page.getByRole("status").filter({ hasText: "Deleted “Second”. It stays in the trash for 7 days." });
  await expect(toast).toBeVisible();
  await shotBoth(page, "dashboard-undo-toast");
  await toast.getByRole("button", { name: "Undo" }).click();
  await expect(toast).toHaveCount(0);
  // Back in its place, with focus on it.
  await expect.poll(() => listedTitles(page)).toEqual(["Third", "Second", "First"]);
  await expect(page.getByRole("heading", { name: "Second", exact: true })).toBeFocused();
  await page.reload();
  await expect.poll(() => listedTitles(page)).toEqual(["Third", "Second", "First"]);
  await page.getByRole("link", { name: "Trash" }).click();
  await expect(page.getByText("The trash is empty.")).toBeVisible();
});

test("the trash lists deleted tasks with their purge date; restore, delete forever and empty it", async ({ page }) => {
  const tasks = await createTasksViaApi(page, [{ title: "Keep me" }, { title: "Restore me" }, { title: "Forget me" }, { title: "Me too" }]);
  await deleteTasksViaApi(page, tasks.slice(1).map((t) => t.id));
  await page.reload();
  await expect.poll(() => listedTitles(page)).toEqual(["Keep me"]);

  await page.getByRole("link", { name: "Trash" }).click();
  await expect(page).toHaveURL(/\/trash$/);
  await expect(page.getByRole("link", { name: "Trash" })).toHaveAttribute("aria-current", "page");
  const trash = page.getByRole("list", { name: "Deleted tasks" });
  await expect(trash.getByRole("listitem")).toHaveCount(3);
  // Most recently deleted first, each with when it goes for good.
  expect(await trash.locator(".task-title").allTextContents()).toEqual(["Me too", "Forget me", "Restore me"]);
  const restoreItem = trash.getByRole("listitem").filter({ hasText: "Restore me" });
  await expect(restoreItem.getByText(/Deleted for good in 7 days/)).toBeVisible();
  await expect(restoreItem.locator("time").nth(1)).toHaveAttribute("datetime", /^\d{4}-\d{2}-\d{2}T/);
  await shotBoth(page, "trash");

  // Restore.
  await restoreItem.getByRole("button", { name: /^Restore/ }).click();
  await expect(trash.getByRole("listitem")).toHaveCount(2);
  await expect(page.getByRole("heading", { name: "Forget me" })).toBeFocused();

  // Delete forever, with a confirmation that Escape cancels.
  const forget = trash.getByRole("listitem").filter({ hasText: "Forget me" });
  await forget.getByRole("button", { name: /^Delete forever/ }).click();
  await expect(forget.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await forget.getByRole("button", { name: /^Delete forever/ }).click();
  await forget.getByRole("button", { name: "Yes, delete forever" }).click();
  await expect(trash.getByRole("listitem")).toHaveCount(1);
  await page.reload();
  await expect(trash.getByRole("listitem")).toHaveCount(1);
  await expect(trash.getByRole("heading", { name: "Me too" })).toBeVisible();

  // Empty the trash.
  await page.getByRole("button", { name: "Empty trash" }).click();
  await page.getByRole("button", { name: "Yes, empty the trash" }).click();
  await expect(page.getByText("The trash is empty.")).toBeVisible();
  const res = await page.request.get("/api/tasks/trash", { headers: { Authorization: `Bearer ${await tokenOf(page)}` } });
  expect(((await res.json()) as { tasks: unknown[] }).tasks).toEqual([]);

  // The restored task is back on the dashboard.
  await page.getByRole("link", { name: "Tasks" }).click();
  await expect.poll(() => listedTitles(page)).toEqual(["Restore me", "Keep me"]);
});
