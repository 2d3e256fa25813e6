"use client";

import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { ApiError, etagVersion, fieldErrors, formError, STATUS_LABEL, TASK_STATUSES, type Task, type TaskStatus } from "@/lib/api";
import { exactTime, fromLocalInput, relativeDue, toLocalInput } from "@/lib/due";
import { isPriority, PRIORITIES, PRIORITY_LABEL, type Priority } from "@/lib/query";
import { DESCRIPTION_MAX, TASK_FIELDS, TITLE_MAX, validateTask, type TaskField } from "@/lib/validate";
import CharCounter, { counterId, describedBy } from "./CharCounter";
import DueField from "./DueField";
import { CLAMP_CHARS, CLAMP_LINES } from "./textClamp";

export interface TaskEdit {
  title: string;
  description: string | null;
  due_at: string | null;
  priority: Priority;
}

interface Props {
  task: Task;
  /** epoch ms, moved on by the board every minute, for "due in …" */
  now: number;
  saving: boolean;
  /** chosen for a bulk action */
  selected: boolean;
  onSelect: (selected: boolean) => void;
  onStatus: (s: TaskStatus) => void;
  /**
   * saves if the task is still at `version` (If-Match); resolves to null when done (or handled by
   * the board), or to the error: field messages, or a 412 when the task changed elsewhere
   */
  onSave: (edit: TaskEdit, version: number) => Promise<unknown>;
  /** fetches the task as the server has it now; resolves to null or the error */
  onReload: () => Promise<unknown>;
  onDelete: () => void;
  /** told when the editor opens and closes: a refresh of the list keeps a task being edited */
  onEditing?: (editing: boolean) => void;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

/** "Started 2 Dec 2026, 13:05", with the full date and time on hover. */
function Stamp({ label, iso }: { label: string; iso: string }) {
  return (
    <span>
      {label}{" "}
      <time dateTime={iso} title={exactTime(iso)}>
        {formatDate(iso)}
      </time>
    </span>
  );
}

/** The editor's text while it is open (and kept while the editor is away during a save). */
export interface EditDraft {
  title: string;
  description: string;
  due: string;
  priority: Priority;
  /** the task's version the edit is based on (If-Match) */
  version: number;
  /** the edited fields as they were at that version */
  base: Pick<Task, "title" | "description" | "due_at" | "priority">;
}

const sameFields = (a: EditDraft["base"], b: EditDraft["base"]) =>
  a.title === b.title && a.description === b.description && a.due_at === b.due_at && a.priority === b.priority;

/** What the editor shows besides the draft; a new `focus` object moves focus there again. */
export interface EditorState {
  errors: Partial<Record<TaskField, string>>;
  /** `retry`: the save failed on the way (offline, a server error); the draft stays to send again */
  topError: { text: string; retry: boolean } | null;
  /** the save was refused because the task changed elsewhere */
  conflict: boolean;
  focus: { to: "title" | "conflict" | "retry"; select?: boolean };
}

/** The shared pieces the editor's chunk uses, handed over rather than imported (see TaskEditor.tsx). */
const EDITOR_KIT = { CharCounter, counterId, describedBy, DueField, isPriority, PRIORITIES, PRIORITY_LABEL, TITLE_MAX, DESCRIPTION_MAX };
export type EditorKit = typeof EDITOR_KIT;

function PlainText({ text }: { text: string }) {
  const long = text.length > CLAMP_CHARS || text.split("\n").length > CLAMP_LINES;
  return <p className={long ? "task-desc task-desc-clamped" : "task-desc"}>{text}</p>;
}

type Mode = { kind: "view" } | ({ kind: "edit" } & EditDraft) | { kind: "confirm" };

// The edit form comes in its own chunk, fetched once the list is shown; if that fails (offline),
// it is tried again every few seconds while "Opening the editor…" shows.
let editorChunk: Promise<typeof import("./TaskEditor")> | null = null;
const loadEditor = (): Promise<typeof import("./TaskEditor")> =>
  (editorChunk ??= import("./TaskEditor").catch(() => {
    editorChunk = null;
    return new Promise((resolve) => setTimeout(() => resolve(loadEditor()), 3000));
  }));
const TaskEditor = lazy(loadEditor);
// Links and "Show more" in descriptions come with the first list, in a chunk of their own; until
// then the text is shown plain (and clamped the same way).
const TaskText = lazy(() => import("./TaskText"));
/** Fetches the editor's chunk ahead of the first "Edit". */
export const preloadEditor = () => void loadEditor();

export default function TaskItem({ task, now, saving, selected, onSelect, onStatus, onSave, onReload, onDelete, onEditing }: Props) {
  const [mode, setMode] = useState<Mode>({ kind: "view" });
  /** the save was refused because the task changed elsewhere: its current version, when the 412 said */
  const [conflict, setConflict] = useState<{ version?: number } | null>(null);
  const [errors, setErrors] = useState<EditorState["errors"]>({});
  const [topError, setTopError] = useState<EditorState["topError"]>(null);
  const [focus, setFocus] = useState<EditorState["focus"]>({ to: "title", select: true });
  const editRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  /** where focus goes after the next change to the view (the editor moves its own) */
  const focusAfter = useRef<"edit" | "delete" | "cancel" | null>(null);

  useEffect(() => {
    const target = focusAfter.current;
    focusAfter.current = null;
    if (target === "edit") editRef.current?.focus();
    else if (target === "delete") deleteRef.current?.focus();
    else if (target === "cancel") cancelRef.current?.focus();
  }, [mode]);

  const go = (next: Mode, to: EditorState["focus"]["to"] | "edit" | "delete" | "cancel", select = false) => {
    if (to === "title" || to === "conflict" || to === "retry") setFocus({ to, select });
    else focusAfter.current = to;
    setMode(next);
    onEditing?.(next.kind === "edit");
  };

  const startEdit = () => {
    setErrors({});
    setTopError(null);
    setConflict(null);
    const edit = { title: task.title, description: task.description ?? "", due: toLocalInput(task.due_at), priority: task.priority };
    const base = { title: task.title, description: task.description, due_at: task.due_at, priority: task.priority };
    go({ kind: "edit", ...edit, version: task.version, base }, "title", true);
  };

  const close = () => {
    setConflict(null);
    go({ kind: "view" }, "edit");
  };

  /** `overwrite`: save over the change made elsewhere (If-Match with the version the 412 named) */
  async function submitEdit(overwrite = false) {
    if (mode.kind !== "edit") return;
    let version = mode.version;
    if (overwrite) {
      // The 412 names the current version; without it there is nothing safe to overwrite.
      if (conflict?.version === undefined) return void reloadTask();
      version = conflict.version;
    }
    const local = validateTask(mode.title, mode.description);
    setErrors(local);
    setTopError(null);
    if (local.title) return setFocus({ to: "title" });
    if (local.description) return;
    const dueAt = fromLocalInput(mode.due);
    const edit: TaskEdit = { title: mode.title.trim(), description: mode.description.trim() || null, due_at: dueAt, priority: mode.priority };
    const sameDue = (dueAt === null) === !task.due_at && (!dueAt || !task.due_at || Date.parse(dueAt) === Date.parse(task.due_at));
    if (!overwrite && edit.title === task.title && edit.description === (task.description || null) && sameDue && edit.priority === task.priority)
      return close();
    const draft = { ...mode, version };
    setConflict(null);
    go({ kind: "view" }, "edit"); // optimistic: the board shows the new text at once
    const err = await onSave(edit, version);
    if (err instanceof ApiError && err.status === 412) {
      // Changed in another tab or device since the editor opened: keep the draft and ask.
      setErrors({});
      setTopError(null);
      setConflict({ version: etagVersion(err.etag) });
      go(draft, "conflict");
    } else if (err) {
      // Not saved: reopen the editor with the draft and say why (with a retry when it may work).
      const byField = fieldErrors(err);
      setErrors({ title: byField.title, description: byField.description, due_at: byField.due_at, priority: byField.priority });
      const retry = err instanceof ApiError && err.retryable;
      const text = formError(err, TASK_FIELDS);
      setTopError(text ? { text: retry ? `Not saved: ${text} Your changes are still here.` : text, retry } : null);
      go(draft, retry ? "retry" : "title", true);
    }
  }

  async function reloadTask() {
    const err = await onReload();
    if (!err) close();
  }

  // A newer version that left the edited fields alone (a status change, from here or elsewhere)
  // is no conflict: the edit is based on it from now on.
  if (mode.kind === "edit" && task.version > mode.version && sameFields(task, mode.base)) setMode({ ...mode, version: task.version });

  const titleId = `task-${task.id}-title`;
  const status = task.status as TaskStatus;
  const updated = task.updated_at !== task.created_at;
  const due = task.due_at ? relativeDue(task.due_at, now, status === "completed") : null;

  return (
    <li id={`task-${task.id}`} className="task" data-status={status} data-overdue={due?.overdue || undefined} aria-busy={saving || undefined}>
      {mode.kind === "edit" ? (
        <Suspense fallback={<p className="task-edit-loading">Opening the editor…</p>}>
          <TaskEditor
            task={task}
            draft={mode}
            onDraft={(d) => setMode({ ...d, kind: "edit" })}
            errors={errors}
            topError={topError}
            conflict={conflict !== null}
            focus={focus}
            onSubmit={(overwrite) => void submitEdit(overwrite)}
            onCancel={close}
            onReload={() => void reloadTask()}
            kit={EDITOR_KIT}
          />
        </Suspense>
      ) : (
        <>
          <div className="task-head">
            <input
              type="checkbox"
              className="task-done"
              checked={status === "completed"}
              onChange={(e) => onStatus(e.target.checked ? "completed" : "pending")}
              aria-label={`Mark “${task.title}” completed`}
            />
            <h3 className="task-title" id={titleId} tabIndex={-1}>
              {task.title}
            </h3>
            <input
              type="checkbox"
              className="task-select"
              id={`${titleId}-select`}
              checked={selected}
              onChange={(e) => onSelect(e.target.checked)}
              aria-label={`Select “${task.title}”`}
              title="Select for a bulk action"
            />
          </div>
          {task.description && (
            <Suspense fallback={<PlainText text={task.description} />}>
              <TaskText id={`${titleId}-text`} text={task.description} />
            </Suspense>
          )}
        </>
      )}

      <p className="task-plan">
        <span className={`prio prio-${task.priority}`}>{PRIORITY_LABEL[task.priority]} priority</span>
        {due && task.due_at && (
          <span className={due.overdue ? "due due-overdue" : "due"}>
            {due.overdue && <strong className="due-flag">Overdue</strong>}
            <time dateTime={task.due_at} title={exactTime(task.due_at)}>
              {due.text}
            </time>
            <span className="sr-only"> ({exactTime(task.due_at)})</span>
          </span>
        )}
      </p>

      <p className="task-meta">
        <Stamp label="Created" iso={task.created_at} />
        {task.started_at && <Stamp label="Started" iso={task.started_at} />}
        {task.completed_at && <Stamp label="Completed" iso={task.completed_at} />}
        {updated && <Stamp label="Updated" iso={task.updated_at} />}
        {saving && <span className="saving">Saving…</span>}
      </p>

      <div className="task-actions">
        <div className="segmented" role="group" aria-label={`Status of “${task.title}”`}>
          {TASK_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              className={`seg seg-${s}`}
              aria-pressed={status === s}
              onClick={() => onStatus(s)}
            >
              {STATUS_LABEL[s]}
            </button>
          ))}
        </div>
        {mode.kind !== "edit" && (
          <div className="row">
            <button ref={editRef} type="button" className="btn btn-ghost btn-small" onClick={startEdit}>
              Edit<span className="sr-only"> “{task.title}”</span>
            </button>
            <button
              ref={deleteRef}
              type="button"
              className="btn btn-danger-ghost btn-small"
              onClick={() => go({ kind: "confirm" }, "cancel")}
              aria-expanded={mode.kind === "confirm"}
            >
              Delete<span className="sr-only"> “{task.title}”</span>
            </button>
          </div>
        )}
      </div>

      {mode.kind === "confirm" && (
        <div
          className="confirm"
          role="group"
          aria-labelledby={`${titleId}-confirm`}
          onKeyDown={(e) => e.key === "Escape" && go({ kind: "view" }, "delete")}
        >
          <p id={`${titleId}-confirm`}>Delete “{task.title}”? It goes to the trash, where you can restore it for 7 days.</p>
          <div className="row">
            <button type="button" className="btn btn-danger" onClick={onDelete}>
              Yes, delete
            </button>
            <button ref={cancelRef} type="button" className="btn btn-ghost" onClick={() => go({ kind: "view" }, "delete")}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
