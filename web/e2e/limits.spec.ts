import { expect, test } from "@playwright/test";
import { alertOf, shotBoth, taskCard } from "./helpers";
import { WIDTHS, signedIn } from "./ui-helpers";

// The API counts characters (Unicode scalar values); the forms count the same and never cut a paste.

async function paste(page: import("@playwright/test").Page, selector: string, text: string) {
  await page.locator(selector).focus();
  await page.evaluate((t) => document.execCommand("insertText", false, t), text);
}

for (const width of WIDTHS) {
  test(`a long title or description is counted, refused with a message and never cut (${width}px)`, async ({ page }) => {
    const account = await signedIn(page, "limits", width);
    let posts = 0;
    page.on("request", (r) => r.method() === "POST" && r.url().endsWith("/api/tasks") && posts++);
    const title = page.getByLabel("Title", { exact: true });

    // Far from the limit: no counter; near it: a counter.
    await title.fill("Short");
    await expect(page.locator("#new-title-count")).toHaveCount(0);
    await title.fill("a".repeat(185));
    await expect(page.locator("#new-title-count")).toHaveText("185 of 200 characters");
    await expect(title).toHaveAttribute("aria-describedby", /new-title-count/);

    // A 250-character paste stays whole; the counter says how much is too much; Add refuses it.
    await title.fill("");
    await paste(page, "#new-title", "b".repeat(250));
    await expect(title).toHaveValue("b".repeat(250));
    await expect(page.locator("#new-title-count")).toHaveText("50 characters too many");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(page.getByText("Title must be at most 200 characters; it has 250. Shorten it to save.")).toBeVisible();
    await expect(title).toHaveAttribute("aria-invalid", "true");
    await expect(title).toBeFocused();
    expect(posts).toBe(0);

    // 3,000 characters of description: the same.
    await title.fill("Fits");
    if (width < 640) await page.getByRole("button", { name: "More options" }).click();
    const desc = page.getByLabel("Description (optional)");
    await paste(page, "#new-description", "c".repeat(3000));
    await expect(desc).toHaveValue("c".repeat(3000));
    await expect(page.locator("#new-description-count")).toHaveText("1000 characters too many");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(page.getByText("Description must be at most 2000 characters; it has 3000. Shorten it to save.")).toBeVisible();
    expect(posts).toBe(0);
    await shotBoth(page, `composer-too-long-${width}`);

    // 200 emoji are 200 characters (400 UTF-16 units): accepted.
    await desc.fill("");
    const emoji = "🎉".repeat(200);
    await title.fill(emoji);
    await expect(page.locator("#new-title-count")).toHaveText("200 of 200 characters");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(taskCard(page, emoji)).toBeVisible();
    expect(posts).toBe(1);
    await account.dispose();
  });

  test(`a task with a 200-emoji title is saved from the edit form (${width}px)`, async ({ page }) => {
    const account = await signedIn(page, "emoji-edit", width);
    const emoji = "🚀".repeat(200);
    await account.create({ title: emoji, description: "Before" });
    await page.reload();
    const card = taskCard(page, emoji);
    await card.getByRole("button", { name: /^Edit/ }).click();
    const form = page.getByRole("form", { name: /^Edit/ });
    await expect(form.getByLabel("Title")).toHaveValue(emoji);
    await expect(form.locator(".counter")).toHaveText("200 of 200 characters");
    await form.getByLabel("Description").fill("After");
    await form.getByRole("button", { name: "Save" }).click();
    await expect(card.getByText("After")).toBeVisible();
    await expect(card.getByText("Saving…")).toHaveCount(0);
    await expect(alertOf(page)).toHaveCount(0);
    await page.reload();
    await expect(taskCard(page, emoji).getByText("After")).toBeVisible();

    // One more emoji is refused in the editor, with the draft kept.
    await taskCard(page, emoji).getByRole("button", { name: /^Edit/ }).click();
    await form.getByLabel("Title").fill(`${emoji}🚀`);
    await expect(form.getByText("1 character too many")).toBeVisible();
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form.getByText("Title must be at most 200 characters; it has 201. Shorten it to save.")).toBeVisible();
    await expect(form.getByLabel("Title")).toHaveValue(`${emoji}🚀`);
    await account.dispose();
  });
}
