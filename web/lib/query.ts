// The dashboard's list query, kept in the page URL (`/?q=milk&status=pending&sort=-due_at`) so that
// a reload, the back button and a shared link show the same list. The names are the API's own.
import type { components } from "./api-types";
import { TASK_STATUSES, type Task, type TaskStatus } from "./api";

export type Priority = components["schemas"]["Priority"];
export const PRIORITIES: readonly Priority[] = ["low", "normal", "high", "urgent"];
export const PRIORITY_LABEL: Record<Priority, string> = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
export const isPriority = (v: unknown): v is Priority => typeof v === "string" && (PRIORITIES as readonly string[]).includes(v);

export const SORTS = [
  ["-created_at", "Newest first"],
  ["created_at", "Oldest first"],
  ["due_at", "Due soonest"],
  ["-priority", "Most urgent"],
  ["-updated_at", "Recently changed"],
  ["title", "Title A–Z"],
] as const;
export type Sort = (typeof SORTS)[number][0];
export const DEFAULT_SORT: Sort = "-created_at";

export interface ListQuery {
  q: string;
  status: TaskStatus | null;
  priority: Priority | null;
  overdue: "true" | "false" | null;
  /** a local day ("2026-12-01"): due at or after its start (the API's inclusive `due_after`) */
  due_after: string | null;
  /** a local day: due before its start (the API's exclusive `due_before`) */
  due_before: string | null;
  sort: Sort;
}

export const EMPTY_QUERY: ListQuery = { q: "", status: null, priority: null, overdue: null, due_after: null, due_before: null, sort: DEFAULT_SORT };
/** The page size the dashboard asks for. */
export const PAGE_SIZE = 50;
/** The API's limit for `q`. */
export const Q_MAX = 200;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A "YYYY-MM-DD" that is a real day from 1970 on (what a date input gives), else null. */
export function parseDay(v: string | null): string | null {
  if (!v || !DAY.test(v) || v < "1970-01-02") return null;
  const d = new Date(`${v}T00:00`);
  return Number.isNaN(d.getTime()) || d.getDate() !== Number(v.slice(8)) ? null : v;
}
/** The instant a local day starts, in RFC 3339 UTC (the API's form for the range). */
export const dayStart = (day: string): string => new Date(`${day}T00:00`).toISOString();

/** Reads the query from a location's search string; anything unknown or invalid is ignored. */
export function parseQuery(search: string): ListQuery {
  const p = new URLSearchParams(search);
  const status = p.get("status");
  const priority = p.get("priority");
  const overdue = p.get("overdue");
  const sort = p.get("sort");
  return {
    q: (p.get("q") ?? "").slice(0, Q_MAX),
    status: (TASK_STATUSES as readonly string[]).includes(status ?? "") ? (status as TaskStatus) : null,
    priority: isPriority(priority) ? priority : null,
    overdue: overdue === "true" || overdue === "false" ? overdue : null,
    due_after: parseDay(p.get("due_after")),
    due_before: parseDay(p.get("due_before")),
    sort: SORTS.some(([s]) => s === sort) ? (sort as Sort) : DEFAULT_SORT,
  };
}

/** The page URL's search string ("" for the default list). */
export function queryString(query: ListQuery): string {
  const p = new URLSearchParams();
  if (query.q.trim()) p.set("q", query.q.trim());
  if (query.status) p.set("status", query.status);
  if (query.priority) p.set("priority", query.priority);
  if (query.overdue) p.set("overdue", query.overdue);
  if (query.due_after) p.set("due_after", query.due_after);
  if (query.due_before) p.set("due_before", query.due_before);
  if (query.sort !== DEFAULT_SORT) p.set("sort", query.sort);
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** The API's search string for one page of this query. */
export function apiQuery(query: ListQuery, cursor?: string): string {
  const p = new URLSearchParams(queryString(query));
  // The page URL names local days; the API takes instants.
  if (query.due_after) p.set("due_after", dayStart(query.due_after));
  if (query.due_before) p.set("due_before", dayStart(query.due_before));
  p.set("sort", query.sort);
  p.set("limit", String(PAGE_SIZE));
  if (cursor) p.set("cursor", cursor);
  return `?${p.toString()}`;
}

export const isFiltered = (query: ListQuery) =>
  !!(query.q.trim() || query.status || query.priority || query.overdue || query.due_after || query.due_before);

/** Whether a task (one just made here) belongs in the list the query shows. */
export function matchesQuery(task: Task, query: ListQuery, now: number): boolean {
  if (query.status && task.status !== query.status) return false;
  if (query.priority && task.priority !== query.priority) return false;
  const q = query.q.trim().toLowerCase();
  if (q && !`${task.title}\n${task.description ?? ""}`.toLowerCase().includes(q)) return false;
  const due = task.due_at ? Date.parse(task.due_at) : null;
  if (query.overdue) {
    const overdue = due !== null && due < now && task.status !== "completed";
    if (String(overdue) !== query.overdue) return false;
  }
  if (query.due_after && (due === null || due < Date.parse(dayStart(query.due_after)))) return false;
  if (query.due_before && (due === null || due >= Date.parse(dayStart(query.due_before)))) return false;
  return true;
}

export const sameQuery = (a: ListQuery, b: ListQuery) => queryString(a) === queryString(b);
