"use client";

import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { api, ApiError, fieldErrors, formError, waitText, type SecurityEvent, type SessionInfo } from "@/lib/api";
import { signOut } from "@/lib/session";

const isAuth = (err: unknown) => err instanceof ApiError && err.status === 401 && err.errorCode !== "INVALID_CREDENTIALS";
const wrongPassword = (err: unknown) => err instanceof ApiError && err.errorCode === "INVALID_CREDENTIALS";
const describe = (err: unknown) => (err instanceof ApiError ? err.detail : "Something went wrong. Please try again.");

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const exact = (iso: string) => DATE.format(new Date(iso));

function ago(iso: string, now: number): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? "" : "s"} ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? "" : "s"} ago`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? "" : "s"} ago`;
}

/** "Chrome on Linux" from a User-Agent string; "Unknown device" without one. */
export function deviceName(ua: string | null | undefined): string {
  if (!ua) return "Unknown device";
  const browser =
    /Edg(e|A|iOS)?\//.test(ua) ? "Edge"
    : /Firefox\/|FxiOS\//.test(ua) ? "Firefox"
    : /OPR\//.test(ua) ? "Opera"
    : /Chrome\/|Chromium\/|CriOS\//.test(ua) ? "Chrome"
    : /Safari\//.test(ua) ? "Safari"
    : /curl\//i.test(ua) ? "curl"
    : null;
  const os =
    /Android/.test(ua) ? "Android"
    : /iPhone|iPad|iPod/.test(ua) ? "iOS"
    : /CrOS/.test(ua) ? "ChromeOS"
    : /Windows/.test(ua) ? "Windows"
    : /Mac OS X|Macintosh/.test(ua) ? "macOS"
    : /Linux/.test(ua) ? "Linux"
    : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.slice(0, 60);
}

/** What happened, in plain words: [when it worked, its name when it did not]. */
const ACTIONS: Record<string, [string, string]> = {
  register: ["Account created", "Account creation"],
  login: ["Signed in", "Sign-in"],
  refresh: ["Session renewed", "Session renewal"],
  refresh_reused: ["An old session key was used again, so that session was ended", "Old session key used again"],
  logout: ["Signed out", "Sign-out"],
  logout_all: ["Signed out everywhere", "Sign-out everywhere"],
  session_end: ["Session ended", "Ending a session"],
  password_change: ["Password changed", "Password change"],
  account_delete: ["Account deleted", "Account deletion"],
};

function eventText(ev: SecurityEvent): string {
  const [done, name] = ACTIONS[ev.action] ?? [ev.action, ev.action];
  if (ev.outcome === "success") return done;
  if (ev.outcome === "throttled") return `${name} blocked (too many attempts)`;
  if (ev.outcome === "failure") return `${name} failed`;
  return `${name}: ${ev.outcome}`;
}

function Time({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={exact(iso)}>
      {ago(iso, now)}
      <span className="sr-only"> ({exact(iso)})</span>
    </time>
  );
}

// ------------------------------------------------------------ sessions ---

/**
 * An effect's load: `load` on a signal the effect's cleanup aborts; the answer to `onPage` (and
 * the error cleared), a failure other than an ended session to `setError` in words.
 */
function loadFirst<T>(
  load: (signal: AbortSignal) => Promise<T>,
  onPage: (page: T) => void,
  setError: (error: string | null) => void,
): () => void {
  const ac = new AbortController();
  load(ac.signal).then(
    (page) => {
      onPage(page);
      setError(null);
    },
    (err: unknown) => {
      if (!ac.signal.aborted && !isAuth(err)) setError(describe(err));
    },
  );
  return () => ac.abort();
}

function Sessions({ reloadKey, announce }: { reloadKey: number; announce: (text: string) => void }) {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | "all" | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [reloads, setReloads] = useState(0);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(
    () =>
      loadFirst(api.listSessions, (page) => {
        setSessions(page.sessions);
        setNow(Date.now());
      }, setError),
    [reloadKey, reloads],
  );

  async function end(s: SessionInfo) {
    setBusy(s.id);
    setError(null);
    try {
      await api.endSession(s.id);
      setSessions((list) => list?.filter((x) => x.id !== s.id) ?? null);
      announce(`Ended the session of ${deviceName(s.user_agent)}. It is signed out now.`);
      headingRef.current?.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setSessions((list) => list?.filter((x) => x.id !== s.id) ?? null);
        announce("That session had already ended.");
      } else if (!isAuth(err)) setError(`Couldn't end that session. ${describe(err)}`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card account-section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading" tabIndex={-1} ref={headingRef}>
        Your sessions
      </h2>
      <p className="field-hint">Where your account is signed in. End any session you don’t recognise.</p>
      {error && (
        <div className="notice notice-error" role="alert">
          {error}{" "}
          <button type="button" className="btn btn-ghost btn-small" onClick={() => setReloads((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {sessions === null && !error && (
        <p className="account-state" aria-busy="true">
          Loading your sessions…
        </p>
      )}
      {sessions && (
        <ul className="account-list" aria-label="Sessions">
          {sessions.map((s) => (
            <li key={s.id} className="account-item">
              <div className="account-item-main">
                <p className="account-item-title">
                  {deviceName(s.user_agent)}
                  {s.current && <span className="account-badge">This device</span>}
                </p>
                <p className="account-meta">
                  {s.client_addr ?? "Unknown address"} · last used <Time iso={s.last_used_at} now={now} /> · signed in{" "}
                  <Time iso={s.created_at} now={now} />
                </p>
              </div>
              {s.current ? (
                <span className="account-meta">You are using this one</span>
              ) : (
                <button
                  type="button"
                  className="btn btn-danger-ghost btn-small"
                  onClick={() => void end(s)}
                  disabled={busy !== null}
                >
                  {busy === s.id ? "Ending…" : "End session"}
                  <span className="sr-only"> of {deviceName(s.user_agent)}, last used {ago(s.last_used_at, now)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="account-actions">
        <button
          type="button"
          className="btn btn-ghost"
          disabled={busy !== null}
          onClick={() => {
            setBusy("all");
            void signOut(true);
          }}
        >
          {busy === "all" ? "Signing out everywhere…" : "Sign out everywhere"}
        </button>
        <span className="field-hint">Ends every session, this one included.</span>
      </div>
    </section>
  );
}

// ----------------------------------------------------- change password ---

type PwFields = "current_password" | "new_password";

function ChangePassword({ onChanged }: { onChanged: () => void }) {
  const [errors, setErrors] = useState<Partial<Record<PwFields, string>>>({});
  const [top, setTop] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [show, setShow] = useState(false);
  const currentRef = useRef<HTMLInputElement>(null);
  const newRef = useRef<HTMLInputElement>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const form = e.currentTarget;
    const data = new FormData(form);
    const current = String(data.get("current_password") ?? "");
    const next = String(data.get("new_password") ?? "");
    const local: Partial<Record<PwFields, string>> = {};
    if (!current) local.current_password = "Enter your current password.";
    if (!next) local.new_password = "Enter a new password.";
    else if ([...next].length < 8) local.new_password = "The new password must be at least 8 characters.";
    else if ([...next].length > 128) local.new_password = "The new password must be at most 128 characters.";
    setErrors(local);
    setTop(null);
    setDone(null);
    if (local.current_password) return currentRef.current?.focus();
    if (local.new_password) return newRef.current?.focus();
    setBusy(true);
    try {
      await api.changePassword({ current_password: current, new_password: next });
      form.reset();
      setDone("Password changed. Every other session of yours was signed out; this one stays signed in.");
      onChanged();
    } catch (err) {
      if (isAuth(err)) return; // the session is over: the guard takes over
      if (wrongPassword(err)) {
        setErrors({ current_password: "That is not your current password." });
        currentRef.current?.focus();
      } else {
        const byField = fieldErrors(err);
        setErrors({ current_password: byField.current_password, new_password: byField.new_password });
        const msg = formError(err, ["current_password", "new_password"]);
        setTop(msg);
        if (byField.current_password) currentRef.current?.focus();
        else if (byField.new_password) newRef.current?.focus();
      }
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (f: PwFields, hint?: string) => [errors[f] ? `${f}-error` : null, hint].filter(Boolean).join(" ") || undefined;

  return (
    <section className="card account-section" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <div aria-live="polite">{done && <p className="notice notice-info">{done}</p>}</div>
      {top && (
        <div className="notice notice-error" role="alert">
          {top}
        </div>
      )}
      <form method="post" onSubmit={onSubmit} noValidate aria-busy={busy} aria-label="Change password">
        <div className="field">
          <label htmlFor="current_password">Current password</label>
          <input
            ref={currentRef}
            id="current_password"
            name="current_password"
            type={show ? "text" : "password"}
            autoComplete="current-password"
            aria-invalid={errors.current_password ? true : undefined}
            aria-describedby={describedBy("current_password")}
            required
          />
          {errors.current_password && (
            <p className="field-error" id="current_password-error">
              {errors.current_password}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="new_password">New password</label>
          <input
            ref={newRef}
            id="new_password"
            name="new_password"
            type={show ? "text" : "password"}
            autoComplete="new-password"
            aria-invalid={errors.new_password ? true : undefined}
            aria-describedby={describedBy("new_password", "new_password-hint")}
            required
          />
          <p className="field-hint" id="new_password-hint">
            8 to 128 characters. Your other sessions will be signed out.
          </p>
          {errors.new_password && (
            <p className="field-error" id="new_password-error">
              {errors.new_password}
            </p>
          )}
        </div>
        <div className="account-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Changing password…" : "Change password"}
          </button>
          <button type="button" className="btn btn-ghost btn-small" aria-pressed={show} onClick={() => setShow((v) => !v)}>
            Show passwords
          </button>
        </div>
      </form>
    </section>
  );
}

// ------------------------------------------------------ delete account ---

function DeleteAccount() {
  const [error, setError] = useState<string | null>(null);
  const [top, setTop] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLInputElement>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const password = String(new FormData(e.currentTarget).get("delete_password") ?? "");
    setTop(null);
    if (!password) {
      setError("Type your password to confirm.");
      return ref.current?.focus();
    }
    setError(null);
    setBusy(true);
    try {
      await api.deleteAccount(password);
      await signOut(false, "deleted");
      return; // the guard sends us to the sign-in page
    } catch (err) {
      setBusy(false);
      if (isAuth(err)) return;
      if (wrongPassword(err)) {
        setError("That is not your password. Your account was not deleted.");
        ref.current?.focus();
      } else if (err instanceof ApiError && err.status === 429) {
        setTop(`${formError(err, [])}`);
      } else {
        const byField = fieldErrors(err);
        if (byField.password) {
          setError(byField.password);
          ref.current?.focus();
        } else setTop(`Your account was not deleted. ${describe(err)} ${err instanceof ApiError ? waitText(err.retryAfterSeconds) : ""}`.trim());
      }
    }
  }

  return (
    <section className="card account-section account-danger" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete account</h2>
      <p>
        This signs you out everywhere and removes your tasks at once. The account and its tasks are deleted for good after 30
        days; the email address can be used for a new account right away.
      </p>
      {top && (
        <div className="notice notice-error" role="alert">
          {top}
        </div>
      )}
      <form method="post" onSubmit={onSubmit} noValidate aria-busy={busy} aria-label="Delete account">
        <div className="field">
          <label htmlFor="delete_password">Type your password to confirm</label>
          <input
            ref={ref}
            id="delete_password"
            name="delete_password"
            type="password"
            autoComplete="current-password"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "delete_password-error" : undefined}
            required
          />
          {error && (
            <p className="field-error" id="delete_password-error">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="btn btn-danger" disabled={busy}>
          {busy ? "Deleting account…" : "Delete my account"}
        </button>
      </form>
    </section>
  );
}

// -------------------------------------------------------- security log ---

function SecurityLog({ reloadKey }: { reloadKey: number }) {
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const [reloads, setReloads] = useState(0);
  const firstNew = useRef<number | null>(null);

  useEffect(
    () =>
      loadFirst((signal) => api.listEvents(undefined, signal), (page) => {
        setEvents(page.events);
        setCursor(page.next_cursor ?? null);
        setNow(Date.now());
      }, setError),
    [reloadKey, reloads],
  );

  useEffect(() => {
    if (firstNew.current === null) return;
    document.getElementById(`event-${firstNew.current}`)?.focus();
    firstNew.current = null;
  });

  async function more() {
    if (!cursor) return;
    setBusy(true);
    setError(null);
    try {
      const page = await api.listEvents(cursor);
      firstNew.current = page.events[0]?.id ?? null;
      setEvents((list) => [...(list ?? []), ...page.events]);
      setCursor(page.next_cursor ?? null);
    } catch (err) {
      if (!isAuth(err)) setError(`Couldn't load more events. ${describe(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card account-section" aria-labelledby="log-heading">
      <h2 id="log-heading">Security log</h2>
      <p className="field-hint">Sign-ins, failed attempts and changes to your account in the last 90 days, newest first.</p>
      {error && (
        <div className="notice notice-error" role="alert">
          {error}{" "}
          <button type="button" className="btn btn-ghost btn-small" onClick={() => (events ? void more() : setReloads((n) => n + 1))}>
            Try again
          </button>
        </div>
      )}
      {events === null && !error && (
        <p className="account-state" aria-busy="true">
          Loading your security log…
        </p>
      )}
      {events && events.length === 0 && <p className="account-state">Nothing yet.</p>}
      {events && events.length > 0 && (
        <ul className="account-list" aria-label="Security events">
          {events.map((ev) => (
            <li key={ev.id} id={`event-${ev.id}`} tabIndex={-1} className={`account-item account-event account-outcome-${ev.outcome}`}>
              <p className="account-item-title">
                {eventText(ev)}
              </p>
              <p className="account-meta">
                <Time iso={ev.occurred_at} now={now} /> · {ev.client_addr ?? "unknown address"}
              </p>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <div className="account-actions">
          <button type="button" className="btn btn-ghost" onClick={() => void more()} disabled={busy}>
            {busy ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </section>
  );
}

/** The account page: sessions, password, deletion, security log. */
export default function AccountPage() {
  const [announcement, setAnnouncement] = useState("");
  const [reloadKey, setReloadKey] = useState(0);
  const announce = useCallback((text: string) => setAnnouncement(text), []);

  return (
    <main id="main" className="board account">
      <h1>Account</h1>
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      {announcement && (
        <p className="notice notice-info" aria-hidden="true">
          {announcement}
        </p>
      )}
      <Sessions reloadKey={reloadKey} announce={announce} />
      <ChangePassword onChanged={() => setReloadKey((n) => n + 1)} />
      <SecurityLog reloadKey={reloadKey} />
      <DeleteAccount />
    </main>
  );
}
