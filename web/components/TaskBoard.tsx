"use client";

import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError, newIdempotencyKey, STATUS_LABEL, TASK_STATUSES, type BulkInput, type Task, type TaskStatus } from "@/lib/api";
import {
  apiQuery,
  EMPTY_QUERY,
  isFiltered,
  isPriority,
  matchesQuery,
  PAGE_SIZE,
  parseQuery,
  PRIORITIES,
  PRIORITY_LABEL,
  queryString,
  type ListQuery,
  type Priority,
} from "@/lib/query";
import ListControls from "./ListControls";
import LoadMore from "./LoadMore";
import type { Notice } from "./Notices";
import ShortcutsDialog, { preloadShortcuts } from "./ShortcutsDialog";
import TaskComposer, { type NewTask } from "./TaskComposer";
import TaskItem, { preloadEditor, type TaskEdit } from "./TaskItem";
import { isNarrow } from "./narrow";

// Only needed once something fails or is undone: in its own chunk, fetched once the list is shown.
const Notices = lazy(() => import("./Notices"));

type Filter = "all" | TaskStatus;
type Phase = { kind: "loading" } | { kind: "ready" } | { kind: "error"; error: unknown };
/** At most this many toasts at once (the oldest go first). */
const MAX_NOTICES = 5;
/** A refresh on focus, on becoming visible or on reconnecting comes at most this often. */
const REFRESH_GAP_MS = 2_000;

const FILTER_LABEL: Record<Filter, string> = { all: "All", ...STATUS_LABEL };
void TASK_STATUSES;

/**
 * The list as the server has it now, keeping a task whose editor is open where it was even if the
 * server no longer lists it (deleted elsewhere, or out of the filter): the draft is not lost.
 */
function merge(local: readonly Task[], server: readonly Task[], editing: ReadonlySet<number>): Task[] {
  const listed = new Set(server.map((t) => t.id));
  const out = [...server];
  local.forEach((t, i) => {
    if (listed.has(t.id) || !editing.has(t.id)) return;
    // Right after the task it followed here, so it is not moved (a moved node loses its focus).
    const before = local.slice(0, i).reverse().find((p) => out.some((o) => o.id === p.id));
    out.splice(before ? out.findIndex((o) => o.id === before.id) + 1 : 0, 0, t);
  });
  return out;
}

/** The set with `id` in it or not (the same set when nothing changes). */
function toggled(ids: ReadonlySet<number>, id: number, on: boolean): ReadonlySet<number> {
  if (ids.has(id) === on) return ids;
  const next = new Set(ids);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

function describe(err: unknown): string {
  return err instanceof ApiError ? err.detail : "Something went wrong.";
}

export default function TaskBoard() {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  // The board renders only in the browser (after the session check), so the URL is there to read.
  const [query, setQuery] = useState<ListQuery>(() => parseQuery(window.location.search));
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  /** the same, at once (two triggers in one tick must not ask for the same page twice) */
  const loadingMoreRef = useRef(false);
  /** infinite scroll is on until a page fails to load; the button turns it back on */
  const [autoMore, setAutoMore] = useState(true);
  const [showDone, setShowDone] = useState(false);
  /**
   * Phone layout, decided when a list is shown (not live): turning the phone or resizing later
   * does not re-arrange the list under the user's hands, where an open editor would be lost.
   */
  const [phone, setPhone] = useState(isNarrow);
  const [reloads, setReloads] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const [notices, setNotices] = useState<readonly Notice[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [bulkPriority, setBulkPriority] = useState<Priority>("high");
  const [bulkBusy, setBulkBusy] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const [saving, setSaving] = useState<Readonly<Record<number, number>>>({});
  /** per-task mutation counter: only the latest answer for a task may overwrite or roll back */
  const seq = useRef(new Map<number, number>());
  /** element id to focus once the list has re-rendered */
  const focusNext = useRef<string | null>(null);
  /** ids of the tasks whose editor is open */
  const [editing, setEditing] = useState<ReadonlySet<number>>(new Set());
  /** the same, as of the latest render (an editor opened while a refresh was on its way counts) */
  const editingNow = useRef(editing);
  /** moves on with every change made here: a refresh that overlapped one is dropped */
  const changeMark = useRef(0);
  const lastRefresh = useRef(0);

  const search = queryString(query);
  const queryRef = useRef(query);
  useEffect(() => {
    queryRef.current = query;
    editingNow.current = editing;
  });

  /** The first page of the current query (a new query starts from its first page again). */
  const fetchFirstPage = useCallback(async (search: string, signal: AbortSignal) => {
    const narrow = isNarrow(); // the layout the list was asked for in
    try {
      const page = await api.listTasks(apiQuery(parseQuery(search)), signal);
      setTasks(page.tasks);
      setCursor(page.next_cursor ?? null);
      setPhone(narrow);
      setPhase({ kind: "ready" });
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) return; // the guard redirects to /login
      setPhase({ kind: "error", error: err });
    }
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    void fetchFirstPage(search, ac.signal);
    return () => ac.abort();
  }, [fetchFirstPage, search, reloads]);

  // Once a list is shown, the chunks of the toasts, the shortcuts dialog and the editor are fetched ahead.
  useEffect(() => {
    if (phase.kind !== "ready") return;
    void import("./Notices").catch(() => undefined);
    preloadShortcuts();
    preloadEditor();
  }, [phase.kind]);

  // "due in 5 minutes" / "overdue by 1 minute" move on by themselves.
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(t);
  }, []);

  // Back and forward move between queries without leaving the page.
  useEffect(() => {
    const onPop = () => {
      const next = parseQuery(window.location.search);
      if (queryString(next) === queryString(queryRef.current)) return;
      setPhase({ kind: "loading" });
      setQuery(next);
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  /** Shows another list: the URL records it (a new history entry unless `replace`). */
  const navigate = useCallback((next: ListQuery, replace = false) => {
    const nextSearch = queryString(next);
    if (nextSearch === queryString(queryRef.current)) return;
    const url = `${window.location.pathname}${nextSearch}${window.location.hash}`;
    if (replace) window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
    setPhase({ kind: "loading" });
    setSelected(new Set());
    setQuery(next);
  }, []);

  async function loadMore(fromButton: boolean) {
    if (fromButton) setAutoMore(true);
    if (!cursor || loadingMoreRef.current) return;
    loadingMoreRef.current = true;
    setLoadingMore(true);
    const asked = search;
    try {
      const page = await api.listTasks(apiQuery(query, cursor));
      if (queryString(queryRef.current) !== asked) return; // another list is shown by now
      const known = new Set(tasks.map((t) => t.id));
      const fresh = page.tasks.filter((t) => !known.has(t.id));
      setTasks((ts) => [...ts, ...fresh.filter((t) => !ts.some((x) => x.id === t.id))]);
      setCursor(page.next_cursor ?? null);
      setAnnouncement(`${fresh.length} more task${fresh.length === 1 ? "" : "s"} loaded.`);
      // The button is gone after the last page: its focus moves on to the first new task.
      const hadFocus = document.activeElement?.closest(".load-more");
      if (!page.next_cursor && fresh[0] && (fromButton || hadFocus)) focusNext.current = `task-${fresh[0].id}-title`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setAutoMore(false);
      fail("more", `Couldn't load more tasks: ${describe(err)}`, () => void loadMore(true));
    } finally {
      loadingMoreRef.current = false;
      setLoadingMore(false);
    }
  }

  /**
   * The loaded pages again, as the server has them now (tasks added, changed or deleted in another
   * tab or device). Silent; skipped while a change of this tab is on its way, and dropped if one
   * started meanwhile or another list is shown by then. Open editors keep their drafts.
   */
  async function refresh() {
    if (phase.kind !== "ready" || loadingMoreRef.current || Object.keys(saving).length > 0) return;
    if (Date.now() - lastRefresh.current < REFRESH_GAP_MS) return;
    lastRefresh.current = Date.now();
    const mark = changeMark.current;
    const pages = Math.max(1, Math.ceil(tasks.length / PAGE_SIZE));
    const fresh: Task[] = [];
    let next: string | null = null;
    try {
      for (let i = 0; i < pages; i++) {
        const page = await api.listTasks(apiQuery(query, next ?? undefined));
        fresh.push(...page.tasks);
        next = page.next_cursor ?? null;
        if (!next) break;
      }
    } catch {
      return; // offline or failing: the list stays as it is, the next focus tries again
    }
    if (changeMark.current !== mark || loadingMoreRef.current || queryString(queryRef.current) !== search) return;
    setTasks((ts) => merge(ts, fresh, editingNow.current));
    const still = new Set([...fresh.map((t) => t.id), ...editingNow.current]);
    setSelected((sel) => (sel.size ? new Set([...sel].filter((id) => still.has(id))) : sel)); // gone elsewhere: not selected
    setCursor(next);
    setNow(Date.now());
  }

  const refreshRef = useRef(refresh);
  useEffect(() => {
    refreshRef.current = refresh;
  });
  useEffect(() => {
    const run = () => void refreshRef.current();
    const onVisible = () => document.visibilityState === "visible" && run();
    window.addEventListener("focus", run);
    window.addEventListener("online", run);
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      window.removeEventListener("focus", run);
      window.removeEventListener("online", run);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, []);

  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  });

  const reload = () => {
    setPhase({ kind: "loading" });
    setReloads((n) => n + 1);
  };

  /** A toast for what failed (`id` names it: a new failure of the same thing replaces its toast). */
  const fail = (id: string, text: string, retry?: () => void) => notify({ id, text, retry }); // role="alert" announces it
  const notify = (n: Notice) => setNotices((ns) => [...ns.filter((x) => x.id !== n.id), n].slice(-MAX_NOTICES));
  const dismiss = (id: string) => setNotices((ns) => ns.filter((n) => n.id !== id));

  const begin = (id: number) => {
    changeMark.current++;
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
    fail(`gone-${task.id}`, `“${task.title}” no longer exists. It may have been deleted elsewhere.`);
  };

  // ------------------------------------------------------------ actions ---

  /** `key`: the Idempotency-Key, the same for a retry of the same task, so it is never made twice */
  async function create(input: NewTask, key: string): Promise<unknown> {
    changeMark.current++;
    try {
      const task = await api.createTask(input, key);
      if (matchesQuery(task, query, Date.now())) setTasks((ts) => [task, ...ts.filter((t) => t.id !== task.id)]);
      else navigate({ ...EMPTY_QUERY, sort: query.sort }); // show the list the new task is in
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
    dismiss(`status-${task.id}`);
    patch(task.id, (t) => ({ ...t, status }));
    setAnnouncement(`“${task.title}” marked ${STATUS_LABEL[status].toLowerCase()}.`);
    api
      .updateTask(task.id, { status })
      .then((server) => latest() && patch(task.id, () => server))
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) return;
        if (err instanceof ApiError && err.status === 404) return gone(task);
        if (latest()) patch(task.id, (t) => ({ ...t, status: before }));
        fail(`status-${task.id}`, `Couldn't change the status of “${task.title}”: ${describe(err)}`, () => changeStatus({ ...task, status: before }, status));
      })
      .finally(() => done(task.id));
  }

  /** A status change from the task; on a phone a task completed folds away, so focus moves on. */
  function setStatus(task: Task, status: TaskStatus, shown: readonly Task[]) {
    const i = shown.findIndex((t) => t.id === task.id);
    if (i >= 0 && status === "completed" && grouped && !editing.has(task.id) && document.activeElement?.closest(`#task-${task.id}`)) {
      const neighbour = shown[i + 1] ?? shown[i - 1];
      focusNext.current = neighbour ? `task-${neighbour.id}-title` : "tasks-heading";
    }
    changeStatus(task, status);
  }

  async function saveEdit(task: Task, edit: TaskEdit, version: number): Promise<unknown> {
    const before = { title: task.title, description: task.description, due_at: task.due_at, priority: task.priority };
    const latest = begin(task.id);
    patch(task.id, (t) => ({ ...t, ...edit }));
    try {
      const server = await api.updateTask(task.id, edit, version);
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
      // Back to the editor, which reopens with the draft and the reason (and a retry when it may work).
      return err;
    } finally {
      done(task.id);
    }
  }

  /** The task as the server has it now (after a 412). */
  async function reloadTask(task: Task): Promise<unknown> {
    try {
      const server = await api.getTask(task.id);
      patch(task.id, () => server);
      setAnnouncement(`Reloaded “${server.title}”.`);
      return null;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) gone(task);
      else if (!(err instanceof ApiError && err.status === 401)) fail(`reload-${task.id}`, `Couldn't reload “${task.title}”: ${describe(err)}`);
      return err;
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
      .deleteTask(task.id, task.version)
      .then(() => notify({ id: "undo", text: `Deleted “${task.title}”. It stays in the trash for 7 days.`, undo: () => undoDelete(task, i) }))
      .catch((err: unknown) => {
        if (err instanceof ApiError && (err.status === 404 || err.status === 401)) return;
        if (latest()) setTasks((ts) => (ts.some((t) => t.id === task.id) ? ts : [...ts, task]));
        if (err instanceof ApiError && err.status === 412) {
          // Changed elsewhere since it was loaded: show what it is now instead of deleting it unseen.
          void reloadTask(task);
          return fail(`delete-${task.id}`, `“${task.title}” was changed elsewhere, so it was not deleted. Check it and delete it again if you still want to.`);
        }
        fail(`delete-${task.id}`, `Couldn't delete “${task.title}”: ${describe(err)}`, () => remove(task, []));
      })
      .finally(() => done(task.id));
  }

  function undoDelete(task: Task, index: number) {
    dismiss("undo");
    changeMark.current++;
    api
      .restoreTask(task.id)
      .then((server) => {
        setTasks((ts) => {
          const rest = ts.filter((t) => t.id !== server.id);
          const at = index < 0 ? 0 : Math.min(index, rest.length);
          return [...rest.slice(0, at), server, ...rest.slice(at)];
        });
        focusNext.current = `task-${server.id}-title`;
        setAnnouncement(`Restored “${server.title}”.`);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) return;
        fail(`restore-${task.id}`, `Couldn't restore “${task.title}”: ${describe(err)}`, () => undoDelete(task, index));
      });
  }

  // --------------------------------------------------------------- bulk ---

  const select = (id: number, on: boolean) => setSelected((s) => toggled(s, id, on));

  /** One action on every selected task, all or nothing (POST /api/tasks/bulk, up to 100). */
  /** `key`: a retry of the same request reuses its Idempotency-Key, so it is applied once */
  async function bulk(action: BulkInput["action"], changes?: BulkInput["changes"], ids = [...selected], key = newIdempotencyKey()) {
    if (ids.length === 0 || bulkBusy) return;
    const chosen = tasks.filter((t) => ids.includes(t.id));
    setBulkBusy(true);
    changeMark.current++;
    try {
      const answer = await api.bulk({ ids, action, ...(changes ? { changes } : {}) }, key);
      const n = `${ids.length} task${ids.length === 1 ? "" : "s"}`;
      if (action === "delete") {
        setTasks((ts) => ts.filter((t) => !ids.includes(t.id)));
        setSelected(new Set());
        focusNext.current = "tasks-heading";
        setAnnouncement(`Deleted ${n}.`);
        notify({ id: "undo", text: `Deleted ${n}. They stay in the trash for 7 days.`, undo: () => void bulk("restore", undefined, ids) });
      } else if (action === "restore") {
        dismiss("undo");
        const back = answer?.tasks ?? [];
        setTasks((ts) => [...back.filter((b) => !ts.some((t) => t.id === b.id)), ...ts]);
        setAnnouncement(`Restored ${n}.`);
      } else {
        const byId = new Map((answer?.tasks ?? []).map((t) => [t.id, t]));
        setTasks((ts) => ts.map((t) => byId.get(t.id) ?? t));
        setAnnouncement(`Changed ${n}.`);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      const what = chosen.length === 1 ? `“${chosen[0]!.title}”` : `${ids.length} tasks`;
      fail("bulk", `Couldn't change ${what}: ${describe(err)} Nothing was changed.`, () => void bulk(action, changes, ids, key));
    } finally {
      setBulkBusy(false);
    }
  }

  // ------------------------------------------------------------- render ---

  const visible = tasks;
  const filter: Filter = query.status ?? "all";
  const filtered = isFiltered(query);
  // Phones: completed tasks fold into "Completed (N)" below the others, unless a status is chosen
  // (one being edited stays where it is: its editor is not lost to the fold).
  const grouped = phone && !query.status;
  const folds = (t: Task) => grouped && t.status === "completed" && !editing.has(t.id);
  const open = visible.filter((t) => !folds(t));
  const completed = visible.filter(folds);

  const item = (task: Task) => (
    <TaskItem
      key={task.id}
      task={task}
      now={now}
      selected={selected.has(task.id)}
      onSelect={(on) => select(task.id, on)}
      saving={(saving[task.id] ?? 0) > 0}
      onStatus={(s) => setStatus(task, s, open)}
      onSave={(edit, version) => saveEdit(task, edit, version)}
      onReload={() => reloadTask(task)}
      onDelete={() => remove(task, visible)}
      onEditing={(on) => setEditing((ids) => toggled(ids, task.id, on))}
    />
  );

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
          {phase.kind === "ready" && (
            <p className="tasks-count">
              {tasks.length} task{tasks.length === 1 ? "" : "s"}
              {cursor ? " shown, more below" : filtered ? " found" : ""}
            </p>
          )}
          <ShortcutsDialog />
        </div>
        <ListControls query={query} onChange={navigate} />

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
            {!filtered ? (
              <p>No tasks yet. Add your first one above.</p>
            ) : (
              <>
                <p>
                  {filter !== "all" && !query.q.trim() && !query.priority && !query.overdue
                    ? `No ${FILTER_LABEL[filter].toLowerCase()} tasks.`
                    : "No tasks match your search and filters."}
                </p>
                <button type="button" className="btn btn-ghost" onClick={() => navigate({ ...EMPTY_QUERY, sort: query.sort })}>
                  Show all tasks
                </button>
              </>
            )}
          </div>
        )}

        {phase.kind === "ready" && visible.length > 0 && (
          <div className="bulk" role="group" aria-labelledby="bulk-label">
            <label className="bulk-all">
              <input
                type="checkbox"
                checked={visible.every((t) => selected.has(t.id))}
                onChange={(e) => setSelected(e.target.checked ? new Set(visible.slice(0, 100).map((t) => t.id)) : new Set())}
              />{" "}
              Select all shown
            </label>
            <span id="bulk-label" className="bulk-count">
              {selected.size} selected
            </span>
            {selected.size > 0 && (
              <>
                <button type="button" className="btn btn-ghost btn-small" disabled={bulkBusy} onClick={() => void bulk("update", { status: "completed" })}>
                  Complete selected
                </button>
                <span className="bulk-priority">
                  <label htmlFor="bulk-priority" className="sr-only">
                    Priority for the selected tasks
                  </label>
                  <select id="bulk-priority" value={bulkPriority} onChange={(e) => isPriority(e.target.value) && setBulkPriority(e.target.value)}>
                    {PRIORITIES.map((p) => (
                      <option key={p} value={p}>
                        {PRIORITY_LABEL[p]}
                      </option>
                    ))}
                  </select>
                  <button type="button" className="btn btn-ghost btn-small" disabled={bulkBusy} onClick={() => void bulk("update", { priority: bulkPriority })}>
                    Set priority
                  </button>
                </span>
                <button type="button" className="btn btn-danger-ghost btn-small" disabled={bulkBusy} onClick={() => void bulk("delete")}>
                  Delete selected
                </button>
              </>
            )}
          </div>
        )}

        {phase.kind === "ready" && open.length > 0 && (
          <ul className="task-list" aria-label={grouped ? "Open tasks" : `${FILTER_LABEL[filter]} tasks`}>
            {open.map(item)}
          </ul>
        )}

        {phase.kind === "ready" && completed.length > 0 && (
          <div className="done-group">
            <button type="button" className="btn btn-ghost btn-block done-toggle" aria-expanded={showDone} aria-controls="done-list" onClick={() => setShowDone(!showDone)}>
              Completed ({completed.length})
            </button>
            <ul id="done-list" className="task-list" aria-label="Completed tasks" hidden={!showDone}>
              {completed.map(item)}
            </ul>
          </div>
        )}

        {phase.kind === "ready" && cursor && <LoadMore onMore={(b) => void loadMore(b)} busy={loadingMore} auto={autoMore} count={tasks.length} />}
      </section>

      {notices.length > 0 && (
        <Suspense fallback={null}>
          <Notices notices={notices} onDismiss={dismiss} />
        </Suspense>
      )}
    </main>
  );
}
