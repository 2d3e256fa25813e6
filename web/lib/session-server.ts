// Server side of the session (Next.js route handlers under /session, never in the browser):
// they call the gateway themselves and keep the refresh token in a cookie that JavaScript
// cannot read (HttpOnly), that is sent only to /session/* (Path) and only by this site's own
// pages (SameSite=Strict), over https only when the page came over https (Secure). The browser
// gets the access token and its lifetime, nothing else.
import { createHash } from "node:crypto";
import type { NextRequest } from "next/server";

export const REFRESH_COOKIE = "taskhub_refresh";
export const COOKIE_PATH = "/session";
/** Where the auth-service's device cookie (login throttling) is sent back: our login handler. */
const DEVICE_COOKIE_PATH = "/session/login";
const DEVICE_COOKIE_PREFIX = "taskhub_device_";
const UPSTREAM_TIMEOUT_MS = 30_000;

// Read at request time (runtime env), unlike next.config.ts's rewrite which is fixed at build time.
function gatewayUrl(): string {
  return (process.env.GATEWAY_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
}

type ErrorJson = { detail: string; error_code?: string };

/** A JSON answer that nothing caches. */
export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/json");
  h.set("Cache-Control", "no-store");
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: h });
}

export function errorJson(status: number, detail: string, errorCode: string, headers: HeadersInit = {}): Response {
  return json(status, { detail, error_code: errorCode } satisfies ErrorJson, headers);
}

/**
 * Only this site's own pages may call the session handlers: a cross-site POST (a form on another
 * site, a fetch from another origin, a link from elsewhere) is refused. Browsers send
 * Sec-Fetch-Site (which a page cannot forge) on every request; without it, the Origin must be
 * this host. A request with neither is refused too: it is not from one of our pages.
 */
export function crossSiteRefusal(req: NextRequest): Response | null {
  const site = req.headers.get("sec-fetch-site");
  if (site === "same-origin") return null;
  if (site === null) {
    // No fetch metadata (an older browser): the Origin must be this host.
    const origin = req.headers.get("origin");
    const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
    try {
      if (origin && host && new URL(origin).host === host) return null;
    } catch {
      /* a malformed Origin: refused below */
    }
  }
  return errorJson(403, "This request must come from a taskhub page.", "CROSS_SITE_REQUEST");
}

export function isHttps(req: NextRequest): boolean {
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  return proto ? proto === "https" : req.nextUrl.protocol === "https:";
}

export function refreshCookie(req: NextRequest, value: string, maxAgeSeconds: number): string {
  const age = Math.max(0, Math.floor(maxAgeSeconds));
  return `${REFRESH_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${age}; HttpOnly; SameSite=Strict${isHttps(req) ? "; Secure" : ""}`;
}

export function clearRefreshCookie(req: NextRequest): string {
  return refreshCookie(req, "", 0);
}

/**
 * The auth-service's device cookie, moved to our login handler's path (the browser never calls
 * /api/auth/login itself any more), Secure as our own cookie is.
 */
export function deviceCookie(req: NextRequest, setCookie: string): string | null {
  const [pair, ...attrs] = setCookie.split(";").map((p) => p.trim());
  if (!pair?.startsWith(DEVICE_COOKIE_PREFIX)) return null;
  const kept = attrs.filter((a) => !/^(path|secure|domain)(=|$)/i.test(a));
  return [pair, ...kept, `Path=${DEVICE_COOKIE_PATH}`, ...(isHttps(req) ? ["Secure"] : [])].join("; ");
}

/** The browser's device cookies, to send back to the gateway's login. */
export function deviceCookies(req: NextRequest): string | null {
  const cookies = req.cookies
    .getAll()
    .filter((c) => c.name.startsWith(DEVICE_COOKIE_PREFIX))
    .map((c) => `${c.name}=${c.value}`);
  return cookies.length ? cookies.join("; ") : null;
}

/** Headers for the gateway: the browser's device and address, so that sessions show them. */
function upstreamHeaders(req: NextRequest, extra: Record<string, string>): Headers {
  const h = new Headers({ Accept: "application/json", ...extra });
  for (const name of ["user-agent", "x-forwarded-for", "x-request-id", "accept-language"]) {
    const v = req.headers.get(name);
    if (v) h.set(name, v);
  }
  return h;
}

export interface Upstream {
  res: Response;
  body: unknown;
}

/** Calls the gateway; an unreachable or slow one becomes the contract's 503 or 504. */
export async function gateway(
  req: NextRequest,
  path: string,
  init: { body?: unknown; bearer?: string; cookie?: string | null } = {},
): Promise<Upstream | Response> {
  const extra: Record<string, string> = {};
  if (init.body !== undefined) extra["Content-Type"] = "application/json";
  if (init.bearer) extra.Authorization = `Bearer ${init.bearer}`;
  if (init.cookie) extra.Cookie = init.cookie;
  let res: Response;
  try {
    res = await fetch(`${gatewayUrl()}${path}`, {
      method: "POST",
      headers: upstreamHeaders(req, extra),
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: "no-store",
      redirect: "manual",
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "TimeoutError") return errorJson(504, "The server took too long to respond.", "TIMEOUT");
    return errorJson(503, "Service unavailable", "SERVICE_UNAVAILABLE", { "Retry-After": "5" });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { res, body };
}

/** The gateway's error answer, passed on as it came (status, body, Retry-After). */
export function passError(up: Upstream, headers: Headers = new Headers()): Response {
  const retryAfter = up.res.headers.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  const body =
    up.body && typeof up.body === "object" && typeof (up.body as ErrorJson).detail === "string"
      ? up.body
      : { detail: up.res.status >= 500 ? "The server had a problem. Please try again." : "The request was not accepted." };
  return json(up.res.status, body, headers);
}

export interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export function isTokens(v: unknown): v is Tokens {
  const t = v as Tokens;
  return (
    !!t &&
    typeof t === "object" &&
    typeof t.access_token === "string" &&
    typeof t.refresh_token === "string" &&
    typeof t.expires_in === "number" &&
    typeof t.refresh_expires_in === "number"
  );
}

/** The browser's share of a token answer: the access token, its type and lifetime. */
export function accessOnly(t: Tokens) {
  return { access_token: t.access_token, token_type: t.token_type, expires_in: t.expires_in };
}

export function bearerOf(req: NextRequest): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  return m?.[1];
}

/**
 * Ends this session (`/api/auth/logout`) or all of the account's (`/api/auth/logout-all`) with the
 * page's access token; when that token is missing or refused, with one got from the refresh
 * cookie. The cookie is cleared whatever the gateway says, and the answer is 204: the browser
 * is signed out either way.
 */
export async function end(req: NextRequest, path: "/api/auth/logout" | "/api/auth/logout-all"): Promise<Response> {
  const refused = crossSiteRefusal(req);
  if (refused) return refused;
  let ended = false;
  const bearer = bearerOf(req);
  if (bearer) {
    const up = await gateway(req, path, { bearer });
    ended = !(up instanceof Response) && up.res.ok;
  }
  const cookie = req.cookies.get(REFRESH_COOKIE)?.value;
  if (!ended && cookie) {
    const fresh = await gateway(req, "/api/auth/refresh", { body: { refresh_token: cookie } });
    if (!(fresh instanceof Response) && fresh.res.ok && isTokens(fresh.body)) {
      await gateway(req, path, { bearer: fresh.body.access_token });
    }
  }
  return json(204, undefined, { "Set-Cookie": clearRefreshCookie(req) });
}

/**
 * A refresh token presented again within this window gets the answer of its first use (the same
 * access token and the same successor) instead of a second use at the auth-service, which would
 * end the session as stolen (ADR 0006, no grace period there). A browser does present one twice
 * without any thief: a page that reloads or navigates while its refresh is in flight aborts the
 * request after the auth-service rotated the token, so the new cookie never arrives and the next
 * page sends the old one. Kept in this process's memory only (a hash of the token, never the
 * token), for successful answers only; several web replicas each keep their own.
 */
const REPLAY_WINDOW_MS = 20_000;
const recent = new Map<string, { at: number; answer: Promise<Upstream | Response> }>();

export function refreshAtGateway(req: NextRequest, refreshToken: string): Promise<Upstream | Response> {
  const now = Date.now();
  for (const [k, v] of recent) if (now - v.at > REPLAY_WINDOW_MS) recent.delete(k);
  const key = createHash("sha256").update(refreshToken).digest("base64url");
  const hit = recent.get(key);
  if (hit) return hit.answer;
  const answer = gateway(req, "/api/auth/refresh", { body: { refresh_token: refreshToken } });
  recent.set(key, { at: now, answer });
  answer.then(
    (up) => {
      if (up instanceof Response || !up.res.ok) recent.delete(key);
    },
    () => recent.delete(key),
  );
  return answer;
}
