import { expect, type APIResponse, type Page } from "@playwright/test";

export const PASSWORD = "correct-horse-42";
/**
 * Where the app kept its session in localStorage before issue 19. Nothing is stored there now:
 * tests check that it stays empty.
 */
export const SESSION_KEY = "taskhub.session";
/** The HttpOnly cookie with the refresh token (lib/session-server.ts). */
export const REFRESH_COOKIE = "taskhub_refresh";
/** The Web Lock the app holds while it refreshes (lib/session.ts). */
export const REFRESH_LOCK = "taskhub.session.refresh";

let n = 0;
/** A fresh address for every call, unique across runs. */
export function uniqueEmail(tag: string): string {
  n += 1;
  return `e2e-${tag}-${Date.now()}-${process.pid}-${n}@example.com`;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** Screenshots at phone and desktop widths, then back to the original viewport. */
export async function shotBoth(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: width === 360 ? 780 : 900 });
    await shot(page, `${name}-${width}`);
  }
  if (original) await page.setViewportSize(original);
}

/** Registers through the API (same origin, via the Next proxy). */
export async function registerViaApi(page: Page, email: string, password = PASSWORD): Promise<void> {
  const res = await page.request.post("/api/auth/register", { data: { email, password } });
  expect(res.status(), await res.text()).toBe(201);
}

export async function loginViaUi(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
}

export async function addTask(page: Page, title: string, opts: { description?: string; status?: string } = {}) {
  await page.getByLabel("Title", { exact: true }).fill(title);
  if (opts.description) await page.getByLabel("Description (optional)").fill(opts.description);
  if (opts.status) await page.getByLabel("Status", { exact: true }).selectOption(opts.status);
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(taskCard(page, title)).toBeVisible();
}

export function taskCard(page: Page, title: string) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: title, exact: true }) });
}

/** Collects console errors and uncaught exceptions; expected HTTP error logs can be filtered by the test. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Our role="alert" messages (Next's route announcer also has role="alert"). */
export function alertOf(page: Page) {
  return page.getByRole("alert").and(page.locator(":not(#__next-route-announcer__)"));
}

/**
 * The signed-in page's bearer token. The app keeps its access token in memory only, so this asks
 * the app's own refresh handler for a new one, from inside the page (same origin, with the
 * HttpOnly cookie the test cannot read) and under the same Web Lock the app takes, so it never
 * races the app's own refresh (a refresh token is single-use). The page's token stays valid.
 */
export async function tokenOf(page: Page): Promise<string> {
  const token = await page.evaluate(async (lock) => {
    const run = async () => {
      const res = await fetch("/session/refresh", { method: "POST", credentials: "same-origin", cache: "no-store" });
      return res.status === 200 ? ((await res.json()) as { access_token?: string }).access_token ?? null : null;
    };
    return navigator.locks ? navigator.locks.request(lock, run) : run();
  }, REFRESH_LOCK);
  if (!token) throw new Error("not signed in");
  return token;
}

/** Sends `send(token)`; on a 401 (an access token outlived, e.g. the e2e stack's 10 s), once more with a new token. */
async function withToken(page: Page, send: (token: string) => Promise<APIResponse>): Promise<APIResponse> {
  const res = await send(await tokenOf(page));
  return res.status() === 401 ? send(await tokenOf(page)) : res;
}

/** Creates tasks through the API as the signed-in user, in order; returns them as the API answered. */
export async function createTasksViaApi(page: Page, tasks: Record<string, unknown>[]): Promise<{ id: number; version: number; title: string }[]> {
  let token = await tokenOf(page);
  const out = [];
  for (const data of tasks) {
    let res = await page.request.post("/api/tasks", { data, headers: { Authorization: `Bearer ${token}` } });
    if (res.status() === 401) {
      token = await tokenOf(page);
      res = await page.request.post("/api/tasks", { data, headers: { Authorization: `Bearer ${token}` } });
    }
    expect(res.status(), await res.text()).toBe(201);
    out.push((await res.json()) as { id: number; version: number; title: string });
  }
  return out;
}

/** The titles of the listed tasks, top to bottom. */
export async function listedTitles(page: Page): Promise<string[]> {
  return page.locator(".task-list .task-title").allTextContents();
}

/** Moves tasks to the trash through the API as the signed-in user. */
export async function deleteTasksViaApi(page: Page, ids: number[]): Promise<void> {
  for (const id of ids) {
    const res = await withToken(page, (token) => page.request.delete(`/api/tasks/${id}`, { headers: { Authorization: `Bearer ${token}` } }));
    expect(res.status(), await res.text()).toBe(204);
  }
}

/** The headers a same-origin page's fetch would carry (the session handlers refuse others). */
export function sameOrigin(baseURL: string | undefined): Record<string, string> {
  if (!baseURL) throw new Error("baseURL is not set");
  return { Origin: new URL(baseURL).origin, "Sec-Fetch-Site": "same-origin" };
}

/**
 * Signs in through the app's own /session/login without the form (the refresh cookie lands in
 * the page's browser context); returns the answer's access token and lifetime.
 */
export async function loginViaApi(page: Page, email: string, password = PASSWORD): Promise<{ access_token: string; expires_in: number }> {
  const res = await page.request.post("/session/login", { data: { email, password }, headers: sameOrigin(baseUrlOf(page)) });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as { access_token: string; expires_in: number };
}

/** The app's refresh cookie in the page's browser context, if any. */
export async function refreshCookieOf(page: Page) {
  return (await page.context().cookies()).find((c) => c.name === REFRESH_COOKIE);
}

function baseUrlOf(page: Page): string {
  const url = page.url();
  return url.startsWith("http") ? new URL(url).origin : `http://127.0.0.1:${process.env.E2E_PORT ?? 3100}`;
}
