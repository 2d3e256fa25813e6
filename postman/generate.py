#!/usr/bin/env python3
"""Writes the taskhub Postman collections and environments (v2.1 schema).

    python3 postman/generate.py          # rewrite the JSON files next to this script
    python3 postman/generate.py --check  # exit 1 if a committed JSON file is stale

The JSON files are the artifact (import them into Postman, run them with
scripts/newman.sh); this script is their source so that the many similar
requests and test scripts stay consistent. Edit here, then regenerate.

Variables: `authUrl` (where /api/auth/* lives) and `taskUrl` (where /api/tasks*
lives). Through the gateway both are the gateway URL; in direct mode they are
auth-service (:8081) and task-service (:8082).
"""
import json
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

# --------------------------------------------------------------------------------------
# JavaScript snippets shared by many requests
# --------------------------------------------------------------------------------------

# Runs after every request of both collections.
COMMON_TESTS = r"""
// --- checks for every response (collection level) ---
const code = pm.response.code;
pm.test("[common] X-Request-Id header is returned", () => {
    pm.expect(pm.response.headers.get("X-Request-Id"), "X-Request-Id").to.be.a("string").and.not.empty;
});
pm.test("[common] X-Content-Type-Options: nosniff", () => {
    pm.expect(pm.response.headers.get("X-Content-Type-Options")).to.eql("nosniff");
});
// 204 and 304 have no body (and so no Content-Type).
if (code !== 204 && code !== 304) {
    pm.test("[common] response is JSON", () => {
        pm.expect(pm.response.headers.get("Content-Type") || "").to.include("application/json");
    });
}
if (code >= 400) {
    pm.test("[common] error body has a string `detail`", () => {
        const b = pm.response.json();
        pm.expect(b.detail, "detail").to.be.a("string").and.not.empty;
        if (b.error_code !== undefined && b.error_code !== null) pm.expect(b.error_code).to.be.a("string");
        if (b.validation_errors !== undefined && b.validation_errors !== null) {
            pm.expect(b.validation_errors).to.be.an("array");
            b.validation_errors.forEach(e => {
                pm.expect(e.field, "validation_errors[].field").to.be.a("string");
                pm.expect(e.message, "validation_errors[].message").to.be.a("string");
            });
        }
    });
}
pm.test("[common] no password or hash in any response", () => {
    const t = pm.response.text();
    pm.expect(t).to.not.match(/"password(_hash)?"\s*:/);
    pm.expect(t).to.not.include("$argon2");
});
"""

# Defines helpers for the request's own tests (prepended to every test script).
HELPERS = r"""
const body = () => pm.response.json();
const expectStatus = (n) => pm.test(`status is ${n}`, () => pm.response.to.have.status(n));
const expectFieldError = (field) => pm.test(`422 names field \`${field}\``, () => {
    const fields = (body().validation_errors || []).map(e => e.field);
    pm.expect(fields, JSON.stringify(body())).to.include(field);
});
const isIso = (s) => typeof s === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(s) && !isNaN(Date.parse(s));
const expectTask = (t) => {
    pm.expect(t.id, "id").to.be.a("number");
    pm.expect(Number.isInteger(t.id), "id is an integer").to.be.true;
    pm.expect(t.title, "title").to.be.a("string");
    pm.expect(t.description === null || typeof t.description === "string", "description is string|null").to.be.true;
    pm.expect(["pending", "in_progress", "completed"], "status").to.include(t.status);
    pm.expect(t.user_id, "user_id").to.be.a("number");
    pm.expect(isIso(t.created_at), "created_at is ISO 8601: " + t.created_at).to.be.true;
    pm.expect(isIso(t.updated_at), "updated_at is ISO 8601: " + t.updated_at).to.be.true;
    // issue 17's fields are additions: the contract's seven fields keep their shape.
    const isUtcOrNull = (s) => s === null || (isIso(s) && s.endsWith("Z"));
    pm.expect(isUtcOrNull(t.due_at), "due_at is null or a UTC date-time: " + t.due_at).to.be.true;
    pm.expect(["low", "normal", "high", "urgent"], "priority").to.include(t.priority);
    pm.expect(isUtcOrNull(t.started_at), "started_at is null or a UTC date-time: " + t.started_at).to.be.true;
    pm.expect(isUtcOrNull(t.completed_at), "completed_at is null or a UTC date-time: " + t.completed_at).to.be.true;
    pm.expect(Number.isInteger(t.version) && t.version >= 1, "version is a positive integer: " + t.version).to.be.true;
    // progress times follow the status: pending has neither, in_progress was started and is not
    // completed, completed has completed_at
    if (t.status === "pending") pm.expect([t.started_at, t.completed_at], "pending: no progress times").to.eql([null, null]);
    if (t.status === "in_progress") {
        pm.expect(t.started_at, "in_progress: started_at").to.be.a("string");
        pm.expect(t.completed_at, "in_progress: completed_at").to.eql(null);
    }
    if (t.status === "completed") pm.expect(t.completed_at, "completed: completed_at").to.be.a("string");
    pm.expect(Object.keys(t).sort(), "task keys").to.eql(TASK_KEYS);
};
const TASK_KEYS = ["completed_at", "created_at", "description", "due_at", "id", "priority", "started_at", "status",
    "title", "updated_at", "user_id", "version"];
// A task in the trash: the task as it was deleted, when, and when it will be purged (7 days later).
const expectTrashed = (t) => {
    const { deleted_at, purge_at, ...task } = t;
    expectTask(task);
    pm.expect(isIso(deleted_at), "deleted_at is ISO 8601: " + deleted_at).to.be.true;
    pm.expect(isIso(purge_at), "purge_at is ISO 8601: " + purge_at).to.be.true;
    pm.expect(Date.parse(purge_at) - Date.parse(deleted_at), "purge_at is deleted_at + 7 days").to.eql(7 * 24 * 3600e3);
};
// The response's ETag is the task's version, as a strong entity tag: "<version>".
const expectEtagOf = (t) => pm.test(`ETag is "${t.version}" (the task's version)`, () => {
    pm.expect(pm.response.headers.get("ETag")).to.eql(`"${t.version}"`);
});
const expectErrorCode = (c) => pm.test(`error_code is ${c}`, () => pm.expect(body().error_code).to.eql(c));
const idsOf = (b) => b.tasks.map(t => String(t.id));
const cv = pm.collectionVariables;
"""


def lines(js):
    return [l for l in js.strip("\n").split("\n")]


def event(listen, js):
    return {"listen": listen, "script": {"type": "text/javascript", "exec": lines(js)}}


def stable_id(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "taskhub-postman/" + "/".join(parts)))


def request(name, method, url, body=None, tests="", pre="", auth=None, headers=None, raw_body=None,
            content_type="application/json"):
    """One request item. `url` like '{{taskUrl}}/api/tasks/{{taskId}}', optionally with a query
    string ('...?status=pending&sort=-due_at', written as it is sent: percent-encoded). auth: None
    (no header), or a string expression for the Authorization header value (e.g. 'Bearer {{tokenA}}').
    headers: more headers, in order. content_type: of the body, when there is one."""
    hdrs = []
    if body is not None or raw_body is not None:
        hdrs.append({"key": "Content-Type", "value": content_type})
    if auth:
        hdrs.append({"key": "Authorization", "value": auth})
    for k, v in (headers or {}).items():
        hdrs.append({"key": k, "value": v})
    base, _, rest = url.partition("}}")
    path, _, query = rest.partition("?")
    req = {
        "method": method,
        "header": hdrs,
        "url": {
            "raw": url,
            "host": [base + "}}"],
            "path": [p for p in path.split("/") if p],
        },
    }
    if query:
        req["url"]["query"] = [{"key": k, "value": v} for k, _, v in (p.partition("=") for p in query.split("&"))]
    if body is not None or raw_body is not None:
        req["body"] = {
            "mode": "raw",
            "raw": raw_body if raw_body is not None else json.dumps(body, indent=2),
            "options": {"raw": {"language": "json"}},
        }
    item = {"name": name, "event": [], "request": req, "response": []}
    if pre:
        item["event"].append(event("prerequest", pre))
    item["event"].append(event("test", HELPERS + tests))
    return item


def folder(name, description, items):
    return {"name": name, "description": description, "item": items}


def collection(name, description, items, variables, pre=""):
    events = []
    if pre:
        events.append(event("prerequest", pre))
    events.append(event("test", COMMON_TESTS))
    return {
        "info": {
            "_postman_id": stable_id(name),
            "name": name,
            "description": description,
            "schema": SCHEMA,
        },
        "item": items,
        "event": events,
        "variable": [{"key": k, "value": v, "type": "string"} for k, v in variables],
    }


# --------------------------------------------------------------------------------------
# auth-service collection
# --------------------------------------------------------------------------------------

# The collection variables of the "Sessions and account" folder (issue 18), reset on every run.
# Each login (and refresh) keeps its tokens as token<X> and refresh<X>.
SESSION_LOGINS = ["S1", "S2", "SL", "SP", "SA", "SB", "SC", "O", "P1", "P2", "P3", "D1", "D2", "DN", "E1", "E2"]
SESSION_VARS = ([f"userId{w}" for w in "SOPDE"] + [f"{k}{x}" for x in SESSION_LOGINS for k in ("token", "refresh")]
                + ["loginAtS1", "sessionIdSL", "sessionIdSP", "sessionIdO", "eventIds", "eventCursor", "revokedAt"])

# Unique per run: emails never collide with earlier runs against the same database.
AUTH_INIT = r"""
const runId = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
pm.collectionVariables.set("runId", runId);
pm.collectionVariables.set("email", `auth.${runId}@example.com`);
pm.collectionVariables.set("password", "correct horse battery staple");
pm.collectionVariables.set("userId", "");
pm.collectionVariables.set("token", "");
// 255 characters exactly: 64-char local part, 190-char domain of 63/63/62-char labels.
const local = ("b255." + runId + ".").padEnd(64, "x");
pm.collectionVariables.set("email255", `${local}@${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(62)}`);
// 256 characters: otherwise well-formed (labels <= 63), only too long.
const local256 = ("b256." + runId + ".").padEnd(64, "x");
pm.collectionVariables.set("email256", `${local256}@${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}`);
// issue 18's "Sessions and account" folder: a user per scenario (S sessions, O another user,
// P password change, D account deletion, E security log), so its counts are exact.
["S", "O", "P", "D", "E"].forEach(w => pm.collectionVariables.set(`email${w}`, `sessions.${w.toLowerCase()}.${runId}@example.com`));
""" + json.dumps(SESSION_VARS) + r"""
    .forEach(k => pm.collectionVariables.set(k, ""));
"""
# Collection level: initialise when a single request is run on its own. The first
# request of the collection re-initialises, so every full run (also in the Postman
# app, which keeps collection variables between runs) uses fresh users.
AUTH_COLLECTION_PRE = "if (!pm.collectionVariables.get(\"runId\")) {\n" + AUTH_INIT + "}\n"
AUTH_FIRST_PRE = "// new run: fresh identifiers\n{\n" + AUTH_INIT + "}\n"


def auth_items():
    R = "{{authUrl}}/api/auth/register"
    L = "{{authUrl}}/api/auth/login"

    def register_ok(name, email_js, password_js, note):
        pre = f"""
pm.variables.set("regEmail", {email_js});
pm.variables.set("regPassword", {password_js});
"""
        tests = f"""
expectStatus(201);
pm.test("{note}: body is {{id, email, created_at}}", () => {{
    const b = body();
    pm.expect(b.id, "id").to.be.a("number");
    pm.expect(Number.isInteger(b.id)).to.be.true;
    pm.expect(b.email).to.eql(pm.variables.get("regEmail"));
    pm.expect(isIso(b.created_at), "created_at: " + b.created_at).to.be.true;
    pm.expect(Object.keys(b).sort()).to.eql(["created_at", "email", "id"]);
}});
"""
        return request(name, "POST", R, raw_body='{\n  "email": "{{regEmail}}",\n  "password": "{{regPassword}}"\n}',
                       pre=pre, tests=tests)

    def register_422(name, body, field, pre=""):
        return request(name, "POST", R, body=body, pre=pre, tests=f"""
expectStatus(422);
expectFieldError("{field}");
""")

    health = request("GET /health -> 200 ok/connected", "GET", "{{authUrl}}/health", pre=AUTH_FIRST_PRE, tests=r"""
expectStatus(200);
pm.test("body is {status: ok, database: connected}", () => {
    pm.expect(body()).to.eql({ status: "ok", database: "connected" });
});
""")

    register = [
        request("register -> 201", "POST", R,
                raw_body='{\n  "email": "{{email}}",\n  "password": "{{password}}"\n}', tests=r"""
expectStatus(201);
pm.test("body is {id, email, created_at} and nothing else", () => {
    const b = body();
    pm.expect(b.id, "id").to.be.a("number");
    pm.expect(Number.isInteger(b.id)).to.be.true;
    pm.expect(b.email).to.eql(cv.get("email"));
    pm.expect(isIso(b.created_at), "created_at: " + b.created_at).to.be.true;
    pm.expect(Date.parse(b.created_at), "created_at is recent").to.be.within(Date.now() - 10 * 60e3, Date.now() + 10 * 60e3);
    pm.expect(Object.keys(b).sort()).to.eql(["created_at", "email", "id"]);
});
cv.set("userId", String(body().id));
"""),
        request("register same email -> 400 Email already exists", "POST", R,
                raw_body='{\n  "email": "{{email}}",\n  "password": "another password 123"\n}', tests=r"""
expectStatus(400);
pm.test("detail is exactly 'Email already exists'", () => {
    pm.expect(body().detail).to.eql("Email already exists");
});
"""),
        register_422("register invalid email -> 422", {"email": "not-an-email", "password": "long enough password"}, "email"),
        register_422("register email without domain -> 422", {"email": "someone@", "password": "long enough password"}, "email"),
        register_ok("register email of exactly 255 chars -> 201", 'pm.collectionVariables.get("email255")',
                    '"long enough password"', "255-char email accepted"),
        request("register email of 256 chars -> 422", "POST", R,
                raw_body='{\n  "email": "{{email256}}",\n  "password": "long enough password"\n}', tests=r"""
pm.test("the email sent is 256 characters long", () => pm.expect(cv.get("email256").length).to.eql(256));
expectStatus(422);
expectFieldError("email");
"""),
        register_422("register password of 7 chars -> 422",
                     {"email": "short.pw.{{runId}}@example.com", "password": "1234567"}, "password"),
        register_ok("register password of exactly 8 chars -> 201",
                    '`pw8.${pm.collectionVariables.get("runId")}@example.com`', '"12345678"', "8-char password accepted"),
        register_ok("register password of exactly 128 chars -> 201",
                    '`pw128.${pm.collectionVariables.get("runId")}@example.com`', '"p".repeat(128)', "128-char password accepted"),
        register_422("register password of 129 chars -> 422",
                     {"email": "pw129.{{runId}}@example.com", "password": "p" * 129}, "password"),
        register_422("register missing password -> 422", {"email": "nopw.{{runId}}@example.com"}, "password"),
        register_422("register missing email -> 422", {"password": "long enough password"}, "email"),
        register_422("register email of wrong type -> 422", {"email": 42, "password": "long enough password"}, "email"),
        request("register malformed JSON -> 422", "POST", R, raw_body='{"email": "x@example.com", "password": ', tests=r"""
expectStatus(422);
"""),
    ]

    login = [
        request("login -> 200 with a Bearer token", "POST", L,
                raw_body='{\n  "email": "{{email}}",\n  "password": "{{password}}"\n}', tests=r"""
expectStatus(200);
pm.test("body is {access_token, token_type: Bearer, expires_in}", () => {
    const b = body();
    pm.expect(b.access_token, "access_token").to.be.a("string");
    pm.expect(b.access_token.split("."), "JWT has 3 parts").to.have.lengthOf(3);
    pm.expect(b.token_type).to.eql("Bearer");
    pm.expect(b.expires_in, "expires_in").to.be.a("number").and.above(0);
    pm.expect(Number.isInteger(b.expires_in)).to.be.true;
});
pm.test("token is HS256 and exp matches expires_in", () => {
    const b = body();
    const dec = (s) => JSON.parse(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)));
    const [h, p] = b.access_token.split(".");
    pm.expect(dec(h).alg).to.eql("HS256");
    const claims = dec(p);
    pm.expect(claims.exp, "exp").to.be.a("number");
    pm.expect(claims.exp - Date.now() / 1000, "exp - now ~ expires_in").to.be.within(b.expires_in - 120, b.expires_in + 120);
    if (cv.get("userId")) pm.expect(String(claims.sub), "sub is the user id").to.eql(cv.get("userId"));
});
pm.test("issue 18 adds refresh_token (opaque, >= 43 chars) and refresh_expires_in (14 days by default), nothing else", () => {
    const b = body();
    pm.expect(b.refresh_token, "refresh_token").to.be.a("string");
    pm.expect(b.refresh_token.length, "refresh_token length (256 bits in base64url)").to.be.at.least(43);
    pm.expect(b.refresh_expires_in, "refresh_expires_in (SESSION_IDLE_DAYS=14)").to.eql(1209600);
    pm.expect(Object.keys(b).sort()).to.eql(["access_token", "expires_in", "refresh_expires_in", "refresh_token", "token_type"]);
});
cv.set("token", body().access_token);
"""),
        request("login wrong password -> 401 Invalid credentials", "POST", L,
                raw_body='{\n  "email": "{{email}}",\n  "password": "wrong password 123"\n}', tests=r"""
expectStatus(401);
pm.test("detail is exactly 'Invalid credentials'", () => pm.expect(body().detail).to.eql("Invalid credentials"));
pm.test("no token in the body", () => pm.expect(body().access_token).to.be.undefined);
"""),
        request("login unknown email -> 401 (same answer as a wrong password)", "POST", L,
                body={"email": "nobody.{{runId}}@example.com", "password": "whatever password"}, tests=r"""
expectStatus(401);
pm.test("detail is exactly 'Invalid credentials' (no user enumeration)", () => pm.expect(body().detail).to.eql("Invalid credentials"));
"""),
        request("login missing password -> 422", "POST", L, body={"email": "{{email}}"}, tests=r"""
expectStatus(422);
expectFieldError("password");
"""),
        request("login empty object -> 422", "POST", L, body={}, tests=r"""
expectStatus(422);
"""),
        request("login password of wrong type -> 422", "POST", L, body={"email": "{{email}}", "password": 12345678}, tests=r"""
expectStatus(422);
expectFieldError("password");
"""),
    ]

    return [
        folder("Health", "Liveness and database connectivity.", [health]),
        folder("Register", "POST /api/auth/register: 201, 400 duplicate, 422 for each limit (email format, email <= 255, password 8..128, missing fields).", register),
        folder("Login", "POST /api/auth/login: 200 token (with issue 18's refresh token), 401 Invalid credentials, 422.", login),
        folder("Sessions and account", "Issue 18, on fresh users of its own (S, O, P, D, E): every new endpoint without "
               "a token -> 401; refresh rotates both tokens, a used refresh token again -> 401 and ends the session "
               "(theft detection); logout, logout-all and DELETE /api/auth/sessions/{id} end sessions (their tokens get "
               "the contract's 401 within a second); the session list marks the current one; GET /api/auth/me; "
               "PUT /api/auth/password keeps this session and ends the others; DELETE /api/auth/me ends every "
               "session and frees the email; GET /api/auth/events pages the security log newest first.", session_items()),
    ]


# --------------------------------------------------------------------------------------
# auth-service collection: issue 18's sessions and account
# --------------------------------------------------------------------------------------

# Prepended to the tests of the "Sessions and account" folder (after HELPERS). No literal
# expectStatus(NNN) here: check-postman counts those as the statuses a request asserts.
SESSION_HELPERS = r"""
// --- issue 18: sessions and account ---
const TOKEN_KEYS = ["access_token", "expires_in", "refresh_expires_in", "refresh_token", "token_type"];
const claimsOf = (jwt) => {
    const s = jwt.split(".")[1];
    return JSON.parse(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)));
};
// A login's (and a refresh's) answer: the contract's fields unchanged, and issue 18's two.
const expectTokens = (who) => pm.test("body is {access_token, token_type: Bearer, expires_in, refresh_token, refresh_expires_in}", () => {
    const b = body();
    pm.expect(Object.keys(b).sort(), "keys").to.eql(TOKEN_KEYS);
    pm.expect(b.access_token, "access_token").to.be.a("string");
    pm.expect(b.access_token.split("."), "JWT has 3 parts").to.have.lengthOf(3);
    pm.expect(b.token_type).to.eql("Bearer");
    pm.expect(Number.isInteger(b.expires_in) && b.expires_in > 0, "expires_in: " + b.expires_in).to.be.true;
    pm.expect(b.refresh_token, "refresh_token").to.be.a("string");
    pm.expect(b.refresh_token.length, "refresh_token length (256 bits in base64url)").to.be.at.least(43);
    pm.expect(b.refresh_expires_in, "refresh_expires_in (SESSION_IDLE_DAYS=14)").to.eql(1209600);
    if (who) pm.expect(String(claimsOf(b.access_token).sub), "sub is the user's id").to.eql(cv.get(`userId${who}`));
});
const expectUnauthorizedBody = () => pm.test("body is exactly {\"detail\":\"Unauthorized\"}", () => pm.expect(body()).to.eql({ detail: "Unauthorized" }));
const expectInvalidCredentials = () => pm.test("detail is exactly 'Invalid credentials' (INVALID_CREDENTIALS)", () => {
    pm.expect(body().detail).to.eql("Invalid credentials");
    pm.expect(body().error_code).to.eql("INVALID_CREDENTIALS");
});
const expectNoBody = () => pm.test("empty body", () => pm.expect(pm.response.text()).to.eql(""));
// The request that ends sessions notes when: their tokens must be refused within a second.
const sessionsEnded = () => cv.set("revokedAt", String(Date.now()));
"""

# For requests whose token was just ended: the contract gives every running service a second to
# learn it (they follow the database's notifications), so a 200 within that second is asked again
# every 100 ms; after it, or on any other answer, the request's own assertions apply.
RETRY_HELPERS = r"""
const stillWithinASecond = () => {
    const early = pm.response.code === 200 && Date.now() - Number(cv.get("revokedAt") || "0") < 1000;
    if (early) {
        pm.execution.setNextRequest(pm.info.requestName);
        setTimeout(() => {}, 100);
    }
    return early;
};
"""

SESSION_KEYS_JS = r"""
const SESSION_KEYS = ["client_addr", "created_at", "current", "id", "last_used_at", "user_agent"];
const expectSession = (s) => {
    pm.expect(Object.keys(s).sort(), "session keys").to.eql(SESSION_KEYS);
    pm.expect(Number.isInteger(s.id), "id is an integer: " + s.id).to.be.true;
    pm.expect(isIso(s.created_at), "created_at: " + s.created_at).to.be.true;
    pm.expect(isIso(s.last_used_at), "last_used_at: " + s.last_used_at).to.be.true;
    pm.expect(Date.parse(s.last_used_at), "last used at or after its start").to.be.at.least(Date.parse(s.created_at));
    pm.expect(s.user_agent === null || typeof s.user_agent === "string", "user_agent is string|null").to.be.true;
    pm.expect(s.client_addr === null || typeof s.client_addr === "string", "client_addr is string|null").to.be.true;
    pm.expect(s.current, "current").to.be.a("boolean");
};
const expectSessionList = () => pm.test("body is {sessions: [{id, created_at, last_used_at, user_agent, client_addr, current}]}, one current", () => {
    pm.expect(Object.keys(body())).to.eql(["sessions"]);
    pm.expect(body().sessions).to.be.an("array");
    body().sessions.forEach(expectSession);
    pm.expect(body().sessions.filter(s => s.current === true), "exactly one current: true").to.have.lengthOf(1);
});
"""

EVENT_KEYS_JS = r"""
const EVENT_KEYS = ["action", "client_addr", "id", "occurred_at", "outcome"];
const ACTIONS = ["register", "login", "refresh", "refresh_reused", "logout", "logout_all", "session_end",
    "password_change", "account_delete"];
const expectEventPage = () => pm.test("body is {events: [{id, occurred_at, action, outcome, client_addr}], next_cursor}", () => {
    const b = body();
    pm.expect(Object.keys(b).sort()).to.eql(["events", "next_cursor"]);
    pm.expect(b.events).to.be.an("array");
    b.events.forEach(e => {
        pm.expect(Object.keys(e).sort(), "event keys").to.eql(EVENT_KEYS);
        pm.expect(Number.isInteger(e.id), "id is an integer: " + e.id).to.be.true;
        pm.expect(isIso(e.occurred_at), "occurred_at: " + e.occurred_at).to.be.true;
        pm.expect(ACTIONS, "action").to.include(e.action);
        pm.expect(["success", "failure", "throttled"], "outcome").to.include(e.outcome);
        pm.expect(e.client_addr === null || typeof e.client_addr === "string", "client_addr is string|null").to.be.true;
    });
    pm.expect(b.next_cursor === null || (typeof b.next_cursor === "string" && b.next_cursor.length > 0), "next_cursor").to.be.true;
});
const expectNewestFirst = () => pm.test("newest first: ids and times descending", () => {
    const es = body().events;
    for (let i = 1; i < es.length; i++) {
        pm.expect(es[i].id, "id").to.be.below(es[i - 1].id);
        pm.expect(Date.parse(es[i].occurred_at), "occurred_at").to.be.at.most(Date.parse(es[i - 1].occurred_at));
    }
});
const eventsOf = () => body().events.map(e => `${e.action} ${e.outcome}`);
"""

NEW_PASSWORD = "a brand new secret 123"


def session_items():
    A = "{{authUrl}}/api/auth"
    T = "{{taskUrl}}/api/tasks"

    def req(name, method, url, tests, extra_js="", **kw):
        return request(name, method, url, tests=SESSION_HELPERS + extra_js + tests, **kw)

    def creds(who, password="{{password}}"):
        return f'{{\n  "email": "{{{{email{who}}}}}",\n  "password": "{password}"\n}}'

    def refresh_body(var):
        return f'{{\n  "refresh_token": "{{{{{var}}}}}"\n}}'

    def register(who, name=None, extra=""):
        return req(name or f"register {who} -> 201", "POST", A + "/register", raw_body=creds(who), tests=f"""
expectStatus(201);
pm.test("body is {{id, email, created_at}} for {who}'s email", () => {{
    pm.expect(body().email).to.eql(cv.get("email{who}"));
    pm.expect(Object.keys(body()).sort()).to.eql(["created_at", "email", "id"]);
}});
{extra}cv.set("userId{who}", String(body().id));
""")

    def login(who, store, name, headers=None, password="{{password}}", extra=""):
        return req(name, "POST", A + "/login", raw_body=creds(who, password), headers=headers, tests=f"""
expectStatus(200);
expectTokens("{who}");
{extra}cv.set("token{store}", body().access_token);
cv.set("refresh{store}", body().refresh_token);
""")

    def refused(name, method, url, token, body=None):
        """`token` (a variable name) was just ended: 401 {"detail":"Unauthorized"} within a second."""
        return req(name, method, url, auth=f"Bearer {{{{{token}}}}}", body=body, extra_js=RETRY_HELPERS, tests=r"""
if (!stillWithinASecond()) {
    expectStatus(401);
    expectUnauthorizedBody();
}
""")

    def refresh_refused(name, var):
        return req(name, "POST", A + "/refresh", raw_body=refresh_body(var), tests=r"""
expectStatus(401);
expectUnauthorizedBody();
""")

    def no_token(method, path, body=None):
        return req(f"{method} {path} without token -> 401", method, "{{authUrl}}" + path, body=body, tests=r"""
expectStatus(401);
expectUnauthorizedBody();
""")

    unauthorized = [
        no_token("POST", "/api/auth/logout"),
        no_token("POST", "/api/auth/logout-all"),
        no_token("GET", "/api/auth/sessions"),
        no_token("DELETE", "/api/auth/sessions/1"),
        no_token("GET", "/api/auth/me"),
        no_token("DELETE", "/api/auth/me", body={"password": "correct horse battery staple"}),
        no_token("PUT", "/api/auth/password", body={"current_password": "correct horse battery staple",
                                                     "new_password": NEW_PASSWORD}),
        no_token("GET", "/api/auth/events"),
        req("GET /api/auth/me with a garbage bearer token -> 401", "GET", A + "/me", auth="Bearer not.a.jwt", tests=r"""
expectStatus(401);
expectUnauthorizedBody();
"""),
    ]

    refresh = [
        register("S"),
        login("S", "S1", "S logs in -> 200, the contract's fields and a refresh token",
              extra='cv.set("loginAtS1", String(Date.now()));\n'),
        req("S refreshes -> 200, a new access token and a new refresh token", "POST", A + "/refresh",
            raw_body=refresh_body("refreshS1"), pre=r"""
// A token's times are whole seconds: refreshing in the login's second would sign the very same
// claims again. Refresh in a later second, so that the new access token can differ.
const wait = Number(pm.collectionVariables.get("loginAtS1") || "0") + 1100 - Date.now();
if (wait > 0) setTimeout(() => {}, wait);
""", tests=r"""
expectStatus(200);
expectTokens("S");
pm.test("both tokens are new", () => {
    pm.expect(body().refresh_token, "refresh_token").to.not.eql(cv.get("refreshS1"));
    pm.expect(body().access_token, "access_token").to.not.eql(cv.get("tokenS1"));
    pm.expect(claimsOf(body().access_token).iat, "issued later").to.be.above(claimsOf(cv.get("tokenS1")).iat);
});
cv.set("tokenS2", body().access_token);
cv.set("refreshS2", body().refresh_token);
"""),
        req("S's refreshed access token works -> GET /api/auth/me 200", "GET", A + "/me", auth="Bearer {{tokenS2}}", tests=r"""
expectStatus(200);
pm.test("S's account", () => pm.expect(String(body().id)).to.eql(cv.get("userIdS")));
"""),
        req("S presents the used refresh token again -> 401 {detail: Unauthorized}, the session ends", "POST",
            A + "/refresh", raw_body=refresh_body("refreshS1"), tests=r"""
expectStatus(401);
expectUnauthorizedBody();
pm.test("no token in the body", () => pm.expect(body().access_token).to.be.undefined);
sessionsEnded();
"""),
        refused("the successor's access token after the reuse -> GET /api/auth/me 401 (theft detection)", "GET",
                A + "/me", "tokenS2"),
        refused("the first access token after the reuse -> GET /api/tasks 401", "GET", T, "tokenS1"),
        refresh_refused("the successor's refresh token after the reuse -> 401", "refreshS2"),
        req("refresh with a token never issued -> 401 {detail: Unauthorized}", "POST", A + "/refresh",
            body={"refresh_token": "not-a-token-we-issued-{{runId}}"}, tests=r"""
expectStatus(401);
expectUnauthorizedBody();
"""),
        req("refresh with {} -> 422 refresh_token", "POST", A + "/refresh", body={}, tests=r"""
expectStatus(422);
expectFieldError("refresh_token");
"""),
        req("refresh with an empty refresh_token -> 422 refresh_token", "POST", A + "/refresh", body={"refresh_token": ""}, tests=r"""
expectStatus(422);
expectFieldError("refresh_token");
"""),
        req("refresh with a refresh_token of 129 characters -> 422 refresh_token", "POST", A + "/refresh",
            body={"refresh_token": "x" * 129}, tests=r"""
expectStatus(422);
expectFieldError("refresh_token");
"""),
        req("refresh with a refresh_token of the wrong type -> 422 refresh_token", "POST", A + "/refresh",
            body={"refresh_token": 42}, tests=r"""
expectStatus(422);
expectFieldError("refresh_token");
"""),
    ]

    phone_ua = "taskhub-postman-phone/1.0"
    sessions = [
        login("S", "SL", "S logs in again (laptop) -> 200"),
        login("S", "SP", f"S logs in from a phone (User-Agent: {phone_ua}) -> 200", headers={"User-Agent": phone_ua}),
        register("O"),
        login("O", "O", "O logs in -> 200"),
        req("O lists its sessions -> 200, one, current", "GET", A + "/sessions", auth="Bearer {{tokenO}}",
            extra_js=SESSION_KEYS_JS, tests=r"""
expectStatus(200);
expectSessionList();
pm.test("O has one session, this one", () => {
    pm.expect(body().sessions).to.have.lengthOf(1);
    pm.expect(body().sessions[0].current).to.eql(true);
});
cv.set("sessionIdO", String(body().sessions[0].id));
"""),
        req("S lists its sessions -> 200, the laptop's (current) and the phone's", "GET", A + "/sessions",
            auth="Bearer {{tokenSL}}", extra_js=SESSION_KEYS_JS, tests=f"""
expectStatus(200);
expectSessionList();
const ss = body().sessions;
pm.test("only S's live sessions: the ended one and O's are not listed", () => {{
    pm.expect(ss).to.have.lengthOf(2);
    pm.expect(ss.map(s => String(s.id))).to.not.include(cv.get("sessionIdO"));
}});
pm.test("most recently used first: the phone's, then the laptop's (current)", () => {{
    pm.expect(ss[0].user_agent).to.eql("{phone_ua}");
    pm.expect(ss.map(s => s.current)).to.eql([false, true]);
    pm.expect(ss[1].user_agent, "the laptop's user agent").to.not.eql("{phone_ua}");
}});
cv.set("sessionIdSP", String(ss[0].id));
cv.set("sessionIdSL", String(ss[1].id));
"""),
        req("S ends the phone's session -> 204", "DELETE", A + "/sessions/{{sessionIdSP}}", auth="Bearer {{tokenSL}}", tests=r"""
expectStatus(204);
expectNoBody();
sessionsEnded();
"""),
        refused("the phone's token after its session ended -> GET /api/tasks 401", "GET", T, "tokenSP"),
        req("S ends the phone's session again -> 404 NOT_FOUND", "DELETE", A + "/sessions/{{sessionIdSP}}",
            auth="Bearer {{tokenSL}}", tests=r"""
expectStatus(404);
expectErrorCode("NOT_FOUND");
"""),
        req("S ends O's session -> 404 NOT_FOUND (like a missing one)", "DELETE", A + "/sessions/{{sessionIdO}}",
            auth="Bearer {{tokenSL}}", tests=r"""
expectStatus(404);
expectErrorCode("NOT_FOUND");
"""),
        req("O's session goes on -> GET /api/auth/me 200", "GET", A + "/me", auth="Bearer {{tokenO}}", tests=r"""
expectStatus(200);
pm.test("O's account", () => pm.expect(String(body().id)).to.eql(cv.get("userIdO")));
"""),
        req("S ends a session of a non-integer id -> 404 NOT_FOUND", "DELETE", A + "/sessions/abc", auth="Bearer {{tokenSL}}",
            tests=r"""
expectStatus(404);
expectErrorCode("NOT_FOUND");
"""),
        req("S ends a session of id 0 -> 404 NOT_FOUND", "DELETE", A + "/sessions/0", auth="Bearer {{tokenSL}}", tests=r"""
expectStatus(404);
expectErrorCode("NOT_FOUND");
"""),
        req("S lists its sessions -> only the laptop's, current", "GET", A + "/sessions", auth="Bearer {{tokenSL}}",
            extra_js=SESSION_KEYS_JS, tests=r"""
expectStatus(200);
expectSessionList();
pm.test("the laptop's session alone", () => {
    pm.expect(body().sessions.map(s => String(s.id))).to.eql([cv.get("sessionIdSL")]);
    pm.expect(body().sessions[0].current).to.eql(true);
});
"""),
        req("S gets me -> 200 {id, email, created_at} and nothing else", "GET", A + "/me", auth="Bearer {{tokenSL}}", tests=r"""
expectStatus(200);
pm.test("body is {id, email, created_at} and nothing else", () => {
    const b = body();
    pm.expect(Object.keys(b).sort()).to.eql(["created_at", "email", "id"]);
    pm.expect(String(b.id), "id").to.eql(cv.get("userIdS"));
    pm.expect(Number.isInteger(b.id)).to.be.true;
    pm.expect(b.email).to.eql(cv.get("emailS"));
    pm.expect(isIso(b.created_at), "created_at: " + b.created_at).to.be.true;
});
"""),
        req("S logs out (laptop) -> 204", "POST", A + "/logout", auth="Bearer {{tokenSL}}", tests=r"""
expectStatus(204);
expectNoBody();
sessionsEnded();
"""),
        refused("the logged-out token -> GET /api/tasks 401 {detail: Unauthorized}", "GET", T, "tokenSL"),
        refresh_refused("the logged-out session's refresh token -> 401", "refreshSL"),
        login("S", "SA", "S logs in on device A -> 200"),
        login("S", "SB", "S logs in on device B -> 200"),
        req("S logs out everywhere from device B -> 204", "POST", A + "/logout-all", auth="Bearer {{tokenSB}}", tests=r"""
expectStatus(204);
expectNoBody();
sessionsEnded();
"""),
        refused("device A's token after logout-all -> GET /api/tasks 401", "GET", T, "tokenSA"),
        refused("device B's token after logout-all -> GET /api/auth/me 401", "GET", A + "/me", "tokenSB"),
        refresh_refused("device A's refresh token after logout-all -> 401", "refreshSA"),
        login("S", "SC", "S logs in after logout-all -> 200"),
        req("S lists its sessions after logout-all -> only the new one", "GET", A + "/sessions", auth="Bearer {{tokenSC}}",
            extra_js=SESSION_KEYS_JS, tests=r"""
expectStatus(200);
expectSessionList();
pm.test("every earlier session ended: one left, current", () => {
    pm.expect(body().sessions).to.have.lengthOf(1);
    pm.expect(body().sessions[0].current).to.eql(true);
});
"""),
    ]

    def password_change(name, current, new, tests):
        return req(name, "PUT", A + "/password", auth="Bearer {{tokenP1}}",
                   raw_body=json.dumps({k: v for k, v in (("current_password", current), ("new_password", new)) if v is not None},
                                       indent=2), tests=tests)

    password = [
        register("P"),
        login("P", "P1", "P logs in (this device) -> 200"),
        login("P", "P2", "P logs in (another device) -> 200"),
        password_change("P changes the password with a wrong current one -> 401 Invalid credentials",
                        "wrong password 123", NEW_PASSWORD, r"""
expectStatus(401);
expectInvalidCredentials();
"""),
        password_change("P changes the password to one of 7 characters -> 422 new_password", "{{password}}", "1234567", r"""
expectStatus(422);
expectFieldError("new_password");
"""),
        password_change("P changes the password to one of 129 characters -> 422 new_password", "{{password}}", "p" * 129, r"""
expectStatus(422);
expectFieldError("new_password");
"""),
        password_change("P changes the password without current_password -> 422 current_password", None, NEW_PASSWORD, r"""
expectStatus(422);
expectFieldError("current_password");
"""),
        password_change("P changes the password -> 204", "{{password}}", NEW_PASSWORD, r"""
expectStatus(204);
expectNoBody();
sessionsEnded();
"""),
        req("P's own token after the change -> GET /api/tasks 200", "GET", T, auth="Bearer {{tokenP1}}", tests=r"""
expectStatus(200);
pm.test("this session stays: P's (empty) task list", () => pm.expect(body()).to.eql({ tasks: [] }));
"""),
        refused("P's other session's token after the change -> GET /api/tasks 401", "GET", T, "tokenP2"),
        refresh_refused("P's other session's refresh token after the change -> 401", "refreshP2"),
        req("P's own refresh token after the change -> 200", "POST", A + "/refresh", raw_body=refresh_body("refreshP1"), tests=r"""
expectStatus(200);
expectTokens("P");
"""),
        req("P logs in with the old password -> 401 Invalid credentials", "POST", A + "/login", raw_body=creds("P"), tests=r"""
expectStatus(401);
expectInvalidCredentials();
"""),
        login("P", "P3", "P logs in with the new password -> 200", password=NEW_PASSWORD),
    ]

    deletion = [
        register("D"),
        login("D", "D1", "D logs in (this device) -> 200"),
        login("D", "D2", "D logs in (another device) -> 200"),
        req("D creates a task -> 201", "POST", T, auth="Bearer {{tokenD1}}", body={"title": "D's task {{runId}}"}, tests=r"""
expectStatus(201);
pm.test("owned by D", () => pm.expect(String(body().user_id)).to.eql(cv.get("userIdD")));
"""),
        req("D deletes the account with a wrong password -> 401 Invalid credentials", "DELETE", A + "/me",
            auth="Bearer {{tokenD1}}", body={"password": "wrong password 123"}, tests=r"""
expectStatus(401);
expectInvalidCredentials();
"""),
        req("D deletes the account without a password -> 422 password", "DELETE", A + "/me", auth="Bearer {{tokenD1}}", body={},
            tests=r"""
expectStatus(422);
expectFieldError("password");
"""),
        req("D's account after the refused deletions -> GET /api/auth/me 200", "GET", A + "/me", auth="Bearer {{tokenD1}}", tests=r"""
expectStatus(200);
pm.test("nothing deleted", () => pm.expect(body().email).to.eql(cv.get("emailD")));
"""),
        req("D deletes the account -> 204", "DELETE", A + "/me", auth="Bearer {{tokenD1}}",
            raw_body='{\n  "password": "{{password}}"\n}', tests=r"""
expectStatus(204);
expectNoBody();
sessionsEnded();
"""),
        refused("D's token after the deletion -> GET /api/tasks 401", "GET", T, "tokenD1"),
        refused("D's other session's token after the deletion -> GET /api/auth/me 401", "GET", A + "/me", "tokenD2"),
        req("D logs in after the deletion -> 401 Invalid credentials", "POST", A + "/login", raw_body=creds("D"), tests=r"""
expectStatus(401);
expectInvalidCredentials();
"""),
        register("D", name="register D's email again -> 201, a new account", extra=r"""pm.test("a new account, not the deleted one", () => pm.expect(String(body().id)).to.not.eql(cv.get("userIdD")));
"""),
        login("D", "DN", "the new D logs in -> 200"),
        req("the new D lists tasks -> 200, none of the deleted account's", "GET", T, auth="Bearer {{tokenDN}}", tests=r"""
expectStatus(200);
pm.test("no tasks", () => pm.expect(body()).to.eql({ tasks: [] }));
"""),
    ]

    E = "Bearer {{tokenE2}}"

    def events_422(query, field, what=None):
        return req(f"E lists events with {what or query} -> 422 {field}", "GET", A + "/events?" + query, auth=E, tests=f"""
expectStatus(422);
expectFieldError("{field}");
""")

    events = [
        register("E"),
        login("E", "E1", "E logs in -> 200"),
        req("E fails a login (wrong password) -> 401", "POST", A + "/login", raw_body=creds("E", "wrong password 123"), tests=r"""
expectStatus(401);
expectInvalidCredentials();
"""),
        req("E refreshes -> 200", "POST", A + "/refresh", raw_body=refresh_body("refreshE1"), tests=r"""
expectStatus(200);
expectTokens("E");
cv.set("tokenE2", body().access_token);
cv.set("refreshE2", body().refresh_token);
"""),
        req("E lists events?limit=2 -> 200, the two newest (refresh, failed login) and a next_cursor", "GET",
            A + "/events?limit=2", auth=E, extra_js=EVENT_KEYS_JS, tests=r"""
expectStatus(200);
expectEventPage();
expectNewestFirst();
pm.test("the refresh, then the failed login", () => pm.expect(eventsOf()).to.eql(["refresh success", "login failure"]));
pm.test("a next_cursor", () => pm.expect(body().next_cursor).to.be.a("string").and.not.empty);
cv.set("eventIds", JSON.stringify(body().events.map(e => e.id)));
cv.set("eventCursor", body().next_cursor);
"""),
        req("E lists events?limit=2 with the cursor -> the sign-in and the registration, next_cursor null", "GET",
            A + "/events?limit=2&cursor={{eventCursor}}", auth=E, extra_js=EVENT_KEYS_JS, tests=r"""
expectStatus(200);
expectEventPage();
expectNewestFirst();
pm.test("the login, then the registration", () => pm.expect(eventsOf()).to.eql(["login success", "register success"]));
pm.test("older than the first page's: no event again, none skipped", () => {
    const first = JSON.parse(cv.get("eventIds"));
    body().events.forEach(e => pm.expect(e.id).to.be.below(Math.min(...first)));
});
pm.test("the last page: next_cursor is null", () => pm.expect(body().next_cursor).to.eql(null));
"""),
        req("E lists events with no parameters -> 200, all four, newest first, only E's", "GET", A + "/events", auth=E,
            extra_js=EVENT_KEYS_JS, tests=r"""
expectStatus(200);
expectEventPage();
expectNewestFirst();
pm.test("E's four events (no other user's)", () => pm.expect(eventsOf()).to.eql(
    ["refresh success", "login failure", "login success", "register success"]));
pm.test("one page: next_cursor is null", () => pm.expect(body().next_cursor).to.eql(null));
"""),
        events_422("limit=0", "limit"),
        events_422("limit=201", "limit"),
        events_422("cursor=nonsense", "cursor"),
        events_422("page=2", "page", "an unknown parameter page=2"),
    ]

    return unauthorized + refresh + sessions + password + deletion + events


# --------------------------------------------------------------------------------------
# task-service collection
# --------------------------------------------------------------------------------------

# The collection variables of the folders from Paging on (user C's).
ISSUE17_VARS = ["userIdC", "tokenC", "taskIdP1", "taskIdP2", "taskIdP3", "taskIdP4", "taskIdP5", "pagingIds",
                "pageCursor", "pageSeen", "pageCount", "filteredCursor", "etagP1", "staleEtagP1", "taskP1",
                "idemKey", "idemTaskId", "idemAnswer", "idemEtag", "trashedP3Version", "taskP3", "trashCursor", "bulkKey"]
TASK_INIT = r"""
const runId = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
pm.collectionVariables.set("runId", runId);
pm.collectionVariables.set("emailA", `tasks.a.${runId}@example.com`);
pm.collectionVariables.set("emailB", `tasks.b.${runId}@example.com`);
pm.collectionVariables.set("password", "correct horse battery staple");
pm.collectionVariables.set("missingTaskId", "2147483647");
pm.collectionVariables.set("emailC", `tasks.c.${runId}@example.com`);
["userIdA", "userIdB", "tokenA", "tokenB", "taskId1", "taskId2", "taskIdB", "task2"]
    .forEach(k => pm.collectionVariables.set(k, ""));
""" + json.dumps(ISSUE17_VARS) + r"""
    .forEach(k => pm.collectionVariables.set(k, ""));
"""
TASK_COLLECTION_PRE = "if (!pm.collectionVariables.get(\"runId\")) {\n" + TASK_INIT + "}\n"
TASK_FIRST_PRE = "// new run: fresh users\n{\n" + TASK_INIT + "}\n"


def task_items():
    T = "{{taskUrl}}/api/tasks"
    A = "Bearer {{tokenA}}"
    B = "Bearer {{tokenB}}"

    def setup_register(who):
        return request(f"register user {who}", "POST", "{{authUrl}}/api/auth/register",
                       pre=TASK_FIRST_PRE if who == "A" else "",
                       raw_body=f'{{\n  "email": "{{{{email{who}}}}}",\n  "password": "{{{{password}}}}"\n}}', tests=f"""
expectStatus(201);
cv.set("userId{who}", String(body().id));
""")

    def setup_login(who):
        return request(f"login user {who}", "POST", "{{authUrl}}/api/auth/login",
                       raw_body=f'{{\n  "email": "{{{{email{who}}}}}",\n  "password": "{{{{password}}}}"\n}}', tests=f"""
expectStatus(200);
pm.test("token received", () => pm.expect(body().access_token).to.be.a("string").and.not.empty);
cv.set("token{who}", body().access_token);
""")

    setup = [setup_register("A"), setup_login("A"), setup_register("B"), setup_login("B"),
             setup_register("C"), setup_login("C")]

    unauthorized_tests = r"""
expectStatus(401);
pm.test("body is exactly {\"detail\":\"Unauthorized\"}", () => pm.expect(body()).to.eql({ detail: "Unauthorized" }));
"""
    # Forged tokens are built from user A's real token in the pre-request script.
    forge_pre = r"""
const tok = pm.collectionVariables.get("tokenA");
const [h, p, s] = tok.split(".");
const b64 = (o) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
// signature with one character in the middle changed
const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
pm.variables.set("tamperedToken", `${h}.${p}.${flipped}`);
pm.variables.set("noneToken", `${b64({ alg: "none", typ: "JWT" })}.${p}.`);
pm.variables.set("hs512Token", `${b64({ alg: "HS512", typ: "JWT" })}.${p}.${s}`);
"""
    unauth = [
        request("POST /api/tasks without token -> 401", "POST", T, body={"title": "x"}, tests=unauthorized_tests),
        request("GET /api/tasks without token -> 401", "GET", T, tests=unauthorized_tests),
        request("GET /api/tasks/{id} without token -> 401", "GET", T + "/1", tests=unauthorized_tests),
        request("PUT /api/tasks/{id} without token -> 401", "PUT", T + "/1", body={"title": "x"}, tests=unauthorized_tests),
        request("DELETE /api/tasks/{id} without token -> 401", "DELETE", T + "/1", tests=unauthorized_tests),
        request("PATCH /api/tasks/{id} without token -> 401", "PATCH", T + "/1", body={"title": "x"}, tests=unauthorized_tests),
        request("GET /api/tasks/trash without token -> 401", "GET", T + "/trash", tests=unauthorized_tests),
        request("DELETE /api/tasks/trash without token -> 401", "DELETE", T + "/trash", tests=unauthorized_tests),
        request("DELETE /api/tasks/trash/{id} without token -> 401", "DELETE", T + "/trash/1", tests=unauthorized_tests),
        request("POST /api/tasks/{id}/restore without token -> 401", "POST", T + "/1/restore", tests=unauthorized_tests),
        request("POST /api/tasks/bulk without token -> 401", "POST", T + "/bulk", body={"ids": [1], "action": "delete"},
                tests=unauthorized_tests),
        request("garbage bearer token -> 401", "GET", T, auth="Bearer not.a.jwt", tests=unauthorized_tests),
        request("non-Bearer scheme -> 401", "GET", T, auth="Basic dXNlcjpwYXNz", tests=unauthorized_tests),
        request("tampered signature -> 401", "GET", T, auth="Bearer {{tamperedToken}}", pre=forge_pre, tests=unauthorized_tests),
        request("alg none token -> 401", "GET", T, auth="Bearer {{noneToken}}", pre=forge_pre, tests=unauthorized_tests),
        request("alg switched to HS512 -> 401", "GET", T, auth="Bearer {{hs512Token}}", pre=forge_pre, tests=unauthorized_tests),
    ]

    create = [
        request("create with title only -> 201, defaults", "POST", T, auth=A, body={"title": "Buy milk"}, tests=r"""
expectStatus(201);
pm.test("task has the contract's shape", () => expectTask(body()));
pm.test("defaults: status pending, description null, owner is A", () => {
    const t = body();
    pm.expect(t.title).to.eql("Buy milk");
    pm.expect(t.status).to.eql("pending");
    pm.expect(t.description).to.eql(null);
    pm.expect(String(t.user_id)).to.eql(cv.get("userIdA"));
});
cv.set("taskId1", String(body().id));
"""),
        request("create with all fields -> 201", "POST", T, auth=A,
                body={"title": "Write report", "description": "Quarterly numbers", "status": "in_progress"}, tests=r"""
expectStatus(201);
pm.test("task has the contract's shape", () => expectTask(body()));
pm.test("fields are stored as sent", () => {
    const t = body();
    pm.expect(t.title).to.eql("Write report");
    pm.expect(t.description).to.eql("Quarterly numbers");
    pm.expect(t.status).to.eql("in_progress");
    pm.expect(String(t.user_id)).to.eql(cv.get("userIdA"));
});
cv.set("taskId2", String(body().id));
cv.set("task2", JSON.stringify(body()));
"""),
        request("create at the limits (title 200, description 2000, completed) -> 201", "POST", T, auth=A,
                body={"title": "t" * 200, "description": "d" * 2000, "status": "completed"}, tests=r"""
expectStatus(201);
pm.test("long values are kept whole", () => {
    pm.expect(body().title).to.have.lengthOf(200);
    pm.expect(body().description).to.have.lengthOf(2000);
    pm.expect(body().status).to.eql("completed");
});
"""),
        request("create without title -> 422", "POST", T, auth=A, body={"description": "no title"}, tests=r"""
expectStatus(422);
expectFieldError("title");
"""),
        request("create with title of 201 chars -> 422", "POST", T, auth=A, body={"title": "t" * 201}, tests=r"""
expectStatus(422);
expectFieldError("title");
"""),
        request("create with description of 2001 chars -> 422", "POST", T, auth=A,
                body={"title": "ok", "description": "d" * 2001}, tests=r"""
expectStatus(422);
expectFieldError("description");
"""),
        request("create with unknown status -> 422", "POST", T, auth=A, body={"title": "ok", "status": "done"}, tests=r"""
expectStatus(422);
expectFieldError("status");
"""),
        request("create with title of wrong type -> 422", "POST", T, auth=A, body={"title": 123}, tests=r"""
expectStatus(422);
expectFieldError("title");
"""),
        request("create with body over 64 KiB -> 413", "POST", T, auth=A,
                raw_body='{"title": "big", "description": "{{bigText}}"}',
                pre='pm.variables.set("bigText", "x".repeat(70 * 1024));', tests=r"""
expectStatus(413);
"""),
    ]

    read = [
        request("list -> 200 {tasks: [...]} with A's tasks only", "GET", T, auth=A, tests=r"""
expectStatus(200);
pm.test("body is {tasks: [Task]}", () => {
    pm.expect(Object.keys(body())).to.eql(["tasks"]);
    pm.expect(body().tasks).to.be.an("array");
    body().tasks.forEach(expectTask);
});
pm.test("contains the tasks created above", () => {
    const ids = body().tasks.map(t => String(t.id));
    pm.expect(ids).to.include(cv.get("taskId1"));
    pm.expect(ids).to.include(cv.get("taskId2"));
    pm.expect(ids.length).to.eql(3);
});
pm.test("every task belongs to A", () => {
    body().tasks.forEach(t => pm.expect(String(t.user_id)).to.eql(cv.get("userIdA")));
});
"""),
        request("get one -> 200", "GET", T + "/{{taskId2}}", auth=A, tests=r"""
expectStatus(200);
pm.test("same task as created", () => {
    expectTask(body());
    pm.expect(body()).to.eql(JSON.parse(cv.get("task2")));
});
"""),
        request("get missing id -> 404", "GET", T + "/{{missingTaskId}}", auth=A, tests=r"""
expectStatus(404);
"""),
    ]

    update = [
        request("PUT only status -> 200, other fields kept", "PUT", T + "/{{taskId2}}", auth=A, body={"status": "completed"},
                tests=r"""
expectStatus(200);
const before = JSON.parse(cv.get("task2"));
pm.test("status changed; title, description, owner, created_at kept", () => {
    const t = body();
    expectTask(t);
    pm.expect(t.status).to.eql("completed");
    pm.expect(t.title).to.eql(before.title);
    pm.expect(t.description).to.eql(before.description);
    pm.expect(t.user_id).to.eql(before.user_id);
    pm.expect(t.id).to.eql(before.id);
    pm.expect(Date.parse(t.created_at)).to.eql(Date.parse(before.created_at));
});
pm.test("updated_at moved forward (or stayed, same clock tick)", () => {
    pm.expect(Date.parse(body().updated_at)).to.be.at.least(Date.parse(before.updated_at));
});
cv.set("task2", JSON.stringify(body()));
"""),
        request("PUT only title -> 200, description and status kept", "PUT", T + "/{{taskId2}}", auth=A,
                body={"title": "Write the report"}, tests=r"""
expectStatus(200);
const before = JSON.parse(cv.get("task2"));
pm.test("title changed; description and status kept", () => {
    const t = body();
    expectTask(t);
    pm.expect(t.title).to.eql("Write the report");
    pm.expect(t.description).to.eql(before.description);
    pm.expect(t.status).to.eql("completed");
});
cv.set("task2", JSON.stringify(body()));
"""),
        request("PUT only description -> 200, title and status kept", "PUT", T + "/{{taskId2}}", auth=A,
                body={"description": "Numbers for Q3"}, tests=r"""
expectStatus(200);
const before = JSON.parse(cv.get("task2"));
pm.test("description changed; title and status kept", () => {
    const t = body();
    pm.expect(t.description).to.eql("Numbers for Q3");
    pm.expect(t.title).to.eql(before.title);
    pm.expect(t.status).to.eql(before.status);
});
cv.set("task2", JSON.stringify(body()));
"""),
        request("GET after PUTs -> 200, changes persisted", "GET", T + "/{{taskId2}}", auth=A, tests=r"""
expectStatus(200);
pm.test("stored task equals the last PUT answer", () => pm.expect(body()).to.eql(JSON.parse(cv.get("task2"))));
"""),
        request("PUT title of 201 chars -> 422", "PUT", T + "/{{taskId2}}", auth=A, body={"title": "t" * 201}, tests=r"""
expectStatus(422);
expectFieldError("title");
"""),
        request("PUT description of 2001 chars -> 422", "PUT", T + "/{{taskId2}}", auth=A, body={"description": "d" * 2001},
                tests=r"""
expectStatus(422);
expectFieldError("description");
"""),
        request("PUT unknown status -> 422", "PUT", T + "/{{taskId2}}", auth=A, body={"status": "archived"}, tests=r"""
expectStatus(422);
expectFieldError("status");
"""),
        request("PUT missing id -> 404", "PUT", T + "/{{missingTaskId}}", auth=A, body={"title": "x"}, tests=r"""
expectStatus(404);
"""),
        request("GET after rejected PUTs -> task unchanged", "GET", T + "/{{taskId2}}", auth=A, tests=r"""
expectStatus(200);
pm.test("422 answers changed nothing", () => pm.expect(body()).to.eql(JSON.parse(cv.get("task2"))));
"""),
    ]

    isolation = [
        request("B lists -> 200 without A's tasks", "GET", T, auth=B, tests=r"""
expectStatus(200);
pm.test("B sees none of A's tasks", () => {
    const ids = body().tasks.map(t => String(t.id));
    pm.expect(ids).to.not.include(cv.get("taskId1"));
    pm.expect(ids).to.not.include(cv.get("taskId2"));
    body().tasks.forEach(t => pm.expect(String(t.user_id)).to.eql(cv.get("userIdB")));
});
"""),
        request("B gets A's task -> 404", "GET", T + "/{{taskId2}}", auth=B, tests=r"""
expectStatus(404);
pm.test("nothing of A's task leaks", () => pm.expect(pm.response.text()).to.not.include("Write the report"));
"""),
        request("B updates A's task -> 404", "PUT", T + "/{{taskId2}}", auth=B, body={"title": "hijacked", "status": "pending"},
                tests=r"""
expectStatus(404);
"""),
        request("B deletes A's task -> 404", "DELETE", T + "/{{taskId2}}", auth=B, tests=r"""
expectStatus(404);
"""),
        request("B creates a task -> 201 owned by B", "POST", T, auth=B, body={"title": "B's own task"}, tests=r"""
expectStatus(201);
pm.test("owner is B", () => pm.expect(String(body().user_id)).to.eql(cv.get("userIdB")));
cv.set("taskIdB", String(body().id));
"""),
        request("A gets B's task -> 404", "GET", T + "/{{taskIdB}}", auth=A, tests=r"""
expectStatus(404);
"""),
        request("A's task untouched by B", "GET", T + "/{{taskId2}}", auth=A, tests=r"""
expectStatus(200);
pm.test("title, status and owner unchanged", () => pm.expect(body()).to.eql(JSON.parse(cv.get("task2"))));
"""),
    ]

    delete = [
        request("DELETE own task -> 204 with no body", "DELETE", T + "/{{taskId1}}", auth=A, tests=r"""
expectStatus(204);
pm.test("empty body", () => pm.expect(pm.response.text()).to.eql(""));
"""),
        request("GET deleted task -> 404", "GET", T + "/{{taskId1}}", auth=A, tests=r"""
expectStatus(404);
"""),
        request("PUT deleted task -> 404", "PUT", T + "/{{taskId1}}", auth=A, body={"title": "zombie"}, tests=r"""
expectStatus(404);
"""),
        request("DELETE deleted task again -> 404", "DELETE", T + "/{{taskId1}}", auth=A, tests=r"""
expectStatus(404);
"""),
        request("DELETE missing id -> 404", "DELETE", T + "/{{missingTaskId}}", auth=A, tests=r"""
expectStatus(404);
"""),
        request("list after delete -> deleted task gone, others kept", "GET", T, auth=A, tests=r"""
expectStatus(200);
pm.test("taskId1 gone, taskId2 still there", () => {
    const ids = body().tasks.map(t => String(t.id));
    pm.expect(ids).to.not.include(cv.get("taskId1"));
    pm.expect(ids).to.include(cv.get("taskId2"));
    pm.expect(ids.length).to.eql(2);
});
"""),
    ]

    # ----------------------------------------------------------------------------------
    # issue 17: planning fields, listing (filters, sort, cursor pages), conditional requests,
    # idempotent creates, trash and bulk. All on user C, who has no other tasks, so that the
    # counts and orders below are exact.
    # ----------------------------------------------------------------------------------
    C = "Bearer {{tokenC}}"
    PAGE_LOOP = "page through C's tasks: limit=2, following next_cursor until it is absent"

    # The five tasks the listing folders work on: (title, description, status, priority, due_at
    # sent, due_at answered). Sorted by -due_at the pending ones are P4, P1, P3 (no due date last).
    paging_tasks = [
        ("Book the venue", "for the offsite in SPRING", "pending", "low", "2030-01-05T10:00:00+02:00", "2030-01-05T08:00:00Z"),
        ("Send invitations", None, "in_progress", "urgent", "2030-01-03T00:00:00Z", "2030-01-03T00:00:00Z"),
        ("Order 100% arabica coffee", None, "pending", "high", None, None),
        ("Print badges", None, "pending", None, "2030-01-09T00:00:00Z", "2030-01-09T00:00:00Z"),
        ("Rent a projector", "with HDMI", "completed", None, "2030-01-01T00:00:00-05:00", "2030-01-01T05:00:00Z"),
    ]

    def paging_create(n, title, description, status, priority, due_sent, due_answer):
        b = {"title": title}
        if description is not None:
            b["description"] = description
        b["status"] = status
        if priority is not None:
            b["priority"] = priority
        if due_sent is not None:
            b["due_at"] = due_sent
        progress = {
            "pending": 'pm.expect([t.started_at, t.completed_at]).to.eql([null, null]);',
            "in_progress": 'pm.expect(isIso(t.started_at), "started_at set").to.be.true;\n    pm.expect(t.completed_at).to.eql(null);',
            "completed": 'pm.expect(isIso(t.completed_at), "completed_at set").to.be.true;\n    pm.expect(t.started_at, "never started").to.eql(null);',
        }[status]
        reset = 'cv.set("pagingIds", "[]");\n' if n == 1 else ""
        return request(f"C creates P{n} ({status}, {priority or 'default'} priority, {'due ' + due_sent if due_sent else 'no due date'}) -> 201",
                       "POST", T, auth=C, body=b, tests=f"""
expectStatus(201);
const t = body();
pm.test("task has the contract's shape with issue 17's fields", () => expectTask(t));
pm.test("due_at is answered in UTC; priority {'as sent' if priority else 'defaults to normal'}; version 1", () => {{
    pm.expect(t.due_at).to.eql({json.dumps(due_answer)});
    pm.expect(t.priority).to.eql({json.dumps(priority or "normal")});
    pm.expect(t.status).to.eql({json.dumps(status)});
    pm.expect(t.version).to.eql(1);
    pm.expect(String(t.user_id)).to.eql(cv.get("userIdC"));
}});
pm.test("progress times set by the server for {status}", () => {{
    {progress}
}});
expectEtagOf(t);
{reset}cv.set("taskIdP{n}", String(t.id));
cv.set("pagingIds", JSON.stringify(JSON.parse(cv.get("pagingIds") || "[]").concat([String(t.id)])));
""")

    def list_expect(name, query, expected_js, extra="", auth=C):
        """A list request whose answer is exactly the tasks `expected_js` (a JS array of id
        expressions), in that order, on one page."""
        return request(name, "GET", T + "?" + query, auth=auth, tests=f"""
expectStatus(200);
pm.test("every task has the contract's shape", () => body().tasks.forEach(expectTask));
pm.test("exactly the expected tasks, in order", () => pm.expect(idsOf(body())).to.eql({expected_js}));
pm.test("one page: no next_cursor", () => pm.expect(body().next_cursor == null, "next_cursor: " + body().next_cursor).to.be.true);
{extra}""")

    def list_422(name, query, field):
        return request(name, "GET", T + "?" + query, auth=C, tests=f"""
expectStatus(422);
expectFieldError("{field}");
""")

    P = lambda *ns: "[" + ", ".join(f'cv.get("taskIdP{n}")' for n in ns) + "]"

    paging = [paging_create(n, *t) for n, t in enumerate(paging_tasks, 1)] + [
        request("C lists with no parameters -> 200 {tasks} as before: all five, id order, no next_cursor", "GET", T, auth=C, tests=r"""
expectStatus(200);
pm.test("body is exactly {tasks: [...]}", () => pm.expect(Object.keys(body())).to.eql(["tasks"]));
pm.test("all of C's tasks in creation (id) order", () => pm.expect(idsOf(body())).to.eql(JSON.parse(cv.get("pagingIds"))));
"""),
        request(PAGE_LOOP, "GET", T + "?limit=2", auth=C, pre=r"""
// The first page has no cursor; each later one sends the previous page's next_cursor.
pm.request.url.query.remove("cursor");
const cursor = pm.collectionVariables.get("pageCursor");
if (cursor) pm.request.url.query.add({ key: "cursor", value: cursor });
""", tests=r"""
expectStatus(200);
const b = body();
const page = Number(cv.get("pageCount") || "0") + 1;
const seen = JSON.parse(cv.get("pageSeen") || "[]");
pm.test(`page ${page}: 1 or 2 of C's tasks`, () => {
    pm.expect(b.tasks.length).to.be.within(1, 2);
    b.tasks.forEach(expectTask);
    b.tasks.forEach(t => pm.expect(String(t.user_id)).to.eql(cv.get("userIdC")));
});
pm.test(`page ${page}: no task of an earlier page again`, () => {
    idsOf(b).forEach(id => pm.expect(seen, `task ${id} repeated`).to.not.include(id));
});
const all = seen.concat(idsOf(b));
const more = b.next_cursor !== undefined && b.next_cursor !== null;
if (more && page < 10) {
    pm.test(`page ${page}: a full page and an opaque next_cursor`, () => {
        pm.expect(b.tasks.length).to.eql(2);
        pm.expect(b.next_cursor).to.be.a("string").and.not.empty;
        pm.expect(b.next_cursor).to.not.eql(cv.get("pageCursor"));
    });
    cv.set("pageCount", String(page));
    cv.set("pageSeen", JSON.stringify(all));
    cv.set("pageCursor", b.next_cursor);
    pm.execution.setNextRequest(pm.info.requestName);
} else {
    pm.test("the walk ends on a page without next_cursor (within 10 pages)", () => pm.expect(more).to.be.false);
    pm.test("3 pages of 2 + 2 + 1", () => {
        pm.expect(page).to.eql(3);
        pm.expect(b.tasks.length).to.eql(1);
    });
    pm.test("all 5 tasks seen exactly once, in id order (no repeat, no skip)", () => {
        pm.expect(all).to.have.lengthOf(5);
        pm.expect(all).to.eql(JSON.parse(cv.get("pagingIds")));
    });
    ["pageCount", "pageSeen", "pageCursor"].forEach(k => cv.set(k, ""));
}
"""),
        list_expect("C lists status=pending&sort=-due_at -> due latest first, no due date last",
                    "status=pending&sort=-due_at", P(4, 1, 3), extra=r"""
pm.test("only pending tasks", () => body().tasks.forEach(t => pm.expect(t.status).to.eql("pending")));
"""),
        request("C pages status=pending&sort=-due_at&limit=2 -> first page and a next_cursor", "GET",
                T + "?status=pending&sort=-due_at&limit=2", auth=C, tests=f"""
expectStatus(200);
pm.test("the first two of the filtered, sorted list", () => pm.expect(idsOf(body())).to.eql({P(4, 1)}));
pm.test("next_cursor is a string", () => pm.expect(body().next_cursor).to.be.a("string").and.not.empty);
cv.set("filteredCursor", body().next_cursor);
"""),
        request("C pages on with the cursor (same filter and sort) -> the last page, no next_cursor", "GET",
                T + "?status=pending&sort=-due_at&limit=2&cursor={{filteredCursor}}", auth=C, tests=f"""
expectStatus(200);
pm.test("the rest of the list: the task without a due date", () => pm.expect(idsOf(body())).to.eql({P(3)}));
pm.test("no next_cursor on the last page", () => pm.expect(body().next_cursor == null).to.be.true);
"""),
        list_expect("C lists status=pending&status=in_progress&sort=priority -> by rank low < normal < high < urgent",
                    "status=pending&status=in_progress&sort=priority", P(1, 4, 3, 2)),
        list_expect("C lists priority=urgent&priority=high&sort=-priority -> urgent first", "priority=urgent&priority=high&sort=-priority", P(2, 3)),
        list_expect("C lists due_after&due_before -> the tasks due in that window, id order",
                    "due_after=2030-01-02T00:00:00Z&due_before=2030-01-06T00:00:00Z", P(1, 2)),
        list_expect("C lists q=spring -> case-insensitive match in the description", "q=spring", P(1)),
        list_expect("C lists q=%25 -> a literal %, not a wildcard", "q=%25", P(3)),
        list_expect("C lists sort=title -> alphabetical", "sort=title", P(1, 3, 4, 5, 2)),
        request("B lists with C's filter -> only B's own tasks", "GET", T + "?status=pending&sort=-due_at", auth=B, tests=r"""
expectStatus(200);
pm.test("none of C's tasks; every task is B's", () => {
    const ids = idsOf(body());
    JSON.parse(cv.get("pagingIds")).forEach(id => pm.expect(ids).to.not.include(id));
    body().tasks.forEach(t => pm.expect(String(t.user_id)).to.eql(cv.get("userIdB")));
});
"""),
        list_422("C uses the cursor with another sort -> 422 cursor",
                 "status=pending&sort=title&limit=2&cursor={{filteredCursor}}", "cursor"),
        request("B uses C's cursor -> 422 cursor", "GET", T + "?status=pending&sort=-due_at&limit=2&cursor={{filteredCursor}}",
                auth=B, tests=r"""
expectStatus(422);
expectFieldError("cursor");
"""),
        list_422("C lists with a tampered cursor -> 422 cursor", "limit=2&cursor=W251bGwsNV0.AAAAAAAAAAAAAAAAAAAAAA", "cursor"),
        list_422("C lists with limit=0 -> 422 limit", "limit=0", "limit"),
        list_422("C lists with limit=201 -> 422 limit", "limit=201", "limit"),
        list_422("C lists with an unknown parameter -> 422 naming it", "colour=red", "colour"),
        list_422("C lists with sort repeated -> 422 sort", "sort=title&sort=-title", "sort"),
        list_422("C lists with an unknown sort -> 422 sort", "sort=owner", "sort"),
        list_422("C lists with an unknown status -> 422 status", "status=done", "status"),
        list_422("C lists with due_before without an offset -> 422 due_before", "due_before=2030-01-01T00:00:00", "due_before"),
    ]

    preconditions = [
        request("C gets P1 -> 200 with ETag", "GET", T + "/{{taskIdP1}}", auth=C, tests=r"""
expectStatus(200);
pm.test("task has the contract's shape", () => expectTask(body()));
expectEtagOf(body());
cv.set("etagP1", pm.response.headers.get("ETag"));
cv.set("taskP1", JSON.stringify(body()));
"""),
        request("C gets P1 with If-None-Match: its ETag -> 304, no body", "GET", T + "/{{taskIdP1}}", auth=C,
                headers={"If-None-Match": "{{etagP1}}"}, tests=r"""
expectStatus(304);
pm.test("no body", () => pm.expect(pm.response.text()).to.eql(""));
pm.test("ETag is the same version", () => pm.expect(pm.response.headers.get("ETag")).to.eql(cv.get("etagP1")));
"""),
        request("C gets P1 with If-None-Match: another version -> 200", "GET", T + "/{{taskIdP1}}", auth=C,
                headers={"If-None-Match": '"999999"'}, tests=r"""
expectStatus(200);
pm.test("the task, unchanged", () => pm.expect(body()).to.eql(JSON.parse(cv.get("taskP1"))));
"""),
        request("C PATCHes P1 with the right If-Match -> 200, next version", "PATCH", T + "/{{taskIdP1}}", auth=C,
                headers={"If-Match": "{{etagP1}}"}, body={"status": "in_progress", "priority": "urgent"}, tests=r"""
expectStatus(200);
const before = JSON.parse(cv.get("taskP1"));
const t = body();
pm.test("task has the contract's shape", () => expectTask(t));
pm.test("the fields sent changed; the others are kept", () => {
    pm.expect(t.status).to.eql("in_progress");
    pm.expect(t.priority).to.eql("urgent");
    pm.expect(t.title).to.eql(before.title);
    pm.expect(t.description).to.eql(before.description);
    pm.expect(t.due_at).to.eql(before.due_at);
});
pm.test("version grew by one; entering in_progress set started_at", () => {
    pm.expect(t.version).to.eql(before.version + 1);
    pm.expect(isIso(t.started_at)).to.be.true;
    pm.expect(t.completed_at).to.eql(null);
});
expectEtagOf(t);
cv.set("staleEtagP1", cv.get("etagP1"));
cv.set("etagP1", pm.response.headers.get("ETag"));
cv.set("taskP1", JSON.stringify(t));
"""),
        request("C PUTs P1 with a stale If-Match -> 412 PRECONDITION_FAILED with the current ETag", "PUT", T + "/{{taskIdP1}}",
                auth=C, headers={"If-Match": "{{staleEtagP1}}"}, body={"title": "a lost update"}, tests=r"""
expectStatus(412);
expectErrorCode("PRECONDITION_FAILED");
pm.test("ETag names the current version", () => pm.expect(pm.response.headers.get("ETag")).to.eql(cv.get("etagP1")));
"""),
        request("C PATCHes P1 with a stale If-Match -> 412 with the current ETag", "PATCH", T + "/{{taskIdP1}}",
                auth=C, headers={"If-Match": "{{staleEtagP1}}"}, body={"title": "another lost update"}, tests=r"""
expectStatus(412);
expectErrorCode("PRECONDITION_FAILED");
pm.test("ETag names the current version", () => pm.expect(pm.response.headers.get("ETag")).to.eql(cv.get("etagP1")));
"""),
        request("C PATCHes P1 with a weak If-Match of the current version -> 412 (strong comparison)", "PATCH", T + "/{{taskIdP1}}",
                auth=C, headers={"If-Match": "W/{{etagP1}}"}, body={"title": "weak"}, tests=r"""
expectStatus(412);
expectErrorCode("PRECONDITION_FAILED");
"""),
        request("C deletes P1 with a stale If-Match -> 412", "DELETE", T + "/{{taskIdP1}}", auth=C,
                headers={"If-Match": "{{staleEtagP1}}"}, tests=r"""
expectStatus(412);
expectErrorCode("PRECONDITION_FAILED");
pm.test("ETag names the current version", () => pm.expect(pm.response.headers.get("ETag")).to.eql(cv.get("etagP1")));
"""),
        request("C gets P1 after the 412s -> unchanged and live", "GET", T + "/{{taskIdP1}}", auth=C, tests=r"""
expectStatus(200);
pm.test("no 412 changed anything", () => pm.expect(body()).to.eql(JSON.parse(cv.get("taskP1"))));
expectEtagOf(body());
"""),
        request("C PATCHes P1 as merge-patch+json with the right If-Match: nulls clear -> 200", "PATCH", T + "/{{taskIdP1}}",
                auth=C, headers={"If-Match": "{{etagP1}}"}, content_type="application/merge-patch+json",
                body={"due_at": None, "description": None, "status": "completed"}, tests=r"""
expectStatus(200);
const before = JSON.parse(cv.get("taskP1"));
const t = body();
pm.test("task has the contract's shape", () => expectTask(t));
pm.test("due_at and description cleared; title and priority kept", () => {
    pm.expect(t.due_at).to.eql(null);
    pm.expect(t.description).to.eql(null);
    pm.expect(t.title).to.eql(before.title);
    pm.expect(t.priority).to.eql(before.priority);
});
pm.test("entering completed set completed_at and kept started_at", () => {
    pm.expect(isIso(t.completed_at)).to.be.true;
    pm.expect(t.started_at).to.eql(before.started_at);
    pm.expect(t.version).to.eql(before.version + 1);
});
expectEtagOf(t);
cv.set("staleEtagP1", cv.get("etagP1"));
cv.set("etagP1", pm.response.headers.get("ETag"));
cv.set("taskP1", JSON.stringify(t));
"""),
        request("C PUTs P1 back to pending with the right If-Match -> 200, progress times cleared", "PUT", T + "/{{taskIdP1}}",
                auth=C, headers={"If-Match": "{{etagP1}}"}, body={"status": "pending"}, tests=r"""
expectStatus(200);
const before = JSON.parse(cv.get("taskP1"));
const t = body();
pm.test("task has the contract's shape", () => expectTask(t));
pm.test("returning to pending cleared started_at and completed_at", () => {
    pm.expect(t.status).to.eql("pending");
    pm.expect([t.started_at, t.completed_at]).to.eql([null, null]);
    pm.expect(t.version).to.eql(before.version + 1);
});
expectEtagOf(t);
cv.set("staleEtagP1", cv.get("etagP1"));
cv.set("etagP1", pm.response.headers.get("ETag"));
cv.set("taskP1", JSON.stringify(t));
"""),
        request("C gets P1 with If-None-Match: an old ETag -> 200 (it changed)", "GET", T + "/{{taskIdP1}}", auth=C,
                headers={"If-None-Match": "{{staleEtagP1}}"}, tests=r"""
expectStatus(200);
pm.test("the current task", () => pm.expect(body()).to.eql(JSON.parse(cv.get("taskP1"))));
expectEtagOf(body());
"""),
        request("C PATCHes P1 with title null -> 422 title", "PATCH", T + "/{{taskIdP1}}", auth=C, body={"title": None}, tests=r"""
expectStatus(422);
expectFieldError("title");
"""),
        request("C PATCHes P1 with due_at without an offset -> 422 due_at", "PATCH", T + "/{{taskIdP1}}", auth=C,
                body={"due_at": "2030-01-01T00:00:00"}, tests=r"""
expectStatus(422);
expectFieldError("due_at");
"""),
        request("C PATCHes P1 with priority null -> 422 priority", "PATCH", T + "/{{taskIdP1}}", auth=C, body={"priority": None}, tests=r"""
expectStatus(422);
expectFieldError("priority");
"""),
        request("C PATCHes P1 with a text/plain body -> 415", "PATCH", T + "/{{taskIdP1}}", auth=C, content_type="text/plain",
                raw_body='{"title": "not json"}', tests=r"""
expectStatus(415);
"""),
        request("C PATCHes a missing id -> 404", "PATCH", T + "/{{missingTaskId}}", auth=C, body={"title": "x"}, tests=r"""
expectStatus(404);
"""),
        request("B PATCHes C's task -> 404", "PATCH", T + "/{{taskIdP1}}", auth=B, body={"title": "hijacked"}, tests=r"""
expectStatus(404);
"""),
        request("C gets P1 after the refused PATCHes -> unchanged", "GET", T + "/{{taskIdP1}}", auth=C, tests=r"""
expectStatus(200);
pm.test("nothing changed", () => pm.expect(body()).to.eql(JSON.parse(cv.get("taskP1"))));
"""),
    ]

    idem_body = '{\n  "title": "Idempotent create {{runId}}",\n  "priority": "high"\n}'
    idem_h = {"Idempotency-Key": "{{idemKey}}"}
    idempotency = [
        request("C creates with an Idempotency-Key -> 201, not a replay", "POST", T, auth=C, headers=idem_h, raw_body=idem_body,
                pre='pm.collectionVariables.set("idemKey", `create-${pm.collectionVariables.get("runId")}`);', tests=r"""
expectStatus(201);
const t = body();
pm.test("task has the contract's shape", () => expectTask(t));
pm.test("stored as sent", () => {
    pm.expect(t.title).to.eql(`Idempotent create ${cv.get("runId")}`);
    pm.expect(t.priority).to.eql("high");
    pm.expect(String(t.user_id)).to.eql(cv.get("userIdC"));
});
pm.test("no Idempotent-Replayed on the first answer", () => pm.expect(pm.response.headers.has("Idempotent-Replayed")).to.be.false);
expectEtagOf(t);
cv.set("idemTaskId", String(t.id));
cv.set("idemAnswer", pm.response.text());
cv.set("idemEtag", pm.response.headers.get("ETag"));
"""),
        request("C sends the same create again -> the same 201 and body, Idempotent-Replayed: true", "POST", T, auth=C,
                headers=idem_h, raw_body=idem_body, tests=r"""
expectStatus(201);
pm.test("Idempotent-Replayed: true", () => pm.expect(pm.response.headers.get("Idempotent-Replayed")).to.eql("true"));
pm.test("the body is the first answer, byte for byte", () => pm.expect(pm.response.text()).to.eql(cv.get("idemAnswer")));
pm.test("the same task id and ETag", () => {
    pm.expect(String(body().id)).to.eql(cv.get("idemTaskId"));
    pm.expect(pm.response.headers.get("ETag")).to.eql(cv.get("idemEtag"));
});
"""),
        request("C sends the same key with another body -> 422 IDEMPOTENCY_KEY_REUSED", "POST", T, auth=C, headers=idem_h,
                body={"title": "Another task {{runId}}"}, tests=r"""
expectStatus(422);
expectErrorCode("IDEMPOTENCY_KEY_REUSED");
pm.test("no Idempotent-Replayed", () => pm.expect(pm.response.headers.has("Idempotent-Replayed")).to.be.false);
"""),
        request("C lists q=create -> the idempotent create made exactly one task", "GET", T + "?q=create%20{{runId}}", auth=C, tests=r"""
expectStatus(200);
pm.test("one task, the first answer's", () => pm.expect(idsOf(body())).to.eql([cv.get("idemTaskId")]));
pm.test("nothing made by the refused reuse", () => pm.expect(pm.response.text()).to.not.include("Another task"));
"""),
        request("B sends C's key and body -> 201, a task of B's own (keys are per user)", "POST", T, auth=B, headers=idem_h,
                raw_body=idem_body, tests=r"""
expectStatus(201);
pm.test("not a replay: a new task owned by B", () => {
    pm.expect(pm.response.headers.has("Idempotent-Replayed")).to.be.false;
    pm.expect(String(body().user_id)).to.eql(cv.get("userIdB"));
    pm.expect(String(body().id)).to.not.eql(cv.get("idemTaskId"));
});
"""),
        request("C creates with an Idempotency-Key of 256 characters -> 422 Idempotency-Key", "POST", T, auth=C,
                headers={"Idempotency-Key": "{{longKey}}"}, body={"title": "long key"},
                pre='pm.variables.set("longKey", "k".repeat(256));', tests=r"""
expectStatus(422);
expectFieldError("Idempotency-Key");
"""),
    ]

    trash_list_one = lambda name, n, extra="": request(name, "GET", T + "/trash", auth=C, tests=f"""
expectStatus(200);
pm.test("body is {{tasks: [...]}}", () => pm.expect(Object.keys(body())).to.eql(["tasks"]));
pm.test("every entry is a trashed task", () => body().tasks.forEach(expectTrashed));
pm.test("exactly the expected tasks", () => pm.expect(idsOf(body())).to.eql({n}));
{extra}""")
    trash = [
        request("C deletes P3 -> 204", "DELETE", T + "/{{taskIdP3}}", auth=C, tests=r"""
expectStatus(204);
"""),
        request("C gets P3 -> 404 (deleted)", "GET", T + "/{{taskIdP3}}", auth=C, tests=r"""
expectStatus(404);
"""),
        trash_list_one("C lists the trash -> P3 with deleted_at and purge_at", P(3), extra=r"""
pm.test("deleted just now; the task as it was deleted", () => {
    const t = body().tasks[0];
    pm.expect(Date.parse(t.deleted_at), "deleted_at is recent").to.be.within(Date.now() - 10 * 60e3, Date.now() + 10 * 60e3);
    pm.expect(t.title).to.eql("Order 100% arabica coffee");
    pm.expect(t.priority).to.eql("high");
});
cv.set("trashedP3Version", String(body().tasks[0].version));
"""),
        request("C lists tasks -> P3 is not among them", "GET", T, auth=C, tests=r"""
expectStatus(200);
pm.test("P3 gone from the list", () => pm.expect(idsOf(body())).to.not.include(cv.get("taskIdP3")));
"""),
        request("B lists the trash -> none of C's tasks", "GET", T + "/trash", auth=B, tests=r"""
expectStatus(200);
pm.test("C's deleted task is not in B's trash", () => pm.expect(idsOf(body())).to.not.include(cv.get("taskIdP3")));
"""),
        request("B restores C's deleted task -> 404", "POST", T + "/{{taskIdP3}}/restore", auth=B, tests=r"""
expectStatus(404);
"""),
        request("C restores P3 with a stale If-Match -> 412", "POST", T + "/{{taskIdP3}}/restore", auth=C,
                headers={"If-Match": '"0"'}, tests=r"""
expectStatus(412);
expectErrorCode("PRECONDITION_FAILED");
pm.test("ETag names the trashed task's version", () => pm.expect(pm.response.headers.get("ETag")).to.eql(`"${cv.get("trashedP3Version")}"`));
"""),
        request("C restores P3 -> 200, live again with the same id", "POST", T + "/{{taskIdP3}}/restore", auth=C, tests=r"""
expectStatus(200);
const t = body();
pm.test("the task, with no trash fields", () => expectTask(t));
pm.test("same id, title and priority", () => {
    pm.expect(String(t.id)).to.eql(cv.get("taskIdP3"));
    pm.expect(t.title).to.eql("Order 100% arabica coffee");
    pm.expect(t.priority).to.eql("high");
});
expectEtagOf(t);
cv.set("taskP3", JSON.stringify(t));
"""),
        request("C gets P3 -> 200 (live)", "GET", T + "/{{taskIdP3}}", auth=C, tests=r"""
expectStatus(200);
pm.test("the restored task", () => pm.expect(body()).to.eql(JSON.parse(cv.get("taskP3"))));
"""),
        request("C lists tasks -> P3 is back", "GET", T, auth=C, tests=r"""
expectStatus(200);
pm.test("P3 listed again", () => pm.expect(idsOf(body())).to.include(cv.get("taskIdP3")));
"""),
        trash_list_one("C lists the trash -> empty again", "[]"),
        request("C restores P3 again -> 404 (not in the trash)", "POST", T + "/{{taskIdP3}}/restore", auth=C, tests=r"""
expectStatus(404);
"""),
        request("C restores a task never deleted -> 404", "POST", T + "/{{taskIdP1}}/restore", auth=C, tests=r"""
expectStatus(404);
"""),
        request("C deletes P4 -> 204", "DELETE", T + "/{{taskIdP4}}", auth=C, tests=r"""
expectStatus(204);
"""),
        request("C deletes P5 -> 204", "DELETE", T + "/{{taskIdP5}}", auth=C, tests=r"""
expectStatus(204);
"""),
        request("C lists the trash with limit=1 -> the latest deleted first, and a next_cursor", "GET", T + "/trash?limit=1",
                auth=C, tests=r"""
expectStatus(200);
pm.test("P5 (deleted last) first", () => pm.expect(idsOf(body())).to.eql([cv.get("taskIdP5")]));
pm.test("a trashed task", () => body().tasks.forEach(expectTrashed));
pm.test("next_cursor is a string", () => pm.expect(body().next_cursor).to.be.a("string").and.not.empty);
cv.set("trashCursor", body().next_cursor);
"""),
        request("C lists the trash's next page -> P4, no next_cursor", "GET", T + "/trash?limit=1&cursor={{trashCursor}}",
                auth=C, tests=r"""
expectStatus(200);
pm.test("P4, the one before", () => pm.expect(idsOf(body())).to.eql([cv.get("taskIdP4")]));
pm.test("no next_cursor on the last page", () => pm.expect(body().next_cursor == null).to.be.true);
"""),
        request("C uses a task-list cursor on the trash -> 422 cursor", "GET", T + "/trash?limit=1&cursor={{filteredCursor}}",
                auth=C, tests=r"""
expectStatus(422);
expectFieldError("cursor");
"""),
        request("B deletes C's trashed P4 for good -> 404", "DELETE", T + "/trash/{{taskIdP4}}", auth=B, tests=r"""
expectStatus(404);
"""),
        request("C deletes a live task from the trash -> 404 (not in the trash)", "DELETE", T + "/trash/{{taskIdP1}}", auth=C, tests=r"""
expectStatus(404);
"""),
        request("C deletes P4 for good -> 204", "DELETE", T + "/trash/{{taskIdP4}}", auth=C, tests=r"""
expectStatus(204);
pm.test("empty body", () => pm.expect(pm.response.text()).to.eql(""));
"""),
        trash_list_one("C lists the trash -> only P5 left", P(5)),
        request("C restores P4 -> 404 (gone for good)", "POST", T + "/{{taskIdP4}}/restore", auth=C, tests=r"""
expectStatus(404);
"""),
        request("C deletes P4 for good again -> 404", "DELETE", T + "/trash/{{taskIdP4}}", auth=C, tests=r"""
expectStatus(404);
"""),
        request("C empties the trash -> 204", "DELETE", T + "/trash", auth=C, tests=r"""
expectStatus(204);
pm.test("empty body", () => pm.expect(pm.response.text()).to.eql(""));
"""),
        trash_list_one("C lists the trash -> empty", "[]"),
        request("C restores P5 -> 404 (the emptied trash is gone for good)", "POST", T + "/{{taskIdP5}}/restore", auth=C, tests=r"""
expectStatus(404);
"""),
        request("C lists tasks -> P1, P2, P3 and the idempotent create", "GET", T, auth=C, tests=r"""
expectStatus(200);
pm.test("the live tasks, id order", () => pm.expect(idsOf(body())).to.eql(
    [cv.get("taskIdP1"), cv.get("taskIdP2"), cv.get("taskIdP3"), cv.get("idemTaskId")]));
"""),
    ]

    bulk_url = T + "/bulk"
    bulk_del = '{\n  "ids": [{{taskIdP1}}, {{taskIdP2}}],\n  "action": "delete"\n}'
    bulk = [
        request("C bulk-updates P2 and P1 -> 200 {tasks} in the order of ids", "POST", bulk_url, auth=C,
                raw_body='{\n  "ids": [{{taskIdP2}}, {{taskIdP1}}],\n  "action": "update",\n'
                         '  "changes": {"priority": "low", "due_at": "2031-06-01T14:00:00+02:00"}\n}', tests=r"""
expectStatus(200);
pm.test("body is {tasks: [Task]}", () => {
    pm.expect(Object.keys(body())).to.eql(["tasks"]);
    body().tasks.forEach(expectTask);
});
pm.test("P2 then P1, as listed", () => pm.expect(idsOf(body())).to.eql([cv.get("taskIdP2"), cv.get("taskIdP1")]));
pm.test("both changed: priority low, due_at in UTC", () => body().tasks.forEach(t => {
    pm.expect(t.priority).to.eql("low");
    pm.expect(t.due_at).to.eql("2031-06-01T12:00:00Z");
}));
pm.test("other fields kept", () => {
    const p1 = body().tasks[1], before = JSON.parse(cv.get("taskP1"));
    pm.expect(p1.title).to.eql(before.title);
    pm.expect(p1.status).to.eql(before.status);
    pm.expect(p1.version).to.eql(before.version + 1);
});
cv.set("taskP1", JSON.stringify(body().tasks[1]));
"""),
        request("C bulk-updates with a missing id -> 404 naming it, nothing changed", "POST", bulk_url, auth=C,
                raw_body='{\n  "ids": [{{taskIdP1}}, {{missingTaskId}}, {{taskIdP2}}],\n  "action": "update",\n'
                         '  "changes": {"title": "all or nothing"}\n}', tests=r"""
expectStatus(404);
pm.test("detail names the first bad id", () => pm.expect(body().detail).to.eql(`Task ${cv.get("missingTaskId")} not found`));
"""),
        request("C gets P1 after the refused bulk -> unchanged", "GET", T + "/{{taskIdP1}}", auth=C, tests=r"""
expectStatus(200);
pm.test("all or nothing: P1 as the last bulk left it", () => pm.expect(body()).to.eql(JSON.parse(cv.get("taskP1"))));
"""),
        request("B bulk-updates C's task -> 404 naming it", "POST", bulk_url, auth=B,
                raw_body='{\n  "ids": [{{taskIdP1}}],\n  "action": "update",\n  "changes": {"title": "hijacked"}\n}', tests=r"""
expectStatus(404);
pm.test("detail names C's id like a missing one", () => pm.expect(body().detail).to.eql(`Task ${cv.get("taskIdP1")} not found`));
"""),
        request("C bulk-updates without changes -> 422 changes", "POST", bulk_url, auth=C,
                raw_body='{\n  "ids": [{{taskIdP1}}],\n  "action": "update"\n}', tests=r"""
expectStatus(422);
expectFieldError("changes");
"""),
        request("C bulk with no ids -> 422 ids", "POST", bulk_url, auth=C, body={"ids": [], "action": "delete"}, tests=r"""
expectStatus(422);
expectFieldError("ids");
"""),
        request("C bulk with an unknown action -> 422 action", "POST", bulk_url, auth=C,
                raw_body='{\n  "ids": [{{taskIdP1}}],\n  "action": "archive"\n}', tests=r"""
expectStatus(422);
expectFieldError("action");
"""),
        request("C bulk-deletes P1 and P2 with an Idempotency-Key -> 204", "POST", bulk_url, auth=C,
                headers={"Idempotency-Key": "{{bulkKey}}"}, raw_body=bulk_del,
                pre='pm.collectionVariables.set("bulkKey", `bulk-delete-${pm.collectionVariables.get("runId")}`);', tests=r"""
expectStatus(204);
pm.test("empty body", () => pm.expect(pm.response.text()).to.eql(""));
pm.test("not a replay", () => pm.expect(pm.response.headers.has("Idempotent-Replayed")).to.be.false);
"""),
        request("C sends the same bulk delete again -> 204, Idempotent-Replayed: true", "POST", bulk_url, auth=C,
                headers={"Idempotency-Key": "{{bulkKey}}"}, raw_body=bulk_del, tests=r"""
expectStatus(204);
pm.test("Idempotent-Replayed: true", () => pm.expect(pm.response.headers.get("Idempotent-Replayed")).to.eql("true"));
"""),
        request("C lists tasks -> P1 and P2 gone", "GET", T, auth=C, tests=r"""
expectStatus(200);
pm.test("only P3 and the idempotent create left", () => pm.expect(idsOf(body())).to.eql([cv.get("taskIdP3"), cv.get("idemTaskId")]));
"""),
        trash_list_one("C lists the trash -> P1 and P2", "[cv.get(\"taskIdP1\"), cv.get(\"taskIdP2\")].sort((a, b) => b - a)", extra=r"""
pm.test("deleted together", () => pm.expect(body().tasks[0].deleted_at).to.eql(body().tasks[1].deleted_at));
"""),
        request("C bulk-restores P1 and P2 -> 200 {tasks}, live again", "POST", bulk_url, auth=C,
                raw_body='{\n  "ids": [{{taskIdP1}}, {{taskIdP2}}],\n  "action": "restore"\n}', tests=r"""
expectStatus(200);
pm.test("the restored tasks in the order of ids, without trash fields", () => {
    body().tasks.forEach(expectTask);
    pm.expect(idsOf(body())).to.eql([cv.get("taskIdP1"), cv.get("taskIdP2")]);
});
"""),
        request("C bulk-restores P1 again -> 404 naming it (not in the trash)", "POST", bulk_url, auth=C,
                raw_body='{\n  "ids": [{{taskIdP1}}],\n  "action": "restore"\n}', tests=r"""
expectStatus(404);
pm.test("detail names P1", () => pm.expect(body().detail).to.eql(`Task ${cv.get("taskIdP1")} not found`));
"""),
        request("C lists tasks -> all four live again", "GET", T, auth=C, tests=r"""
expectStatus(200);
pm.test("P1, P2, P3 and the idempotent create, id order", () => pm.expect(idsOf(body())).to.eql(
    [cv.get("taskIdP1"), cv.get("taskIdP2"), cv.get("taskIdP3"), cv.get("idemTaskId")]));
"""),
        trash_list_one("C lists the trash -> empty after the restore", "[]"),
    ]

    return [
        folder("Setup", "Registers and logs in three fresh users (A, B and C) for this run; tokens go to collection "
               "variables. C is used only by the folders from Paging on, so its counts are exact.", setup),
        folder("Unauthorized", "Every task endpoint without a valid token: 401 {\"detail\":\"Unauthorized\"}.", unauth),
        folder("Create", "POST /api/tasks: 201 with defaults, limits, 422 per field, 413 over 64 KiB.", create),
        folder("Read", "GET /api/tasks and /api/tasks/{id}.", read),
        folder("Update", "PUT /api/tasks/{id}: partial updates keep the other fields; 422; 404.", update),
        folder("Isolation", "User B can neither see, change nor delete user A's tasks (404), and vice versa.", isolation),
        folder("Delete", "DELETE /api/tasks/{id}: 204, then 404 for the deleted task.", delete),
        folder("Paging", "Issue 17's fields and GET /api/tasks: C creates five tasks with due dates and priorities, pages "
               "through them with limit=2 following next_cursor until it is absent (no repeat, no skip), then filters "
               "(status, priority, due window, q) and sorts (-due_at, priority, title), pages a filtered list by its "
               "cursor, and gets 422 for a cursor of another list or user and for bad parameters.", paging),
        folder("Preconditions", "ETag on every single-task answer; If-None-Match -> 304; PUT, PATCH and DELETE with a "
               "stale If-Match -> 412 PRECONDITION_FAILED with the current ETag, and with the right one -> 200; PATCH as "
               "application/json and application/merge-patch+json; started_at/completed_at follow the status.", preconditions),
        folder("Idempotency", "POST /api/tasks with an Idempotency-Key: the retry replays the first 201 and body "
               "(Idempotent-Replayed: true) and creates nothing; the key with another body -> 422 "
               "IDEMPOTENCY_KEY_REUSED; another user's identical key is a request of its own.", idempotency),
        folder("Trash", "DELETE -> GET /api/tasks/trash shows it with deleted_at and purge_at (7 days) -> restore -> 200, "
               "live with the same id; trash pages; DELETE /api/tasks/trash/{id} and DELETE /api/tasks/trash delete for "
               "good; another user's trash is a 404.", trash),
        folder("Bulk", "POST /api/tasks/bulk: update (answers the tasks in the order of ids), delete (204, replayed with "
               "an Idempotency-Key), restore; all or nothing with a 404 naming the first bad id.", bulk),
    ]


# --------------------------------------------------------------------------------------
# environments and output
# --------------------------------------------------------------------------------------

def environment(name, values):
    return {
        "id": stable_id("env", name),
        "name": name,
        "values": [{"key": k, "value": v, "type": "default", "enabled": True} for k, v in values],
        "_postman_variable_scope": "environment",
    }


def outputs():
    auth = collection(
        "taskhub auth-service",
        "auth-service API: register and login, and issue 18's sessions (refresh, sign-out, the session list) and "
        "account (me, password change, deletion, the security log). Runs against the gateway (authUrl = gateway URL) or "
        "auth-service directly (authUrl = http://127.0.0.1:8081); the sessions folder also checks tokens on taskUrl's "
        "/api/tasks. Creates unique users per run. "
        "Generated by postman/generate.py.",
        auth_items(),
        [("runId", ""), ("email", ""), ("password", ""), ("email255", ""), ("email256", ""), ("userId", ""), ("token", "")]
        + [(f"email{w}", "") for w in "SOPDE"] + [(k, "") for k in SESSION_VARS],
        pre=AUTH_COLLECTION_PRE,
    )
    tasks = collection(
        "taskhub task-service",
        "task-service API: task CRUD with per-user isolation, and issue 17's due dates and priorities, "
        "filtered and sorted cursor pages, conditional requests (ETag, If-None-Match, If-Match), idempotent "
        "creates, the trash and bulk changes. Registers and logs in three unique users (via authUrl) in its "
        "Setup folder, then calls taskUrl. Generated by postman/generate.py.",
        task_items(),
        [("runId", ""), ("emailA", ""), ("emailB", ""), ("password", ""), ("missingTaskId", ""),
         ("userIdA", ""), ("userIdB", ""), ("tokenA", ""), ("tokenB", ""),
         ("taskId1", ""), ("taskId2", ""), ("taskIdB", ""), ("task2", ""), ("emailC", "")]
        + [(k, "") for k in ISSUE17_VARS],
        pre=TASK_COLLECTION_PRE,
    )
    gateway_env = environment("taskhub gateway", [
        ("gatewayUrl", "http://127.0.0.1:8080"),
        ("authUrl", "http://127.0.0.1:8080"),
        ("taskUrl", "http://127.0.0.1:8080"),
    ])
    direct_env = environment("taskhub direct (services)", [
        ("authUrl", "http://127.0.0.1:8081"),
        ("taskUrl", "http://127.0.0.1:8082"),
    ])
    return {
        "auth-service.postman_collection.json": auth,
        "task-service.postman_collection.json": tasks,
        "gateway.postman_environment.json": gateway_env,
        "direct.postman_environment.json": direct_env,
    }


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, doc in outputs().items():
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        path = HERE / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print("stale (run python3 postman/generate.py): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
