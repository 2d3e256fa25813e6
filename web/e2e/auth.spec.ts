import { expect, test } from "@playwright/test";
import { alertOf, PASSWORD, SESSION_KEY, addTask, loginViaUi, registerViaApi, shotBoth, taskCard, uniqueEmail } from "./helpers";

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
  await shotBoth(page, "login-wrong-password");

  // And the right one works.
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("a locked account says how long to wait, and a device that signed in before still gets in", async ({ page, browser }) => {
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

  // The owner's browser, which holds the device cookie, is not locked out.
  const res = await page.request.post("/api/auth/login", { data: { email, password: PASSWORD } });
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

test.describe("a token that is no longer valid sends the user to /login", () => {
  let email = "";
  test.beforeEach(async ({ page }) => {
    email = uniqueEmail("token");
    await registerViaApi(page, email);
    await loginViaUi(page, email);
    await addTask(page, "Still here after signing in again");
  });

  test("removed token", async ({ page }) => {
    await page.evaluate((k) => localStorage.removeItem(k), SESSION_KEY);
    await page.reload();
    await expect(page).toHaveURL(/\/login\?next=%2F$/);
  });

  test("expired token (expiry time in the past)", async ({ page }) => {
    await page.evaluate((k) => {
      const s = JSON.parse(localStorage.getItem(k) ?? "{}");
      localStorage.setItem(k, JSON.stringify({ ...s, expiresAt: Date.now() - 1000 }));
    }, SESSION_KEY);
    await page.reload();
    await expect(page).toHaveURL(/\/login\?next=%2F&reason=expired$/);
    await expect(page.getByText("Your session has expired. Please sign in again.")).toBeVisible();
    expect(await page.evaluate((k) => localStorage.getItem(k), SESSION_KEY)).toBeNull();
  });

  test("token expiring while the page is open", async ({ page }) => {
    await page.evaluate((k) => {
      const s = JSON.parse(localStorage.getItem(k) ?? "{}");
      localStorage.setItem(k, JSON.stringify({ ...s, expiresAt: Date.now() + 1500 }));
    }, SESSION_KEY);
    await page.reload();
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
    await expect(page).toHaveURL(/\/login\?next=%2F&reason=expired$/, { timeout: 10_000 });
  });

  test("token the server rejects (401 clears it), then signing in returns to the dashboard", async ({ page }) => {
    await page.evaluate((k) => {
      const s = JSON.parse(localStorage.getItem(k) ?? "{}");
      localStorage.setItem(k, JSON.stringify({ ...s, token: "not.a.valid-token" }));
    }, SESSION_KEY);
    await page.reload();
    await expect(page).toHaveURL(/\/login\?next=%2F&reason=unauthorized$/);
    await expect(page.getByText("Please sign in again to continue.")).toBeVisible();
    expect(await page.evaluate((k) => localStorage.getItem(k), SESSION_KEY)).toBeNull();
    await page.getByLabel("Email").fill(email);
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
