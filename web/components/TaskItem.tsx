"use client";

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError, etagVersion, fieldErrors, formError, STATUS_LABEL, TASK_STATUSES, type Task, type TaskStatus } from "@/lib/api";
import { exactTime, fromLocalInput, relativeDue, toLocalInput } from "@/lib/due";
import { isPriority, PRIORITIES, PRIORITY_LABEL, type Priority } from "@/lib/query";
import { DESCRIPTION_MAX, TASK_FIELDS, TITLE_MAX, validateTask, type TaskField } from "@/lib/validate";
import CharCounter, { counterId } from "./CharCounter";
import DueField from "./DueField";
import TaskText from "./TaskText";

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

/** aria-describedby from the ids that apply */
const ids = (...list: (string | null | undefined | false)[]) => list.filter(Boolean).join(" ") || undefined;

type Mode =
  | { kind: "view" }
  /** `version`: the task's version when the editor opened, the one the edit is based on */
  | { kind: "edit"; title: string; description: string; due: string; priority: Priority; version: number }
  | { kind: "confirm" };

export default function TaskItem({ task, now, saving, selected, onSelect, onStatus, onSave, onReload, onDelete, onEditing }: Props) {
  const [mode, setMode] = useState<Mode>({ kind: "view" });
  /** the save was refused because the task changed elsewhere: its current version, when the 412 said */
  const [conflict, setConflict] = useState<{ version?: number } | null>(null);
  const conflictRef = useRef<HTMLButtonElement>(null);
  const [errors, setErrors] = useState<Partial<Record<TaskField, string>>>({});
  /** `retry`: the save failed on the way (offline, a server error); the draft stays to send again */
  const [topError, setTopError] = useState<{ text: string; retry: boolean } | null>(null);
  const editRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const titleRef = useRef<HTMLInputElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  /** where focus goes after the next mode change */
  const focusAfter = useRef<"edit" | "delete" | "title" | "cancel" | "conflict" | "retry" | null>(null);
  const retryRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const target = focusAfter.current;
    focusAfter.current = null;
    if (target === "edit") editRef.current?.focus();
    else if (target === "delete") deleteRef.current?.focus();
    else if (target === "title") titleRef.current?.select();
    else if (target === "cancel") cancelRef.current?.focus();
    else if (target === "conflict") conflictRef.current?.focus();
    else if (target === "retry") retryRef.current?.focus();
  }, [mode]);

  const go = (next: Mode, focus: typeof focusAfter.current) => {
    focusAfter.current = focus;
    setMode(next);
    onEditing?.(next.kind === "edit");
  };

  const startEdit = () => {
    setErrors({});
    setTopError(null);
    setConflict(null);
    const edit = { title: task.title, description: task.description ?? "", due: toLocalInput(task.due_at), priority: task.priority };
    go({ kind: "edit", ...edit, version: task.version }, "title");
  };

  const close = () => {
    setConflict(null);
    go({ kind: "view" }, "edit");
  };

  /** `overwrite`: save over the change made elsewhere (If-Match with the version the 412 named) */
  async function submitEdit(e?: FormEvent, overwrite = false) {
    e?.preventDefault();
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
    if (local.title) return titleRef.current?.focus();
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
      go(draft, retry ? "retry" : "title");
    }
  }

  async function reloadTask() {
    const err = await onReload();
    if (!err) close();
  }

  const onEditKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void submitEdit();
    }
  };

  const titleId = `task-${task.id}-title`;
  const status = task.status as TaskStatus;
  const updated = task.updated_at !== task.created_at;
  const due = task.due_at ? relativeDue(task.due_at, now, status === "completed") : null;

  return (
    <li id={`task-${task.id}`} className="task" data-status={status} data-overdue={due?.overdue || undefined} aria-busy={saving || undefined}>
      {mode.kind === "edit" ? (
        <form className="task-edit" onSubmit={submitEdit} onKeyDown={onEditKey} noValidate aria-label={`Edit “${task.title}”`}>
          {topError && (
            <div className="notice notice-error" role="alert">
              <p>{topError.text}</p>
              {topError.retry && (
                <button ref={retryRef} type="button" className="btn btn-primary" onClick={() => void submitEdit()}>
                  Try again
                </button>
              )}
            </div>
          )}
          {conflict && (
            <div className="notice notice-error" role="alert">
              <p>This task was changed elsewhere (in another tab or on another device) after you started editing it.</p>
              <div className="row">
                <button ref={conflictRef} type="button" className="btn btn-ghost" onClick={() => void reloadTask()}>
                  Reload it (discard my changes)
                </button>
                <button type="button" className="btn btn-primary" onClick={() => void submitEdit(undefined, true)}>
                  Overwrite with my changes
                </button>
              </div>
            </div>
          )}
          <div className="field">
            <label htmlFor={`${titleId}-input`}>Title</label>
            <input
              ref={titleRef}
              id={`${titleId}-input`}
              type="text"
              value={mode.title}
              required
              onChange={(e) => setMode({ ...mode, title: e.target.value })}
              aria-invalid={errors.title ? true : undefined}
              aria-describedby={ids(errors.title && `${titleId}-input-error`, counterId(`${titleId}-input-count`, mode.title.trim(), TITLE_MAX))}
            />
            <CharCounter id={`${titleId}-input-count`} text={mode.title.trim()} max={TITLE_MAX} />
            {errors.title && (
              <p className="field-error" id={`${titleId}-input-error`}>
                {errors.title}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${titleId}-desc`}>Description</label>
            <textarea
              id={`${titleId}-desc`}
              value={mode.description}
              rows={3}
              onChange={(e) => setMode({ ...mode, description: e.target.value })}
              aria-invalid={errors.description ? true : undefined}
              aria-describedby={ids(
                `${titleId}-desc-hint`,
                errors.description && `${titleId}-desc-error`,
                counterId(`${titleId}-desc-count`, mode.description.trim(), DESCRIPTION_MAX),
              )}
            />
            <CharCounter id={`${titleId}-desc-count`} text={mode.description.trim()} max={DESCRIPTION_MAX} />
            <p className="field-hint" id={`${titleId}-desc-hint`}>
              Enter saves the title; Ctrl+Enter saves from here; Escape cancels.
            </p>
            {errors.description && (
              <p className="field-error" id={`${titleId}-desc-error`}>
                {errors.description}
              </p>
            )}
          </div>
          <div className="task-edit-plan">
            <DueField id={`${titleId}-due`} label="Due date" value={mode.due} onChange={(v) => setMode({ ...mode, due: v })} error={errors.due_at} />
            <div className="field">
              <label htmlFor={`${titleId}-priority`}>Priority</label>
              <select
                id={`${titleId}-priority`}
                value={mode.priority}
                onChange={(e) => isPriority(e.target.value) && setMode({ ...mode, priority: e.target.value })}
              >
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {PRIORITY_LABEL[p]}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="row">
            <button type="submit" className="btn btn-primary">
              Save
            </button>
            <button type="button" className="btn btn-ghost" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
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
          {task.description && <TaskText id={`${titleId}-text`} text={task.description} />}
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
