"use client";

import { useEffect, useRef, useState } from "react";
import { api, ApiError, type TrashedTask } from "@/lib/api";
import { exactTime } from "@/lib/due";

type Phase = { kind: "loading" } | { kind: "ready" } | { kind: "error"; error: unknown };
type Confirm = { kind: "one"; id: number } | { kind: "all" } | null;

const describe = (err: unknown) => (err instanceof ApiError ? err.detail : "Something went wrong.");
const isAuth = (err: unknown) => err instanceof ApiError && err.status === 401; // the guard redirects

function inDays(iso: string, now: number): string {
  const days = Math.ceil((Date.parse(iso) - now) / 86_400_000);
  if (days <= 0) return "today";
  return days === 1 ? "in 1 day" : `in ${days} days`;
}

/** The trash: deleted tasks with restore and delete forever, empty trash, and when each is purged. */
export default function TrashBoard() {
  const [tasks, setTasks] = useState<TrashedTask[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [now] = useState(() => Date.now());
  const [reloads, setReloads] = useState(0);
  const focusNext = useRef<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    api.listTrash(undefined, ac.signal).then(
      (page) => {
        setTasks(page.tasks);
        setCursor(page.next_cursor ?? null);
        setPhase({ kind: "ready" });
      },
      (err: unknown) => {
        if (!ac.signal.aborted && !isAuth(err)) setPhase({ kind: "error", error: err });
      },
    );
    return () => ac.abort();
  }, [reloads]);

  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  });

  async function act(what: () => Promise<unknown>, done: string, failed: string) {
    setBusy(true);
    setError(null);
    try {
      await what();
      setAnnouncement(done);
      return true;
    } catch (err) {
      if (!isAuth(err)) setError(`${failed}: ${describe(err)}`);
      return false;
    } finally {
      setBusy(false);
    }
  }

  const removeFromList = (task: TrashedTask) => {
    const i = tasks.findIndex((t) => t.id === task.id);
    const neighbour = tasks[i + 1] ?? tasks[i - 1];
    focusNext.current = neighbour ? `trash-${neighbour.id}-title` : "trash-heading";
    setTasks((ts) => ts.filter((t) => t.id !== task.id));
  };

  async function restore(task: TrashedTask) {
    const ok = await act(() => api.restoreTask(task.id), `Restored “${task.title}” to your tasks.`, `Couldn't restore “${task.title}”`);
    if (ok) removeFromList(task);
  }

  async function purge(task: TrashedTask) {
    setConfirm(null);
    const ok = await act(() => api.purgeTask(task.id), `Deleted “${task.title}” for good.`, `Couldn't delete “${task.title}”`);
    if (ok) removeFromList(task);
    else focusNext.current = `trash-${task.id}-title`;
  }

  async function emptyAll() {
    setConfirm(null);
    const ok = await act(() => api.emptyTrash(), "Emptied the trash: every task in it is deleted for good.", "Couldn't empty the trash");
    if (ok) {
      setTasks([]);
      setCursor(null);
      focusNext.current = "trash-heading";
    }
  }

  async function loadMore() {
    if (!cursor) return;
    await act(
      async () => {
        const page = await api.listTrash(cursor);
        setTasks((ts) => [...ts, ...page.tasks.filter((t) => !ts.some((x) => x.id === t.id))]);
        setCursor(page.next_cursor ?? null);
      },
      "More deleted tasks loaded.",
      "Couldn't load more",
    );
  }

  return (
    <main id="main" className="board">
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      <section className="card tasks" aria-labelledby="trash-heading">
        <div className="tasks-head">
          <h1 id="trash-heading" tabIndex={-1}>
            Trash
          </h1>
          {phase.kind === "ready" && tasks.length > 0 && confirm?.kind !== "all" && (
            <button type="button" className="btn btn-danger-ghost" onClick={() => setConfirm({ kind: "all" })} disabled={busy}>
              Empty trash
            </button>
          )}
        </div>
        <p className="field-hint">Deleted tasks stay here for 7 days, then they are deleted for good.</p>

        {confirm?.kind === "all" && (
          <div className="confirm" role="group" aria-labelledby="empty-confirm" onKeyDown={(e) => e.key === "Escape" && setConfirm(null)}>
            <p id="empty-confirm">Delete every task in the trash for good? This can’t be undone.</p>
            <div className="row">
              <button type="button" className="btn btn-danger" onClick={() => void emptyAll()} disabled={busy}>
                Yes, empty the trash
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setConfirm(null)} autoFocus>
                Cancel
              </button>
            </div>
          </div>
        )}

        {error && (
          <div className="notice notice-error" role="alert">
            <p>{error}</p>
          </div>
        )}

        {phase.kind === "loading" && (
          <div className="state" aria-busy="true">
            <span className="spinner" aria-hidden="true" />
            <p>Loading the trash…</p>
          </div>
        )}
        {phase.kind === "error" && (
          <div className="state state-error" role="alert">
            <p>
              <strong>We couldn’t load the trash.</strong> {describe(phase.error)}
            </p>
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => {
                setPhase({ kind: "loading" });
                setReloads((n) => n + 1);
              }}
            >
              Try again
            </button>
          </div>
        )}
        {phase.kind === "ready" && tasks.length === 0 && (
          <div className="state">
            <p>The trash is empty.</p>
          </div>
        )}
        {phase.kind === "ready" && tasks.length > 0 && (
          <ul className="task-list" aria-label="Deleted tasks">
            {tasks.map((task) => (
              <li key={task.id} className="task trash-item">
                <h2 className="task-title" id={`trash-${task.id}-title`} tabIndex={-1}>
                  {task.title}
                </h2>
                <p className="task-meta">
                  <span>
                    Deleted <time dateTime={task.deleted_at}>{exactTime(task.deleted_at)}</time>
                  </span>
                  <span>
                    Deleted for good {inDays(task.purge_at, now)} (
                    <time dateTime={task.purge_at}>{exactTime(task.purge_at)}</time>)
                  </span>
                </p>
                {confirm?.kind === "one" && confirm.id === task.id ? (
                  <div
                    className="confirm"
                    role="group"
                    aria-labelledby={`trash-${task.id}-confirm`}
                    onKeyDown={(e) => e.key === "Escape" && setConfirm(null)}
                  >
                    <p id={`trash-${task.id}-confirm`}>Delete “{task.title}” for good? This can’t be undone.</p>
                    <div className="row">
                      <button type="button" className="btn btn-danger" onClick={() => void purge(task)} disabled={busy}>
                        Yes, delete forever
                      </button>
                      <button type="button" className="btn btn-ghost" onClick={() => setConfirm(null)} autoFocus>
                        Cancel
                      </button>
                    </div>
                  </div>
                ) : (
                  <div className="row">
                    <button type="button" className="btn btn-primary btn-small" onClick={() => void restore(task)} disabled={busy}>
                      Restore<span className="sr-only"> “{task.title}”</span>
                    </button>
                    <button
                      type="button"
                      className="btn btn-danger-ghost btn-small"
                      onClick={() => setConfirm({ kind: "one", id: task.id })}
                      disabled={busy}
                    >
                      Delete forever<span className="sr-only"> “{task.title}”</span>
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
        {phase.kind === "ready" && cursor && (
          <div className="load-more">
            <button type="button" className="btn btn-ghost" onClick={() => void loadMore()} disabled={busy}>
              Load more
            </button>
          </div>
        )}
      </section>
    </main>
  );
}
