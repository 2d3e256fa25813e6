// Helpers of the list, composer and layout specs (part B of issue 19). They talk to the gateway
// directly for setting things up, so they do not depend on how the app keeps its session.
import AxeBuilder from "@axe-core/playwright";
import { expect, request, type APIRequestContext, type Page } from "@playwright/test";
import { PASSWORD, loginViaUi, uniqueEmail } from "./helpers";

export const GATEWAY = process.env.GATEWAY_URL ?? "http://127.0.0.1:18080";

export interface TaskBody {
  id: number;
  title: string;
  version: number;
  status: string;
  description: string | null;
}

/** The account's own API client: signs in at the gateway and refreshes its token when told 401. */
export class Account {
  private token = "";
  private refreshToken = "";
  /** one renewal at a time: a refresh token is single-use, and a second use ends the session */
  private renewing: Promise<void> | null = null;
  private constructor(
    readonly email: string,
    private readonly http: APIRequestContext,
  ) {}

  static async register(tag: string): Promise<Account> {
    const http = await request.newContext({ baseURL: GATEWAY });
    const email = uniqueEmail(tag);
    const res = await http.post("/api/auth/register", { data: { email, password: PASSWORD } });
    expect(res.status(), await res.text()).toBe(201);
    const account = new Account(email, http);
    await account.login();
    return account;
  }

  private async login(): Promise<void> {
    const res = await this.http.post("/api/auth/login", { data: { email: this.email, password: PASSWORD } });
    expect(res.status(), await res.text()).toBe(200);
    this.take((await res.json()) as { access_token: string; refresh_token: string });
  }

  private take(body: { access_token: string; refresh_token: string }) {
    this.token = body.access_token;
    this.refreshToken = body.refresh_token;
  }

  /** A new access token, unless another call renewed it since `used` was sent. */
  private renew(used: string): Promise<void> {
    if (this.token !== used) return Promise.resolve();
    this.renewing ??= (async () => {
      const res = await this.http.post("/api/auth/refresh", { data: { refresh_token: this.refreshToken } });
      if (res.status() === 200) this.take((await res.json()) as { access_token: string; refresh_token: string });
      else await this.login();
    })().finally(() => (this.renewing = null));
    return this.renewing;
  }

  /** One call with the bearer token; a 401 (an access token past its few seconds) renews it once. */
  async call(method: "GET" | "POST" | "PUT" | "DELETE", path: string, data?: unknown) {
    for (let attempt = 0; ; attempt++) {
      await this.renewing;
      const used = this.token;
      const res = await this.http.fetch(path, { method, data, headers: { Authorization: `Bearer ${used}` } });
      if (res.status() !== 401 || attempt > 0) return res;
      await this.renew(used);
    }
  }

  async create(task: Record<string, unknown>): Promise<TaskBody> {
    const res = await this.call("POST", "/api/tasks", task);
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as TaskBody;
  }

  /** Many tasks at once: parallel POSTs, `batch` at a time (there is no bulk create). */
  async createMany(count: number, make: (i: number) => Record<string, unknown>, batch = 25): Promise<void> {
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      await Promise.all(Array.from({ length: n }, (_, k) => this.create(make(start + k))));
    }
  }

  /** Ends every session of the account (the browser's too). */
  async signOutEverywhere(): Promise<void> {
    const res = await this.call("POST", "/api/auth/logout-all");
    expect(res.status(), await res.text()).toBe(204);
  }

  async dispose(): Promise<void> {
    await this.http.dispose();
  }
}

/** A new account, signed in in `page`, at `width` px. */
export async function signedIn(page: Page, tag: string, width = 1280): Promise<Account> {
  await page.setViewportSize({ width, height: width < 640 ? 780 : 900 });
  const account = await Account.register(tag);
  await loginViaUi(page, account.email);
  return account;
}

/** axe-core's WCAG 2.1 A/AA rules find nothing, and nothing is wider than the viewport. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const summary = violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  const width = page.viewportSize()?.width;
  expect(summary, `${where} at ${width}px`).toEqual([]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${where} at ${width}px overflows horizontally`).toBeLessThanOrEqual(0);
}

/** The focused element has a visible focus indicator (an outline or a box shadow). */
export async function expectFocusVisible(page: Page): Promise<void> {
  const style = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    return { outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0, shadow: s.boxShadow !== "none" };
  });
  expect(style, "something has focus").not.toBeNull();
  expect(style!.outline || style!.shadow, "the focused element shows it").toBe(true);
}

/** Widths every flow is tried at. */
export const WIDTHS = [360, 1280] as const;
