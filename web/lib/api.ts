// The one typed client for the taskhub gateway. The browser only talks to the
// same origin (`/api/...`); next.config.ts proxies it to the gateway.
// Types come from lib/api-types.ts, generated from docs/openapi.json.
import type { paths } from "./api-types";
import { endSession, getSession } from "./session";

// ---------------------------------------------------------------- types ---

type JsonOf<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Op<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];
type RequestBody<P extends keyof paths, M extends keyof paths[P]> =
  Op<P, M> extends { requestBody?: infer R } ? JsonOf<NonNullable<R>> : never;
type ResponseBody<P extends keyof paths, M extends keyof paths[P], S extends number> =
  Op<P, M> extends { responses: infer R } ? (S extends keyof R ? JsonOf<R[S]> : never) : never;

type TASK = "/api/tasks/{task_id}";

export type RegisterInput = RequestBody<"/api/auth/register", "post">;
export type RegisteredUser = ResponseBody<"/api/auth/register", "post", 201>;
export type LoginInput = RequestBody<"/api/auth/login", "post">;
export type TokenResponse = ResponseBody<"/api/auth/login", "post", 200>;
export type Task = ResponseBody<TASK, "get", 200>;
export type TaskList = ResponseBody<"/api/tasks", "get", 200>;
export type TrashList = ResponseBody<"/api/tasks/trash", "get", 200>;
export type TrashedTask = TrashList["tasks"][number];
export type BulkInput = RequestBody<"/api/tasks/bulk", "post">;
export type CreateTaskInput = RequestBody<"/api/tasks", "post">;
export type UpdateTaskInput = RequestBody<TASK, "put">;
export type ErrorBody = JsonOf<Op<"/api/tasks", "get">["responses"][401]>;
export type FieldError = NonNullable<ErrorBody["validation_errors"]>[number];

export const TASK_STATUSES = ["pending", "in_progress", "completed"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
// Compile-time guard: our status list must stay assignable to what the API accepts.
const _statusCheck: NonNullable<CreateTaskInput["status"]> = "pending" as TaskStatus;
void _statusCheck;

export const STATUS_LABEL: Record<TaskStatus, string> = {
  pending: "Pending",
  in_progress: "In progress",
  completed: "Completed",
};

export function isTaskStatus(v: unknown): v is TaskStatus {
  return typeof v === "string" && (TASK_STATUSES as readonly string[]).includes(v);
}

// --------------------------------------------------------------- errors ---

export type ApiErrorKind = "http" | "network" | "timeout";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly kind: ApiErrorKind,
    /** HTTP status, 0 when no response arrived */
    readonly status: number,
    readonly detail: string,
    readonly errorCode?: string,
    readonly validationErrors: FieldError[] = [],
    readonly retryAfterSeconds?: number,
    /** the `ETag` of the answer (a 412's is the task's current version) */
    readonly etag?: string,
  ) {
    super(detail);
  }
  /** Worth offering "Try again": no response, a timeout, or a server-side failure. */
  get retryable(): boolean {
    return this.kind !== "http" || this.status >= 500;
  }
}

/** Field name -> message, for errors the API tied to a field (e.g. "body.title" -> "title"). */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const v of err.validationErrors) {
      const field = v.field.split(/[.[\]]/).filter(Boolean).pop() ?? v.field;
      // The API says "must not be blank"; shown under the field's label it reads better capitalised.
      out[field] ??= v.message.charAt(0).toUpperCase() + v.message.slice(1);
    }
  }
  return out;
}

/** "Try again in 40 seconds." / "Try again in 15 minutes." for a Retry-After, or "" without one. */
export function waitText(seconds?: number): string {
  if (seconds === undefined) return "";
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `Try again in ${s} second${s === 1 ? "" : "s"}.`;
  const m = Math.ceil(s / 60);
  return `Try again in ${m} minute${m === 1 ? "" : "s"}.`;
}

/** The message for the top of a form: anything not shown next to one of `knownFields`. */
export function formError(err: unknown, knownFields: readonly string[]): string | null {
  if (!(err instanceof ApiError)) return err ? "Something went wrong. Please try again." : null;
  // A refusal that asks for patience says how much (the login limits, issue 15).
  if (err.status === 429) return `${err.detail.replace(/[.;]?\s*try again later\.?$/i, ".")} ${waitText(err.retryAfterSeconds)}`.trim();
  const byField = fieldErrors(err);
  const unknown = Object.entries(byField).filter(([f]) => !knownFields.includes(f));
  if (unknown.length > 0) return unknown.map(([f, m]) => `${f}: ${m}`).join(" ");
  if (Object.keys(byField).length > 0) return err.status === 422 ? null : err.detail;
  return err.detail;
}

// -------------------------------------------------------------- request ---

export const TIMEOUT_MS = 30_000;
const MAX_RETRIES = 3;
const BASE_DELAY_MS = 400;
const MAX_DELAY_MS = 8_000;

const DEFAULT_DETAIL: Record<number, string> = {
  400: "The request was not accepted.",
  401: "Please sign in again.",
  403: "You are not allowed to do that.",
  404: "Not found.",
  422: "Please correct the highlighted fields.",
  429: "Too many requests. Please wait a moment.",
};

function defaultDetail(status: number): string {
  return DEFAULT_DETAIL[status] ?? (status >= 500 ? "The server had a problem. Please try again." : `Request failed (${status}).`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Exponential backoff with jitter; honours Retry-After when the server sends one. */
export function backoffDelay(attempt: number, retryAfterSeconds?: number): number {
  const exp = Math.min(BASE_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.max(jittered, Math.min((retryAfterSeconds ?? 0) * 1000, MAX_DELAY_MS));
}

function parseRetryAfter(h: string | null): number | undefined {
  if (!h) return undefined;
  const n = Number(h);
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(h);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

async function readError(res: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    const text = await res.text();
    if (text) {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object") body = parsed as Partial<ErrorBody>;
    }
  } catch {
    /* not JSON (e.g. a proxy error page) */
  }
  const validation = Array.isArray(body.validation_errors)
    ? body.validation_errors.filter(
        (v): v is FieldError => !!v && typeof v.field === "string" && typeof v.message === "string",
      )
    : [];
  const detail = typeof body.detail === "string" && body.detail ? body.detail : defaultDetail(res.status);
  return new ApiError(
    "http",
    res.status,
    detail,
    typeof body.error_code === "string" ? body.error_code : undefined,
    validation,
    parseRetryAfter(res.headers.get("Retry-After")),
    res.headers.get("ETag") ?? undefined,
  );
}

interface RequestOptions {
  body?: unknown;
  /** attach the bearer token; a 401 then ends the session */
  auth?: boolean;
  /**
   * retry network errors and 5xx with backoff (default: every method but POST, which is not
   * idempotent, unless it carries an Idempotency-Key, which makes a retry replay the first answer)
   */
  retry?: boolean;
  signal?: AbortSignal;
  /** `If-Match` for this version of the task: the server refuses (412) if it has changed since */
  ifMatch?: number;
  /** `Idempotency-Key`: the same key and body never create twice */
  idempotencyKey?: string;
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const retry = opts.retry ?? (method !== "POST" || opts.idempotencyKey !== undefined);
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.ifMatch !== undefined) headers["If-Match"] = `"${opts.ifMatch}"`;
  if (opts.idempotencyKey !== undefined) headers["Idempotency-Key"] = opts.idempotencyKey;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";

  for (let attempt = 0; ; attempt++) {
    if (opts.auth) {
      const session = getSession();
      if (!session) {
        endSession("expired");
        throw new ApiError("http", 401, DEFAULT_DETAIL[401]!);
      }
      headers.Authorization = `Bearer ${session.token}`;
    }

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, TIMEOUT_MS);
    const onCallerAbort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onCallerAbort, { once: true });

    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: controller.signal,
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e; // the caller gave up: not an error to report
      if (timedOut) throw new ApiError("timeout", 0, "The server took too long to respond.");
      if (retry && attempt < MAX_RETRIES) {
        await sleep(backoffDelay(attempt), opts.signal);
        continue;
      }
      throw new ApiError("network", 0, "Can't reach the server. Check your connection and try again.");
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onCallerAbort);
    }

    if (res.ok) {
      if (res.status === 204) return undefined as T;
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    }

    const err = await readError(res);
    if (err.status === 401 && opts.auth) {
      endSession("unauthorized");
      throw err;
    }
    if (err.status >= 500 && retry && attempt < MAX_RETRIES) {
      await sleep(backoffDelay(attempt, err.retryAfterSeconds), opts.signal);
      continue;
    }
    throw err;
  }
}

// ------------------------------------------------------------ endpoints ---

const taskPath = (id: number) => `/api/tasks/${encodeURIComponent(String(id))}`;

/** A fresh Idempotency-Key. randomUUID needs a secure context; getRandomValues does not. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  return Array.from(c.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export const api = {
  register: (body: RegisterInput) => request<RegisteredUser>("POST", "/api/auth/register", { body }),
  /** login has no side effects, so it is safe to retry */
  login: (body: LoginInput) => request<TokenResponse>("POST", "/api/auth/login", { body, retry: true }),
  /** `search` is a query string from lib/query.ts (`?limit=50&sort=...`) */
  listTasks: (search: string, signal?: AbortSignal) => request<TaskList>("GET", `/api/tasks${search}`, { auth: true, signal }),
  getTask: (id: number, signal?: AbortSignal) => request<Task>("GET", taskPath(id), { auth: true, signal }),
  createTask: (body: CreateTaskInput, idempotencyKey: string) =>
    request<Task>("POST", "/api/tasks", { body, auth: true, idempotencyKey }),
  /** with `version`, only if the task is still at it (else a 412 ApiError with the current `etag`) */
  updateTask: (id: number, body: UpdateTaskInput, version?: number) =>
    request<Task>("PUT", taskPath(id), { body, auth: true, ifMatch: version }),
  deleteTask: (id: number, version?: number) => request<void>("DELETE", taskPath(id), { auth: true, ifMatch: version }),
  restoreTask: (id: number) => request<Task>("POST", `${taskPath(id)}/restore`, { auth: true }),
  listTrash: (cursor?: string, signal?: AbortSignal) =>
    request<TrashList>("GET", `/api/tasks/trash?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { auth: true, signal }),
  purgeTask: (id: number) => request<void>("DELETE", `/api/tasks/trash/${encodeURIComponent(String(id))}`, { auth: true }),
  emptyTrash: () => request<void>("DELETE", "/api/tasks/trash", { auth: true }),
  bulk: (body: BulkInput, idempotencyKey: string) =>
    request<TaskList | undefined>("POST", "/api/tasks/bulk", { body, auth: true, idempotencyKey }),
};

/** The version in an ETag (`"7"` -> 7), or undefined. */
export function etagVersion(etag?: string): number | undefined {
  const m = /^(?:W\/)?"(\d+)"$/.exec(etag ?? "");
  return m ? Number(m[1]) : undefined;
}
