// Client-side session: the JWT and the time it stops being valid, kept in localStorage.
// The token is never logged; it leaves this module only as an Authorization header.

const KEY = "taskhub.session";
const MAX_TIMER_MS = 2_147_483_647; // setTimeout limit (~24.8 days)

export interface Session {
  token: string;
  /** epoch milliseconds after which the token must not be used */
  expiresAt: number;
  email: string;
}

export type SessionEndReason = "signed-out" | "expired" | "unauthorized" | "other-tab";

type Listener = (reason: SessionEndReason) => void;
const listeners = new Set<Listener>();
let lastEndReason: SessionEndReason | null = null;

/** Why the last session ended (once): lets /login say "your session expired". */
export function takeEndReason(): SessionEndReason | null {
  const r = lastEndReason;
  lastEndReason = null;
  return r;
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled (privacy mode etc.)
  }
}

function parse(raw: string | null): Session | null {
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (
      v !== null &&
      typeof v === "object" &&
      typeof (v as Session).token === "string" &&
      (v as Session).token.length > 0 &&
      typeof (v as Session).expiresAt === "number" &&
      Number.isFinite((v as Session).expiresAt)
    ) {
      const s = v as Session;
      return { token: s.token, expiresAt: s.expiresAt, email: typeof s.email === "string" ? s.email : "" };
    }
  } catch {
    /* corrupt value: treated as signed out */
  }
  return null;
}

/** The current session, or null when there is none or it has expired (an expired one is removed). */
export function getSession(): Session | null {
  const store = storage();
  if (!store) return null;
  const raw = store.getItem(KEY);
  const s = parse(raw);
  if (!s) {
    if (raw !== null) store.removeItem(KEY);
    return null;
  }
  if (Date.now() >= s.expiresAt) {
    store.removeItem(KEY);
    lastEndReason = "expired";
    return null;
  }
  return s;
}

export function saveSession(token: string, expiresInSeconds: number, email: string): void {
  const seconds = Number.isFinite(expiresInSeconds) && expiresInSeconds > 0 ? expiresInSeconds : 0;
  const session: Session = { token, expiresAt: Date.now() + seconds * 1000, email };
  storage()?.setItem(KEY, JSON.stringify(session));
}

export function endSession(reason: SessionEndReason): void {
  storage()?.removeItem(KEY);
  lastEndReason = reason;
  for (const l of listeners) l(reason);
}

/**
 * Calls `listener` when the session ends: sign-out, a 401 from the API, the
 * token reaching its expiry time, or another tab signing out.
 */
export function onSessionEnd(listener: Listener): () => void {
  listeners.add(listener);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    const s = getSession();
    if (!s) return;
    const ms = Math.min(Math.max(s.expiresAt - Date.now(), 0), MAX_TIMER_MS);
    timer = setTimeout(() => {
      if (storage()?.getItem(KEY) == null) return; // already ended elsewhere
      if (!getSession()) endSession("expired");
      else arm();
    }, ms);
  };
  arm();

  const onStorage = (e: StorageEvent) => {
    if (e.key !== KEY && e.key !== null) return;
    if (!getSession()) listener("other-tab");
    else arm();
  };
  window.addEventListener("storage", onStorage);

  return () => {
    listeners.delete(listener);
    clearTimeout(timer);
    window.removeEventListener("storage", onStorage);
  };
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
  if (url.pathname.startsWith("/login") || url.pathname.startsWith("/register")) return "/";
  return path;
}

// ------------------------------------------------ React store adapters ---

/** useSyncExternalStore snapshot: the stored session string, or null when signed out/expired. */
export function sessionSnapshot(): string | null {
  return getSession() ? (storage()?.getItem(KEY) ?? null) : null;
}

export function subscribeSession(onChange: () => void): () => void {
  return onSessionEnd(() => onChange());
}

export function parseSession(raw: string | null): Session | null {
  return parse(raw);
}
