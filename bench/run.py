#!/usr/bin/env python3
"""taskhub load benchmark: the scenarios, the ceilings, the table and bench/results/latest.json.

Started by scripts/bench.sh, which builds the binaries, creates the database, starts the three
services and stops everything afterwards. This file only drives load and reports; it reads its
settings from the environment that bench.sh sets (see the BENCH_* names below).
Standard library only.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ENV = os.environ
ROOT = ENV.get("BENCH_ROOT", os.getcwd())
WORK = ENV["BENCH_WORK"]  # scratch dir, removed by bench.sh
GATEWAY = ENV["BENCH_GATEWAY_URL"]
TASKS = ENV["BENCH_TASKS_URL"]
AUTH = ENV["BENCH_AUTH_URL"]
# the same gateway and task-service binaries with tracing on, exporting to bench/otlp_sink.py
TRACED_GATEWAY = ENV["BENCH_TRACED_GATEWAY_URL"]
OTLP_SINK = ENV["BENCH_OTLP_SINK_URL"]
DB_URL = ENV["BENCH_DATABASE_URL"]
OUT = ENV.get("BENCH_OUT", os.path.join(ROOT, "bench/results/latest.json"))
DURATION = int(ENV.get("BENCH_DURATION", "15"))
CONNS = int(ENV.get("BENCH_CONNECTIONS", "64"))
LOGIN_CONNS = int(ENV.get("BENCH_LOGIN_CONNECTIONS", "16"))
# The ceilings and the scenarios compared with them run in rounds, side by side; see paired().
ROUNDS = max(1, int(ENV.get("BENCH_ROUNDS", "5")))
# One wrk thread: at these rates it is far from its own ceiling (the "wrk ceiling" row), and a
# second thread only competes with the stack for the two cores. pgbench keeps a thread per core:
# with one, pgbench itself limits the ceiling (20-23k instead of 32-36k tps for get), which would
# flatter every ratio.
THREADS = int(ENV.get("BENCH_WRK_THREADS", "1"))
PGBENCH_JOBS = int(ENV.get("BENCH_PGBENCH_JOBS", str(os.cpu_count() or 2)))
USERS = int(ENV.get("BENCH_USERS", "50"))
TASKS_PER_USER = int(ENV.get("BENCH_TASKS_PER_USER", "20"))
# Fixed-rate list load beside the login storm: connections x one request per (delay + latency).
CALM_CONNS = int(ENV.get("BENCH_CALM_CONNECTIONS", "8"))
CALM_DELAY_MS = int(ENV.get("BENCH_CALM_DELAY_MS", "40"))
ARGON2_BIN = ENV.get("BENCH_ARGON2_BIN", os.path.join(ROOT, "bench/argon2-timing/target/release/argon2-timing"))
LUA = os.path.join(ROOT, "bench/lua")
PIDS = dict(item.split(":") for item in ENV["BENCH_PIDS"].split(","))  # name:pid,...
CLK_TCK = os.sysconf("SC_CLK_TCK")
NPROC = os.cpu_count() or 1
PASSWORD = "bench-password-{i:03d}-correct-horse"
EMAIL = "bench-user-{i:03d}@bench.example"
# Issue 17's scenarios: as many users again, each at the per-user cap of live tasks (1,000, the
# service's MAX_TASKS_PER_USER default) plus a trash of 100; 0 leaves them out.
BIG_USERS = int(ENV.get("BENCH_BIG_USERS", "50"))
BIG_TASKS = 1000
BIG_EMAIL = "bench-big-{i:03d}@bench.example"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- /proc sampling

def proc_cpu_s(pid: str) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def proc_mem_kib(pid: str) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = int(value.split()[0])
    return out


DB_NAME = urllib.parse.urlsplit(DB_URL).path.lstrip("/")


def db_backends(known: dict[str, bool]) -> list[str]:
    """The PostgreSQL backends connected to the bench database (by their process title), from
    /proc; `known` caches which pids are ours."""
    ours = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        if pid not in known:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    title = f.read().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: "):  # a backend's own title, which names its database
                known[pid] = f" {DB_NAME} " in title
            elif "postgres" not in title:
                known[pid] = False
            else:  # a backend still in its TLS handshake carries the postmaster's command line: ask again
                continue
        if known[pid]:
            ours.append(pid)
    return ours


def children_cpu_s() -> float:
    """CPU seconds of the finished child processes (wrk, pgbench, psql)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def system_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


class Monitor:
    """Per-service CPU seconds and peak RSS over one scenario (RSS sampled every 100 ms), and the
    CPU seconds of the bench database's backends (sampled every 100 ms, so a backend that ends
    within the scenario loses at most its last 100 ms) and of the load generator."""

    def __init__(self) -> None:
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._known: dict[str, bool] = {}
        self.db0: dict[str, float] = {}
        self.db_last: dict[str, float] = {}

    def _sample_db(self) -> dict[str, float]:
        out = {}
        for pid in db_backends(self._known):
            try:
                out[pid] = proc_cpu_s(pid)
            except OSError:
                continue
        return out

    def __enter__(self) -> "Monitor":
        self.cpu0 = {name: proc_cpu_s(pid) for name, pid in PIDS.items()}
        self.db0 = self._sample_db()
        self.children0 = children_cpu_s()
        self.self0 = time.process_time()
        self.sys0 = system_busy()
        self.t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in PIDS.items():
                try:
                    rss = proc_mem_kib(pid)["VmRSS"]
                except (OSError, KeyError):
                    continue
                self.peak[name] = max(self.peak.get(name, 0), rss)
            self.db_last.update(self._sample_db())
            self._stop.wait(0.1)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self.t0
        busy1, total1 = system_busy()
        busy0, total0 = self.sys0
        self.db_last.update(self._sample_db())
        db_cpu = sum(cpu - self.db0.get(pid, 0.0) for pid, cpu in self.db_last.items())
        self.result = {
            "wall_s": round(wall, 2),
            "machine_cpu_busy_pct": round(100.0 * (busy1 - busy0) / max(1, total1 - total0), 1),
            "db_backends_cpu_s": round(db_cpu, 2),
            "load_generator_cpu_s": round(children_cpu_s() - self.children0, 2),
            "run_py_cpu_s": round(time.process_time() - self.self0, 2),
            "services": {},
        }
        for name, pid in PIDS.items():
            try:
                mem = proc_mem_kib(pid)
                cpu = proc_cpu_s(pid) - self.cpu0[name]
            except OSError:
                self.result["services"][name] = {"alive": False}
                continue
            self.result["services"][name] = {
                "alive": True,
                "cpu_s": round(cpu, 2),
                "cpu_cores": round(cpu / wall, 2) if wall else None,
                "peak_rss_mib": round(max(self.peak.get(name, 0), mem["VmRSS"]) / 1024, 1),
                "rss_end_mib": round(mem["VmRSS"] / 1024, 1),
                "hwm_mib": round(mem["VmHWM"] / 1024, 1),
            }


def services_alive() -> list[str]:
    return [name for name, pid in PIDS.items() if not os.path.exists(f"/proc/{pid}")]


# ---------------------------------------------------------------- HTTP + SQL helpers

def http(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, {"raw": raw.decode(errors="replace")}


def psql(sql: str) -> str:
    proc = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", DB_URL, "-c", sql],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"psql failed: {proc.stderr.strip()} (SQL: {sql[:120]})")
    return proc.stdout


STATEMENTS = None  # whether pg_stat_statements is there (set in main)


def statements_reset() -> None:
    if STATEMENTS:
        psql("SELECT pg_stat_statements_reset()")


def statements(per: int | None) -> list[dict]:
    """What the bench database ran since the last reset (pg_stat_statements): each statement's
    calls (and calls per request or transaction), mean execution time and rows, most called first."""
    if not STATEMENTS:
        return []
    out = psql("SELECT calls, round(mean_exec_time::numeric, 4), rows, regexp_replace(query, '\\s+', ' ', 'g') "
               "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
               "AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC LIMIT 8")
    rows = []
    for line in out.splitlines():
        calls, mean, nrows, query = line.split("|", 3)
        if int(calls) < 10:
            continue
        rows.append({"calls": int(calls), "per_request": round(int(calls) / per, 3) if per else None,
                     "mean_ms": float(mean), "rows": int(nrows), "query": query[:160]})
    return rows


def lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def register(email_format: str, count: int) -> list[dict]:
    """`count` users registered and logged in through the gateway (real tokens)."""

    def one(i: int) -> dict:
        email, password = email_format.format(i=i), PASSWORD.format(i=i)
        status, body = http("POST", f"{GATEWAY}/api/auth/register", {"email": email, "password": password})
        if status != 201:
            raise RuntimeError(f"register {email}: {status} {body}")
        status, tok = http("POST", f"{GATEWAY}/api/auth/login", {"email": email, "password": password})
        if status != 200 or "access_token" not in tok:
            raise RuntimeError(f"login {email}: {status} {tok}")
        return {"uid": body["id"], "email": email, "password": password, "token": tok["access_token"]}

    with concurrent.futures.ThreadPoolExecutor(max_workers=NPROC) as pool:
        return list(pool.map(one, range(1, count + 1)))


def seed() -> dict:
    """50 users registered and logged in through the gateway (real tokens), 20 tasks each by SQL."""
    log(f"seeding {USERS} users (register + login through the gateway) x {TASKS_PER_USER} tasks")
    t0 = time.monotonic()
    users = register(EMAIL, USERS)
    psql(
        "INSERT INTO tasks (user_id, title, description, status) "
        "SELECT u.id, 'Seeded task ' || g, 'Seeded by bench/run.py, task ' || g || ' of user ' || u.id, "
        "(ARRAY['pending','in_progress','completed'])[1 + g % 3] "
        f"FROM users u CROSS JOIN generate_series(1, {TASKS_PER_USER}) g ORDER BY u.id, g"
    )
    psql("VACUUM ANALYZE tasks")
    psql("VACUUM ANALYZE users")
    rows = psql("SELECT user_id, string_agg(id::text, ',' ORDER BY id) FROM tasks GROUP BY user_id")
    ids = {int(uid): [int(x) for x in csv.split(",")] for uid, csv in (r.split("|") for r in rows.split())}
    for u in users:
        u["tasks"] = ids[u["uid"]]
    # A sanity check that the tokens are real: the first user sees exactly their tasks.
    status, body = http("GET", f"{GATEWAY}/api/tasks", token=users[0]["token"])
    if status != 200 or len(body.get("tasks", [])) != TASKS_PER_USER:
        raise RuntimeError(f"seeded list check failed: {status} {str(body)[:200]}")
    path = os.path.join(WORK, "users.lua")
    with open(path, "w") as f:
        f.write("return { users = {\n")
        for u in users:
            f.write(
                f"  {{ uid = {u['uid']}, email = {lua_str(u['email'])}, password = {lua_str(u['password'])}, "
                f"token = {lua_str(u['token'])}, tasks = {{ {', '.join(map(str, u['tasks']))} }} }},\n"
            )
        f.write("} }\n")
    log(f"seeded in {time.monotonic() - t0:.1f} s")
    return {"users": users, "lua": path}


# Issue 17's data set: BIG_TASKS live tasks per user and a trash of a tenth of that, in one
# INSERT ... SELECT. Every 11th row is in the trash, deleted in the last 6 days. Each attribute
# comes from its own deterministic hash of the row's number, so the data set is the same every
# run and every big user has the same tasks at the same offset from their first id: each user's
# first page then ends at the same due date and the same id offset, so one pgbench script (one
# prepared statement per connection, as in the service) can continue any user's real cursor.
# 40 % pending, 25 % in progress, 35 % completed; priority low 20 %, normal 45 %, high 25 %,
# urgent 10 %; 20 % without a due date, the others due at 9:00, 12:00 or 17:00 on a day from 30
# days ago to 90 days ahead (so many tasks share a due date and the id breaks the tie); 15 %
# without a description; titles and descriptions from a small vocabulary with accented words
# (Café, Überweisung, Chloé, İsmail) for the searches.
BIG_SEED_SQL = """\
WITH r AS (
  SELECT u.id AS uid, g, g %% 11 = 0 AS trashed,
         now() - (%(rows)d + 1 - g) * interval '235 minutes' AS created,
         hashint4(g * 8 + 1)::bigint + 2147483648 AS h1,
         hashint4(g * 8 + 2)::bigint + 2147483648 AS h2,
         hashint4(g * 8 + 3)::bigint + 2147483648 AS h3,
         hashint4(g * 8 + 4)::bigint + 2147483648 AS h4,
         hashint4(g * 8 + 5)::bigint + 2147483648 AS h5
  FROM users u CROSS JOIN generate_series(1, %(rows)d) g WHERE u.email LIKE 'bench-big-%%'
), t AS (
  SELECT r.*,
         CASE WHEN h1 %% 100 < 40 THEN 'pending' WHEN h1 %% 100 < 65 THEN 'in_progress' ELSE 'completed' END AS st,
         CASE WHEN trashed THEN greatest(created + interval '1 minute', now() - (h4 / 100 %% 8640) * interval '1 minute')
         END AS deleted,
         ARRAY['invoice','report','budget','slides','contract','release notes','meeting agenda','newsletter',
               'roadmap','backlog','expense claim','onboarding guide','test plan','press kit','offsite',
               'dentist appointment','tax return','car service','birthday gift','grocery list','Café order',
               'Überweisung','website copy','quarterly forecast','customer survey'] AS nouns
  FROM r
)
INSERT INTO tasks (user_id, title, description, status, priority, due_at, created_at, updated_at,
                   started_at, completed_at, version, deleted_at)
SELECT uid,
       (ARRAY['Review','Draft','Send','Fix','Plan','Call about','Update','Prepare','Check','Book','Write',
              'Clean up'])[1 + h2 %% 12] || ' ' || nouns[1 + h2 / 12 %% 25] || ' #' || g,
       CASE WHEN h3 %% 100 >= 15 THEN
         'Ask ' || (ARRAY['Ana','Bruno','Chloé','Dmitri','Eun-ji','Farah','Gustav','Hana','İsmail','João'])[1 + h3 / 100 %% 10]
         || ' about the ' || nouns[1 + h3 / 1000 %% 25] || ' before '
         || (ARRAY['Monday','Tuesday','Wednesday','Thursday','Friday'])[1 + h3 / 25000 %% 5] || '. '
         || (ARRAY['Needs sign-off from finance.','Blocked on legal review.','Low effort, high impact.',
                   'Everything is in the shared drive.','Follow up by email if there is no answer.',
                   'Second attempt after the last one bounced.'])[1 + h3 / 125000 %% 6]
       END,
       st,
       CASE WHEN h4 %% 100 < 20 THEN 0 WHEN h4 %% 100 < 65 THEN 1 WHEN h4 %% 100 < 90 THEN 2 ELSE 3 END,
       CASE WHEN h5 %% 100 >= 20 THEN date_trunc('day', now()) + (h5 / 100 %% 120 - 30) * interval '1 day'
                                     + (ARRAY[9, 12, 17])[1 + h5 / 12000 %% 3] * interval '1 hour' END,
       created,
       coalesce(deleted, least(now(), created + (h4 / 100 %% 72) * interval '1 hour')),
       CASE WHEN st <> 'pending' THEN created + interval '1 hour' END,
       CASE WHEN st = 'completed' THEN least(now(), created + (h1 / 100 %% 240 + 2) * interval '1 hour') END,
       1 + h2 / 300 %% 5,
       deleted
FROM t
ORDER BY uid, g
"""
# The q searches, each the next of these (as sent, URL-encoded by the Lua script's data): a plain
# word, an upper-case one, and two that need Unicode case folding (Chloé, Überweisung).
BIG_SEARCH_WORDS = ["invoice", "QUARTERLY", "chloé", "überweisung"]


def seed_big(small: list[dict]) -> dict:
    """BIG_USERS more users through the gateway, BIG_TASKS live tasks each plus a trash by SQL,
    and each user's real cursor of the second page (one GET each)."""
    rows = BIG_TASKS * 11 // 10
    log(f"seeding {BIG_USERS} users (register + login through the gateway) x {BIG_TASKS} live tasks "
        f"+ {rows - BIG_TASKS} in the trash")
    t0 = time.monotonic()
    users = register(BIG_EMAIL, BIG_USERS)
    uids = sorted(u["uid"] for u in users)
    if uids != list(range(uids[0], uids[0] + BIG_USERS)) or uids[0] <= max(u["uid"] for u in small):
        raise RuntimeError("the big users' ids are not one contiguous range after the others'")
    t_sql = time.monotonic()
    psql(BIG_SEED_SQL % {"rows": rows})
    psql("VACUUM ANALYZE tasks")
    psql("VACUUM ANALYZE users")  # every task query looks its owner up: plan it for 100 users, not 50
    t_sql = time.monotonic() - t_sql
    counts = psql("SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(*) FILTER (WHERE deleted_at IS NOT NULL) "
                  f"FROM tasks WHERE user_id BETWEEN {uids[0]} AND {uids[-1]}").strip().split("|")
    if [int(x) for x in counts] != [BIG_TASKS * BIG_USERS, (rows - BIG_TASKS) * BIG_USERS]:
        raise RuntimeError(f"big seed: {counts} live/trashed rows")

    first = {int(a): int(b) for a, b in (line.split("|") for line in psql(
        f"SELECT user_id, min(id) FROM tasks WHERE user_id BETWEEN {uids[0]} AND {uids[-1]} GROUP BY 1").split())}
    span = psql(f"SELECT max(id) - min(id) + 1 FROM tasks WHERE user_id BETWEEN {uids[0]} AND {uids[-1]}").strip()
    if int(span) != rows * BIG_USERS or any(first[uid] != first[uids[0]] + k * rows for k, uid in enumerate(uids)):
        raise RuntimeError("the big users' task ids are not contiguous in user order")

    # Each user's first page (which the "next page" scenario continues, by its cursor) and a check
    # of the other two requests.
    def first_page(u: dict) -> None:
        status, body = http("GET", f"{GATEWAY}/api/tasks?status=pending&sort=-due_at&limit=50", token=u["token"])
        if status != 200 or len(body.get("tasks", [])) != 50 or not body.get("next_cursor"):
            raise RuntimeError(f"first page of user {u['uid']}: {status} {str(body)[:200]}")
        u["cursor"] = body["next_cursor"]
        # The cursor is opaque to clients; the pgbench script needs the values it carries: the
        # last task's due date (microseconds) and id, base64url JSON before the MAC.
        payload = u["cursor"].split(".")[0]
        micros, last_id = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        last = body["tasks"][-1]
        if last_id != last["id"] or micros is None:
            raise RuntimeError(f"user {u['uid']}: the cursor {u['cursor']} does not name the page's last task {last}")
        at = datetime.datetime.fromtimestamp(micros // 1_000_000, datetime.timezone.utc)
        u["after_due"] = (at + datetime.timedelta(microseconds=micros % 1_000_000)).isoformat()
        u["after_id"] = last_id
        u["after_offset"] = last_id - first[u["uid"]]

    with concurrent.futures.ThreadPoolExecutor(max_workers=NPROC) as pool:
        list(pool.map(first_page, users))
    if len({(u["after_due"], u["after_offset"]) for u in users}) != 1:
        raise RuntimeError("the big users' first pages do not end at the same due date and id offset")
    u = users[0]
    status, body = http("GET", f"{GATEWAY}/api/tasks?status=pending&sort=-due_at&limit=50&cursor={u['cursor']}",
                        token=u["token"])
    if status != 200 or len(body.get("tasks", [])) != 50:
        raise RuntimeError(f"second page check failed: {status} {str(body)[:200]}")
    status, body = http("GET", f"{GATEWAY}/api/tasks/trash?limit=50", token=u["token"])
    if status != 200 or len(body.get("tasks", [])) != 50 or not body.get("next_cursor"):
        raise RuntimeError(f"trash check failed: {status} {str(body)[:200]}")
    words = [urllib.parse.quote(w) for w in BIG_SEARCH_WORDS]
    for w in words:
        status, body = http("GET", f"{GATEWAY}/api/tasks?q={w}&limit=50", token=u["token"])
        if status != 200 or not body.get("tasks"):
            raise RuntimeError(f"search check {w} failed: {status} {str(body)[:200]}")
    path = os.path.join(WORK, "big.lua")
    with open(path, "w") as f:
        f.write("return { users = {\n")
        for u in users:
            f.write(f"  {{ uid = {u['uid']}, token = {lua_str(u['token'])}, cursor = {lua_str(u['cursor'])} }},\n")
        f.write("}, words = { " + ", ".join(lua_str(w) for w in words) + " } }\n")
    log(f"seeded in {time.monotonic() - t0:.1f} s (the tasks by SQL and VACUUM ANALYZE: {t_sql:.1f} s)")
    return {"users": users, "lua": path, "minuid": uids[0], "maxuid": uids[-1], "first_id": first[uids[0]],
            "rows": rows, "after_due": u["after_due"], "after_offset": u["after_offset"]}


# ---------------------------------------------------------------- load generators

def wrk(name: str, url: str, script: str, conns: int, duration: int = DURATION, env: dict | None = None,
        threads: int = THREADS, timeout_s: int = 5) -> dict:
    cmd = ["wrk", f"-t{min(threads, conns)}", f"-c{conns}", f"-d{duration}s", f"--timeout={timeout_s}s",
           "-s", os.path.join(LUA, script), url]
    run_env = {**os.environ, "BENCH_LUA_DIR": LUA, "BENCH_DATA": os.path.join(WORK, "users.lua"), **(env or {})}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=run_env, timeout=duration + 60)
    match = re.search(r"^WRKJSON (\{.*\})$", proc.stdout, re.M)
    if proc.returncode != 0 or not match:
        raise RuntimeError(f"wrk {name} failed ({proc.returncode}): {proc.stdout[-800:]} {proc.stderr[-800:]}")
    raw = json.loads(match.group(1))
    lat = raw["latency_us"]
    c = raw["counters"]
    e = raw["errors"]
    socket_errors = e["connect"] + e["read"] + e["write"] + e["timeout"]
    if c["n2xx"] + c["n3xx"] + c["n4xx"] + c["n5xx"] > 0:  # counted by the script's response()
        non2xx = c["n3xx"] + c["n4xx"] + c["n5xx"]
        classes = {k: c[k] for k in ("n2xx", "n3xx", "n4xx", "n5xx")}
    else:  # counted by wrk: every answer with a status >= 400 (these scenarios never redirect)
        non2xx = e["status"]
        classes = {"below_400": raw["requests"] - e["status"], "400_or_more": e["status"]}
    return {
        "tool": "wrk",
        "command": " ".join(cmd).replace(ROOT + os.sep, ""),  # repo-relative: no machine paths in results
        "connections": conns,
        "duration_s": round(raw["duration_us"] / 1e6, 2),
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in lat.items() if k not in ("stdev",)},
        "non_2xx": non2xx,
        "status_classes": classes,
        "socket_errors": e,
        "errors": socket_errors,
        "ops": {k[3:]: v for k, v in c.items() if k.startswith("op_") and v},
        "extra": {k: c[k] for k in ("created", "delete_fallback") if c[k]},
        "mb_per_s": round(raw["bytes"] / 1e6 / (raw["duration_us"] / 1e6), 2),
    }


def oha(name: str, url: str, token: str, rate: float, conns: int = CONNS, duration: int = DURATION) -> dict:
    """Open loop: oha sends `rate` requests a second whatever the answers do (up to `conns` at a
    time), and measures each latency from when the request was due (`--latency-correction`), so a
    stall shows as the queue it builds, not as fewer requests (wrk's closed loop hides it)."""
    # -w: requests in flight at the deadline are waited for, not counted as errors
    cmd = ["oha", "-z", f"{duration}s", "-w", "-c", str(conns), "-q", str(int(rate)), "--latency-correction",
           "--no-tui", "--output-format", "json", "-H", f"Authorization: Bearer {token}", url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"oha {name} failed ({proc.returncode}): {proc.stderr[-800:]}")
    raw = json.loads(proc.stdout)
    summary, pct = raw["summary"], raw["latencyPercentiles"]
    codes = {int(k): v for k, v in (raw.get("statusCodeDistribution") or {}).items()}
    requests = sum(codes.values())
    errors = sum((raw.get("errorDistribution") or {}).values())
    ms = lambda x: round(1000 * (x or 0), 2)  # noqa: E731
    return {
        "tool": "oha",
        "command": " ".join(c if not c.startswith("Authorization") else "Authorization: Bearer <token>" for c in cmd),
        "connections": conns,
        "offered_rps": int(rate),
        "duration_s": round(summary["total"], 2),
        "requests": requests,
        "rps": round(summary["requestsPerSec"], 1),
        "latency_ms": {"p50": ms(pct["p50"]), "p75": ms(pct["p75"]), "p90": ms(pct["p90"]), "p95": ms(pct["p95"]),
                       "p99": ms(pct["p99"]), "max": ms(summary["slowest"])},
        "non_2xx": sum(v for k, v in codes.items() if not 200 <= k < 300),
        "errors": errors,
    }


SESSION_SETTINGS = ("-c statement_timeout=10000 -c idle_in_transaction_session_timeout=60000 "
                    "-c plan_cache_mode=force_generic_plan")


def pgbench(name: str, sql: str | list[str], defines: dict[str, int | str]) -> dict:
    """pgbench on one script, or on several of equal weight (each transaction picks one at random:
    how one query runs with several text values, which pgbench's \\set cannot choose from)."""
    scripts = [sql] if isinstance(sql, str) else sql
    files = []
    for n, text in enumerate(scripts):
        files.append(os.path.join(WORK, f"{name}.sql" if len(scripts) == 1 else f"{name}-{n + 1}.sql"))
        with open(files[-1], "w") as f:
            f.write(text)
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(CONNS), "-j", str(PGBENCH_JOBS), "-T", str(DURATION)]
    for path in files:
        cmd += ["-f", path if len(files) == 1 else f"{path}@1"]
    cmd += [f"-D{k}={v}" for k, v in defines.items()] + [DB_URL]
    # The services' session settings (shared/src/db/mod.rs, SessionSettings), so that the ceiling
    # runs the same SQL the same way: without force_generic_plan, PostgreSQL plans the list and
    # search statements again on every execution with the 1,000-task users in the table, and the
    # API beat its "ceiling" (list 1.07x, search 0.99x in the first run of 2026-12-02).
    env = {**os.environ, "PGOPTIONS": SESSION_SETTINGS}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=DURATION + 60, env=env)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", proc.stdout)
    if proc.returncode != 0 or not tps:
        raise RuntimeError(f"pgbench {name} failed ({proc.returncode}): {proc.stdout[-800:]} {proc.stderr[-800:]}")
    lat = re.search(r"latency average = ([\d.]+) ms", proc.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
    done = re.search(r"number of transactions actually processed: (\d+)", proc.stdout)
    return {
        "tool": "pgbench",
        "command": f"PGOPTIONS='{SESSION_SETTINGS}' " + " ".join(cmd[:-1]).replace(WORK + os.sep, "") + " <db>",
        "script": scripts[0] if len(scripts) == 1 else scripts,
        "connections": CONNS,
        "tps": round(float(tps.group(1)), 1),
        "transactions": int(done.group(1)) if done else None,
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "failed": int(failed.group(1)) if failed else 0,
    }


# The SQL the service runs, as Diesel writes it (seen in PostgreSQL's log with
# log_min_duration_statement = 0), with pgbench variables where Diesel binds parameters. Every
# query also checks that the caller's account is live (an EXISTS on users' primary key).
COLUMNS = ('"tasks"."id", "tasks"."title", "tasks"."description", "tasks"."status", "tasks"."user_id", '
           '"tasks"."created_at", "tasks"."updated_at", "tasks"."due_at", "tasks"."priority", "tasks"."started_at", '
           '"tasks"."completed_at", "tasks"."version", "tasks"."deleted_at"')
OWNER_LIVE = ('EXISTS (SELECT "users"."id", "users"."email", "users"."password_hash", "users"."created_at", '
              '"users"."updated_at", "users"."deleted_at" FROM "users" WHERE (("users"."id" = {uid}) AND '
              '("users"."deleted_at" IS NULL)))')


def owned_live(uid: str, owner: str) -> str:
    return f'((("tasks"."user_id" = {uid}) AND ("tasks"."deleted_at" IS NULL)) AND {OWNER_LIVE.format(uid=owner)})'


# Issue 17's four queries (on the users with 1,000 tasks; the limit is 51, a page of 50 and one more
# that says a next page exists), with $n for EXPLAIN and with pgbench variables below.
PAGE_Q = (f'SELECT {COLUMNS} FROM "tasks" WHERE ({owned_live("$1", "$2")} AND ("tasks"."status" = ANY($3))) '
          'ORDER BY "tasks"."due_at" DESC NULLS LAST, "tasks"."id" DESC LIMIT $4')
NEXT_Q = (f'SELECT {COLUMNS} FROM "tasks" WHERE (({owned_live("$1", "$2")} AND ("tasks"."status" = ANY($3))) AND '
          '((("tasks"."due_at" IS NULL) OR ("tasks"."due_at" < $4)) OR (("tasks"."due_at" = $5) AND ("tasks"."id" < $6)))) '
          'ORDER BY "tasks"."due_at" DESC NULLS LAST, "tasks"."id" DESC LIMIT $7')
# Diesel sends the search unnamed (its SQL has a literal fragment, which Diesel does not cache):
# the service's PostgreSQL parses and plans it for every request, pgbench -M prepared once per
# connection and script.
SEARCH_Q = (f'SELECT {COLUMNS} FROM "tasks" WHERE ({owned_live("$1", "$2")} AND (tasks.title COLLATE "und-x-icu" '
            'ILIKE $3 OR tasks.description COLLATE "und-x-icu" ILIKE $4)) ORDER BY "tasks"."id" ASC LIMIT $5')
TRASH_Q = (f'SELECT {COLUMNS} FROM "tasks" WHERE ((("tasks"."user_id" = $1) AND ("tasks"."deleted_at" > $2)) AND '
           f'{OWNER_LIVE.format(uid="$3")}) ORDER BY "tasks"."deleted_at" DESC, "tasks"."id" DESC LIMIT $4')


def pgbench_sql(query: str, variables: list[str]) -> str:
    """`query` with its $1, $2, ... replaced by pgbench variables (the last first, so $1 does not
    eat the 1 of $12)."""
    for n in range(len(variables), 0, -1):
        query = query.replace(f"${n}", ":" + variables[n - 1])
    return query + ";\n"


LIST_SQL = ("\\set uid random(:minuid, :maxuid)\n" + pgbench_sql(
    f'SELECT {COLUMNS} FROM "tasks" WHERE {owned_live("$1", "$2")} ORDER BY "tasks"."id" ASC', ["uid", "uid"]))
GET_SQL = ("\\set uid random(:minuid, :maxuid)\n\\set tid :mintask + (:uid - :minuid) * :per + random(0, :per - 1)\n"
           + pgbench_sql(f'SELECT {COLUMNS} FROM "tasks" WHERE ({owned_live("$1", "$2")} AND ("tasks"."id" = $3)) LIMIT $4',
                         ["uid", "uid", "tid", "one"]))
# The first page of the pending tasks by -due_at.
PAGE_SQL = "\\set uid random(:minbig, :maxbig)\n" + pgbench_sql(PAGE_Q, ["uid", "uid", "statuses", "lim"])
# The second page, after the values the user's cursor carries: the due date of the first page's
# last task (the same for every big user, as their tasks are laid out alike) and its id (at the
# same offset from the user's first id).
NEXT_SQL = ("\\set uid random(:minbig, :maxbig)\n\\set after_id :firstbig + (:uid - :minbig) * :rows + :offset\n"
            + pgbench_sql(NEXT_Q, ["uid", "uid", "statuses", "after_due", "after_due", "after_id", "lim"]))
# A search, one script per search word (:q1 ... :q4).
SEARCH_SQL = "\\set uid random(:minbig, :maxbig)\n" + pgbench_sql(SEARCH_Q, ["uid", "uid", "q%(n)d", "q%(n)d", "lim"])
# The trash, deleted after :since (7 days before the run; the service binds now - 7 days).
TRASH_SQL = "\\set uid random(:minbig, :maxbig)\n" + pgbench_sql(TRASH_Q, ["uid", "since", "uid", "lim"])


# ---------------------------------------------------------------- the run

def argon2_timing() -> dict:
    """30 argon2id hashes in each of `NPROC` processes at once, as auth-service runs one hasher a
    core: the hashing ceiling is what they do together (the sum of 1000 / median ms). Timing one
    process alone overstated it wherever two hashes slow each other down through the memory and
    the caches they share (one process alone 18-26 ms a hash, minutes apart, on the same host)."""
    procs = [subprocess.Popen([ARGON2_BIN, "30"], stdout=subprocess.PIPE, text=True) for _ in range(NPROC)]
    runs = []
    for proc in procs:
        out = proc.communicate(timeout=300)[0]
        if proc.returncode != 0:
            raise RuntimeError(f"{ARGON2_BIN} failed ({proc.returncode})")
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "params": runs[0]["params"],
        "median_ms": round(statistics.median(r["median_ms"] for r in runs), 3),
        "min_ms": min(r["min_ms"] for r in runs),
        "max_ms": max(r["max_ms"] for r in runs),
        "per_process": runs,
        "ceiling_hashes_per_s": round(sum(1000.0 / r["median_ms"] for r in runs), 1),
        "cores": NPROC,
    }


def machine() -> dict:
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {
        "hostname": platform.node(),
        "nproc": NPROC,
        "cpu_model": model,
        "mem_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "loadavg_start": ENV.get("BENCH_LOADAVG_START") or open("/proc/loadavg").read().split()[:3],
    }


def versions() -> dict:
    def out(cmd: list[str]) -> str:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "unknown"
    return {
        "wrk": out(["wrk", "-v"]),
        "pgbench": out(["pgbench", "--version"]),
        "postgres": psql("SHOW server_version").strip(),
        "git_commit": out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
    }


def main() -> int:
    started = datetime.datetime.now(datetime.timezone.utc)
    results: dict = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "duration_s": DURATION, "rounds": ROUNDS, "connections": CONNS, "login_connections": LOGIN_CONNS, "wrk_threads": THREADS,
            "pgbench_jobs": PGBENCH_JOBS,
            "users": USERS, "tasks_per_user": TASKS_PER_USER,
            "big_users": BIG_USERS, "big_tasks_per_user": BIG_TASKS, "big_trash_per_user": BIG_TASKS // 10,
            "calm_list": {"connections": CALM_CONNS, "delay_ms": CALM_DELAY_MS},
            "service_env": {k: ENV.get(k, "") for k in ("DB_POOL_SIZE", "HTTP_WORKERS", "RUST_LOG", "HASH_CONCURRENCY",
                                                       "HASH_QUEUE_TIMEOUT_MS", "MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX",
                                                       "GLIBC_TUNABLES")},
        },
        "scenarios": {},
    }
    log(f"machine: {results['machine']['nproc']} x {results['machine']['cpu_model']}, "
        f"load average at start {results['machine']['loadavg_start']}")

    log(f"argon2id timing (m=19456, t=2, p=1, release, 30 runs in each of {NPROC} processes at once)")
    results["argon2"] = argon2_timing()
    log(f"argon2id median {results['argon2']['median_ms']} ms -> ceiling "
        f"{results['argon2']['ceiling_hashes_per_s']} hashes/s ({NPROC} hashing at once)")

    global STATEMENTS
    STATEMENTS = psql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'").strip() == "1"
    if not STATEMENTS:
        log("pg_stat_statements is not loaded: no statements per request in this run "
            "(make tools loads it on a local Debian cluster; else shared_preload_libraries)")
    data = seed()
    users = data["users"]
    uids = [u["uid"] for u in users]
    first_task = min(min(u["tasks"]) for u in users)
    # The get script computes a user's task ids from its position; check that layout holds.
    for u in users:
        base = first_task + (u["uid"] - min(uids)) * TASKS_PER_USER
        if u["tasks"] != list(range(base, base + TASKS_PER_USER)) or sorted(uids) != list(range(min(uids), min(uids) + USERS)):
            raise RuntimeError("seeded ids are not contiguous; the pgbench get script would miss")
    defines = {"minuid": min(uids), "maxuid": max(uids), "mintask": first_task, "per": TASKS_PER_USER, "one": 1}
    big = seed_big(users) if BIG_USERS else None
    if big:
        results["plans"] = explain_plans(big)
        log("EXPLAIN (ANALYZE, BUFFERS) of issue 17's queries: in the JSON under 'plans'")

    sc = results["scenarios"]

    def scenario(key: str, title: str, fn, **meta) -> dict:
        dead = services_alive()
        if dead:
            raise RuntimeError(f"service(s) died before {key}: {dead}")
        log(f"{title} ...")
        statements_reset()
        with Monitor() as mon:
            res = fn()
        res.update(title=title, resources=mon.result, **meta)
        res["statements"] = statements(res.get("requests") or res.get("transactions"))
        sc[key] = res
        p99 = res.get("latency_ms", {}).get("p99")
        log(f"  -> {rate(res)} /s" + (f", p99 {p99} ms, non-2xx {res['non_2xx']}, errors {res['errors']}" if p99 is not None else ""))
        time.sleep(1)
        return res

    # Warm-up: fills the pools, caches and prepared-statement caches; not recorded.
    log("warm-up (5 s list through the gateway, not recorded)")
    wrk("warmup", GATEWAY, "list.lua", CONNS, duration=5)

    scenario("generator_ceiling", "wrk ceiling: GET /docs (static 307 from the gateway, no upstream)",
             lambda: wrk("static", f"{GATEWAY}/docs", "static.lua", CONNS),
             note="3xx is the expected answer here; it shows what wrk + actix can do on this box")
    paired(scenario, sc, [
        ("pgbench_list", "pgbench: the list query (ceiling for list)", lambda: pgbench("list", LIST_SQL, defines), {}),
        ("list_gateway", "list own tasks via gateway", lambda: wrk("list", GATEWAY, "list.lua", CONNS),
         {"ceiling": "pgbench_list"}),
        ("list_direct", "list own tasks direct to task-service", lambda: wrk("list-direct", TASKS, "list.lua", CONNS),
         {"ceiling": "pgbench_list"}),
        ("pgbench_get", "pgbench: the get query (ceiling for get)", lambda: pgbench("get", GET_SQL, defines), {}),
        ("get_gateway", "get one own task via gateway", lambda: wrk("get", GATEWAY, "get.lua", CONNS),
         {"ceiling": "pgbench_get"}),
        ("get_traced", "get one own task via gateway, tracing on (OTLP to a local sink)",
         lambda: traced(lambda: wrk("get-traced", TRACED_GATEWAY, "get.lua", CONNS)), {"ceiling": "pgbench_get"}),
    ])
    # Open loop at 50 % and 80 % of the list maximum just measured (its median round): latency
    # under a load the service keeps up with, the way users meet it.
    for pct in (50, 80):
        offered = sc["list_gateway"]["rps"] * pct / 100
        scenario(f"list_open_{pct}", f"list via gateway, open loop at {pct}% of the list maximum ({offered:.0f} req/s)",
                 lambda offered=offered: oha(f"list-open-{pct}", f"{GATEWAY}/api/tasks", users[0]["token"], offered),
                 share_of_max=pct / 100)
    if big:
        paired(scenario, sc, issue17_plan(big))
    scenario("mix_gateway", "mix 35% list, 35% get, 15% update, 10% create, 5% delete via gateway",
             lambda: wrk("mix", GATEWAY, "mix.lua", CONNS), ceiling="pgbench_list")
    # Put the data set back to 20 live tasks a user for the scenarios after the mix.
    psql("DELETE FROM tasks WHERE title LIKE 'bench-mix created%'; "
         "UPDATE tasks SET title = 'Seeded task', status = 'pending' WHERE title LIKE 'bench-mix updated%'")
    psql("VACUUM ANALYZE tasks")
    scenario("login", f"login via gateway ({LOGIN_CONNS} connections, correct passwords)",
             lambda: wrk("login", GATEWAY, "login.lua", LOGIN_CONNS, timeout_s=10))

    calm_env = {"BENCH_DELAY_MS": str(CALM_DELAY_MS)}
    scenario("list_calm", f"list at a steady rate alone ({CALM_CONNS} conns, {CALM_DELAY_MS} ms between requests)",
             lambda: wrk("list-calm", GATEWAY, "list.lua", CALM_CONNS, env=calm_env, threads=1))

    def storm() -> dict:
        box: dict = {}

        def run_login() -> None:
            try:
                box["login"] = wrk("storm-login", GATEWAY, "login.lua", LOGIN_CONNS, timeout_s=10)
            except Exception as e:  # reported below
                box["login_error"] = str(e)

        t = threading.Thread(target=run_login)
        t.start()
        time.sleep(0.5)  # the storm is on before the measured list load starts
        res = wrk("list-storm", GATEWAY, "list.lua", CALM_CONNS, duration=DURATION - 1, env=calm_env, threads=1)
        t.join()
        if "login_error" in box:
            raise RuntimeError(box["login_error"])
        res["login_storm"] = box["login"]
        return res

    scenario("list_during_login_storm", f"same steady list load during a login storm ({LOGIN_CONNS} conns)", storm)

    time.sleep(2)
    final = {}
    for name, pid in PIDS.items():
        mem = proc_mem_kib(pid)
        final[name] = {"rss_mib": round(mem["VmRSS"] / 1024, 1), "hwm_mib": round(mem["VmHWM"] / 1024, 1),
                       "cpu_s_total": round(proc_cpu_s(pid), 2)}
    results["services_after_run"] = final
    results["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    results["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    for key, res in sc.items():
        if "ceiling" in res and "ratio_to_ceiling" not in res:  # not in the rounds: the median ceiling
            res["ratio_to_ceiling"] = round(res["rps"] / sc[res["ceiling"]]["tps"], 3)
    results["targets"] = evaluate(results)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print_table(results)
    log(f"wrote {os.path.relpath(OUT, ROOT)}")
    return 0


def issue17_plan(big: dict) -> list:
    """Issue 17's lists on the users with 1,000 tasks, each after the pgbench ceiling of its SQL."""
    d = {"minbig": big["minuid"], "maxbig": big["maxuid"], "lim": 51, "statuses": "{pending}"}
    cursor = {"after_due": big["after_due"], "firstbig": big["first_id"], "rows": big["rows"], "offset": big["after_offset"]}
    searches = {f"q{n + 1}": "%" + w + "%" for n, w in enumerate(BIG_SEARCH_WORDS)}  # no %, _ or \ to escape

    def since() -> dict:  # what the service binds: now - the 7 days of the trash
        return {"since": (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=7)).isoformat()}

    def lists(name: str, kind: str):
        return lambda: wrk(name, GATEWAY, "lists.lua", CONNS, env={"BENCH_DATA": big["lua"], "BENCH_LIST": kind})

    return [
        ("pgbench_page", "pgbench: first page, pending by -due_at (ceiling for page)",
         lambda: pgbench("page", PAGE_SQL, d), {}),
        ("page_gateway", "first page of 50 pending tasks by -due_at via gateway", lists("page", "page"),
         {"ceiling": "pgbench_page"}),
        ("pgbench_next", "pgbench: second page after its cursor (ceiling for next)",
         lambda: pgbench("next", NEXT_SQL, d | cursor), {}),
        ("next_gateway", "second page by the first page's cursor via gateway", lists("next", "next"),
         {"ceiling": "pgbench_next"}),
        ("pgbench_search", "pgbench: q search, a page of 50 (ceiling for search)",
         lambda: pgbench("search", [SEARCH_SQL % {"n": n + 1} for n in range(len(BIG_SEARCH_WORDS))], d | searches), {}),
        ("search_gateway", f"q search ({', '.join(BIG_SEARCH_WORDS)}), limit 50, via gateway", lists("search", "search"),
         {"ceiling": "pgbench_search"}),
        ("pgbench_trash", "pgbench: the trash, a page of 50 (ceiling for trash)",
         lambda: pgbench("trash", TRASH_SQL, d | since()), {}),
        ("trash_gateway", "trash list, a page of 50, via gateway", lists("trash", "trash"),
         {"ceiling": "pgbench_trash"}),
    ]


def explain_plans(big: dict) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of issue 17's queries for the first big user, as prepared
    statements after six executions (PostgreSQL decides at the sixth whether a statement keeps a
    generic plan, as the service's cached statements then do). The search's first execution is
    shown too: the service sends that one unnamed, so it always gets a plan for its values."""
    u = big["users"][0]
    lit = lambda v: "'" + str(v).replace("'", "''") + "'"  # noqa: E731
    uid, pending = u["uid"], lit("{pending}")
    queries = {
        "page": (PAGE_Q, "bigint, bigint, text[], bigint", [uid, uid, pending, 51]),
        "next": (NEXT_Q, "bigint, bigint, text[], timestamptz, timestamptz, bigint, bigint",
                 [uid, uid, pending, lit(u["after_due"]), lit(u["after_due"]), u["after_id"], 51]),
        "trash": (TRASH_Q, "bigint, timestamptz, bigint, bigint", [uid, "now() - interval '7 days'", uid, 51]),
    }
    for w in BIG_SEARCH_WORDS:
        queries[f"search {w}"] = (SEARCH_Q, "bigint, bigint, text, text, bigint", [uid, uid, lit(f"%{w}%"), lit(f"%{w}%"), 51])
    plans = {}
    for name, (sql, types, args) in queries.items():
        execute = f"EXECUTE q({', '.join(map(str, args))});"
        explain = f"EXPLAIN (ANALYZE, BUFFERS) {execute}"
        script = os.path.join(WORK, "explain.sql")
        with open(script, "w") as f:
            f.write(f"PREPARE q({types}) AS {sql};\n")
            if name.startswith("search"):
                f.write(f"\\echo '-- first execution (a custom plan, as for the service)'\n{explain}\n")
            f.write("\\o /dev/null\n" + f"{execute}\n" * 6 + "\\o\n")
            f.write(f"\\echo '-- after six executions (the plan the statement keeps)'\n{explain}\n")
        proc = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", DB_URL, "-f", script],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"EXPLAIN {name} failed: {proc.stderr.strip()}")
        plans[name] = proc.stdout.rstrip()
    return plans


ISSUE17 = ("page_gateway", "next_gateway", "search_gateway", "trash_gateway")
ISSUE17_ROUNDS = ("pgbench_page", "page_gateway", "pgbench_next", "next_gateway", "pgbench_search", "search_gateway",
                  "pgbench_trash", "trash_gateway")


def traced(run) -> dict:
    """`run` against the tracing pair, with what reached the OTLP sink meanwhile (exports, bytes)."""
    before = json.load(urllib.request.urlopen(f"{OTLP_SINK}/stats", timeout=5))
    res = run()
    time.sleep(6)  # the batch exporter sends every 5 s
    after = json.load(urllib.request.urlopen(f"{OTLP_SINK}/stats", timeout=5))
    res["otlp_exported"] = {k: after[k] - before[k] for k in after}
    if not res["otlp_exported"]["exports"]:
        raise RuntimeError("tracing on, but nothing reached the OTLP sink")
    return res


def rate(res: dict) -> float:
    return res.get("rps", res.get("tps"))


def paired(scenario, sc: dict, plan: list) -> None:
    """Runs `plan` (ceilings, each followed by the scenarios compared with it) ROUNDS times.

    The machine's speed drifts by tens of percent within minutes (bench/README.md), so a ratio
    divides two numbers measured side by side, in the same round, and the report keeps medians:
    each scenario's figures are those of its median round (by rate), its `ratio_to_ceiling` is the
    median of its per-round ratios, and every round is kept under `rounds`.
    """
    runs: dict[str, list[dict]] = {key: [] for key, *_ in plan}
    for n in range(1, ROUNDS + 1):
        log(f"round {n} of {ROUNDS}")
        for key, title, fn, meta in plan:
            runs[key].append(scenario(key, title, fn, **meta))
    results = {}
    for key, rounds in runs.items():
        median = sorted(rounds, key=rate)[(len(rounds) - 1) // 2]
        results[key] = dict(median, rounds=[
            {"rate": rate(x), "p99_ms": x.get("latency_ms", {}).get("p99"),
             "non_2xx": x.get("non_2xx", 0), "errors": x.get("errors", x.get("failed", 0))} for x in rounds])
    for key, res in results.items():
        if "ceiling" in res:
            ratios = [rate(a) / rate(c) for a, c in zip(runs[key], runs[res["ceiling"]])]
            res["ratio_rounds"] = [round(x, 3) for x in ratios]
            res["ratio_to_ceiling"] = round(statistics.median(ratios), 3)
    if "get_traced" in runs and "get_gateway" in runs:
        cost = [1 - rate(t) / rate(g) for t, g in zip(runs["get_traced"], runs["get_gateway"])]
        results["get_traced"]["cost_vs_off_rounds"] = [round(x, 3) for x in cost]
        results["get_traced"]["cost_vs_off"] = round(statistics.median(cost), 3)
    if "list_gateway" in runs and "list_direct" in runs:
        cost = [1 - rate(g) / rate(d) for g, d in zip(runs["list_gateway"], runs["list_direct"])]
        results["list_gateway"]["gateway_cost_rounds"] = [round(x, 3) for x in cost]
    sc.update(results)


def evaluate(r: dict) -> list[dict]:
    sc = r["scenarios"]
    lg, ld, gg = sc["list_gateway"], sc["list_direct"], sc["get_gateway"]
    calm, storm = sc["list_calm"], sc["list_during_login_storm"]
    login = sc["login"]
    targets = []

    def add(name: str, met: bool, value: str, goal: str) -> None:
        targets.append({"target": name, "met": bool(met), "value": value, "goal": goal})

    def listed(values, fmt: str) -> str:
        return ", ".join(format(x, fmt) for x in values)

    # Issue 21's targets.
    add("list via gateway vs pgbench list ceiling", lg["ratio_to_ceiling"] >= 0.6,
        f"{lg['ratio_to_ceiling']:.2f}x, median of rounds {listed(lg['ratio_rounds'], '.2f')}", ">= 0.6x")
    add("list via gateway p99", lg["latency_ms"]["p99"] < 20,
        f"{lg['latency_ms']['p99']:.1f} ms in the median round (rounds {listed((x['p99_ms'] for x in lg['rounds']), '.1f')})", "< 20 ms")
    if "list_open_50" in sc:
        o = sc["list_open_50"]
        add("list open loop at 50% of the maximum, p99", o["latency_ms"]["p99"] < 10 and o["non_2xx"] + o["errors"] == 0,
            f"{o['latency_ms']['p99']:.1f} ms at {o['rps']:.0f} of {o['offered_rps']} req/s offered (p50 {o['latency_ms']['p50']:.1f})",
            "< 10 ms, 0 errors")
    bad = sum(x["non_2xx"] for x in lg["rounds"]), sum(x["errors"] for x in lg["rounds"])
    add("list via gateway errors", sum(bad) == 0, f"{bad[0]} non-2xx, {bad[1]} socket errors in all rounds", "0")
    add("get via gateway vs pgbench get ceiling", gg["ratio_to_ceiling"] >= 0.4,
        f"{gg['ratio_to_ceiling']:.2f}x, median of rounds {listed(gg['ratio_rounds'], '.2f')}", ">= 0.4x")
    pg = sc["pgbench_get"]

    def db_us(x: dict) -> float:
        return 1e6 * x["resources"]["db_backends_cpu_s"] / max(1, x.get("requests") or x.get("transactions") or 1)

    add("PostgreSQL CPU per get vs pgbench's per transaction", db_us(gg) <= 1.2 * db_us(pg),
        f"{db_us(gg):.0f} vs {db_us(pg):.0f} us ({db_us(gg) / max(db_us(pg), 0.001):.2f}x, median rounds)", "<= 1.2x")
    cost = statistics.median(lg["gateway_cost_rounds"])
    r["gateway_cost"] = {"throughput_loss": round(cost, 3), "rounds": lg["gateway_cost_rounds"],
                         "p50_added_ms": round(lg["latency_ms"]["p50"] - ld["latency_ms"]["p50"], 2),
                         "p99_added_ms": round(lg["latency_ms"]["p99"] - ld["latency_ms"]["p99"], 2)}
    add("gateway cost (list, gateway vs direct throughput)", cost < 0.25,
        f"{100 * cost:.0f}%, median of rounds " + ", ".join(f"{100 * x:.0f}%" for x in lg["gateway_cost_rounds"]),
        "< 25%")
    big = {n: v["rss_mib"] for n, v in r["services_after_run"].items()}
    add("every service's RSS after the run", all(v < 32 for v in big.values()),
        ", ".join(f"{n} {v:.1f}" for n, v in big.items()) + " MiB", "< 32 MiB each")
    ratio = storm["latency_ms"]["p99"] / max(calm["latency_ms"]["p99"], 0.001)
    failures = storm["non_2xx"] + storm["errors"] + storm["login_storm"]["non_2xx"] + storm["login_storm"]["errors"] \
        + calm["non_2xx"] + calm["errors"]
    add("list p99 during login storm vs calm", ratio <= 2 and failures == 0,
        f"{ratio:.1f}x ({storm['latency_ms']['p99']:.1f} vs {calm['latency_ms']['p99']:.1f} ms), {failures} failures; "
        f"rate held {storm['rps']:.0f} of {calm['rps']:.0f} /s (closed loop: a slower rate hides latency)",
        "<= 2x, no failures")
    for key in ISSUE17:
        if key not in sc:
            continue
        x = sc[key]
        bad = sum(y["non_2xx"] for y in x["rounds"]), sum(y["errors"] for y in x["rounds"])
        add(f"{short_name(key)} vs pgbench (issue 17)", x["ratio_to_ceiling"] >= 0.5 and sum(bad) == 0,
            f"{x['ratio_to_ceiling']:.2f}x, median of rounds {listed(x['ratio_rounds'], '.2f')}; p99 "
            f"{x['latency_ms']['p99']:.1f} ms; {bad[0]} non-2xx, {bad[1]} socket errors", ">= 0.5x, 0 errors")
    ceiling = r["argon2"]["ceiling_hashes_per_s"]
    auth_cpu = login["resources"]["services"]["auth-service"].get("cpu_s", 0)
    cpu_ms = 1000 * auth_cpu / max(1, login["requests"])
    r["login_cost"] = {"auth_cpu_ms_per_login": round(cpu_ms, 1), "hash_median_ms": r["argon2"]["median_ms"],
                       "auth_cores_used": login["resources"]["services"]["auth-service"].get("cpu_cores")}
    add("logins/s vs hashing ceiling", login["rps"] >= 0.8 * ceiling and login["non_2xx"] + login["errors"] == 0,
        f"{login['rps']:.1f} vs {ceiling:.1f} /s ({100 * login['rps'] / ceiling:.0f}%); auth-service spent "
        f"{cpu_ms:.1f} CPU-ms a login on {r['login_cost']['auth_cores_used']} cores", ">= 80%")
    return targets


SHORT = {
    "generator_ceiling": "wrk ceiling (static 307)", "pgbench_list": "pgbench list (ceiling)",
    "pgbench_get": "pgbench get (ceiling)", "list_gateway": "list via gateway", "list_direct": "list direct :task",
    "get_gateway": "get via gateway", "get_traced": "get via gateway, traced",
    "list_open_50": "list open loop at 50%", "list_open_80": "list open loop at 80%",
    "pgbench_page": "pgbench page (ceiling)", "page_gateway": "page 1 via gateway",
    "pgbench_next": "pgbench next (ceiling)", "next_gateway": "page 2 via gateway",
    "pgbench_search": "pgbench search (ceiling)", "search_gateway": "search via gateway",
    "pgbench_trash": "pgbench trash (ceiling)", "trash_gateway": "trash via gateway",
    "mix_gateway": "mix via gateway", "login": "login via gateway",
    "list_calm": "list steady, calm", "list_during_login_storm": "list steady, login storm",
}


def short_name(key: str) -> str:
    return SHORT.get(key, key)


def print_table(r: dict) -> None:
    sc = r["scenarios"]
    names = list(PIDS)
    head = f"{'scenario':<27}{'req/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'non2xx':>8}{'err':>6}{'x ceil':>8}"
    head += "".join(f"{n[:4] + ' cpu/rss':>16}" for n in names)
    print()
    m = r["machine"]
    print(f"taskhub bench  {r['started_at']}  {m['nproc']} x {m['cpu_model']}  load avg at start {m['loadavg_start']}")
    print(f"{DURATION} s per scenario, {CONNS} connections (login {LOGIN_CONNS}), latencies in ms; "
          f"cpu = CPU seconds used by the service in the scenario, rss = its peak RSS in MiB")
    print(head)
    print("-" * len(head))
    for key, res in sc.items():
        row = f"{short_name(key):<27}{rate(res):>9.0f}"
        if "latency_ms" in res:
            l = res["latency_ms"]
            row += f"{l['p50']:>8.1f}{l['p95']:>8.1f}{l['p99']:>8.1f}{l['max']:>8.0f}{res['non_2xx']:>8}{res['errors']:>6}"
        else:
            row += f"{'avg ' + format(res['latency_avg_ms'], '.1f'):>16}{'':>16}{res['failed']:>6}"
        row += f"{res['ratio_to_ceiling']:>8.2f}" if "ratio_to_ceiling" in res else f"{'':>8}"
        for n in names:
            s = res["resources"]["services"].get(n, {})
            row += f"{format(s.get('cpu_s', 0), '.1f') + ' / ' + format(s.get('peak_rss_mib', 0), '.0f'):>16}"
        print(row)
        if key == "list_during_login_storm":
            ls = res["login_storm"]
            print(f"{'  (login storm beside it)':<27}{ls['rps']:>9.0f}{ls['latency_ms']['p50']:>8.1f}"
                  f"{ls['latency_ms']['p95']:>8.1f}{ls['latency_ms']['p99']:>8.1f}{ls['latency_ms']['max']:>8.0f}"
                  f"{ls['non_2xx']:>8}{ls['errors']:>6}")
    print(f"\n{ROUNDS} rounds of the ceilings and the scenarios compared with them, side by side; their rows above are "
          f"the median round, and 'x ceil' is the median of the per-round ratios. Each round (req/s or tps):")
    for key in ("pgbench_list", "list_gateway", "list_direct", "pgbench_get", "get_gateway", "get_traced") + ISSUE17_ROUNDS:
        if key not in sc:
            continue
        res = sc[key]
        line = f"  {short_name(key):<25}" + "".join(f"{x['rate']:>9.0f}" for x in res["rounds"])
        if "ratio_rounds" in res:
            line += "    x ceil " + " ".join(f"{x:.2f}" for x in res["ratio_rounds"])
        print(line)
    print("\nMachine time a request in microseconds (CPU seconds over requests, median round; pgbench: a "
          "transaction), by process; 'other' is the rest of the machine's busy time (kernel, and whatever else runs):")
    print(f"  {'':<25}{'task':>8}{'gateway':>9}{'postgres':>10}{'loadgen':>9}{'other':>8}{'total':>8}")
    for key in ("pgbench_list", "list_gateway", "list_direct", "pgbench_get", "get_gateway", "get_traced") + ISSUE17_ROUNDS:
        if key not in sc:
            continue
        res = sc[key]
        m = res["resources"]
        n = res.get("requests") or res.get("transactions")
        if not n or "db_backends_cpu_s" not in m:
            continue
        svc = m["services"]
        pair = "-traced" if key == "get_traced" else ""  # the tracing-on pair serves that one
        task = svc.get("task-service" + pair, {}).get("cpu_s", 0)
        gate = svc.get("gateway" + pair, {}).get("cpu_s", 0)
        auth = svc.get("auth-service", {}).get("cpu_s", 0)
        total = m["machine_cpu_busy_pct"] / 100 * NPROC * m["wall_s"]
        other = total - task - gate - auth - m["db_backends_cpu_s"] - m["load_generator_cpu_s"]
        us = lambda x: f"{1e6 * x / n:.0f}"  # noqa: E731
        print(f"  {short_name(key):<25}{us(task):>8}{us(gate):>9}{us(m['db_backends_cpu_s']):>10}"
              f"{us(m['load_generator_cpu_s']):>9}{us(other):>8}{us(total):>8}")
    print("\nStatements PostgreSQL ran (pg_stat_statements, median round): calls per request or transaction, mean ms")
    for key in ("pgbench_list", "list_gateway", "pgbench_get", "get_gateway", "mix_gateway") + ISSUE17_ROUNDS:
        for st in sc.get(key, {}).get("statements", [])[:4]:
            print(f"  {short_name(key):<25}{st['per_request'] or 0:>6.2f}{st['mean_ms']:>8.3f}  {st['query'][:90]}")
    a = r["argon2"]
    print(f"\nargon2id m=19456 t=2 p=1: median {a['median_ms']:.1f} ms (min {a['min_ms']:.1f}, max {a['max_ms']:.1f}) "
          f"-> hashing ceiling {a['ceiling_hashes_per_s']:.1f} hashes/s ({a['cores']} hashing at once); "
          f"measured logins/s {sc['login']['rps']:.1f}")
    g = r["gateway_cost"]
    print(f"gateway cost on list: {100 * g['throughput_loss']:.0f}% throughput (median of rounds "
          + ", ".join(f"{100 * x:.0f}%" for x in g["rounds"])
          + f"), +{g['p50_added_ms']} ms p50, +{g['p99_added_ms']} ms p99 (median rounds)")
    if "get_traced" in sc:
        t, g = sc["get_traced"], sc["get_gateway"]
        print(f"tracing on (get, every span exported to the local OTLP sink): {100 * t['cost_vs_off']:.0f}% throughput "
              f"(median of rounds " + ", ".join(f"{100 * x:.0f}%" for x in t["cost_vs_off_rounds"])
              + f"), p99 {t['latency_ms']['p99']:.1f} vs {g['latency_ms']['p99']:.1f} ms off; "
              f"{t['otlp_exported']['exports']} exports, {t['otlp_exported']['bytes'] / 1e6:.1f} MB in the median round")
    print("services after the run: " + ", ".join(
        f"{n} RSS {v['rss_mib']} MiB (high-water {v['hwm_mib']}), {v['cpu_s_total']} CPU-s" for n, v in r["services_after_run"].items()))
    print(f"load average at end: {r['loadavg_end']}\n")
    print("targets:")
    for t in r["targets"]:
        print(f"  [{'met' if t['met'] else 'NOT MET':>7}] {t['target']}: {t['value']} (goal {t['goal']})")
    print()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a clear one-line reason; bench.sh's trap cleans up
        log(f"ERROR: {e}")
        sys.exit(1)
