import { expect, test } from "@playwright/test";
import { alertOf, shotBoth, taskCard } from "./helpers";
import { WIDTHS, signedIn } from "./ui-helpers";

// Offline for real (the browser context's network is cut); the API client retries a few times
// (about 3 s) before it reports the failure.

for (const width of WIDTHS) {
  test(`a save that fails offline keeps the editor open with the typed text, and retries (${width}px)`, async ({ page, context }) => {
    const account = await signedIn(page, "offline-edit", width);
    await account.create({ title: "Offline task", description: "Old words" });
    await page.reload();
    const card = taskCard(page, "Offline task");
    await card.getByRole("button", { name: /^Edit/ }).click();
    const form = page.getByRole("form", { name: /Edit “Offline task”/ });
    await form.getByLabel("Description").fill("New words typed on the train");

    await context.setOffline(true);
    await form.getByRole("button", { name: "Save" }).click();
    const notice = form.getByRole("alert");
    await expect(notice).toContainText("Not saved", { timeout: 20_000 });
    await expect(notice).toContainText("Your changes are still here.");
    await expect(form.getByLabel("Description")).toHaveValue("New words typed on the train");
    const retry = notice.getByRole("button", { name: "Try again" });
    await expect(retry).toBeFocused();
    await shotBoth(page, `editor-offline-${width}`);

    await context.setOffline(false);
    await retry.click();
    await expect(form).toHaveCount(0);
    await expect(card.getByText("New words typed on the train")).toBeVisible();
    await expect(card.getByText("Saving…")).toHaveCount(0);
    await page.reload();
    await expect(taskCard(page, "Offline task").getByText("New words typed on the train")).toBeVisible();
    await account.dispose();
  });

  test(`status changes that fail each keep their own retry, and Retry all (${width}px)`, async ({ page, context }) => {
    const account = await signedIn(page, "offline-status", width);
    for (const title of ["First", "Second", "Third"]) await account.create({ title });
    await page.reload();
    await expect(taskCard(page, "Third")).toBeVisible();
    const status = (title: string) => taskCard(page, title).getByRole("group", { name: /Status of/ });

    await context.setOffline(true);
    await status("First").getByRole("button", { name: "In progress" }).click();
    await status("Second").getByRole("button", { name: "In progress" }).click();
    await status("Third").getByRole("button", { name: "In progress" }).click();
    const failed = (title: string) => alertOf(page).filter({ hasText: `Couldn't change the status of “${title}”` });
    for (const title of ["First", "Second", "Third"]) await expect(failed(title)).toBeVisible({ timeout: 20_000 });
    for (const title of ["First", "Second", "Third"]) await expect(status(title).getByRole("button", { name: "Pending" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByText("3 changes failed.")).toBeVisible();
    await shotBoth(page, `status-failures-${width}`);
    await context.setOffline(false);

    // One retried alone: only that one changes, the others keep their notices.
    await failed("Second").getByRole("button", { name: "Try again" }).click();
    await expect(status("Second").getByRole("button", { name: "In progress" })).toHaveAttribute("aria-pressed", "true");
    await expect(failed("Second")).toHaveCount(0);
    await expect(failed("First")).toBeVisible();
    await expect(failed("Third")).toBeVisible();

    // Retry all: the rest.
    await page.getByRole("button", { name: "Retry all" }).click();
    for (const title of ["First", "Third"]) await expect(status(title).getByRole("button", { name: "In progress" })).toHaveAttribute("aria-pressed", "true");
    await expect(alertOf(page)).toHaveCount(0);
    await page.reload();
    for (const title of ["First", "Second", "Third"]) await expect(status(title).getByRole("button", { name: "In progress" })).toHaveAttribute("aria-pressed", "true");
    await account.dispose();
  });
}
