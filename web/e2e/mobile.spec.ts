import { expect, test } from "@playwright/test";
import { alertOf, listedTitles, shotBoth, taskCard } from "./helpers";
import { expectAccessible, signedIn } from "./ui-helpers";

// Phones: a one-line quick add, a checkbox to complete each task, completed tasks folded away.
const LONG = `${"A long story about the boiler. ".repeat(40)}\nThe manual: https://example.com/manual?page=2. Not a link: javascript:alert(1) or ftp://example.com/x`;

for (const width of [360, 390]) {
  test(`the phone layout: quick add, complete by checkbox, Completed (N), clamped text with links (${width}px)`, async ({ page }) => {
    const account = await signedIn(page, "mobile", width);
    await account.create({ title: "Already done", status: "completed" });
    await account.create({ title: "Read the manual", description: LONG });
    await account.create({ title: "Water the plants" });
    await page.reload();
    await expect(taskCard(page, "Water the plants")).toBeVisible();

    // The add form is one line: title and Add; the rest folds behind "More options".
    const composer = page.getByRole("region", { name: "Add a task" });
    const box = (await composer.boundingBox())!;
    expect(box.height, "the add form stays small").toBeLessThan(200);
    await expect(composer.getByLabel("Priority", { exact: true })).toBeHidden();
    await expect(composer.getByLabel("Description (optional)")).toBeHidden();
    const title = composer.getByLabel("Title", { exact: true });
    const add = composer.getByRole("button", { name: "Add task" });
    expect(Math.abs((await title.boundingBox())!.y - (await add.boundingBox())!.y), "title and Add on one line").toBeLessThan(8);
    // A task is in the first screen.
    const first = (await page.locator(".task-list .task").first().boundingBox())!;
    expect(first.y, "the first task starts within the first screen").toBeLessThan(780 - 120);

    const more = composer.getByRole("button", { name: "More options" });
    await expect(more).toHaveAttribute("aria-expanded", "false");
    await more.click();
    await expect(composer.getByRole("button", { name: "Fewer options" })).toHaveAttribute("aria-expanded", "true");
    await expect(composer.getByLabel("Priority", { exact: true })).toBeVisible();
    await expectAccessible(page, "phone dashboard, more options open");
    await composer.getByRole("button", { name: "Fewer options" }).click();

    // Completed tasks are folded into "Completed (N)".
    const toggle = page.getByRole("button", { name: /^Completed \(\d+\)$/ });
    await expect(toggle).toHaveAccessibleName("Completed (1)");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await expect(taskCard(page, "Already done")).toBeHidden();
    expect(await page.getByRole("list", { name: "Open tasks" }).getByRole("listitem").count()).toBe(2);

    // The checkbox completes a task: it moves into the group, and focus goes on to the next task.
    await page.getByRole("checkbox", { name: "Mark “Water the plants” completed" }).click(); // it folds away at once: click, not check()
    await expect(toggle).toHaveAccessibleName("Completed (2)");
    await expect(taskCard(page, "Read the manual").getByRole("heading")).toBeFocused();
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    await expect(taskCard(page, "Water the plants")).toBeVisible();
    await expect(taskCard(page, "Already done")).toBeVisible();
    await page.reload();
    await expect(page.getByRole("button", { name: "Completed (2)" })).toBeVisible();
    // Unchecking brings one back.
    await page.getByRole("button", { name: "Completed (2)" }).click();
    await page.getByRole("checkbox", { name: "Mark “Water the plants” completed" }).click();
    await expect(page.getByRole("button", { name: "Completed (1)" })).toBeVisible();
    await expect(page.getByRole("list", { name: "Open tasks" }).getByRole("listitem")).toHaveCount(2);

    // Filtered by status, nothing is folded.
    await page.getByRole("group", { name: "Filter tasks by status" }).getByRole("button", { name: "Completed" }).click();
    await expect(page).toHaveURL(/status=completed/);
    await expect(page.getByRole("button", { name: /^Completed \(/ })).toHaveCount(0);
    await expect.poll(() => listedTitles(page)).toEqual(["Already done"]);
    await page.goBack();

    // A long description is clamped with "Show more"; its address is a safe link, nothing else is.
    const card = taskCard(page, "Read the manual");
    const text = card.locator(".task-desc");
    const clamped = (await text.boundingBox())!.height;
    expect(clamped, "clamped to a few lines").toBeLessThan(130);
    const show = card.getByRole("button", { name: "Show more" });
    await expect(show).toHaveAttribute("aria-expanded", "false");
    await show.click();
    await expect(card.getByRole("button", { name: "Show less" })).toHaveAttribute("aria-expanded", "true");
    expect((await text.boundingBox())!.height).toBeGreaterThan(clamped * 2);
    const link = card.getByRole("link", { name: "https://example.com/manual?page=2" });
    await expect(link).toHaveAttribute("href", "https://example.com/manual?page=2");
    await expect(link).toHaveAttribute("rel", "noopener noreferrer");
    await expect(card.getByRole("link")).toHaveCount(1);
    await expect(card.getByText("javascript:alert(1)", { exact: false })).toBeVisible();
    await expectAccessible(page, "phone dashboard");
    await page.getByRole("button", { name: "Filters and sort" }).click();
    await expect(page.getByLabel("Due from")).toBeVisible();
    await expectAccessible(page, "phone dashboard, filters open");
    if (width === 360) await shotBoth(page, "dashboard-phone");
    await account.dispose();
  });
}

test("wide screens show every task in one list, the add form's fields and the filters", async ({ page }) => {
  const account = await signedIn(page, "wide", 1280);
  await account.create({ title: "Done wide", status: "completed" });
  await account.create({ title: "Open wide" });
  await page.reload();
  await expect(taskCard(page, "Done wide")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Completed \(/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "More options" })).toBeHidden();
  await expect(page.getByLabel("Description (optional)")).toBeVisible();
  await expect(page.getByLabel("Due from")).toBeVisible();
  // The checkbox completes on wide screens too, in place.
  await page.getByRole("checkbox", { name: "Mark “Open wide” completed" }).check();
  await expect(
    taskCard(page, "Open wide").getByRole("group", { name: /Status of/ }).getByRole("button", { name: "Completed" }),
  ).toHaveAttribute("aria-pressed", "true");
  await expect.poll(() => listedTitles(page)).toEqual(["Open wide", "Done wide"]);
  await account.dispose();
});

test("turning the phone does not re-arrange the list under an open editor", async ({ page }) => {
  const account = await signedIn(page, "rotate", 360);
  await account.create({ title: "Finished earlier", status: "completed" });
  await account.create({ title: "Still to do" });
  await page.reload();
  await expect(page.getByRole("button", { name: "Completed (1)" })).toBeVisible();
  await taskCard(page, "Still to do").getByRole("button", { name: /^Edit/ }).click();
  const form = page.getByRole("form", { name: /Edit “Still to do”/ });
  await form.getByLabel("Title").fill("Still to do, edited");
  // Completed from inside the editor: the task stays where it is, the editor open.
  await page.locator("li", { has: form }).getByRole("group", { name: /Status of/ }).getByRole("button", { name: "Completed" }).click();
  await expect(page.getByRole("button", { name: /^Completed \(/ })).toHaveAccessibleName("Completed (1)");
  await expect(page.locator("li", { has: form }).getByText("Saving…")).toHaveCount(0);
  await expect(form.getByLabel("Title")).toHaveValue("Still to do, edited");
  // Landscape and back.
  await page.setViewportSize({ width: 780, height: 360 });
  await expect(form.getByLabel("Title")).toHaveValue("Still to do, edited");
  await page.setViewportSize({ width: 360, height: 780 });
  await expect(form.getByLabel("Title")).toHaveValue("Still to do, edited");
  // Saving is no conflict with the status change made here meanwhile (it left the edited fields alone).
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("button", { name: "Completed (2)" })).toBeVisible();
  await expect(alertOf(page)).toHaveCount(0);
  await account.dispose();
});
