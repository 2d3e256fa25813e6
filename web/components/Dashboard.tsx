"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { api } from "@/lib/api";
import { refresh, serverSessionSnapshot, sessionSnapshot, setSessionEmail, signOut, subscribeSession, takeEndReason } from "@/lib/session";

const NAV = [
  ["/", "Tasks"],
  ["/trash", "Trash"],
  ["/account", "Account"],
] as const;

/**
 * Auth guard: renders the page (`children`) only with a live session (got from the refresh
 * cookie on page load, lib/session.ts), otherwise sends the visitor to /login.
 */
export default function Dashboard({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const session = useSyncExternalStore(subscribeSession, sessionSnapshot, serverSessionSnapshot);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (session.status !== "signed-out") return;
    const reason = takeEndReason() ?? session.reason;
    if (reason === "signed-out") {
      router.replace("/login");
      return;
    }
    if (reason === "deleted") {
      router.replace("/login?reason=deleted");
      return;
    }
    const params = new URLSearchParams({ next: window.location.pathname + window.location.search });
    if (reason) params.set("reason", reason);
    router.replace(`/login?${params.toString()}`);
  }, [session, router]);

  // After a reload the session comes from the cookie, without the email: ask for it.
  const email = session.status === "signed-in" ? session.email : null;
  const needEmail = session.status === "signed-in" && email === null;
  useEffect(() => {
    if (!needEmail) return;
    const ac = new AbortController();
    api.me(ac.signal).then(
      (me) => setSessionEmail(me.email),
      () => undefined, // the top bar can do without it
    );
    return () => ac.abort();
  }, [needEmail]);

  if (session.status === "unavailable") {
    return (
      <main id="main" className="page-loading">
        <div className="notice notice-error" role="alert">
          <p>We couldn’t reach the server to check that you are signed in. Check your connection and try again.</p>
          <button type="button" className="btn btn-primary" onClick={() => void refresh()}>
            Try again
          </button>
        </div>
      </main>
    );
  }

  if (session.status !== "signed-in") {
    return (
      <main id="main" className="page-loading" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }

  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          <span className="brand">taskhub</span>
          <nav aria-label="Main" className="nav">
            {NAV.map(([href, label]) => (
              // A plain <a>: next/link would add its runtime to every page for three links.
              <a key={href} href={href} className="nav-link" aria-current={pathname === href ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <span className="topbar-user" title={email ?? undefined}>
            {email ?? ""}
          </span>
          <button
            type="button"
            className="btn btn-ghost"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void signOut(false);
            }}
          >
            {busy ? "Signing out…" : "Sign out"}
          </button>
        </div>
      </header>
      {children}
    </>
  );
}
