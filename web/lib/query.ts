// The dashboard's list query, kept in the page URL (`/?q=milk&status=pending&sort=-due_at`) so that
// a reload, the back button and a shared link show the same list. The names are the API's own.
import type { components } from "./api-types";
import { TASK_STATUSES, type TaskStatus } from "./api";

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
  sort: Sort;
}

export const EMPTY_QUERY: ListQuery = { q: "", status: null, priority: null, overdue: null, sort: DEFAULT_SORT };
/** The page size the dashboard asks for. */
export const PAGE_SIZE = 50;
/** The API's limit for `q`. */
export const Q_MAX = 200;

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
  if (query.sort !== DEFAULT_SORT) p.set("sort", query.sort);
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** The API's search string for one page of this query. */
export function apiQuery(query: ListQuery, cursor?: string): string {
  const p = new URLSearchParams(queryString(query));
  p.set("sort", query.sort);
  p.set("limit", String(PAGE_SIZE));
  if (cursor) p.set("cursor", cursor);
  return `?${p.toString()}`;
}

export const isFiltered = (query: ListQuery) => !!(query.q.trim() || query.status || query.priority || query.overdue);

export const sameQuery = (a: ListQuery, b: ListQuery) => queryString(a) === queryString(b);
