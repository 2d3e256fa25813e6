"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { api, ApiError, fieldErrors, formError } from "@/lib/api";
import "./AuthForm.css";
import {
  announceSignIn,
  LAST_EMAIL_KEY,
  safeNext,
  saveSession,
  serverSessionSnapshot,
  sessionSnapshot,
  subscribeSession,
} from "@/lib/session";

type Mode = "login" | "register";
type Fields = "email" | "password";
const FIELDS: readonly Fields[] = ["email", "password"];

const REASONS: Record<string, string> = {
  expired: "Your session has ended: it expired, or it was signed out from another device. Please sign in again.",
  unauthorized: "Your session is no longer valid. Please sign in again to continue.",
  "other-tab": "You signed out in another tab.",
  deleted: "Your account has been deleted. Its tasks will be removed for good after 30 days.",
  registered: "Account created. You can sign in now.",
};

function readEmail(): string | null {
  try {
    return window.sessionStorage.getItem(LAST_EMAIL_KEY);
  } catch {
    return null; // prefill is a nicety
  }
}

function keepEmail(email: string | null) {
  try {
    if (email) window.sessionStorage.setItem(LAST_EMAIL_KEY, email);
    else window.sessionStorage.removeItem(LAST_EMAIL_KEY);
  } catch {
    /* prefill is a nicety */
  }
}

function validate(mode: Mode, email: string, password: string): Partial<Record<Fields, string>> {
  const errors: Partial<Record<Fields, string>> = {};
  if (!email.trim()) errors.email = "Enter your email address.";
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = "Enter a valid email address, like name@example.com.";
  else if (email.trim().length > 255) errors.email = "Email must be at most 255 characters.";
  if (!password) errors.password = "Enter your password.";
  else if (mode === "register" && password.length < 8) errors.password = "Password must be at least 8 characters.";
  else if (mode === "register" && password.length > 128) errors.password = "Password must be at most 128 characters.";
  return errors;
}


export default function AuthForm({ mode, next, reason }: { mode: Mode; next: string | null; reason: string | null }) {
  const router = useRouter();
  const destination = safeNext(next);
  const [errors, setErrors] = useState<Partial<Record<Fields, string>>>({});
  // An object, so that the same message twice in a row still moves focus to it.
  const [topError, setTopError] = useState<{ text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [showPassword, setShowPassword] = useState(false);
  const [emailTaken, setEmailTaken] = useState<string | null>(null);
  const session = useSyncExternalStore(subscribeSession, sessionSnapshot, serverSessionSnapshot);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const topRef = useRef<HTMLDivElement>(null);

  // Already signed in (the refresh cookie still works): nothing to do here.
  useEffect(() => {
    if (session.status === "signed-in") router.replace(destination);
  }, [session.status, router, destination]);

  // A message for the whole form takes focus, so it is read out and the user starts from there.
  useEffect(() => {
    if (topError) topRef.current?.focus();
  }, [topError]);

  // Just registered, "Sign in instead", or a session that ended by itself: prefill the email
  // and put the cursor in the password field.
  useEffect(() => {
    if (mode !== "login") return;
    const stored = readEmail();
    if (stored && emailRef.current && !emailRef.current.value) {
      emailRef.current.value = stored;
      passwordRef.current?.focus();
    }
  }, [mode, reason]);

  const isLogin = mode === "login";
  const info = reason ? REASONS[reason] : undefined;
  const suffix = next ? `?next=${encodeURIComponent(destination)}` : "";

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setTopError(null);
    setEmailTaken(null);
    const data = new FormData(e.currentTarget);
    const email = String(data.get("email") ?? "");
    const password = String(data.get("password") ?? "");
    const local = validate(mode, email, password);
    setErrors(local);
    if (local.email) return emailRef.current?.focus();
    if (local.password) return passwordRef.current?.focus();

    setBusy(true);
    const body = { email: email.trim(), password };
    try {
      if (isLogin) {
        const token = await api.login(body);
        saveSession(token.access_token, token.expires_in, body.email);
        announceSignIn();
        router.replace(destination);
        return; // keep the button busy while navigating
      }
      await api.register(body);
      keepEmail(body.email);
      const params = new URLSearchParams({ reason: "registered" });
      if (next) params.set("next", destination);
      router.push(`/login?${params.toString()}`);
    } catch (err) {
      setBusy(false);
      if (passwordRef.current) passwordRef.current.value = "";
      const byField = fieldErrors(err);
      // "Email already exists" is a 400 without field detail: show it next to the email.
      const taken =
        !isLogin && err instanceof ApiError && err.status === 400 && !byField.email && /email/i.test(err.detail);
      if (taken) byField.email = err.detail;
      setEmailTaken(taken ? body.email : null);
      setErrors({ email: byField.email, password: byField.password });
      const top = taken ? null : formError(err, FIELDS);
      setTopError(top ? { text: top } : null);
      if (byField.email) emailRef.current?.focus();
      else if (byField.password) passwordRef.current?.focus();
    }
  }

  const describe = (f: Fields, hint?: string) =>
    [errors[f] ? `${f}-error` : null, hint].filter(Boolean).join(" ") || undefined;

  return (
    <main id="main" className="auth-page">
      <div className="card auth-card">
        <p className="brand" aria-hidden="true">
          taskhub
        </p>
        <h1>{isLogin ? "Sign in" : "Create your account"}</h1>
        {info && !topError && (
          <p className="notice notice-info" role="status">
            {info}
          </p>
        )}
        {topError && (
          <div className="notice notice-error" role="alert" tabIndex={-1} ref={topRef}>
            {topError.text}
          </div>
        )}
        {/* method="post" keeps the password out of the URL if submitted before hydration */}
        <form method="post" onSubmit={onSubmit} noValidate aria-busy={busy}>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input
              ref={emailRef}
              id="email"
              name="email"
              type="email"
              inputMode="email"
              autoComplete={isLogin ? "username" : "email"}
              autoFocus
              aria-invalid={errors.email ? true : undefined}
              aria-describedby={describe("email")}
              maxLength={255}
              required
            />
            {errors.email && (
              <p className="field-error" id="email-error">
                {errors.email}
                {emailTaken && (
                  <>
                    {" "}
                    <Link href={`/login${suffix}`} onClick={() => keepEmail(emailTaken)}>
                      Sign in instead
                    </Link>
                  </>
                )}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              ref={passwordRef}
              id="password"
              name="password"
              type={showPassword ? "text" : "password"}
              autoComplete={isLogin ? "current-password" : "new-password"}
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={describe("password", isLogin ? undefined : "password-hint")}
              maxLength={128}
              required
            />
            <button
              type="button"
              className="btn btn-ghost btn-small password-toggle"
              aria-pressed={showPassword}
              aria-controls="password"
              onClick={() => setShowPassword((v) => !v)}
            >
              Show password
            </button>
            {!isLogin && (
              <p className="field-hint" id="password-hint">
                8 to 128 characters.
              </p>
            )}
            {errors.password && (
              <p className="field-error" id="password-error">
                {errors.password}
              </p>
            )}
          </div>
          <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
            {busy ? (isLogin ? "Signing in…" : "Creating account…") : isLogin ? "Sign in" : "Create account"}
          </button>
        </form>
        <p className="auth-switch">
          {isLogin ? (
            <>
              New to taskhub? <Link href={`/register${suffix}`}>Create an account</Link>
            </>
          ) : (
            <>
              Already have an account? <Link href={`/login${suffix}`}>Sign in</Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
