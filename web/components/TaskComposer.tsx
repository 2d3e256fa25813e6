"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, newIdempotencyKey, fieldErrors, formError, STATUS_LABEL, TASK_STATUSES, isTaskStatus, type TaskStatus } from "@/lib/api";
import { fromLocalInput } from "@/lib/due";
import { clearDraft, readDraft, saveDraft } from "@/lib/draft";
import { isPriority, PRIORITIES, PRIORITY_LABEL, type Priority } from "@/lib/query";
import { onSessionEnd } from "@/lib/session";
import { DESCRIPTION_MAX, TASK_FIELDS, TITLE_MAX, validateTask, type TaskField } from "@/lib/validate";
import CharCounter, { counterId, describedBy as ids } from "./CharCounter";
import DueField from "./DueField";
import { onShortcut } from "./shortcut";

export interface NewTask {
  title: string;
  description?: string;
  status: TaskStatus;
  priority: Priority;
  due_at?: string;
}

/**
 * The "Add a task" form: a title and Add on one line; on phones status, due date, priority and
 * description fold away behind "More options". `onCreate` resolves to null on success or to the error.
 */
export default function TaskComposer({ onCreate }: { onCreate: (t: NewTask, idempotencyKey: string) => Promise<unknown> }) {
  /** the key of the last task sent: a retry of the same task reuses it, so the server makes it once */
  const sent = useRef<{ key: string; body: string } | null>(null);
  /** a create is on its way: a second Enter meanwhile does nothing (a ref: no render in between) */
  const inFlight = useRef(false);
  /** when the last task was added: an Enter pressed twice must not flag the emptied form */
  const addedAt = useRef(0);
  const [draft, setDraft] = useState(readDraft);
  const [more, setMore] = useState(() => draft.description !== "");
  const [errors, setErrors] = useState<Partial<Record<TaskField, string>>>({});
  const [topError, setTopError] = useState<{ text: string; retryable: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [due, setDue] = useState("");
  const formRef = useRef<HTMLFormElement>(null);
  const titleRef = useRef<HTMLInputElement>(null);
  const descRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => onShortcut("n", () => titleRef.current?.focus()), []);
  // A sign-out on purpose (here or in another tab) or a deleted account drops the draft; a session
  // that expired or was ended elsewhere keeps it for the next sign-in.
  useEffect(() => onSessionEnd((reason) => reason !== "expired" && reason !== "unauthorized" && clearDraft()), []);

  const edit = (field: "title" | "description", value: string) => {
    const next = { ...draft, [field]: value };
    setDraft(next);
    saveDraft(next);
    if (errors[field]) setErrors({ ...errors, [field]: undefined }); // no stale red message while fixing it
  };

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (inFlight.current) return;
    const form = e.currentTarget;
    const data = new FormData(form);
    const { title, description } = draft;
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
    if (local.description) {
      setMore(true); // on a phone the description may be folded away
      setTimeout(() => descRef.current?.focus());
      return;
    }

    inFlight.current = true;
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
    inFlight.current = false;
    setBusy(false);
    if (!err) {
      sent.current = null;
      addedAt.current = performance.now();
      form.reset();
      setDraft({ title: "", description: "" });
      clearDraft();
      setDue("");
      setErrors({});
      titleRef.current?.focus(); // ready for the next one
      return;
    }
    const byField = fieldErrors(err);
    setErrors({ title: byField.title, description: byField.description, status: byField.status, due_at: byField.due_at, priority: byField.priority });
    if (byField.description || byField.status || byField.due_at || byField.priority) setMore(true);
    const top = formError(err, TASK_FIELDS);
    setTopError(top ? { text: top, retryable: err instanceof ApiError && err.retryable } : null);
    if (byField.title) titleRef.current?.focus();
    else if (byField.description) setTimeout(() => descRef.current?.focus());
  }

  const describedBy = (f: TaskField, ...more: (string | null)[]) => ids(errors[f] && `new-${f}-error`, ...more);

  return (
    <section className="card composer" aria-labelledby="composer-heading">
      <div className="composer-head">
        <h2 id="composer-heading">Add a task</h2>
        <button type="button" className="btn btn-ghost btn-small composer-toggle" aria-expanded={more} aria-controls="composer-more" onClick={() => setMore(!more)}>
          {more ? "Fewer options" : "More options"}
        </button>
      </div>
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
        <div className="field field-title">
          <label htmlFor="new-title">Title</label>
          <div className="quick-add">
            <input
              ref={titleRef}
              id="new-title"
              name="title"
              type="text"
              autoComplete="off"
              required
              value={draft.title}
              onChange={(e) => edit("title", e.target.value)}
              aria-invalid={errors.title ? true : undefined}
              aria-describedby={describedBy("title", counterId("new-title-count", draft.title.trim(), TITLE_MAX))}
            />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? "Adding…" : "Add task"}
            </button>
          </div>
          <CharCounter id="new-title-count" text={draft.title.trim()} max={TITLE_MAX} />
          {errors.title && (
            <p className="field-error" id="new-title-error">
              {errors.title}
            </p>
          )}
        </div>
        <div id="composer-more" className="composer-grid composer-more" data-open={more || undefined}>
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
              value={draft.description}
              onChange={(e) => edit("description", e.target.value)}
              aria-invalid={errors.description ? true : undefined}
              aria-describedby={describedBy("description", counterId("new-description-count", draft.description.trim(), DESCRIPTION_MAX))}
            />
            <CharCounter id="new-description-count" text={draft.description.trim()} max={DESCRIPTION_MAX} />
            {errors.description && (
              <p className="field-error" id="new-description-error">
                {errors.description}
              </p>
            )}
          </div>
        </div>
      </form>
    </section>
  );
}
