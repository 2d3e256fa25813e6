"use client";

import { useEffect, useRef, useState } from "react";
import { STATUS_LABEL, TASK_STATUSES, type TaskStatus } from "@/lib/api";
import { isPriority, parseDay, PRIORITIES, PRIORITY_LABEL, Q_MAX, SORTS, type ListQuery, type Sort } from "@/lib/query";
import { onShortcut } from "./shortcut";

const SEARCH_DELAY_MS = 300;

interface Props {
  query: ListQuery;
  /** `replace`: refine the current history entry instead of adding one */
  onChange: (next: ListQuery, replace?: boolean) => void;
}

/** Search (debounced), status, priority, overdue and due-range filters, and the sort order of the task list. */
export default function ListControls({ query, onChange }: Props) {
  const [text, setText] = useState(query.q);
  /** phones: the filters fold away behind one button (wider screens always show them) */
  const [open, setOpen] = useState(false);
  const active = [query.priority, query.overdue, query.due_after, query.due_before].filter(Boolean).length;
  const [seenQ, setSeenQ] = useState(query.q);
  const searchRef = useRef<HTMLInputElement>(null);
  // The query changed from elsewhere (back button, "Show all tasks"): the box follows it.
  if (query.q !== seenQ) {
    setSeenQ(query.q);
    setText(query.q);
  }

  useEffect(() => {
    if (text.trim() === query.q.trim()) return;
    // Starting a search adds a history entry; refining it replaces that entry.
    const t = setTimeout(() => onChange({ ...query, q: text.trim() }, query.q.trim() !== ""), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [text, query, onChange]);

  // "/" jumps to the search box from anywhere but a text field.
  useEffect(() => onShortcut("/", () => searchRef.current?.focus()), []);

  const statuses: readonly ("all" | TaskStatus)[] = ["all", ...TASK_STATUSES];

  return (
    <div className="controls">
      <form role="search" className="field controls-search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="task-search">Search tasks</label>
        <input
          ref={searchRef}
          id="task-search"
          type="search"
          value={text}
          maxLength={Q_MAX}
          autoComplete="off"
          aria-describedby="task-search-hint"
          onChange={(e) => setText(e.target.value)}
        />
        <p className="field-hint" id="task-search-hint">
          Title or description. Press / to search, n to add a task, ? for all shortcuts.
        </p>
      </form>
      <div className="filters" role="group" aria-label="Filter tasks by status">
        {statuses.map((s) => (
          <button
            key={s}
            type="button"
            className="chip"
            aria-pressed={(query.status ?? "all") === s}
            onClick={() => onChange({ ...query, status: s === "all" ? null : s })}
          >
            {s === "all" ? "All" : STATUS_LABEL[s]}
          </button>
        ))}
      </div>
      <button type="button" className="btn btn-ghost btn-small controls-toggle" aria-expanded={open} aria-controls="list-filters" onClick={() => setOpen(!open)}>
        {open ? "Hide filters" : "Filters and sort"}
        {active > 0 && <span className="chip-count">{active}</span>}
      </button>
      <div id="list-filters" className="controls-more" data-open={open || undefined}>
        <div className="controls-selects">
          <div className="field">
            <label htmlFor="filter-priority">Filter by priority</label>
            <select
              id="filter-priority"
              value={query.priority ?? ""}
              onChange={(e) => onChange({ ...query, priority: isPriority(e.target.value) ? e.target.value : null })}
            >
              <option value="">Any priority</option>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {PRIORITY_LABEL[p]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-overdue">Filter by due date</label>
            <select
              id="filter-overdue"
              value={query.overdue ?? ""}
              onChange={(e) => {
                const v = e.target.value;
                onChange({ ...query, overdue: v === "true" || v === "false" ? v : null });
              }}
            >
              <option value="">Overdue or not</option>
              <option value="true">Overdue only</option>
              <option value="false">Not overdue</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="sort-tasks">Sort by</label>
            <select id="sort-tasks" value={query.sort} onChange={(e) => onChange({ ...query, sort: e.target.value as Sort })}>
              {SORTS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <DayField id="filter-due-after" label="Due from" value={query.due_after} onChange={(d) => onChange({ ...query, due_after: d })} />
          <DayField id="filter-due-before" label="Due before" value={query.due_before} onChange={(d) => onChange({ ...query, due_before: d })} />
        </div>
      </div>
    </div>
  );
}

/** A day of the due range. Half-typed dates (a year still at "0202") stay in the box, unsent. */
function DayField({ id, label, value, onChange }: { id: string; label: string; value: string | null; onChange: (day: string | null) => void }) {
  const [text, setText] = useState(value ?? "");
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setText(value ?? "");
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        value={text}
        onChange={(e) => {
          const v = e.target.value;
          setText(v);
          const day = parseDay(v);
          if (!v || day) onChange(day);
        }}
      />
    </div>
  );
}
