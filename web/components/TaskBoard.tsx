"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError, STATUS_LABEL, TASK_STATUSES, type Task, type TaskStatus } from "@/lib/api";
import TaskComposer, { type NewTask } from "./TaskComposer";
import TaskItem, { type TaskEdit } from "./TaskItem";

type Filter = "all" | TaskStatus;
type Phase = { kind: "loading" } | { kind: "ready" } | { kind: "error"; error: unknown };
interface Notice {
  text: string;
  retry?: () => void;
}

const FILTERS: readonly Filter[] = ["all", ...TASK_STATUSES];
const FILTER_LABEL: Record<Filter, string> = { all: "All", ...STATUS_LABEL };

function newestFirst(a: Task, b: Task): number {
  return b.created_at.localeCompare(a.created_at) || b.id - a.id;
}

function describe(err: unknown): string {
  return err instanceof ApiError ? err.detail : "Something went wrong.";
}

export default function TaskBoard() {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [filter, setFilter] = useState<Filter>("all");
  const [notice, setNotice] = useState<Notice | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [saving, setSaving] = useState<Readonly<Record<number, number>>>({});
  /** per-task mutation counter: only the latest answer for a task may overwrite or roll back */
  const seq = useRef(new Map<number, number>());
  /** element id to focus once the list has re-rendered */
  const focusNext = useRef<string | null>(null);

  const fetchTasks = useCallback(async (signal?: AbortSignal) => {
    try {
      const list = await api.listTasks(signal);
      setTasks(list);
      setPhase({ kind: "ready" });
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof ApiError && err.status === 401) return; // the guard redirects to /login
      setPhase({ kind: "error", error: err });
    }
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    void fetchTasks(ac.signal);
    return () => ac.abort();
  }, [fetchTasks]);

  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  });

  const reload = () => {
    setPhase({ kind: "loading" });
    void fetchTasks();
  };

  const fail = (text: string, retry?: () => void) => {
    setNotice({ text, retry }); // role="alert" announces it without stealing focus
  };

  const begin = (id: number) => {
    const n = (seq.current.get(id) ?? 0) + 1;
    seq.current.set(id, n);
    setSaving((s) => ({ ...s, [id]: (s[id] ?? 0) + 1 }));
    return () => seq.current.get(id) === n;
  };
  const done = (id: number) =>
    setSaving((s) => {
      const { [id]: count = 1, ...rest } = s;
      return count > 1 ? { ...rest, [id]: count - 1 } : rest;
    });

  const patch = (id: number, fn: (t: Task) => Task) => setTasks((ts) => ts.map((t) => (t.id === id ? fn(t) : t)));
  const drop = (id: number) => setTasks((ts) => ts.filter((t) => t.id !== id));
  const gone = (task: Task) => {
    drop(task.id);
    fail(`“${task.title}” no longer exists. It may have been deleted elsewhere.`);
  };

  // ------------------------------------------------------------ actions ---

  async function create(input: NewTask): Promise<unknown> {
    try {
      const task = await api.createTask(input);
      setTasks((ts) => [task, ...ts.filter((t) => t.id !== task.id)]);
      if (filter !== "all" && filter !== task.status) setFilter("all");
      setAnnouncement(`Task “${task.title}” added.`);
      return null;
    } catch (err) {
      return err;
    }
  }

  function changeStatus(task: Task, status: TaskStatus) {
    if (task.status === status) return;
    const before = task.status;
    const latest = begin(task.id);
    patch(task.id, (t) => ({ ...t, status }));
    setAnnouncement(`“${task.title}” marked ${STATUS_LABEL[status].toLowerCase()}.`);
    api
      .updateTask(task.id, { status })
      .then((server) => latest() && patch(task.id, () => server))
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) return;
        if (err instanceof ApiError && err.status === 404) return gone(task);
        if (latest()) patch(task.id, (t) => ({ ...t, status: before }));
        fail(`Couldn't change the status of “${task.title}”: ${describe(err)}`, () => changeStatus({ ...task, status: before }, status));
      })
      .finally(() => done(task.id));
  }

  async function saveEdit(task: Task, edit: TaskEdit): Promise<unknown> {
    const before = { title: task.title, description: task.description };
    const latest = begin(task.id);
    patch(task.id, (t) => ({ ...t, title: edit.title, description: edit.description }));
    try {
      const server = await api.updateTask(task.id, edit);
      if (latest()) patch(task.id, () => server);
      setAnnouncement(`Saved “${server.title}”.`);
      return null;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      if (err instanceof ApiError && err.status === 404) {
        gone(task);
        return null;
      }
      if (latest()) patch(task.id, (t) => ({ ...t, ...before }));
      // Field errors go back into the editor; anything else is a notice with retry.
      if (err instanceof ApiError && err.validationErrors.length > 0) return err;
      fail(`Couldn't save “${edit.title}”: ${describe(err)}`, err instanceof ApiError && err.retryable ? () => void saveEdit(task, edit) : undefined);
      return null;
    } finally {
      done(task.id);
    }
  }

  function remove(task: Task, visible: Task[]) {
    const i = visible.findIndex((t) => t.id === task.id);
    const neighbour = visible[i + 1] ?? visible[i - 1];
    focusNext.current = neighbour ? `task-${neighbour.id}-title` : "tasks-heading";
    const latest = begin(task.id);
    drop(task.id);
    setAnnouncement(`Deleted “${task.title}”.`);
    api
      .deleteTask(task.id)
      .catch((err: unknown) => {
        if (err instanceof ApiError && (err.status === 404 || err.status === 401)) return;
        if (latest()) setTasks((ts) => (ts.some((t) => t.id === task.id) ? ts : [...ts, task]));
        fail(`Couldn't delete “${task.title}”: ${describe(err)}`, () => remove(task, []));
      })
      .finally(() => done(task.id));
  }

  // ------------------------------------------------------------- render ---

  const sorted = [...tasks].sort(newestFirst);
  const counts: Record<Filter, number> = { all: tasks.length, pending: 0, in_progress: 0, completed: 0 };
  for (const t of tasks) counts[t.status as TaskStatus] = (counts[t.status as TaskStatus] ?? 0) + 1;
  const visible = filter === "all" ? sorted : sorted.filter((t) => t.status === filter);

  return (
    <main id="main" className="board">
      <h1 className="sr-only">Your tasks</h1>
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>

      <TaskComposer onCreate={create} />

      <section className="card tasks" aria-labelledby="tasks-heading">
        <div className="tasks-head">
          <h2 id="tasks-heading" tabIndex={-1}>
            Tasks
          </h2>
          <div className="filters" role="group" aria-label="Filter tasks by status">
            {FILTERS.map((f) => (
              <button
                key={f}
                type="button"
                className="chip"
                aria-pressed={filter === f}
                onClick={() => setFilter(f)}
                disabled={phase.kind !== "ready"}
              >
                {FILTER_LABEL[f]} <span className="chip-count">{phase.kind === "ready" ? counts[f] : "–"}</span>
              </button>
            ))}
          </div>
        </div>

        {phase.kind === "loading" && (
          <div className="state" aria-busy="true">
            <span className="spinner" aria-hidden="true" />
            <p>Loading your tasks…</p>
          </div>
        )}

        {phase.kind === "error" && (
          <div className="state state-error" role="alert">
            <p>
              <strong>We couldn’t load your tasks.</strong> {describe(phase.error)}
            </p>
            <button type="button" className="btn btn-primary" onClick={reload}>
              Try again
            </button>
          </div>
        )}

        {phase.kind === "ready" && visible.length === 0 && (
          <div className="state">
            {tasks.length === 0 ? (
              <p>No tasks yet. Add your first one above.</p>
            ) : (
              <>
                <p>No {FILTER_LABEL[filter].toLowerCase()} tasks.</p>
                <button type="button" className="btn btn-ghost" onClick={() => setFilter("all")}>
                  Show all tasks
                </button>
              </>
            )}
          </div>
        )}

        {phase.kind === "ready" && visible.length > 0 && (
          <ul className="task-list" aria-label={`${FILTER_LABEL[filter]} tasks`}>
            {visible.map((task) => (
              <TaskItem
                key={task.id}
                task={task}
                saving={(saving[task.id] ?? 0) > 0}
                onStatus={(s) => changeStatus(task, s)}
                onSave={(edit) => saveEdit(task, edit)}
                onDelete={() => remove(task, visible)}
              />
            ))}
          </ul>
        )}
      </section>

      {notice && (
        <div className="toast" role="alert">
          <p>{notice.text}</p>
          <div className="toast-actions">
            {notice.retry && (
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => {
                  const retry = notice.retry;
                  setNotice(null);
                  retry?.();
                }}
              >
                Try again
              </button>
            )}
            <button type="button" className="btn btn-ghost" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        </div>
      )}
    </main>
  );
}
