import { expect, test } from "@playwright/test";
import { loginViaUi, registerViaApi, taskCard, uniqueEmail } from "./helpers";
import { WIDTHS, signedIn } from "./ui-helpers";

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

test("Enter pressed twice quickly, while the first is on its way, adds one task and no error", async ({ page }) => {
  const email = uniqueEmail("enter-fast");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  let posts = 0;
  await page.route(/\/api\/tasks$/, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    posts += 1;
    await new Promise((r) => setTimeout(r, 400)); // a slow network: the second Enter comes first
    return route.continue();
  });
  const title = page.getByLabel("Title", { exact: true });
  await title.fill("Just one");
  await title.press("Enter");
  await title.press("Enter");
  await expect(taskCard(page, "Just one")).toBeVisible();
  await title.press("Enter");
  await expect(page.getByRole("listitem")).toHaveCount(1);
  await expect(page.getByText("Enter a title.")).toHaveCount(0);
  expect(posts).toBe(1);
  // A message that was right goes away as soon as the title is being typed.
  await page.waitForTimeout(1100);
  await title.press("Enter");
  await expect(page.getByText("Enter a title.")).toBeVisible();
  await title.pressSequentially("Sec");
  await expect(page.getByText("Enter a title.")).toHaveCount(0);
});

for (const width of WIDTHS) {
  test(`a half-typed task survives the session ending, and not an explicit sign-out (${width}px)`, async ({ page }) => {
    const account = await signedIn(page, "draft", width);
    const title = page.getByLabel("Title", { exact: true });
    await title.fill("Call the plumber about");

    // Every session of the account ends (signed out everywhere from another device).
    await account.signOutEverywhere();
    await page.getByRole("button", { name: "Pending" }).first().click(); // the next request finds out
    await expect(page).toHaveURL(/\/login/, { timeout: 15_000 });
    await loginViaUi(page, account.email);
    await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Call the plumber about");

    // Made: the draft is gone.
    await page.getByLabel("Title", { exact: true }).fill("Call the plumber about the boiler");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(taskCard(page, "Call the plumber about the boiler")).toBeVisible();
    await page.reload();
    await expect(page.getByLabel("Title", { exact: true })).toHaveValue("");

    // An explicit sign-out drops it.
    await page.getByLabel("Title", { exact: true }).fill("Not for the next person");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await loginViaUi(page, account.email);
    await expect(page.getByLabel("Title", { exact: true })).toHaveValue("");
    await account.dispose();
  });
}
