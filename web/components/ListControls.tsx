"use client";

import { useEffect, useRef, useState } from "react";
import { STATUS_LABEL, TASK_STATUSES, type TaskStatus } from "@/lib/api";
import { isPriority, PRIORITIES, PRIORITY_LABEL, Q_MAX, SORTS, type ListQuery, type Sort } from "@/lib/query";

const SEARCH_DELAY_MS = 300;

interface Props {
  query: ListQuery;
  /** `replace`: refine the current history entry instead of adding one */
  onChange: (next: ListQuery, replace?: boolean) => void;
}

/** Search (debounced), status, priority and overdue filters, and the sort order of the task list. */
export default function ListControls({ query, onChange }: Props) {
  const [text, setText] = useState(query.q);
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
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
      e.preventDefault();
      searchRef.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

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
          Title or description. Press / to search, n to add a task.
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
      </div>
    </div>
  );
}
