"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useSyncExternalStore, type ReactNode } from "react";
import { endSession, parseSession, sessionSnapshot, subscribeSession, takeEndReason } from "@/lib/session";

const noSessionOnServer = () => undefined;

const NAV = [
  ["/", "Tasks"],
  ["/trash", "Trash"],
] as const;

/** Auth guard: renders the page (`children`) only with a live session, otherwise sends the visitor to /login. */
export default function Dashboard({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const raw = useSyncExternalStore(subscribeSession, sessionSnapshot, noSessionOnServer);
  const session = raw === undefined ? undefined : parseSession(raw);

  useEffect(() => {
    if (session !== null) return;
    const reason = takeEndReason();
    if (reason === "signed-out") {
      router.replace("/login");
      return;
    }
    const params = new URLSearchParams({ next: window.location.pathname + window.location.search });
    if (reason === "expired" || reason === "unauthorized") params.set("reason", reason);
    router.replace(`/login?${params.toString()}`);
  }, [session, router]);

  if (!session) {
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
              // A plain <a>: next/link would add its runtime to every page for two links.
              <a key={href} href={href} className="nav-link" aria-current={pathname === href ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <span className="topbar-user" title={session.email}>
            {session.email}
          </span>
          <button type="button" className="btn btn-ghost" onClick={() => endSession("signed-out")}>
            Sign out
          </button>
        </div>
      </header>
      {children}
    </>
  );
}
