// The one typed client for the taskhub gateway, on openapi-fetch. The browser only talks to the
// same origin (`/api/...`); next.config.ts proxies it to the gateway. Types come from
// lib/api-types.ts, generated from docs/openapi.json. The transport rules are openapi-fetch
// middleware (below): the bearer token and the 401 rule (refresh once, retry once), retries of
// network errors and 5xx with backoff, and a 30 s timeout per attempt.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api-types";
import { endSession, getAccessToken, tokenAfterUnauthorized } from "./session";

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
export type Me = ResponseBody<"/api/auth/me", "get", 200>;
export type SessionInfo = components["schemas"]["SessionView"];
export type SecurityEvent = components["schemas"]["SecurityEvent"];
export type EventPage = ResponseBody<"/api/auth/events", "get", 200>;
export type PasswordChangeInput = RequestBody<"/api/auth/password", "put">;
/** What the app's /session/login and /session/refresh answer: the access token only. */
export interface AccessToken {
  access_token: string;
  token_type: string;
  expires_in: number;
}
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

// ------------------------------------------------------------ transport ---

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
const NETWORK_DETAIL = "Can't reach the server. Check your connection and try again.";
const TIMEOUT_DETAIL = "The server took too long to respond.";

function defaultDetail(status: number): string {
  return DEFAULT_DETAIL[status] ?? (status >= 500 ? "The server had a problem. Please try again." : `Request failed (${status}).`);
}

function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
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

/** The ApiError for an answer that is not 2xx; `body` is what openapi-fetch parsed (JSON or text). */
export function errorFromResponse(res: Response, body: unknown): ApiError {
  const b: Partial<ErrorBody> = body && typeof body === "object" ? (body as Partial<ErrorBody>) : {};
  const validation = Array.isArray(b.validation_errors)
    ? b.validation_errors.filter(
        (v): v is FieldError => !!v && typeof v.field === "string" && typeof v.message === "string",
      )
    : [];
  const detail = typeof b.detail === "string" && b.detail ? b.detail : defaultDetail(res.status);
  return new ApiError(
    "http",
    res.status,
    detail,
    typeof b.error_code === "string" ? b.error_code : undefined,
    validation,
    parseRetryAfter(res.headers.get("Retry-After")),
    res.headers.get("ETag") ?? undefined,
  );
}

/** Endpoints that take no bearer token. */
const PUBLIC_PATHS = new Set<string>(["/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/session/login"]);
/** POSTs that are safe to repeat: login has no side effect beyond a new session. */
const RETRYABLE_POSTS = new Set<string>(["/api/auth/login", "/session/login"]);

/** What the middleware keep of one call: enough to send it again. */
interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
  /** the caller's signal: giving up is not an error to report */
  signal: AbortSignal | null;
  auth: boolean;
  retry: boolean;
  /** the timer and flag of the attempt in flight */
  timer?: ReturnType<typeof setTimeout>;
  timedOut?: boolean;
}
const calls = new Map<string, Call>();

/** Marks a failure to reach the server, so that the retry middleware may try again. */
class NetworkFailure extends Error {}

/**
 * The signal of one attempt of `call`: aborted when the caller gives up, or after 30 s (then
 * `call.timedOut` is set). `call.timer` is cleared when the answer (or the failure) arrives.
 */
function attemptSignal(call: Call): AbortSignal {
  const controller = new AbortController();
  call.timedOut = false;
  call.timer = setTimeout(() => {
    call.timedOut = true;
    controller.abort();
  }, TIMEOUT_MS);
  const caller = call.signal;
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener("abort", () => controller.abort(caller.reason), { once: true });
  return controller.signal;
}

/** What `fetch` is given for `call`, on the attempt's own `signal`. */
function requestInit(call: Call, signal: AbortSignal): RequestInit {
  return { method: call.method, headers: call.headers, body: call.body, signal, cache: "no-store", credentials: "same-origin" };
}

/** One attempt of `call` (a retry, or the retry after a refresh) with its own 30 s timeout. */
async function attempt(call: Call): Promise<Response> {
  try {
    return await fetch(call.url, requestInit(call, attemptSignal(call)));
  } catch (e) {
    if (call.signal?.aborted) throw e;
    if (call.timedOut) throw new ApiError("timeout", 0, TIMEOUT_DETAIL);
    throw new NetworkFailure(String(e));
  } finally {
    clearTimeout(call.timer);
  }
}

/** First: notes what is needed to send the call again, and whether it may be retried. */
const recordCall: Middleware = {
  async onRequest({ request, schemaPath, id }) {
    const method = request.method.toUpperCase();
    const body = request.body === null ? undefined : await request.clone().text();
    const retry =
      method === "GET" || method === "PUT" || method === "DELETE" || method === "PATCH" ||
      (method === "POST" && (RETRYABLE_POSTS.has(schemaPath) || request.headers.has("Idempotency-Key")));
    calls.set(id, {
      url: request.url,
      method,
      headers: new Headers(request.headers),
      body,
      signal: request.signal,
      auth: !PUBLIC_PATHS.has(schemaPath),
      retry,
    });
    return undefined;
  },
  onResponse({ id }) {
    calls.delete(id);
    return undefined;
  },
  onError({ id }) {
    calls.delete(id);
    return undefined;
  },
};

async function isInvalidCredentials(res: Response): Promise<boolean> {
  try {
    const body = (await res.clone().json()) as { error_code?: unknown };
    return body.error_code === "INVALID_CREDENTIALS";
  } catch {
    return false;
  }
}

/**
 * The bearer token, and the 401 rule: a 401 for a token (not a wrong password, which
 * `PUT /api/auth/password` and `DELETE /api/auth/me` also answer with 401) refreshes the
 * session once and sends the request once more; only when that fails is the session over.
 */
const bearer: Middleware = {
  async onRequest({ request, id }) {
    const call = calls.get(id);
    if (!call?.auth) return undefined;
    const token = await getAccessToken();
    if (!token) throw new ApiError("http", 401, DEFAULT_DETAIL[401]!);
    request.headers.set("Authorization", `Bearer ${token}`);
    call.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  async onResponse({ response, id }) {
    const call = calls.get(id);
    if (!call?.auth || response.status !== 401 || (await isInvalidCredentials(response))) return undefined;
    const used = call.headers.get("Authorization")?.replace(/^Bearer /, "") ?? "";
    const token = await tokenAfterUnauthorized(used);
    if (!token) return undefined;
    call.headers.set("Authorization", `Bearer ${token}`);
    let again: Response;
    try {
      again = await attempt(call);
    } catch (e) {
      if (e instanceof NetworkFailure) throw new ApiError("network", 0, NETWORK_DETAIL);
      throw e;
    }
    if (again.status === 401 && !(await isInvalidCredentials(again))) endSession("unauthorized");
    return again;
  },
};

/** Retries network errors and 5xx (after Retry-After when sent) with backoff and jitter. */
async function retryLoop(call: Call, lastRetryAfter?: number): Promise<Response> {
  let retryAfter = lastRetryAfter;
  for (let n = 0; ; n++) {
    await sleep(backoffDelay(n, retryAfter), call.signal);
    try {
      const res = await attempt(call);
      if (res.status < 500 || n + 1 >= MAX_RETRIES) return res;
      retryAfter = parseRetryAfter(res.headers.get("Retry-After"));
    } catch (e) {
      if (!(e instanceof NetworkFailure)) throw e;
      if (n + 1 >= MAX_RETRIES) throw new ApiError("network", 0, NETWORK_DETAIL);
      retryAfter = undefined;
    }
  }
}

const retry: Middleware = {
  async onResponse({ response, id }) {
    const call = calls.get(id);
    if (!call?.retry || response.status < 500) return undefined;
    return retryLoop(call, parseRetryAfter(response.headers.get("Retry-After")));
  },
  async onError({ error, id }) {
    const call = calls.get(id);
    if (error instanceof ApiError || call?.signal?.aborted) return undefined;
    if (!call?.retry) return new ApiError("network", 0, NETWORK_DETAIL);
    return retryLoop(call);
  },
};

/** A 30 s limit on the first attempt (retries get theirs from `attempt`). */
const timeout: Middleware = {
  onRequest({ id }) {
    const call = calls.get(id);
    if (!call) return undefined;
    // Rebuilt from the snapshot (a Request's signal cannot be replaced in place).
    return new Request(call.url, requestInit(call, attemptSignal(call)));
  },
  onResponse({ id }) {
    const call = calls.get(id);
    if (call) clearTimeout(call.timer);
    return undefined;
  },
  onError({ id }) {
    const call = calls.get(id);
    if (!call) return undefined;
    clearTimeout(call.timer);
    if (call.signal?.aborted) return undefined;
    return call.timedOut ? new ApiError("timeout", 0, TIMEOUT_DETAIL) : undefined;
  },
};

const client = createClient<paths>({ cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } });
// onRequest runs in this order, onResponse and onError in the reverse one.
client.use(recordCall, bearer, retry, timeout);

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The answer's body on 2xx; an ApiError otherwise (and for no answer at all). */
async function unwrap<T>(pending: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (e instanceof DOMException && e.name === "AbortError") throw e; // the caller gave up
    throw new ApiError("network", 0, NETWORK_DETAIL);
  }
  if (answer.response.ok) return answer.data as T;
  throw errorFromResponse(answer.response, answer.error);
}

const ifMatch = (version?: number) => (version === undefined ? {} : { "If-Match": `"${version}"` });

// ------------------------------------------------------------ endpoints ---

/** A fresh Idempotency-Key. randomUUID needs a secure context; getRandomValues does not. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  return Array.from(c.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The app's own session handlers (app/session/*), which keep the refresh token: not in the API
 * document, so described here. Sign-in goes through them with the same retry and timeout
 * middleware as the API calls (lib/session.ts does refresh and sign-out itself, under a lock).
 */
interface SessionPaths {
  "/session/login": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    post: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody: { content: { "application/json": LoginInput } };
      responses: {
        200: { headers: Record<string, unknown>; content: { "application/json": AccessToken } };
        401: { headers: Record<string, unknown>; content: { "application/json": ErrorBody } };
        429: { headers: Record<string, unknown>; content: { "application/json": ErrorBody } };
      };
    };
  };
}
const sessionClient = createClient<SessionPaths>({ cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } });
sessionClient.use(recordCall, retry, timeout);

const raw = (search: string) => () => search.replace(/^\?/, "");

export const api = {
  register: (body: RegisterInput) => unwrap<RegisteredUser>(client.POST("/api/auth/register", { body })),
  /**
   * Signs in through the app's /session/login: the refresh token stays in an HttpOnly cookie and
   * only the access token comes back. Login has no side effects, so it is safe to retry.
   */
  login: (body: LoginInput) => unwrap<AccessToken>(sessionClient.POST("/session/login", { body })),
  /** `search` is a query string from lib/query.ts (`?limit=50&sort=...`) */
  listTasks: (search: string, signal?: AbortSignal) =>
    unwrap<TaskList>(client.GET("/api/tasks", { querySerializer: raw(search), signal })),
  getTask: (id: number, signal?: AbortSignal) =>
    unwrap<Task>(client.GET("/api/tasks/{task_id}", { params: { path: { task_id: id } }, signal })),
  createTask: (body: CreateTaskInput, idempotencyKey: string) =>
    unwrap<Task>(client.POST("/api/tasks", { body, params: { header: { "Idempotency-Key": idempotencyKey } } })),
  /** with `version`, only if the task is still at it (else a 412 ApiError with the current `etag`) */
  updateTask: (id: number, body: UpdateTaskInput, version?: number) =>
    unwrap<Task>(client.PUT("/api/tasks/{task_id}", { body, params: { path: { task_id: id }, header: ifMatch(version) } })),
  deleteTask: (id: number, version?: number) =>
    unwrap<void>(client.DELETE("/api/tasks/{task_id}", { params: { path: { task_id: id }, header: ifMatch(version) } })),
  restoreTask: (id: number) => unwrap<Task>(client.POST("/api/tasks/{task_id}/restore", { params: { path: { task_id: id } } })),
  listTrash: (cursor?: string, signal?: AbortSignal) =>
    unwrap<TrashList>(client.GET("/api/tasks/trash", { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } }, signal })),
  purgeTask: (id: number) => unwrap<void>(client.DELETE("/api/tasks/trash/{task_id}", { params: { path: { task_id: id } } })),
  emptyTrash: () => unwrap<void>(client.DELETE("/api/tasks/trash", {})),
  bulk: (body: BulkInput, idempotencyKey: string) =>
    unwrap<TaskList | undefined>(client.POST("/api/tasks/bulk", { body, params: { header: { "Idempotency-Key": idempotencyKey } } })),

  // ------------------------------------------------------- account ---
  me: (signal?: AbortSignal) => unwrap<Me>(client.GET("/api/auth/me", { signal })),
  listSessions: (signal?: AbortSignal) =>
    unwrap<{ sessions: SessionInfo[] }>(client.GET("/api/auth/sessions", { signal })),
  endSession: (id: number) => unwrap<void>(client.DELETE("/api/auth/sessions/{session_id}", { params: { path: { session_id: id } } })),
  /** 401 `INVALID_CREDENTIALS` for a wrong current password (a form error, the session stays) */
  changePassword: (body: PasswordChangeInput) => unwrap<void>(client.PUT("/api/auth/password", { body })),
  /** 401 `INVALID_CREDENTIALS` for a wrong password (a form error, the session stays) */
  deleteAccount: (password: string) => unwrap<void>(client.DELETE("/api/auth/me", { body: { password } })),
  listEvents: (cursor?: string, signal?: AbortSignal) =>
    unwrap<EventPage>(client.GET("/api/auth/events", { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } }, signal })),
};

/** The version in an ETag (`"7"` -> 7), or undefined. */
export function etagVersion(etag?: string): number | undefined {
  const m = /^(?:W\/)?"(\d+)"$/.exec(etag ?? "");
  return m ? Number(m[1]) : undefined;
}
