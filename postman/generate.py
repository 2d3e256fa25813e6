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
if (code !== 204) {
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
    pm.expect(Object.keys(t).sort(), "task keys").to.eql(["created_at", "description", "id", "status", "title", "updated_at", "user_id"]);
};
const cv = pm.collectionVariables;
"""


def lines(js):
    return [l for l in js.strip("\n").split("\n")]


def event(listen, js):
    return {"listen": listen, "script": {"type": "text/javascript", "exec": lines(js)}}


def stable_id(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "taskhub-postman/" + "/".join(parts)))


def request(name, method, url, body=None, tests="", pre="", auth=None, headers=None, raw_body=None):
    """One request item. `url` like '{{taskUrl}}/api/tasks/{{taskId}}'. auth: None (no header),
    or a string expression for the Authorization header value (e.g. 'Bearer {{tokenA}}')."""
    hdrs = []
    if body is not None or raw_body is not None:
        hdrs.append({"key": "Content-Type", "value": "application/json"})
    if auth:
        hdrs.append({"key": "Authorization", "value": auth})
    for k, v in (headers or {}).items():
        hdrs.append({"key": k, "value": v})
    base, _, path = url.partition("}}")
    req = {
        "method": method,
        "header": hdrs,
        "url": {
            "raw": url,
            "host": [base + "}}"],
            "path": [p for p in path.split("/") if p],
        },
    }
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

# Unique per run: emails never collide with earlier runs against the same database.
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
        folder("Login", "POST /api/auth/login: 200 token, 401 Invalid credentials, 422.", login),
    ]


# --------------------------------------------------------------------------------------
# task-service collection
# --------------------------------------------------------------------------------------

TASK_INIT = r"""
const runId = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
pm.collectionVariables.set("runId", runId);
pm.collectionVariables.set("emailA", `tasks.a.${runId}@example.com`);
pm.collectionVariables.set("emailB", `tasks.b.${runId}@example.com`);
pm.collectionVariables.set("password", "correct horse battery staple");
pm.collectionVariables.set("missingTaskId", "2147483647");
["userIdA", "userIdB", "tokenA", "tokenB", "taskId1", "taskId2", "taskIdB", "task2"]
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

    setup = [setup_register("A"), setup_login("A"), setup_register("B"), setup_login("B")]

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

    return [
        folder("Setup", "Registers and logs in two fresh users (A and B) for this run; tokens go to collection variables.", setup),
        folder("Unauthorized", "Every task endpoint without a valid token: 401 {\"detail\":\"Unauthorized\"}.", unauth),
        folder("Create", "POST /api/tasks: 201 with defaults, limits, 422 per field, 413 over 64 KiB.", create),
        folder("Read", "GET /api/tasks and /api/tasks/{id}.", read),
        folder("Update", "PUT /api/tasks/{id}: partial updates keep the other fields; 422; 404.", update),
        folder("Isolation", "User B can neither see, change nor delete user A's tasks (404), and vice versa.", isolation),
        folder("Delete", "DELETE /api/tasks/{id}: 204, then 404 for the deleted task.", delete),
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
        "auth-service API: register and login. Runs against the gateway (authUrl = gateway URL) or "
        "auth-service directly (authUrl = http://127.0.0.1:8081). Creates unique users per run. "
        "Generated by postman/generate.py.",
        auth_items(),
        [("runId", ""), ("email", ""), ("password", ""), ("email255", ""), ("email256", ""), ("userId", ""), ("token", "")],
        pre=AUTH_COLLECTION_PRE,
    )
    tasks = collection(
        "taskhub task-service",
        "task-service API: task CRUD with per-user isolation. Registers and logs in two unique users "
        "(via authUrl) in its Setup folder, then calls taskUrl. Generated by postman/generate.py.",
        task_items(),
        [("runId", ""), ("emailA", ""), ("emailB", ""), ("password", ""), ("missingTaskId", ""),
         ("userIdA", ""), ("userIdB", ""), ("tokenA", ""), ("tokenB", ""),
         ("taskId1", ""), ("taskId2", ""), ("taskIdB", ""), ("task2", "")],
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
