"use client";

import { useRouter } from "next/navigation";
import { useEffect, useSyncExternalStore } from "react";
import { endSession, parseSession, sessionSnapshot, subscribeSession, takeEndReason } from "@/lib/session";
import TaskBoard from "./TaskBoard";

const noSessionOnServer = () => undefined;

/** Auth guard: renders the board only with a live session, otherwise sends the visitor to /login. */
export default function Dashboard() {
  const router = useRouter();
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
          <span className="topbar-user" title={session.email}>
            {session.email}
          </span>
          <button type="button" className="btn btn-ghost" onClick={() => endSession("signed-out")}>
            Sign out
          </button>
        </div>
      </header>
      <TaskBoard />
    </>
  );
}
