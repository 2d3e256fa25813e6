"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, newIdempotencyKey, fieldErrors, formError, STATUS_LABEL, TASK_STATUSES, isTaskStatus, type TaskStatus } from "@/lib/api";
import { fromLocalInput } from "@/lib/due";
import { isPriority, PRIORITIES, PRIORITY_LABEL, type Priority } from "@/lib/query";
import { DESCRIPTION_MAX, TASK_FIELDS, TITLE_MAX, validateTask, type TaskField } from "@/lib/validate";
import DueField from "./DueField";

export interface NewTask {
  title: string;
  description?: string;
  status: TaskStatus;
  priority: Priority;
  due_at?: string;
}

/** The "Add a task" form. `onCreate` resolves to null on success or to the error. */
export default function TaskComposer({ onCreate }: { onCreate: (t: NewTask, idempotencyKey: string) => Promise<unknown> }) {
  /** the key of the last task sent: a retry of the same task reuses it, so the server makes it once */
  const sent = useRef<{ key: string; body: string } | null>(null);
  /** when the last task was added: an Enter pressed twice must not flag the emptied form */
  const addedAt = useRef(0);
  const [errors, setErrors] = useState<Partial<Record<TaskField, string>>>({});
  const [topError, setTopError] = useState<{ text: string; retryable: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [due, setDue] = useState("");
  const formRef = useRef<HTMLFormElement>(null);
  const titleRef = useRef<HTMLInputElement>(null);
  const descRef = useRef<HTMLTextAreaElement>(null);

  // "n" starts a new task from anywhere but a text field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "n" || e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
      e.preventDefault();
      titleRef.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const form = e.currentTarget;
    const data = new FormData(form);
    const title = String(data.get("title") ?? "");
    const description = String(data.get("description") ?? "");
    const rawStatus = data.get("status");
    const status: TaskStatus = isTaskStatus(rawStatus) ? rawStatus : "pending";
    const rawPriority = data.get("priority");
    const priority: Priority = isPriority(rawPriority) ? rawPriority : "normal";
    const dueAt = fromLocalInput(due);

    // A second Enter just after adding (the form is empty again) is not a mistake to point out.
    if (!title.trim() && !description.trim() && performance.now() - addedAt.current < 1000) return;
    setTopError(null);
    const local = validateTask(title, description);
    setErrors(local);
    if (local.title) return titleRef.current?.focus();
    if (local.description) return descRef.current?.focus();

    setBusy(true);
    const input: NewTask = {
      title: title.trim(),
      ...(description.trim() ? { description: description.trim() } : {}),
      status,
      priority,
      ...(dueAt ? { due_at: dueAt } : {}),
    };
    const body = JSON.stringify(input);
    if (sent.current?.body !== body) sent.current = { key: newIdempotencyKey(), body };
    const err = await onCreate(input, sent.current.key);
    setBusy(false);
    if (!err) {
      sent.current = null;
      addedAt.current = performance.now();
      form.reset();
      setDue("");
      setErrors({});
      titleRef.current?.focus(); // ready for the next one
      return;
    }
    const byField = fieldErrors(err);
    setErrors({ title: byField.title, description: byField.description, status: byField.status, due_at: byField.due_at, priority: byField.priority });
    const top = formError(err, TASK_FIELDS);
    setTopError(top ? { text: top, retryable: err instanceof ApiError && err.retryable } : null);
    if (byField.title) titleRef.current?.focus();
    else if (byField.description) descRef.current?.focus();
  }

  const describedBy = (f: TaskField, hint?: string) => [errors[f] ? `new-${f}-error` : null, hint].filter(Boolean).join(" ") || undefined;

  return (
    <section className="card composer" aria-labelledby="composer-heading">
      <h2 id="composer-heading">Add a task</h2>
      {topError && (
        <div className="notice notice-error" role="alert">
          <p>{topError.text}</p>
          {topError.retryable && (
            <button type="button" className="btn btn-primary" onClick={() => formRef.current?.requestSubmit()} disabled={busy}>
              Try again
            </button>
          )}
        </div>
      )}
      <form ref={formRef} onSubmit={onSubmit} noValidate aria-busy={busy}>
        <div className="composer-grid">
          <div className="field field-title">
            <label htmlFor="new-title">Title</label>
            <input
              ref={titleRef}
              id="new-title"
              name="title"
              type="text"
              autoComplete="off"
              maxLength={TITLE_MAX}
              required
              aria-invalid={errors.title ? true : undefined}
              aria-describedby={describedBy("title")}
            />
            {errors.title && (
              <p className="field-error" id="new-title-error">
                {errors.title}
              </p>
            )}
          </div>
          <div className="field field-status">
            <label htmlFor="new-status">Status</label>
            <select id="new-status" name="status" defaultValue="pending" aria-describedby={describedBy("status")}>
              {TASK_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
            {errors.status && (
              <p className="field-error" id="new-status-error">
                {errors.status}
              </p>
            )}
          </div>
          <DueField id="new-due" label="Due date (optional)" value={due} onChange={setDue} error={errors.due_at} />
          <div className="field field-priority">
            <label htmlFor="new-priority">Priority</label>
            <select id="new-priority" name="priority" defaultValue="normal" aria-describedby={describedBy("priority")}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {PRIORITY_LABEL[p]}
                </option>
              ))}
            </select>
            {errors.priority && (
              <p className="field-error" id="new-priority-error">
                {errors.priority}
              </p>
            )}
          </div>
          <div className="field field-desc">
            <label htmlFor="new-description">
              Description <span className="optional">(optional)</span>
            </label>
            <textarea
              ref={descRef}
              id="new-description"
              name="description"
              rows={2}
              maxLength={DESCRIPTION_MAX}
              aria-invalid={errors.description ? true : undefined}
              aria-describedby={describedBy("description")}
            />
            {errors.description && (
              <p className="field-error" id="new-description-error">
                {errors.description}
              </p>
            )}
          </div>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Adding…" : "Add task"}
        </button>
      </form>
    </section>
  );
}
