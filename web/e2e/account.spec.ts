import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import {
  PASSWORD,
  addTask,
  alertOf,
  loginViaApi,
  loginViaUi,
  registerViaApi,
  sameOrigin,
  shotBoth,
  uniqueEmail,
  watchConsole,
} from "./helpers";

const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

async function expectAccessible(page: Page, where: string) {
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), `${where} at ${width}px`).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${where} at ${width}px overflows horizontally`).toBeLessThanOrEqual(0);
  }
}

const sessionsList = (page: Page) => page.getByRole("list", { name: "Sessions" });

test("my sessions: devices listed, this one marked, another one ended from here", async ({ page, browser }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail("sessions");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const phone = await browser.newContext({ userAgent: PHONE_UA });
  const phonePage = await phone.newPage();
  // Signed in without a page open, so that no refresh timer of its own ends it before we look.
  await loginViaApi(phonePage, email);

  await page.getByRole("link", { name: "Account" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Account" })).toHaveAttribute("aria-current", "page");
  const items = sessionsList(page).getByRole("listitem");
  await expect(items).toHaveCount(2);
  const mine = items.filter({ hasText: "This device" });
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText("Chrome on Linux");
  await expect(mine.getByRole("button", { name: /End session/ })).toHaveCount(0);
  const other = items.filter({ hasText: "Safari on iOS" });
  await expect(other).toContainText("127.0.0.1");
  await expect(other).toContainText(/last used (just now|\d+ minutes? ago)/);
  await expectAccessible(page, "/account");
  await shotBoth(page, "account");

  await other.getByRole("button", { name: /End session/ }).click();
  await expect(page.getByRole("status")).toHaveText(/Ended the session of Safari on iOS/);
  await expect(items).toHaveCount(1);
  // The phone's session is over: its refresh cookie is refused.
  await phonePage.goto("/trash");
  await expect(phonePage).toHaveURL(/\/login\?next=%2Ftrash&reason=expired$/);
  await expect(phonePage.getByText(/^Your session has ended/)).toBeVisible();
  await phone.close();
  // This device is still signed in.
  await page.reload();
  await expect(sessionsList(page).getByRole("listitem")).toHaveCount(1);
  expect(errors, errors.join("\n")).toEqual([]);
});

test("change password: a wrong current password is a field error, success ends the other sessions", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("password");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const laptop = await browser.newContext();
  const laptopPage = await laptop.newPage();
  await loginViaUi(laptopPage, email);

  await page.goto("/account");
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("Enter your current password.")).toBeVisible();
  await expect(form.getByLabel("Current password")).toBeFocused();

  await form.getByLabel("Current password").fill("not-my-password");
  await form.getByLabel("New password").fill("a-new-password-42");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("That is not your current password.")).toBeVisible();
  await expect(form.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Current password")).toBeFocused();
  // A wrong password is not an ended session: still here, still signed in.
  await expect(page).toHaveURL(/\/account$/);

  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill("short");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("The new password must be at least 8 characters.")).toBeVisible();
  await expect(form.getByLabel("New password")).toBeFocused();

  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill("a-new-password-42");
  await expectAccessible(page, "/account, changing the password");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed. Every other session of yours was signed out; this one stays signed in.")).toBeVisible();
  await expect(form.getByLabel("Current password")).toHaveValue("");
  await expect(sessionsList(page).getByRole("listitem")).toHaveCount(1);
  await shotBoth(page, "account-password-changed");

  // The laptop's session was ended; the old password no longer signs in, the new one does.
  await laptopPage.waitForTimeout(1_000);
  await laptopPage.reload();
  await expect(laptopPage).toHaveURL(/\/login\?next=%2F&reason=expired$/);
  await laptop.close();
  const old = await page.request.post("/session/login", { data: { email, password: PASSWORD }, headers: sameOrigin(baseURL) });
  expect(old.status()).toBe(401);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  const fresh = await page.request.post("/api/auth/login", { data: { email, password: "a-new-password-42" } });
  expect(fresh.status()).toBe(200);
});

test("delete account: confirmed by the password, then the sign-in page says so", async ({ page, baseURL }) => {
  const email = uniqueEmail("delete");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await addTask(page, "Goes with the account");
  await page.goto("/account");
  const form = page.getByRole("form", { name: "Delete account" });
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(form.getByText("Type your password to confirm.")).toBeVisible();
  await form.getByLabel("Type your password to confirm").fill("wrong-password-1");
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(form.getByText("That is not your password. Your account was not deleted.")).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);

  await form.getByLabel("Type your password to confirm").fill(PASSWORD);
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/login\?reason=deleted$/);
  await expect(page.getByText("Your account has been deleted.", { exact: false })).toBeVisible();
  await shotBoth(page, "login-account-deleted");
  const again = await page.request.post("/session/login", { data: { email, password: PASSWORD }, headers: sameOrigin(baseURL) });
  expect(again.status(), "the account is gone").toBe(401);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(alertOf(page)).toHaveCount(0);
});

test("security log: my events, newest first, paged with Load more", async ({ page, baseURL }) => {
  const email = uniqueEmail("log");
  await registerViaApi(page, email);
  // A failed attempt, then enough renewals for more than one page (50 a page).
  expect((await page.request.post("/api/auth/login", { data: { email, password: "a-wrong-guess" } })).status()).toBe(401);
  await loginViaApi(page, email);
  for (let i = 0; i < 55; i++) {
    const res = await page.request.post("/session/refresh", { headers: sameOrigin(baseURL) });
    expect(res.status()).toBe(200);
  }
  await page.goto("/account");
  const log = page.getByRole("list", { name: "Security events" });
  await expect(log.getByRole("listitem")).toHaveCount(50);
  await expect(log.getByRole("listitem").first()).toContainText("Session renewed");
  await expect(log.getByRole("listitem").first().locator("time")).toHaveAttribute("datetime", /^\d{4}-\d{2}-\d{2}T/);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(log.getByRole("listitem")).not.toHaveCount(50);
  const texts = await log.getByRole("listitem").allTextContents();
  expect(texts.length).toBeGreaterThanOrEqual(58); // register, failed sign-in, sign-in, 55 renewals (and the page's own)
  expect(texts.some((t) => t.includes("Sign-in failed"))).toBe(true);
  expect(texts.some((t) => t.includes("Account created"))).toBe(true);
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
  await expectAccessible(page, "/account with the security log");
});
