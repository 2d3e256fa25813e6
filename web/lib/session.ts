// Client-side session. The access token lives in this module's memory only (never in
// localStorage or a readable cookie); the refresh token is an HttpOnly cookie that only the
// app's own route handlers under /session see (lib/session-server.ts). A page load gets an
// access token from /session/refresh, a timer refreshes it before it expires, and a 401 makes
// the API client refresh once and retry. Refreshes are serialised across this browser's tabs
// with the Web Locks API (a refresh token is single-use: a second use of the same one ends the
// session, ADR 0006), and a sign-out in one tab is told to the others over a BroadcastChannel.
// The token is never logged; it leaves this module only as an Authorization header.

const MAX_TIMER_MS = 2_147_483_647; // setTimeout limit (~24.8 days)
const LOCK_NAME = "taskhub.session.refresh";
const CHANNEL_NAME = "taskhub.session";
/** sessionStorage key: the email to prefill on /login after a session ended by itself. */
export const LAST_EMAIL_KEY = "taskhub.last-email";

export type SessionEndReason =
  /** this tab's Sign out / Sign out everywhere */
  | "signed-out"
  /** the refresh token was refused: expired, ended elsewhere, or reused */
  | "expired"
  /** the API refused the access token and no new one could be had */
  | "unauthorized"
  /** another tab of this browser signed out */
  | "other-tab"
  /** the account was deleted from this tab */
  | "deleted";

export type SessionState =
  | { status: "loading" }
  /** the page could not ask (server unreachable, 5xx): the refresh cookie may well be good */
  | { status: "unavailable" }
  | { status: "signed-in"; email: string | null }
  | { status: "signed-out"; reason: SessionEndReason | null };

type Message = { type: "signed-out" } | { type: "signed-in" };

let accessToken: string | null = null;
/** epoch ms after which the access token must not be used */
let expiresAt = 0;
let state: SessionState = { status: "loading" };
let lastEndReason: SessionEndReason | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<RefreshOutcome> | null = null;
let started = false;
let channel: BroadcastChannel | null = null;

const listeners = new Set<() => void>();
const endListeners = new Set<(reason: SessionEndReason) => void>();

function setState(next: SessionState) {
  state = next;
  for (const l of listeners) l();
}

function broadcast(message: Message) {
  try {
    channel?.postMessage(message);
  } catch {
    /* the channel is closed: nothing to tell */
  }
}

/**
 * The signed-in email is kept in this tab's sessionStorage (not a secret: the page shows it), so
 * that a session ending by itself, even after a reload, leaves it prefilled on /login. An
 * explicit sign-out forgets it.
 */
function rememberEmail(email: string | null) {
  try {
    if (email) window.sessionStorage.setItem(LAST_EMAIL_KEY, email);
    else window.sessionStorage.removeItem(LAST_EMAIL_KEY);
  } catch {
    /* prefill is a nicety */
  }
}

/** Why the last session ended (once): lets /login say "your session expired". */
export function takeEndReason(): SessionEndReason | null {
  const r = lastEndReason;
  lastEndReason = null;
  return r;
}

/** The current state, for React's useSyncExternalStore. */
export function sessionSnapshot(): SessionState {
  return state;
}

const SERVER_STATE: SessionState = { status: "loading" };
export function serverSessionSnapshot(): SessionState {
  return SERVER_STATE;
}

export function subscribeSession(onChange: () => void): () => void {
  listeners.add(onChange);
  startSession();
  return () => listeners.delete(onChange);
}

/** Calls `listener` when the session ends (any reason). */
export function onSessionEnd(listener: (reason: SessionEndReason) => void): () => void {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

function clearToken() {
  accessToken = null;
  expiresAt = 0;
  clearTimeout(refreshTimer);
}

/** Ends the session in this tab (the server side is the caller's business: see signOut). */
export function endSession(reason: SessionEndReason): void {
  if (state.status === "signed-out" && accessToken === null) {
    lastEndReason ??= reason;
    return;
  }
  const email = state.status === "signed-in" ? state.email : null;
  clearToken();
  lastEndReason = reason;
  // A session that ended by itself keeps the email for the sign-in page; a sign-out forgets it.
  if (reason === "expired" || reason === "unauthorized") {
    if (email) rememberEmail(email);
  } else rememberEmail(null);
  if (reason === "signed-out" || reason === "deleted") broadcast({ type: "signed-out" });
  setState({ status: "signed-out", reason });
  for (const l of endListeners) l(reason);
}

/** When to refresh: a little before expiry (a quarter of the lifetime, at most a minute). */
function scheduleRefresh(lifetimeMs: number) {
  clearTimeout(refreshTimer);
  const margin = Math.min(60_000, Math.max(1_000, lifetimeMs / 4));
  const ms = Math.min(Math.max(expiresAt - Date.now() - margin, 0), MAX_TIMER_MS);
  refreshTimer = setTimeout(() => {
    void refresh().then((outcome) => {
      // The server could not be reached: try again shortly while the token still works.
      if (outcome === "unavailable" && accessToken) {
        clearTimeout(refreshTimer);
        refreshTimer = setTimeout(() => void refresh(), 5_000);
      }
    });
  }, ms);
}

/** Takes the answer of /session/login or /session/refresh. */
export function saveSession(token: string, expiresInSeconds: number, email?: string | null): void {
  const seconds = Number.isFinite(expiresInSeconds) && expiresInSeconds > 0 ? expiresInSeconds : 0;
  accessToken = token;
  expiresAt = Date.now() + seconds * 1000;
  scheduleRefresh(seconds * 1000);
  const known = email ?? (state.status === "signed-in" ? state.email : null);
  if (email) rememberEmail(email);
  if (state.status !== "signed-in" || state.email !== known) setState({ status: "signed-in", email: known });
}

export function setSessionEmail(email: string): void {
  rememberEmail(email);
  if (state.status === "signed-in" && state.email !== email) setState({ status: "signed-in", email });
}

export type RefreshOutcome = "ok" | "no-session" | "refused" | "unavailable";

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (!locks) return fn(); // no Web Locks: deduplicated within this tab only
  return locks.request(LOCK_NAME, { mode: "exclusive" }, fn);
}

/** As the API client's timeout: a refresh that hangs must not hold the lock (and every tab) forever. */
const REFRESH_TIMEOUT_MS = 30_000;

async function refreshOnce(): Promise<RefreshOutcome> {
  let res: Response;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REFRESH_TIMEOUT_MS);
  try {
    res = await fetch("/session/refresh", {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      signal: controller.signal,
      // Outlives a reload or navigation, so that the rotated cookie still lands in the browser
      // (the handler also answers a token presented twice in a row alike: session-server.ts).
      keepalive: true,
    });
  } catch {
    return "unavailable";
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 204) return "no-session";
  if (res.ok) {
    try {
      const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token === "string" && typeof body.expires_in === "number") {
        saveSession(body.access_token, body.expires_in);
        return "ok";
      }
    } catch {
      /* fall through */
    }
    return "unavailable";
  }
  if (res.status === 401 || res.status === 422) return "refused";
  return "unavailable"; // 429, 5xx: the session may well still be good
}

/**
 * Gets a new access token from the refresh cookie. One at a time in this tab (callers share the
 * promise) and in this browser (a Web Lock), so the single-use refresh token is never sent twice.
 * A refusal ends the session; an unreachable server does not.
 */
export function refresh(): Promise<RefreshOutcome> {
  if (inFlight) return inFlight;
  const tokenBefore = accessToken;
  inFlight = withLock(async () => {
    // Another caller in this tab refreshed while we waited for the lock.
    if (accessToken && accessToken !== tokenBefore && Date.now() < expiresAt - 1_000) return "ok" as const;
    return refreshOnce();
  })
    .then((outcome) => {
      if (outcome === "refused") endSession("expired");
      else if (outcome === "no-session") {
        if (state.status === "signed-in") endSession("expired");
        else if (state.status === "loading" || state.status === "unavailable") setState({ status: "signed-out", reason: null });
      } else if (outcome === "unavailable" && state.status === "loading") {
        // Cannot tell whether we are signed in: say so, and let the visitor try again.
        setState({ status: "unavailable" });
      }
      return outcome;
    })
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

/** A usable access token (refreshing first when it is about to expire), or null when signed out. */
export async function getAccessToken(): Promise<string | null> {
  if (accessToken && Date.now() < expiresAt - 1_000) return accessToken;
  if (state.status === "signed-out") return null;
  const outcome = await refresh();
  if (outcome === "ok" && accessToken) return accessToken;
  // Unreachable: let the request try with what we have (it will fail as a network error).
  if (outcome === "unavailable" && accessToken && Date.now() < expiresAt) return accessToken;
  return null;
}

/**
 * After a 401 for `usedToken`: a token that another call already replaced is simply retried;
 * otherwise one refresh. Returns the token to retry with, or null (the session is over).
 */
export async function tokenAfterUnauthorized(usedToken: string): Promise<string | null> {
  if (accessToken && accessToken !== usedToken && Date.now() < expiresAt - 1_000) return accessToken;
  if (state.status === "signed-out") return null;
  const outcome = await refresh();
  if (outcome === "ok" && accessToken && accessToken !== usedToken) return accessToken;
  if (outcome === "ok" || outcome === "no-session") endSession("unauthorized");
  return null;
}

export interface Session {
  token: string;
  /** epoch milliseconds after which the token must not be used */
  expiresAt: number;
  email: string;
}

/** The current session (in memory), or null when signed out, still loading, or expired. */
export function getSession(): Session | null {
  if (state.status !== "signed-in" || !accessToken || Date.now() >= expiresAt) return null;
  return { token: accessToken, expiresAt, email: state.email ?? "" };
}

/** The current token without any refresh (tests of this module, and the logout call). */
export function currentAccessToken(): string | null {
  return accessToken && Date.now() < expiresAt ? accessToken : null;
}

/** Starts the session once per page: listens to the other tabs and asks for a token. */
export function startSession(): void {
  if (started || typeof window === "undefined") return;
  started = true;
  if (typeof BroadcastChannel !== "undefined") {
    channel = new BroadcastChannel(CHANNEL_NAME);
    channel.onmessage = (e: MessageEvent<Message>) => {
      if (e.data?.type === "signed-out" && state.status !== "signed-out") endSession("other-tab");
      // Signed in elsewhere while this tab shows the sign-in page: pick the session up.
      if (e.data?.type === "signed-in" && (state.status === "signed-out" || state.status === "unavailable")) void refresh();
    };
  }
  // Back from the background (timers may have been throttled): make sure the token is fresh.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.status === "signed-in" && Date.now() > expiresAt - 5_000) void refresh();
  });
  if (state.status === "loading") void refresh();
}

/** Tells the other tabs that this one signed in (they may be showing the sign-in page). */
export function announceSignIn(): void {
  broadcast({ type: "signed-in" });
}

/**
 * Signs out on the server (this session, or every session with `everywhere`), forgets the
 * refresh cookie, and ends the session here and in the other tabs. Ends it locally even when
 * the server cannot be reached.
 */
export async function signOut(everywhere = false, reason: SessionEndReason = "signed-out"): Promise<void> {
  const token = currentAccessToken();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REFRESH_TIMEOUT_MS);
  try {
    await withLock(() =>
      fetch(everywhere ? "/session/logout-all" : "/session/logout", {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        signal: controller.signal,
      }),
    );
  } catch {
    /* the cookie stays until it expires; the local session ends anyway */
  } finally {
    clearTimeout(timer);
  }
  endSession(reason);
}

/**
 * The post-login destination: a path of this site, or "/". Judged as a browser would follow it:
 * URL parsing drops tabs and newlines and reads "\\" as "/", so "/\t/evil.example" is
 * "//evil.example", another site. Only a path that parses to this origin is kept, and the parsed
 * form is returned, never the raw text.
 */
const HERE = "http://taskhub.invalid";
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, HERE);
  } catch {
    return "/";
  }
  const path = url.pathname + url.search + url.hash;
  if (url.origin !== HERE || path.startsWith("//") || path.startsWith("/\\")) return "/";
  if (url.pathname.startsWith("/login") || url.pathname.startsWith("/register") || url.pathname.startsWith("/session")) return "/";
  return path;
}
