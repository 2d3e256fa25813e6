import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { addTask, createTasksViaApi, deleteTasksViaApi, loginViaUi, registerViaApi, taskCard, uniqueEmail } from "./helpers";

// WCAG 2.1 A/AA rules (labels, names, contrast, landmarks…) at phone and desktop widths.
async function expectNoViolations(page: Page, where: string) {
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const summary = violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    expect(summary, `${where} at ${width}px`).toEqual([]);
    // Nothing wider than the viewport (no horizontal scrolling on phones).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${where} at ${width}px overflows horizontally`).toBeLessThanOrEqual(0);
  }
}

test("sign-in and register pages are accessible", async ({ page }) => {
  await page.goto("/login");
  await expectNoViolations(page, "/login");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter your email address.")).toBeVisible();
  await expectNoViolations(page, "/login with errors");
  await page.goto("/register");
  await expectNoViolations(page, "/register");
});

test("the dashboard is accessible in its main states", async ({ page }) => {
  const email = uniqueEmail("a11y");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await expectNoViolations(page, "empty dashboard");
  await addTask(page, "An accessible task", { description: "With a description" });
  await addTask(page, "A finished one with a rather long title that has to wrap on a phone", { status: "completed" });
  await addTask(page, "Work in progress", { status: "in_progress" });
  await createTasksViaApi(page, [
    { title: "Overdue and urgent", priority: "urgent", due_at: new Date(Date.now() - 3 * 86_400_000).toISOString() },
    { title: "Due later, high", priority: "high", due_at: new Date(Date.now() + 3 * 86_400_000).toISOString() },
  ]);
  await page.reload();
  await expect(taskCard(page, "Overdue and urgent")).toBeVisible();
  await expectNoViolations(page, "dashboard with tasks");
  await page.getByRole("checkbox", { name: "Select “Work in progress”" }).check();
  await expectNoViolations(page, "tasks selected for a bulk action");
  await taskCard(page, "An accessible task").getByRole("button", { name: /^Edit/ }).click();
  await expectNoViolations(page, "editing a task");
  await page.keyboard.press("Escape");
  await taskCard(page, "Work in progress").getByRole("button", { name: /^Delete/ }).click();
  await expectNoViolations(page, "confirming a delete");
});

test("the trash is accessible, empty and with tasks", async ({ page }) => {
  const email = uniqueEmail("a11y-trash");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await page.goto("/trash");
  await expect(page.getByText("The trash is empty.")).toBeVisible();
  await expectNoViolations(page, "empty trash");
  const tasks = await createTasksViaApi(page, [{ title: "Deleted one" }, { title: "Deleted two with a much longer title that wraps" }]);
  await deleteTasksViaApi(page, tasks.map((t) => t.id));
  await page.reload();
  await expect(page.getByRole("list", { name: "Deleted tasks" }).getByRole("listitem")).toHaveCount(2);
  await expectNoViolations(page, "trash with tasks");
  await page.getByRole("button", { name: "Empty trash" }).click();
  await expectNoViolations(page, "confirming empty trash");
});
