import { expect, test } from "@playwright/test";
import { PASSWORD, addTask, shot, shotBoth, taskCard, uniqueEmail, watchConsole } from "./helpers";

test("register, sign in, create, edit, change status, filter, delete, sign out", async ({ page }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail("journey");

  // Signed out: the dashboard sends us to /login and remembers where we were going.
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await shotBoth(page, "login");

  // Register.
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await expect(page).toHaveURL(/\/register\?next=%2F$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await shotBoth(page, "register");
  await page.getByRole("button", { name: "Create account" }).click();

  // Sign in (email prefilled after registering), then back to the dashboard.
  await expect(page.getByText("Account created. You can sign in now.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(email)).toBeVisible();
  await expect(page.getByText("No tasks yet. Add your first one above.")).toBeVisible();
  await shotBoth(page, "dashboard-empty");

  // Client-side validation: a title is required.
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByText("Enter a title.")).toBeVisible();
  await expect(page.getByLabel("Title", { exact: true })).toBeFocused();

  // Create three tasks.
  await addTask(page, "Buy milk", { description: "Two litres, semi-skimmed" });
  await expect(page.getByLabel("Title", { exact: true })).toBeFocused();
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue("");
  await addTask(page, "Write report", { status: "in_progress" });
  await addTask(page, "Book dentist", { description: "Before Friday", status: "completed" });
  const milk = taskCard(page, "Buy milk");
  await expect(milk.getByText("Two litres, semi-skimmed")).toBeVisible();
  await expect(milk.locator("time").first()).toHaveAttribute("datetime", /^\d{4}-\d{2}-\d{2}T/);
  await expect(page.getByRole("list", { name: "All tasks" }).getByRole("listitem")).toHaveCount(3);
  await expect(page.getByText("3 tasks", { exact: true })).toBeVisible();
  await shotBoth(page, "dashboard-tasks");

  // Edit title and description in place; Escape cancels, Save keeps.
  await milk.getByRole("button", { name: /^Edit/ }).click();
  const titleInput = page.getByRole("textbox", { name: "Title" }).nth(1);
  await expect(titleInput).toBeFocused();
  await titleInput.fill("Discarded change");
  await page.keyboard.press("Escape");
  await expect(taskCard(page, "Buy milk")).toBeVisible();
  await expect(taskCard(page, "Buy milk").getByRole("button", { name: /^Edit/ })).toBeFocused();

  await taskCard(page, "Buy milk").getByRole("button", { name: /^Edit/ }).click();
  const editForm = page.getByRole("form", { name: /Edit “Buy milk”/ });
  await editForm.getByLabel("Title").fill("Buy oat milk");
  await editForm.getByLabel("Description").fill("One litre, barista edition");
  await shotBoth(page, "dashboard-editing");
  await editForm.getByLabel("Title").press("Enter");
  const oat = taskCard(page, "Buy oat milk");
  await expect(oat.getByText("One litre, barista edition")).toBeVisible();
  await expect(oat.getByText("Saving…")).toHaveCount(0);
  await expect(oat.getByText(/^Updated/)).toBeVisible();

  // Reload: the edit really reached the server.
  await page.reload();
  await expect(taskCard(page, "Buy oat milk").getByText("One litre, barista edition")).toBeVisible();

  // Change status in one click, and from the keyboard.
  const oatStatus = taskCard(page, "Buy oat milk").getByRole("group", { name: /Status of/ });
  await oatStatus.getByRole("button", { name: "In progress" }).click();
  await expect(oatStatus.getByRole("button", { name: "In progress" })).toHaveAttribute("aria-pressed", "true");
  const reportStatus = taskCard(page, "Write report").getByRole("group", { name: /Status of/ });
  await reportStatus.getByRole("button", { name: "Completed" }).focus();
  await page.keyboard.press("Enter");
  await expect(reportStatus.getByRole("button", { name: "Completed" })).toHaveAttribute("aria-pressed", "true");
  await expect(taskCard(page, "Write report").getByText("Saving…")).toHaveCount(0);
  await page.reload();
  await expect(
    taskCard(page, "Write report").getByRole("group", { name: /Status of/ }).getByRole("button", { name: "Completed" }),
  ).toHaveAttribute("aria-pressed", "true");

  // Filter by status (the server filters; the URL keeps the filter).
  const filters = page.getByRole("group", { name: "Filter tasks by status" });
  await expect(filters.getByRole("button", { name: "All" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("list", { name: "All tasks" }).getByRole("listitem")).toHaveCount(3);
  await filters.getByRole("button", { name: /^In progress/ }).click();
  await expect(page).toHaveURL(/\?status=in_progress$/);
  await expect(page.getByRole("list", { name: "In progress tasks" }).getByRole("listitem")).toHaveCount(1);
  await expect(taskCard(page, "Buy oat milk")).toBeVisible();
  await filters.getByRole("button", { name: /^Completed/ }).click();
  await expect(page).toHaveURL(/\?status=completed$/);
  await expect(filters.getByRole("button", { name: /^Completed/ })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("list", { name: "Completed tasks" }).getByRole("listitem")).toHaveCount(2);
  await expect(taskCard(page, "Buy oat milk")).toHaveCount(0);
  await shotBoth(page, "dashboard-filtered");
  await filters.getByRole("button", { name: /^Pending/ }).click();
  await expect(page.getByText("No pending tasks.")).toBeVisible();
  await page.getByRole("button", { name: "Show all tasks" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("listitem")).toHaveCount(3);

  // Delete with confirmation: Cancel keeps it, "Yes, delete" removes it.
  const dentist = taskCard(page, "Book dentist");
  await dentist.getByRole("button", { name: /^Delete/ }).click();
  await expect(dentist.getByText("Delete “Book dentist”? It goes to the trash, where you can restore it for 7 days.")).toBeVisible();
  await expect(dentist.getByRole("button", { name: "Cancel" })).toBeFocused();
  await shotBoth(page, "dashboard-confirm-delete");
  await page.keyboard.press("Escape");
  await expect(dentist.getByRole("button", { name: /^Delete/ })).toBeFocused();
  await dentist.getByRole("button", { name: /^Delete/ }).click();
  await dentist.getByRole("button", { name: "Yes, delete" }).click();
  await expect(taskCard(page, "Book dentist")).toHaveCount(0);
  await expect(page.getByRole("listitem")).toHaveCount(2);
  await page.reload();
  await expect(page.getByRole("listitem")).toHaveCount(2);
  await expect(taskCard(page, "Book dentist")).toHaveCount(0);

  // Sign out: the token is gone and the dashboard needs a login again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(await page.evaluate(() => localStorage.length), "nothing in localStorage").toBe(0);
  expect((await page.context().cookies()).map((c) => c.name), "the refresh cookie is gone").not.toContain("taskhub_refresh");
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await shot(page, "signed-out-1280");

  expect(errors, errors.join("\n")).toEqual([]);
});
