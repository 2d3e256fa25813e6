"use client";

// The edit form of a task, in its own chunk: it is not needed to show the list, and the
// dashboard's first-load JavaScript has a budget. It imports nothing of the app's but types (the
// shared pieces come in `kit`), so splitting it off moves no shared module into a chunk of its
// own. The draft, the messages and what saving means stay with TaskItem, which keeps them while
// the form is away during a save.
import { useEffect, useRef, type FormEvent, type KeyboardEvent } from "react";
import type { Task } from "@/lib/api";
import type { EditDraft, EditorKit, EditorState } from "./TaskItem";

interface Props extends EditorState {
  task: Task;
  draft: EditDraft;
  onDraft: (draft: EditDraft) => void;
  /** `overwrite`: save over the change made elsewhere */
  onSubmit: (overwrite?: boolean) => void;
  onCancel: () => void;
  onReload: () => void;
  kit: EditorKit;
}

export default function TaskEditor({ task, draft, onDraft, errors, topError, conflict, focus, onSubmit, onCancel, onReload, kit }: Props) {
  const titleRef = useRef<HTMLInputElement>(null);
  const conflictRef = useRef<HTMLButtonElement>(null);
  const retryRef = useRef<HTMLButtonElement>(null);

  // On opening, and whenever TaskItem asks again (a refused save, a field to fix).
  useEffect(() => {
    if (focus.to === "title") titleRef.current?.[focus.select ? "select" : "focus"]();
    else if (focus.to === "conflict") conflictRef.current?.focus();
    else retryRef.current?.focus();
  }, [focus]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onSubmit();
    }
  };

  const titleId = `task-${task.id}-title`;
  return (
    <form className="task-edit" onSubmit={submit} onKeyDown={onKey} noValidate aria-label={`Edit “${task.title}”`}>
      {topError && (
        <div className="notice notice-error" role="alert">
          <p>{topError.text}</p>
          {topError.retry && (
            <button ref={retryRef} type="button" className="btn btn-primary" onClick={() => onSubmit()}>
              Try again
            </button>
          )}
        </div>
      )}
      {conflict && (
        <div className="notice notice-error" role="alert">
          <p>This task was changed elsewhere (in another tab or on another device) after you started editing it.</p>
          <div className="row">
            <button ref={conflictRef} type="button" className="btn btn-ghost" onClick={onReload}>
              Reload it (discard my changes)
            </button>
            <button type="button" className="btn btn-primary" onClick={() => onSubmit(true)}>
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
          value={draft.title}
          required
          onChange={(e) => onDraft({ ...draft, title: e.target.value })}
          aria-invalid={errors.title ? true : undefined}
          aria-describedby={kit.describedBy(errors.title && `${titleId}-input-error`, kit.counterId(`${titleId}-input-count`, draft.title.trim(), kit.TITLE_MAX))}
        />
        <kit.CharCounter id={`${titleId}-input-count`} text={draft.title.trim()} max={kit.TITLE_MAX} />
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
          value={draft.description}
          rows={3}
          onChange={(e) => onDraft({ ...draft, description: e.target.value })}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={kit.describedBy(
            `${titleId}-desc-hint`,
            errors.description && `${titleId}-desc-error`,
            kit.counterId(`${titleId}-desc-count`, draft.description.trim(), kit.DESCRIPTION_MAX),
          )}
        />
        <kit.CharCounter id={`${titleId}-desc-count`} text={draft.description.trim()} max={kit.DESCRIPTION_MAX} />
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
        <kit.DueField id={`${titleId}-due`} label="Due date" value={draft.due} onChange={(v) => onDraft({ ...draft, due: v })} error={errors.due_at} />
        <div className="field">
          <label htmlFor={`${titleId}-priority`}>Priority</label>
          <select
            id={`${titleId}-priority`}
            value={draft.priority}
            onChange={(e) => kit.isPriority(e.target.value) && onDraft({ ...draft, priority: e.target.value })}
          >
            {kit.PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {kit.PRIORITY_LABEL[p]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="row">
        <button type="submit" className="btn btn-primary">
          Save
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
