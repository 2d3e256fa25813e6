#!/usr/bin/env bash
# Static checks of the Postman collections (no server needed).
#
#   scripts/check-postman.sh
#
# 1. The committed JSON equals what postman/generate.py produces (not stale,
#    not hand-edited).
# 2. Collections declare the v2.1 schema; environments define authUrl/taskUrl
#    (gateway: both the same URL; direct: :8081 and :8082).
# 3. Every script (collection and request level) parses as JavaScript
#    (`node --check`), and every request has a test script with assertions.
# 4. Coverage: each endpoint has requests asserting each status the contract
#    names (e.g. PUT /api/tasks/{id}: 200, 401, 404, 412, 422), issue 17's
#    endpoints included.
# 5. Issue 17's scenarios: a walk through several pages following next_cursor,
#    a 412 PRECONDITION_FAILED, a replayed create (Idempotent-Replayed: true)
#    and a restore.
# Running the collections against a live stack: scripts/newman.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
fail=0

echo "== check-postman: postman/"
echo "-- [1] generated files are up to date"
if python3 postman/generate.py --check; then echo "  ok: postman/*.json match postman/generate.py"; else fail=1; fi

echo "-- [2]-[4] schema, scripts, coverage"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! python3 - "$tmp" <<'PY'; then fail=1; fi
import json, re, subprocess, sys
from pathlib import Path

tmp = Path(sys.argv[1])
bad = False
def ok(m): print(f"  ok: {m}")
def fail(m):
    global bad
    bad = True
    print(f"  FAIL: {m}")

V21 = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
cols = {n: json.load(open(f"postman/{n}.postman_collection.json")) for n in ("auth-service", "task-service")}
for n, c in cols.items():
    (ok if c["info"]["schema"] == V21 else fail)(f"{n}: schema v2.1")

envs = {n: {v["key"]: v["value"] for v in json.load(open(f"postman/{n}.postman_environment.json"))["values"]}
        for n in ("gateway", "direct")}
g, d = envs["gateway"], envs["direct"]
(ok if g.get("authUrl") and g.get("authUrl") == g.get("taskUrl") else fail)(f"gateway env: authUrl == taskUrl ({g.get('authUrl')})")
(ok if d.get("authUrl", "").endswith(":8081") and d.get("taskUrl", "").endswith(":8082") else fail)(
    f"direct env: authUrl {d.get('authUrl')}, taskUrl {d.get('taskUrl')}")

def walk(items, trail=()):
    for it in items:
        if "item" in it:
            yield from walk(it["item"], trail + (it["name"],))
        else:
            yield trail + (it["name"],), it

scripts = []
cases = set()
tests_by = {}  # (method, path) -> the test scripts of its requests
for n, c in cols.items():
    for ev in c.get("event", []):
        scripts.append((f"{n} [collection {ev['listen']}]", "\n".join(ev["script"]["exec"])))
    for path, it in walk(c["item"]):
        name = " / ".join(path)
        tests = [e for e in it.get("event", []) if e["listen"] == "test"]
        for ev in it.get("event", []):
            scripts.append((f"{n}: {name} [{ev['listen']}]", "\n".join(ev["script"]["exec"])))
        body = "\n".join("\n".join(e["script"]["exec"]) for e in tests)
        statuses = re.findall(r"expectStatus\((\d{3})\)", body)
        if not statuses or "pm.test" not in body and "expectStatus" not in body:
            fail(f"{n}: '{name}' asserts no status")
            continue
        url = it["request"]["url"]["raw"]
        path_only = re.sub(r"^\{\{\w+\}\}", "", url).split("?")[0]
        path_only = re.sub(r"/(\{\{\w+\}\}|\d+)(?=/|$)", "/{id}", path_only)
        tests_by.setdefault((it["request"]["method"], path_only), []).append(body)
        for s in statuses:
            cases.add((it["request"]["method"], path_only, int(s)))

# 3. JavaScript syntax
for i, (label, js) in enumerate(scripts):
    f = tmp / f"s{i}.js"
    f.write_text("(function () {\n" + js + "\n})();\n")
errs = []
for i, (label, _) in enumerate(scripts):
    rr = subprocess.run(["node", "--check", str(tmp / f"s{i}.js")], capture_output=True, text=True)
    if rr.returncode != 0:
        lines = [l for l in rr.stderr.strip().splitlines() if l.strip()]
        errs.append(f"{label}: {lines[-1] if lines else 'syntax error'}")
for e in errs:
    fail(e)
if not errs:
    ok(f"{len(scripts)} scripts parse (node --check)")

# 4. coverage of the contract (method, path, status)
required = {
    ("GET", "/health"): [200],
    ("POST", "/api/auth/register"): [201, 400, 422],
    ("POST", "/api/auth/login"): [200, 401, 422],
    ("POST", "/api/tasks"): [201, 401, 413, 422],
    ("GET", "/api/tasks"): [200, 401, 422],
    ("GET", "/api/tasks/{id}"): [200, 304, 401, 404],
    ("PUT", "/api/tasks/{id}"): [200, 401, 404, 412, 422],
    ("PATCH", "/api/tasks/{id}"): [200, 401, 404, 412, 415, 422],
    ("DELETE", "/api/tasks/{id}"): [204, 401, 404, 412],
    ("GET", "/api/tasks/trash"): [200, 401, 422],
    ("DELETE", "/api/tasks/trash"): [204, 401],
    ("DELETE", "/api/tasks/trash/{id}"): [204, 401, 404],
    ("POST", "/api/tasks/{id}/restore"): [200, 401, 404, 412],
    ("POST", "/api/tasks/bulk"): [200, 204, 401, 404, 422],
    # issue 18
    ("POST", "/api/auth/refresh"): [200, 401, 422],
    ("POST", "/api/auth/logout"): [204, 401],
    ("POST", "/api/auth/logout-all"): [204, 401],
    ("GET", "/api/auth/sessions"): [200, 401],
    ("DELETE", "/api/auth/sessions/{id}"): [204, 401, 404],
    ("GET", "/api/auth/me"): [200, 401],
    ("DELETE", "/api/auth/me"): [204, 401, 422],
    ("PUT", "/api/auth/password"): [204, 401, 422],
    ("GET", "/api/auth/events"): [200, 401, 422],
}
missing = [f"{m} {p} -> {s}" for (m, p), ss in required.items() for s in ss if (m, p, s) not in cases]
if missing:
    fail("not covered: " + ", ".join(missing))
else:
    ok(f"contract coverage: {sum(len(v) for v in required.values())} (endpoint, status) pairs, "
       f"{len(cases)} distinct cases asserted")

# 5. issue 17's scenarios, each asserted by some request's tests
def some(key, *needles):
    return any(all(n in t for n in needles) for t in tests_by.get(key, []))
scenarios = {
    "paging: GET /api/tasks?limit follows next_cursor over several pages (setNextRequest)":
        some(("GET", "/api/tasks"), "next_cursor", "setNextRequest", "repeat"),
    "a 412 PRECONDITION_FAILED with the current ETag":
        some(("PUT", "/api/tasks/{id}"), "expectStatus(412)", "PRECONDITION_FAILED", "ETag"),
    "a replayed create (Idempotent-Replayed: true, same body)":
        some(("POST", "/api/tasks"), "expectStatus(201)", "Idempotent-Replayed", '"true"'),
    "the same Idempotency-Key with another body -> IDEMPOTENCY_KEY_REUSED":
        some(("POST", "/api/tasks"), "expectStatus(422)", "IDEMPOTENCY_KEY_REUSED"),
    "a restore from the trash -> 200":
        some(("POST", "/api/tasks/{id}/restore"), "expectStatus(200)"),
}
for name, found in scenarios.items():
    (ok if found else fail)(f"scenario: {name}")
sys.exit(1 if bad else 0)
PY

if [ "$fail" = 0 ]; then echo "check-postman: PASS"; else echo "check-postman: FAIL"; fi
exit "$fail"
