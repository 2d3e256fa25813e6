import { expect, test } from "@playwright/test";
import { loginViaUi, registerViaApi, taskCard, uniqueEmail } from "./helpers";

test("Enter pressed twice adds one task and shows no error", async ({ page }) => {
  const email = uniqueEmail("enter-twice");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const title = page.getByLabel("Title", { exact: true });
  await title.fill("Only once");
  await title.press("Enter");
  await expect(taskCard(page, "Only once")).toBeVisible();
  await title.press("Enter");
  await expect(page.getByRole("listitem")).toHaveCount(1);
  await expect(page.getByText("Enter a title.")).toHaveCount(0);
  // A deliberate empty submit later still says what is missing.
  await page.waitForTimeout(1100);
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByText("Enter a title.")).toBeVisible();
});

test("n focuses the new task's title, / the search box", async ({ page }) => {
  const email = uniqueEmail("keys");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await page.getByRole("heading", { name: "Tasks", exact: true }).click();
  await page.keyboard.press("n");
  await expect(page.getByLabel("Title", { exact: true })).toBeFocused();
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue(""); // the key is not typed
  await page.keyboard.type("typed n stays text");
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue("typed n stays text");
  await page.getByRole("heading", { name: "Tasks", exact: true }).click();
  await page.keyboard.press("/");
  await expect(page.getByRole("searchbox", { name: "Search tasks" })).toBeFocused();
});
