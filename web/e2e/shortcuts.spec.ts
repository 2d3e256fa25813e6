import { expect, test } from "@playwright/test";
import { shotBoth } from "./helpers";
import { WIDTHS, expectAccessible, expectFocusVisible, signedIn } from "./ui-helpers";

for (const width of WIDTHS) {
  test(`? opens a modal listing the shortcuts; focus stays in it and returns (${width}px)`, async ({ page }) => {
    const account = await signedIn(page, "shortcuts", width);
    const search = page.getByRole("searchbox", { name: "Search tasks" });
    const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });

    // Typed into a field, "?" is text.
    await search.fill("what?");
    await expect(dialog).toBeHidden();
    await search.fill("");

    // From the page: a modal with a name, listing n, /, Escape and ?.
    await page.getByRole("button", { name: "All", exact: true }).focus(); // somewhere on the page, to be returned to
    const opener = await page.evaluate(() => document.activeElement?.outerHTML);
    await page.keyboard.press("?");
    await expect(dialog).toBeVisible();
    const kbd = async (key: string) => (await dialog.locator("kbd").allTextContents()).filter((k) => k === key).length;
    for (const key of ["n", "/", "Esc", "?"]) expect(await kbd(key), key).toBe(1);
    const close = dialog.getByRole("button", { name: "Close" });
    await expect(close).toBeFocused();
    await expectFocusVisible(page);
    expect(await page.evaluate(() => document.querySelector("dialog")?.matches(":modal"))).toBe(true);

    // Tab and Shift+Tab stay inside; the page behind does not react to shortcuts.
    await page.keyboard.press("Tab");
    await expect(close).toBeFocused();
    await page.keyboard.press("Shift+Tab");
    await expect(close).toBeFocused();
    await page.keyboard.press("n");
    await expect(page.getByLabel("Title", { exact: true })).not.toBeFocused();
    await expectAccessible(page, "shortcuts dialog");
    if (width === 1280) await shotBoth(page, "dashboard-shortcuts");

    // Escape closes it and focus is back where it was.
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    expect(await page.evaluate(() => document.activeElement?.outerHTML)).toBe(opener);

    // On wide screens a button opens it too; Close returns focus to the button. (Phones, rarely
    // with a keyboard, keep the room for tasks: "?" still works there.)
    const button = page.getByRole("button", { name: "Keyboard shortcuts" });
    if (width < 640) await expect(button).toBeHidden();
    else {
      await button.click();
      await expect(dialog).toBeVisible();
      await close.click();
      await expect(dialog).toBeHidden();
      await expect(button).toBeFocused();
    }

    // The other shortcuts still work once it is closed.
    await page.getByRole("heading", { name: "Tasks", exact: true }).click();
    await page.keyboard.press("n");
    await expect(page.getByLabel("Title", { exact: true })).toBeFocused();
    await account.dispose();
  });
}
