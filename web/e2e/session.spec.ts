import { expect, test, type Page } from "@playwright/test";
import {
  PASSWORD,
  REFRESH_COOKIE,
  SESSION_KEY,
  addTask,
  alertOf,
  loginViaApi,
  loginViaUi,
  refreshCookieOf,
  registerViaApi,
  sameOrigin,
  shotBoth,
  taskCard,
  tokenOf,
  uniqueEmail,
  watchConsole,
} from "./helpers";

// The e2e stack runs auth-service with short access tokens (JWT_TTL_SECONDS=10: `make
// stack-tests` restarts it with `scripts/test-stack.sh ttl 10`), so that a test can outlive one.
const MAX_E2E_TTL = 30;
// The verifiers accept a token a few seconds past its expiry (clock leeway, JWT_LEEWAY_SECONDS).
const LEEWAY_S = 5;

async function signInWatchingTokens(page: Page, email: string) {
  const login = page.waitForResponse((r) => r.url().endsWith("/session/login") && r.request().method() === "POST");
  await loginViaUi(page, email);
  const answer = (await (await login).json()) as Record<string, unknown>;
  return answer;
}

test("stays signed in across access-token expiries, refreshing in the background", async ({ page }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail("expiry");
  await registerViaApi(page, email);
  const first = await signInWatchingTokens(page, email);
  // (The sign-in page's own refresh, before signing in, found no session: not counted.)
  const refreshes: number[] = [];
  page.on("response", (r) => {
    if (r.url().endsWith("/session/refresh")) refreshes.push(r.status());
  });
  const ttl = Number(first.expires_in);
  expect(ttl, "the e2e stack must issue short access tokens: `scripts/test-stack.sh ttl 10`").toBeLessThanOrEqual(MAX_E2E_TTL);
  await addTask(page, "Before the expiry");

  // Past the first token's expiry (and the verifiers' leeway): it is refused now...
  await page.waitForTimeout((ttl + LEEWAY_S + 2) * 1000);
  const stale = await page.request.get("/api/tasks", { headers: { Authorization: `Bearer ${String(first.access_token)}` } });
  expect(stale.status(), "the first access token has expired").toBe(401);
  // ...but the page refreshed before it ran out, and carries on without a sign-in.
  expect(refreshes.length, "refreshed in the background").toBeGreaterThanOrEqual(1);
  expect(refreshes.every((s) => s === 200), `refresh answers: ${refreshes.join(",")}`).toBe(true);
  await addTask(page, "After the expiry");
  await expect(page).toHaveURL(/\/$/);
  await expect(taskCard(page, "Before the expiry")).toBeVisible();
  expect(errors, errors.join("\n")).toEqual([]);
});

test("a 401 refreshes once and retries the request (the timer had not fired yet)", async ({ page }) => {
  const email = uniqueEmail("retry401");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  // The next task request carries a token the API refuses, as an expired one would be.
  let forged = 0;
  await page.route("**/api/tasks", async (route) => {
    if (route.request().method() === "POST" && forged === 0) {
      forged += 1;
      await route.continue({ headers: { ...route.request().headers(), authorization: "Bearer not.a.valid-token" } });
    } else await route.continue();
  });
  const refresh = page.waitForResponse((r) => r.url().endsWith("/session/refresh"));
  await addTask(page, "Saved after one refresh");
  expect((await refresh).status()).toBe(200);
  expect(forged).toBe(1);
  await expect(alertOf(page)).toHaveCount(0);
  await page.reload();
  await expect(taskCard(page, "Saved after one refresh")).toBeVisible();
});

test("a reload keeps you signed in; the refresh token is out of reach of scripts", async ({ page }) => {
  const email = uniqueEmail("reload");
  await registerViaApi(page, email);
  const login = page.waitForResponse((r) => r.url().endsWith("/session/login"));
  await loginViaUi(page, email);
  const body = (await (await login).json()) as Record<string, unknown>;
  expect(Object.keys(body).sort(), "the browser gets the access token only").toEqual(["access_token", "expires_in", "token_type"]);
  await addTask(page, "Survives a reload");

  await page.reload();
  await expect(page).toHaveURL(/\/$/);
  await expect(taskCard(page, "Survives a reload")).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();

  const cookie = await refreshCookieOf(page);
  expect(cookie, "the refresh cookie is set").toBeTruthy();
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Strict");
  expect(cookie?.path).toBe("/session");
  expect(cookie?.secure, "plain http here: Secure only over https").toBe(false);
  const visible = await page.evaluate(() => ({
    cookie: document.cookie,
    local: Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`).join("\n"),
    session: Object.keys(sessionStorage).map((k) => `${k}=${sessionStorage.getItem(k)}`).join("\n"),
  }));
  for (const [where, text] of Object.entries(visible)) {
    expect(text, where).not.toContain(cookie!.value);
    expect(text, where).not.toContain(REFRESH_COOKIE);
  }
  expect(visible.local, "nothing in localStorage").toBe("");
  expect(await page.evaluate((k) => localStorage.getItem(k), SESSION_KEY)).toBeNull();
});

test("signing out in one tab signs out the others", async ({ page, context }) => {
  const email = uniqueEmail("tabs");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const other = await context.newPage();
  await other.goto("/trash");
  await expect(other.getByRole("heading", { name: "Trash" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  // The other tab did nothing: it was told.
  await expect(other).toHaveURL(/\/login\?next=%2Ftrash&reason=other-tab$/);
  await expect(other.getByText("You signed out in another tab.")).toBeVisible();
  expect(await refreshCookieOf(page), "the refresh cookie is gone").toBeUndefined();
  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  await expect(other.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("tabs refreshing at the same moment share the session (one refresh at a time)", async ({ page, context }) => {
  const email = uniqueEmail("locks");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const tabs = [page, await context.newPage(), await context.newPage()];
  // When each refresh of each tab started and ended.
  const spans: { start: number; end: number }[] = [];
  const started = new Map<unknown, number>();
  for (const t of tabs) {
    t.on("request", (r) => {
      if (r.url().endsWith("/session/refresh")) started.set(r, Date.now());
    });
    t.on("requestfinished", (r) => {
      if (started.has(r)) spans.push({ start: started.get(r)!, end: Date.now() });
    });
  }
  // Every load refreshes: three tabs loading at once would present one single-use refresh
  // token three times (which ends the session, ADR 0006) unless they take turns.
  for (let round = 0; round < 3; round++) {
    await Promise.all(tabs.map((t) => t.goto("/")));
    for (const t of tabs) await expect(t.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  }
  // They took turns (the Web Lock): no two refreshes were in flight at once.
  spans.sort((a, b) => a.start - b.start);
  expect(spans.length).toBeGreaterThanOrEqual(9);
  for (let i = 1; i < spans.length; i++) {
    expect(spans[i]!.start, `refresh ${i} started before refresh ${i - 1} had ended`).toBeGreaterThanOrEqual(spans[i - 1]!.end - 5);
  }
  const token = await tokenOf(page);
  const events = await page.request.get("/api/auth/events?limit=200", { headers: { Authorization: `Bearer ${token}` } });
  const actions = ((await events.json()) as { events: { action: string }[] }).events.map((e) => e.action);
  expect(actions).not.toContain("refresh_reused");
});

test("a refresh token presented twice in a row (a reload during a refresh) gets the same answer, not a theft alarm", async ({ page, playwright, baseURL }) => {
  const email = uniqueEmail("replay");
  await registerViaApi(page, email);
  await loginViaApi(page, email);
  const cookie = (await refreshCookieOf(page))!.value;
  // A client without a cookie jar, so that both calls present the same (first) refresh token, as
  // a page does that reloads while its refresh is in flight: the auth-service rotated the token,
  // the aborted answer never set the new cookie, and the next page sends the old one.
  const bare = await playwright.request.newContext({ baseURL });
  const send = () => bare.post("/session/refresh", { headers: { ...sameOrigin(baseURL), Cookie: `${REFRESH_COOKIE}=${cookie}` } });
  const [a, b] = [await send(), await send()];
  expect(a.status()).toBe(200);
  expect(b.status(), "the second presentation is not a reuse").toBe(200);
  expect((await b.json()).access_token).toBe((await a.json()).access_token);
  const successor = /taskhub_refresh=([^;]+)/.exec(b.headers()["set-cookie"] ?? "")?.[1];
  expect(successor).toBe(/taskhub_refresh=([^;]+)/.exec(a.headers()["set-cookie"] ?? "")?.[1]);
  // The session lives on with the successor.
  const next = await bare.post("/session/refresh", { headers: { ...sameOrigin(baseURL), Cookie: `${REFRESH_COOKIE}=${successor}` } });
  expect(next.status()).toBe(200);
  await bare.dispose();
});

test("sign out everywhere ends a second browser's session; its sign-in page keeps the email", async ({ page, browser }) => {
  const email = uniqueEmail("everywhere");
  await registerViaApi(page, email);
  await loginViaUi(page, email);

  const laptop = await browser.newContext();
  const other = await laptop.newPage();
  await loginViaUi(other, email);
  await other.getByLabel("Title", { exact: true }).fill("Half-typed on the laptop");

  await page.goto("/account");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/login$/);
  // Every service refuses the ended sessions' tokens within a second (contract, "Sessions").
  await other.waitForTimeout(1_000);

  // The laptop's next request is refused, and the one refresh it tries too (unless its own
  // background refresh, every few seconds with the e2e stack's short tokens, got there first:
  // then there is nothing left to click, and the outcome is the same).
  await other.getByRole("button", { name: "Add task" }).click({ timeout: 3_000 }).catch(() => undefined);
  await expect(other).toHaveURL(/\/login\?next=%2F&reason=expired$/);
  await expect(other.getByText(/Your session has ended/)).toBeVisible();
  await expect(other.getByLabel("Email")).toHaveValue(email);
  await expect(other.getByLabel("Password")).toBeFocused();
  await shotBoth(other, "login-session-ended");
  // Signing in again returns to where it was.
  await other.getByLabel("Password").fill(PASSWORD);
  await other.getByRole("button", { name: "Sign in" }).click();
  await expect(other).toHaveURL(/\/$/);
  await laptop.close();
});

test("the session handlers refuse cross-site calls", async ({ page, baseURL }) => {
  const email = uniqueEmail("csrf");
  await registerViaApi(page, email);
  await loginViaApi(page, email);
  const handlers = ["/session/login", "/session/refresh", "/session/logout", "/session/logout-all"];
  const cases: Record<string, Record<string, string>> = {
    "another site": { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
    "a sibling subdomain": { Origin: "https://evil.example", "Sec-Fetch-Site": "same-site" },
    "no browser headers at all": {},
    "an older browser from another origin": { Origin: "https://evil.example" },
  };
  for (const path of handlers) {
    for (const [name, headers] of Object.entries(cases)) {
      const res = await page.request.post(path, { headers, data: { email, password: PASSWORD } });
      expect(res.status(), `${path} from ${name}`).toBe(403);
      expect(await res.json()).toEqual({ detail: "This request must come from a taskhub page.", error_code: "CROSS_SITE_REQUEST" });
    }
  }
  // Nothing was ended or rotated: the session still refreshes from this origin.
  const ok = await page.request.post("/session/refresh", { headers: sameOrigin(baseURL) });
  expect(ok.status()).toBe(200);

  // A real page of another origin posting a form to us (the classic cross-site request).
  await page.goto("about:blank");
  await page.setContent(`<form method="post" action="${baseURL}/session/logout-all"><button>Go</button></form>`);
  const [answer] = await Promise.all([page.waitForResponse(`${baseURL}/session/logout-all`), page.getByRole("button", { name: "Go" }).click()]);
  expect(answer.status()).toBe(403);
  const still = await page.request.post(`${baseURL}/session/refresh`, { headers: sameOrigin(baseURL) });
  expect(still.status(), "the session survived").toBe(200);
});

test("sign-in is retried after a 5xx (it changes nothing); registering is never retried", async ({ page }) => {
  const email = uniqueEmail("retrylogin");
  await registerViaApi(page, email);
  let logins = 0;
  await page.route("**/session/login", async (route) => {
    logins += 1;
    if (logins === 1) await route.fulfill({ status: 503, contentType: "application/json", headers: { "Retry-After": "1" }, body: JSON.stringify({ detail: "Service unavailable", error_code: "SERVICE_UNAVAILABLE" }) });
    else await route.continue();
  });
  await loginViaUi(page, email);
  expect(logins, "one failure, one retry").toBe(2);

  const fresh = await page.context().browser()!.newContext();
  const other = await fresh.newPage();
  let registers = 0;
  await other.route("**/api/auth/register", async (route) => {
    registers += 1;
    await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ detail: "Service unavailable", error_code: "SERVICE_UNAVAILABLE" }) });
  });
  await other.goto("/register");
  await other.getByLabel("Email").fill(uniqueEmail("noretry"));
  await other.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await other.getByRole("button", { name: "Create account" }).click();
  await expect(alertOf(other)).toHaveText("Service unavailable");
  expect(registers, "a register is not repeated").toBe(1);
  await fresh.close();
});

test("a server that cannot be reached at page load is said so, not taken for a sign-out", async ({ page }) => {
  const email = uniqueEmail("unreachable");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await addTask(page, "Still mine after the outage");
  let down = true;
  await page.route("**/session/refresh", (route) =>
    down ? route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ detail: "Service unavailable", error_code: "SERVICE_UNAVAILABLE" }) }) : route.continue(),
  );
  await page.reload();
  await expect(alertOf(page)).toContainText("We couldn’t reach the server to check that you are signed in.");
  await expect(page).toHaveURL(/\/$/);
  await shotBoth(page, "dashboard-session-unreachable");
  down = false;
  await alertOf(page).getByRole("button", { name: "Try again" }).click();
  await expect(taskCard(page, "Still mine after the outage")).toBeVisible();
});
