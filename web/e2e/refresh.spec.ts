import { expect, test, type Page } from "@playwright/test";
import { listedTitles, taskCard } from "./helpers";
import { WIDTHS, signedIn } from "./ui-helpers";

// Another device changes the account; the page finds out when it is looked at again.
const focusWindow = (page: Page) => page.evaluate(() => window.dispatchEvent(new Event("focus")));
const becomeVisible = (page: Page) => page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));

for (const width of WIDTHS) {
  test(`the list refreshes on focus, on becoming visible and on reconnecting, keeping an open editor (${width}px)`, async ({ page, context }) => {
    const account = await signedIn(page, "refresh", width);
    const first = await account.create({ title: "Here from the start" });
    await page.reload();
    await expect(taskCard(page, "Here from the start")).toBeVisible();

    // Focus: a task added elsewhere appears, one changed elsewhere shows its change.
    await account.create({ title: "Added on the phone" });
    await account.call("PUT", `/api/tasks/${first.id}`, { title: "Renamed on the phone" });
    await focusWindow(page);
    await expect(taskCard(page, "Added on the phone")).toBeVisible();
    await expect(taskCard(page, "Renamed on the phone")).toBeVisible();

    // Becoming visible again.
    await page.waitForTimeout(2100); // refreshes come at most every 2 s
    await account.create({ title: "Added while the tab was hidden" });
    await becomeVisible(page);
    await expect(taskCard(page, "Added while the tab was hidden")).toBeVisible();

    // Reconnecting; an editor open meanwhile keeps its draft, even when its task is deleted elsewhere.
    await taskCard(page, "Added on the phone").getByRole("button", { name: /^Edit/ }).click();
    const form = page.getByRole("form", { name: /Edit “Added on the phone”/ });
    await form.getByLabel("Title").fill("My half-done edit");
    await page.waitForTimeout(2100);
    await context.setOffline(true);
    const added = await account.create({ title: "Added while offline" });
    const phone = (await (await account.call("GET", "/api/tasks")).json()) as { tasks: { id: number; title: string }[] };
    const editedId = phone.tasks.find((t) => t.title === "Added on the phone")!.id;
    expect((await account.call("DELETE", `/api/tasks/${editedId}`)).status()).toBe(204);
    await context.setOffline(false); // fires "online"
    await expect(taskCard(page, added.title)).toBeVisible();
    await expect(form.getByLabel("Title")).toHaveValue("My half-done edit");
    await expect(form.getByLabel("Title")).toBeFocused();
    await account.dispose();
  });

  test(`a refresh keeps the loaded pages and the place in the list (${width}px)`, async ({ page }) => {
    const account = await signedIn(page, "refresh-pages", width);
    await account.createMany(70, (i) => ({ title: `Row ${String(i + 1).padStart(2, "0")}` }));
    await page.reload();
    await expect(page.locator(".task-list .task")).toHaveCount(50);
    await page.getByRole("button", { name: "Load more tasks" }).click();
    await expect(page.locator(".task-list .task")).toHaveCount(70);
    // Look at the middle of the list.
    const anchor = taskCard(page, "Row 30");
    await anchor.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -100));
    const before = (await anchor.boundingBox())!.y;

    await account.create({ title: "Newest, from elsewhere" });
    const asked: string[] = [];
    page.on("request", (r) => r.method() === "GET" && /\/api\/tasks\?/.test(r.url()) && asked.push(r.url()));
    await focusWindow(page);
    await expect(page.locator(".task-list .task")).toHaveCount(71);
    expect(asked.length, "both loaded pages were asked for again").toBe(2);
    expect((await listedTitles(page))[0]).toBe("Newest, from elsewhere");
    // The task looked at stays where it was on screen (the new one is added above, out of view).
    const after = (await anchor.boundingBox())!.y;
    expect(Math.abs(after - before)).toBeLessThan(4);
    await account.dispose();
  });
}
