import { expect, test } from "@playwright/test";
import {
  alertOf,
  PASSWORD,
  SESSION_KEY,
  addTask,
  loginViaUi,
  refreshCookieOf,
  registerViaApi,
  sameOrigin,
  shotBoth,
  taskCard,
  tokenOf,
  uniqueEmail,
} from "./helpers";

test("a wrong password shows the error and keeps the user signed out", async ({ page }) => {
  const email = uniqueEmail("wrongpw");
  await registerViaApi(page, email);
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = alertOf(page);
  await expect(alert).toHaveText("Invalid credentials");
  await expect(alert).toBeFocused();
  await expect(page.getByLabel("Password")).toHaveValue("");
  await expect(page).toHaveURL(/\/login$/);
  expect(await page.evaluate((k) => localStorage.getItem(k), SESSION_KEY)).toBeNull();
  expect(await refreshCookieOf(page), "no session cookie").toBeUndefined();
  await shotBoth(page, "login-wrong-password");

  // And the right one works.
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("a locked account says how long to wait, and a device that signed in before still gets in", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("locked");
  await registerViaApi(page, email);
  // This browser signs in once: the answer gives it the account's device cookie.
  await loginViaUi(page, email);

  // Someone else runs up the account's failures (10 is the default limit per account).
  const other = await browser.newContext();
  for (let i = 0; i < 10; i++) {
    const res = await other.request.post("/api/auth/login", { data: { email, password: `guess-${i}` } });
    expect(res.status()).toBe(401);
  }
  const stranger = await other.newPage();
  await stranger.goto("/login");
  await stranger.getByLabel("Email").fill(email);
  await stranger.getByLabel("Password").fill(PASSWORD);
  await stranger.getByRole("button", { name: "Sign in" }).click();
  await expect(alertOf(stranger)).toHaveText(/^Too many failed logins\. Try again in 1[45] minutes\.$/);
  await other.close();

  // The owner's browser, which holds the device cookie (passed through by the app's /session/login,
  // which signs in for the browser now), is not locked out.
  const device = (await page.context().cookies()).find((c) => c.name.startsWith("taskhub_device_"));
  expect(device?.path).toBe("/session/login");
  expect(device?.httpOnly).toBe(true);
  const res = await page.request.post("/session/login", { data: { email, password: PASSWORD }, headers: sameOrigin(baseURL) });
  expect(res.status()).toBe(200);
});

test("registering an existing email shows the API's message next to the email field", async ({ page }) => {
  const email = uniqueEmail("dupe");
  await registerViaApi(page, email);
  await page.goto("/register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#email-error")).toHaveText(/already exists/i);
  await expect(page.getByLabel("Email")).toBeFocused();
  await shotBoth(page, "register-duplicate");
  // "Sign in instead" goes to the sign-in page with the email filled in.
  await page.locator("#email-error").getByRole("link", { name: "Sign in instead" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await expect(page.getByLabel("Password")).toBeFocused();
});

test("the password can be shown while typing it", async ({ page }) => {
  await page.goto("/login");
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("visible-now-42");
  const toggle = page.getByRole("button", { name: "Show password" });
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await expect(password).toHaveAttribute("type", "password");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect(password).toHaveAttribute("type", "text");
  await expect(password).toHaveValue("visible-now-42");
  await toggle.press("Enter");
  await expect(password).toHaveAttribute("type", "password");
});

test("a second user does not see the first user's tasks", async ({ browser }) => {
  const alice = uniqueEmail("alice");
  const bob = uniqueEmail("bob");

  const a = await browser.newPage();
  await registerViaApi(a, alice);
  await loginViaUi(a, alice);
  await addTask(a, "Alice's secret plan");

  const b = await browser.newPage();
  await registerViaApi(b, bob);
  await loginViaUi(b, bob);
  await expect(b.getByText("No tasks yet. Add your first one above.")).toBeVisible();
  await expect(b.getByText("Alice's secret plan")).toHaveCount(0);
  await addTask(b, "Bob's shopping list");

  // Alice still sees only her own.
  await a.reload();
  await expect(taskCard(a, "Alice's secret plan")).toBeVisible();
  await expect(a.getByText("Bob's shopping list")).toHaveCount(0);
  await expect(a.getByRole("listitem")).toHaveCount(1);
  await a.close();
  await b.close();
});

test.describe("a session that is no longer valid sends the user to /login", () => {
  let email = "";
  test.beforeEach(async ({ page }) => {
    email = uniqueEmail("token");
    await registerViaApi(page, email);
    await loginViaUi(page, email);
    await addTask(page, "Still here after signing in again");
  });

  test("no refresh cookie (signed out elsewhere in this browser)", async ({ page, context }) => {
    await context.clearCookies({ name: "taskhub_refresh" });
    await page.reload();
    await expect(page).toHaveURL(/\/login\?next=%2F$/);
  });

  test("a refresh cookie the server refuses", async ({ page, context, baseURL }) => {
    // Overwrites the real one (same name, host and path).
    const host = new URL(baseURL!).hostname;
    await context.addCookies([{ name: "taskhub_refresh", value: "not-a-refresh-token", domain: host, path: "/session", httpOnly: true, sameSite: "Strict" }]);
    expect((await context.cookies()).filter((c) => c.name === "taskhub_refresh").map((c) => c.value)).toEqual(["not-a-refresh-token"]);
    await page.reload();
    await expect(page).toHaveURL(/\/login\?next=%2F&reason=expired$/);
    await expect(page.getByText(/^Your session has ended/)).toBeVisible();
    await expect(page.getByLabel("Email"), "the email survives the reload").toHaveValue(email);
    expect(await refreshCookieOf(page), "the refused cookie is cleared").toBeUndefined();
  });

  test("a session ended on the server: the next request ends it here, then signing in returns to the page", async ({ page }) => {
    const token = await tokenOf(page);
    expect((await page.request.post("/api/auth/logout", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(204);
    await page.waitForTimeout(1_000); // revocations reach every service within a second
    // The next request ends it here (or the page's own background refresh, if it comes first).
    try {
      await page.getByLabel("Title", { exact: true }).fill("Typed after the session ended", { timeout: 3_000 });
      await page.getByRole("button", { name: "Add task" }).click({ timeout: 3_000 });
    } catch {
      /* already on the sign-in page */
    }
    await expect(page).toHaveURL(/\/login\?next=%2F&reason=expired$/);
    await expect(page.getByText(/^Your session has ended/)).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveValue(email);
    expect(await page.evaluate((k) => localStorage.getItem(k), SESSION_KEY)).toBeNull();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(taskCard(page, "Still here after signing in again")).toBeVisible();
  });
});

// A signed-in user sent to /login?next=... goes to `next` at once: only a path of this site may
// be followed. Browsers drop tabs and newlines in URLs and read "\" as "/", so each of these
// would otherwise become "//evil.example", another site.
test("a post-login destination on another site is never followed", async ({ page, baseURL }) => {
  const email = uniqueEmail("next");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const bypasses = ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\t\\evil.example", "//evil.example",
    "/\\evil.example", "https://evil.example/", "/.//evil.example"];
  for (const next of bypasses) {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await expect(page, JSON.stringify(next)).toHaveURL(`${baseURL}/`);
  }
  await page.goto(`/login?next=${encodeURIComponent("/?q=kept#and-this")}`);
  await expect(page).toHaveURL(`${baseURL}/?q=kept#and-this`);
});
