import { expect, type Page } from "@playwright/test";

export const PASSWORD = "correct-horse-42";
export const SESSION_KEY = "taskhub.session";

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

/** The signed-in page's bearer token (from the session in localStorage). */
export async function tokenOf(page: Page): Promise<string> {
  const raw = await page.evaluate((k) => localStorage.getItem(k), SESSION_KEY);
  const token = raw ? (JSON.parse(raw) as { token?: string }).token : undefined;
  if (!token) throw new Error("not signed in");
  return token;
}

/** Creates tasks through the API as the signed-in user, in order; returns them as the API answered. */
export async function createTasksViaApi(page: Page, tasks: Record<string, unknown>[]): Promise<{ id: number; version: number; title: string }[]> {
  const token = await tokenOf(page);
  const out = [];
  for (const data of tasks) {
    const res = await page.request.post("/api/tasks", { data, headers: { Authorization: `Bearer ${token}` } });
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
  const token = await tokenOf(page);
  for (const id of ids) {
    const res = await page.request.delete(`/api/tasks/${id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status(), await res.text()).toBe(204);
  }
}
