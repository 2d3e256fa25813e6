#!/usr/bin/env node
// In-memory stand-in for the gateway, for UI work without the Rust stack.
// Follows the API contract (architecture.md section 3). NOT used by the e2e suite,
// which runs against the real services.  Usage: PORT=8080 node scripts/mock-gateway.mjs
// MOCK_DELAY_MS adds latency; MOCK_FAIL=put|delete|post|list makes those calls answer 500.
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";

const port = Number(process.env.PORT ?? 8080);
const delay = Number(process.env.MOCK_DELAY_MS ?? 150);
const fail = new Set((process.env.MOCK_FAIL ?? "").split(",").filter(Boolean));
const users = new Map(); // email -> {id, email, password, created_at}
const tokens = new Map(); // token -> {userId, exp}
const refreshTokens = new Map(); // refresh token -> userId
const tasks = new Map(); // id -> task
let nextUser = 1;
let nextTask = 1;
const STATUSES = ["pending", "in_progress", "completed"];

const send = (res, status, body) => {
  res.writeHead(status, body === undefined ? {} : { "Content-Type": "application/json" });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};
const err = (res, status, detail, validation_errors) =>
  send(res, status, { detail, ...(validation_errors ? { validation_errors } : {}) });

function taskErrors(b, partial) {
  const v = [];
  if (!partial || b.title !== undefined) {
    if (typeof b.title !== "string" || !b.title.trim()) v.push({ field: "title", message: "Title is required" });
    else if (b.title.length > 200) v.push({ field: "title", message: "Title must be at most 200 characters" });
  }
  if (b.description != null && (typeof b.description !== "string" || b.description.length > 2000))
    v.push({ field: "description", message: "Description must be at most 2000 characters" });
  if (b.status !== undefined && !STATUSES.includes(b.status)) v.push({ field: "status", message: "Invalid status" });
  return v;
}

createServer(async (req, res) => {
  let raw = "";
  for await (const c of req) raw += c;
  await new Promise((r) => setTimeout(r, delay));
  let body = {};
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    return err(res, 400, "Invalid JSON");
  }
  const url = new URL(req.url, "http://x");
  const m = req.method;
  const p = url.pathname;
  if (p === "/api/auth/register" && m === "POST") {
    const v = [];
    if (typeof body.email !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email)) v.push({ field: "email", message: "Invalid email" });
    if (typeof body.password !== "string" || body.password.length < 8) v.push({ field: "password", message: "Password must be at least 8 characters" });
    if (v.length) return err(res, 422, "Validation error", v);
    if (users.has(body.email)) return err(res, 400, "Email already exists");
    const u = { id: nextUser++, email: body.email, password: body.password, created_at: new Date().toISOString() };
    users.set(u.email, u);
    return send(res, 201, { id: u.id, email: u.email, created_at: u.created_at });
  }
  // Sessions, simplified: single-use refresh tokens, no reuse detection, no session list.
  const issue = (userId) => {
    const token = randomUUID();
    const refresh_token = randomUUID();
    const expires_in = Number(process.env.MOCK_EXPIRES_IN ?? 86400);
    tokens.set(token, { userId, exp: Date.now() + expires_in * 1000 });
    refreshTokens.set(refresh_token, userId);
    return { access_token: token, token_type: "Bearer", expires_in, refresh_token, refresh_expires_in: 1209600 };
  };
  if (p === "/api/auth/login" && m === "POST") {
    const u = users.get(body.email);
    if (!u || u.password !== body.password) return err(res, 401, "Invalid credentials");
    return send(res, 200, issue(u.id));
  }
  if (p === "/api/auth/refresh" && m === "POST") {
    const userId = refreshTokens.get(body.refresh_token);
    if (userId === undefined) return err(res, 401, "Unauthorized");
    refreshTokens.delete(body.refresh_token);
    return send(res, 200, issue(userId));
  }
  const t = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
  if (p.startsWith("/api/auth/") && (!t || t.exp < Date.now())) return err(res, 401, "Unauthorized");
  if ((p === "/api/auth/logout" || p === "/api/auth/logout-all") && m === "POST") {
    tokens.delete((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    return send(res, 204);
  }
  if (p === "/api/auth/me" && m === "GET") {
    const u = [...users.values()].find((x) => x.id === t.userId);
    return send(res, 200, { id: u.id, email: u.email, created_at: u.created_at });
  }
  if (p === "/api/auth/sessions" && m === "GET") {
    return send(res, 200, { sessions: [{ id: 1, created_at: new Date().toISOString(), last_used_at: new Date().toISOString(), user_agent: req.headers["user-agent"] ?? null, client_addr: "127.0.0.1", current: true }] });
  }
  if (p === "/api/auth/events" && m === "GET") return send(res, 200, { events: [], next_cursor: null });
  if (!p.startsWith("/api/tasks")) return err(res, 404, "Not found");
  if (!t || t.exp < Date.now()) return err(res, 401, "Unauthorized");
  const uid = t.userId;
  const now = new Date().toISOString();
  if (p === "/api/tasks") {
    if (m === "GET") {
      if (fail.has("list")) return err(res, 500, "Internal server error");
      return send(res, 200, { tasks: [...tasks.values()].filter((x) => x.user_id === uid) });
    }
    if (m === "POST") {
      if (fail.has("post")) return err(res, 500, "Internal server error");
      const v = taskErrors(body, false);
      if (v.length) return err(res, 422, "Validation error", v);
      const task = { id: nextTask++, title: body.title, description: body.description ?? null, status: body.status ?? "pending", user_id: uid, created_at: now, updated_at: now };
      tasks.set(task.id, task);
      return send(res, 201, task);
    }
  }
  const id = Number(p.split("/")[3]);
  const task = tasks.get(id);
  if (!task || task.user_id !== uid) return err(res, 404, "Task not found");
  if (m === "GET") return send(res, 200, task);
  if (m === "PUT") {
    if (fail.has("put")) return err(res, 500, "Internal server error");
    const v = taskErrors(body, true);
    if (v.length) return err(res, 422, "Validation error", v);
    for (const k of ["title", "description", "status"]) if (body[k] !== undefined) task[k] = body[k];
    task.updated_at = now;
    return send(res, 200, task);
  }
  if (m === "DELETE") {
    if (fail.has("delete")) return err(res, 500, "Internal server error");
    tasks.delete(id);
    return send(res, 204);
  }
  return err(res, 405, "Method not allowed");
}).listen(port, "127.0.0.1", () => console.log(`mock gateway on http://127.0.0.1:${port}`));
