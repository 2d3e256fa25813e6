#!/usr/bin/env python3
"""taskhub load benchmark: the scenarios, the ceilings, the table and bench/results/latest.json.

Started by scripts/bench.sh, which builds the binaries, creates the database, starts the three
services and stops everything afterwards. This file only drives load and reports; it reads its
settings from the environment that bench.sh sets (see the BENCH_* names below).
Standard library only.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import os
import platform
import re
import subprocess
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

ENV = os.environ
ROOT = ENV.get("BENCH_ROOT", os.getcwd())
WORK = ENV["BENCH_WORK"]  # scratch dir, removed by bench.sh
GATEWAY = ENV["BENCH_GATEWAY_URL"]
TASKS = ENV["BENCH_TASKS_URL"]
AUTH = ENV["BENCH_AUTH_URL"]
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


def system_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


class Monitor:
    """Per-service CPU seconds and peak RSS over one scenario (RSS sampled every 100 ms)."""

    def __init__(self) -> None:
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()

    def __enter__(self) -> "Monitor":
        self.cpu0 = {name: proc_cpu_s(pid) for name, pid in PIDS.items()}
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
            self._stop.wait(0.1)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self.t0
        busy1, total1 = system_busy()
        busy0, total0 = self.sys0
        self.result = {
            "wall_s": round(wall, 2),
            "machine_cpu_busy_pct": round(100.0 * (busy1 - busy0) / max(1, total1 - total0), 1),
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


def lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def seed() -> dict:
    """50 users registered and logged in through the gateway (real tokens), 20 tasks each by SQL."""
    log(f"seeding {USERS} users (register + login through the gateway) x {TASKS_PER_USER} tasks")

    def one(i: int) -> dict:
        email, password = EMAIL.format(i=i), PASSWORD.format(i=i)
        status, body = http("POST", f"{GATEWAY}/api/auth/register", {"email": email, "password": password})
        if status != 201:
            raise RuntimeError(f"register {email}: {status} {body}")
        status, tok = http("POST", f"{GATEWAY}/api/auth/login", {"email": email, "password": password})
        if status != 200 or "access_token" not in tok:
            raise RuntimeError(f"login {email}: {status} {tok}")
        return {"uid": body["id"], "email": email, "password": password, "token": tok["access_token"]}

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=NPROC) as pool:
        users = list(pool.map(one, range(1, USERS + 1)))
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


# ---------------------------------------------------------------- load generators

def wrk(name: str, url: str, script: str, conns: int, duration: int = DURATION, env: dict | None = None,
        threads: int = THREADS, timeout_s: int = 5) -> dict:
    cmd = ["wrk", f"-t{min(threads, conns)}", f"-c{conns}", f"-d{duration}s", f"--timeout={timeout_s}s",
           "-s", os.path.join(LUA, script), url]
    run_env = dict(os.environ, BENCH_LUA_DIR=LUA, BENCH_DATA=os.path.join(WORK, "users.lua"), **(env or {}))
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


def pgbench(name: str, sql: str, defines: dict[str, int]) -> dict:
    script = os.path.join(WORK, f"{name}.sql")
    with open(script, "w") as f:
        f.write(sql)
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(CONNS), "-j", str(PGBENCH_JOBS), "-T", str(DURATION),
           "-f", script] + [f"-D{k}={v}" for k, v in defines.items()] + [DB_URL]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=DURATION + 60)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", proc.stdout)
    if proc.returncode != 0 or not tps:
        raise RuntimeError(f"pgbench {name} failed ({proc.returncode}): {proc.stdout[-800:]} {proc.stderr[-800:]}")
    lat = re.search(r"latency average = ([\d.]+) ms", proc.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
    done = re.search(r"number of transactions actually processed: (\d+)", proc.stdout)
    return {
        "tool": "pgbench",
        "command": " ".join(cmd[:-1]) + " <db>",
        "script": sql,
        "connections": CONNS,
        "tps": round(float(tps.group(1)), 1),
        "transactions": int(done.group(1)) if done else None,
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "failed": int(failed.group(1)) if failed else 0,
    }


LIST_SQL = """\\set uid random(:minuid, :maxuid)
SELECT id, title, description, status, user_id, created_at, updated_at FROM tasks WHERE user_id = :uid AND deleted_at IS NULL ORDER BY id;
"""
GET_SQL = """\\set uid random(:minuid, :maxuid)
\\set tid :mintask + (:uid - :minuid) * :per + random(0, :per - 1)
SELECT id, title, description, status, user_id, created_at, updated_at FROM tasks WHERE user_id = :uid AND deleted_at IS NULL AND id = :tid LIMIT 1;
"""


# ---------------------------------------------------------------- the run

def argon2_timing() -> dict:
    proc = subprocess.run([ARGON2_BIN, "30"], capture_output=True, text=True, check=True, timeout=300)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["ceiling_hashes_per_s"] = round(NPROC * 1000.0 / result["median_ms"], 1)
    result["cores"] = NPROC
    return result


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
            "calm_list": {"connections": CALM_CONNS, "delay_ms": CALM_DELAY_MS},
            "service_env": {k: ENV.get(k, "") for k in ("DB_POOL_SIZE", "HTTP_WORKERS", "RUST_LOG", "HASH_CONCURRENCY",
                                                       "HASH_QUEUE_TIMEOUT_MS", "MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX",
                                                       "GLIBC_TUNABLES")},
        },
        "scenarios": {},
    }
    log(f"machine: {results['machine']['nproc']} x {results['machine']['cpu_model']}, "
        f"load average at start {results['machine']['loadavg_start']}")

    log("argon2id timing (m=19456, t=2, p=1, release, 30 runs)")
    results["argon2"] = argon2_timing()
    log(f"argon2id median {results['argon2']['median_ms']} ms -> ceiling "
        f"{results['argon2']['ceiling_hashes_per_s']} hashes/s on {NPROC} cores")

    data = seed()
    users = data["users"]
    uids = [u["uid"] for u in users]
    first_task = min(min(u["tasks"]) for u in users)
    # The get script computes a user's task ids from its position; check that layout holds.
    for u in users:
        base = first_task + (u["uid"] - min(uids)) * TASKS_PER_USER
        if u["tasks"] != list(range(base, base + TASKS_PER_USER)) or sorted(uids) != list(range(min(uids), min(uids) + USERS)):
            raise RuntimeError("seeded ids are not contiguous; the pgbench get script would miss")
    defines = {"minuid": min(uids), "maxuid": max(uids), "mintask": first_task, "per": TASKS_PER_USER}

    sc = results["scenarios"]

    def scenario(key: str, title: str, fn, **meta) -> dict:
        dead = services_alive()
        if dead:
            raise RuntimeError(f"service(s) died before {key}: {dead}")
        log(f"{title} ...")
        with Monitor() as mon:
            res = fn()
        res.update(title=title, resources=mon.result, **meta)
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
    ])
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

    add("list via gateway vs pgbench list ceiling", lg["ratio_to_ceiling"] >= 0.4,
        f"{lg['ratio_to_ceiling']:.2f}x, median of rounds {listed(lg['ratio_rounds'], '.2f')}", ">= 0.4x")
    add("list via gateway p99", lg["latency_ms"]["p99"] < 30,
        f"{lg['latency_ms']['p99']:.1f} ms in the median round (rounds {listed((x['p99_ms'] for x in lg['rounds']), '.1f')})", "< 30 ms")
    bad = sum(x["non_2xx"] for x in lg["rounds"]), sum(x["errors"] for x in lg["rounds"])
    add("list via gateway errors", sum(bad) == 0, f"{bad[0]} non-2xx, {bad[1]} socket errors in all rounds", "0")
    add("get via gateway vs pgbench get ceiling", gg["ratio_to_ceiling"] >= 0.4,
        f"{gg['ratio_to_ceiling']:.2f}x, median of rounds {listed(gg['ratio_rounds'], '.2f')}", ">= 0.4x")
    cost = statistics.median(lg["gateway_cost_rounds"])
    r["gateway_cost"] = {"throughput_loss": round(cost, 3), "rounds": lg["gateway_cost_rounds"],
                         "p50_added_ms": round(lg["latency_ms"]["p50"] - ld["latency_ms"]["p50"], 2),
                         "p99_added_ms": round(lg["latency_ms"]["p99"] - ld["latency_ms"]["p99"], 2)}
    add("gateway cost (list, gateway vs direct throughput)", cost < 0.25,
        f"{100 * cost:.0f}%, median of rounds " + ", ".join(f"{100 * x:.0f}%" for x in lg["gateway_cost_rounds"]),
        "< 25%")
    big = {n: v["rss_mib"] for n, v in r["services_after_run"].items()}
    add("every service's RSS after the run", all(v < 40 for v in big.values()),
        ", ".join(f"{n} {v:.1f}" for n, v in big.items()) + " MiB", "< 40 MiB each")
    ratio = storm["latency_ms"]["p99"] / max(calm["latency_ms"]["p99"], 0.001)
    failures = storm["non_2xx"] + storm["errors"] + storm["login_storm"]["non_2xx"] + storm["login_storm"]["errors"] \
        + calm["non_2xx"] + calm["errors"]
    add("list p99 during login storm vs calm", ratio <= 3 and failures == 0,
        f"{ratio:.1f}x ({storm['latency_ms']['p99']:.1f} vs {calm['latency_ms']['p99']:.1f} ms), {failures} failures; "
        f"rate held {storm['rps']:.0f} of {calm['rps']:.0f} /s (closed loop: a slower rate hides latency)",
        "<= 3x, no failures")
    ceiling = r["argon2"]["ceiling_hashes_per_s"]
    auth_cpu = login["resources"]["services"]["auth-service"].get("cpu_s", 0)
    cpu_ms = 1000 * auth_cpu / max(1, login["requests"])
    r["login_cost"] = {"auth_cpu_ms_per_login": round(cpu_ms, 1), "hash_median_ms": r["argon2"]["median_ms"],
                       "auth_cores_used": login["resources"]["services"]["auth-service"].get("cpu_cores")}
    add("logins/s vs hashing ceiling", login["rps"] >= 0.8 * ceiling and login["non_2xx"] + login["errors"] == 0,
        f"{login['rps']:.1f} vs {ceiling:.1f} /s ({100 * login['rps'] / ceiling:.0f}%); auth-service spent "
        f"{cpu_ms:.1f} CPU-ms a login on {r['login_cost']['auth_cores_used']} cores", ">= 80%")
    return targets


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
    short = {
        "generator_ceiling": "wrk ceiling (static 307)", "pgbench_list": "pgbench list (ceiling)",
        "pgbench_get": "pgbench get (ceiling)", "list_gateway": "list via gateway", "list_direct": "list direct :task",
        "get_gateway": "get via gateway", "mix_gateway": "mix via gateway", "login": "login via gateway",
        "list_calm": "list steady, calm", "list_during_login_storm": "list steady, login storm",
    }
    for key, res in sc.items():
        row = f"{short.get(key, key):<27}{rate(res):>9.0f}"
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
    for key in ("pgbench_list", "list_gateway", "list_direct", "pgbench_get", "get_gateway"):
        res = sc[key]
        line = f"  {short[key]:<25}" + "".join(f"{x['rate']:>9.0f}" for x in res["rounds"])
        if "ratio_rounds" in res:
            line += "    x ceil " + " ".join(f"{x:.2f}" for x in res["ratio_rounds"])
        print(line)
    a = r["argon2"]
    print(f"\nargon2id m=19456 t=2 p=1: median {a['median_ms']:.1f} ms (min {a['min_ms']:.1f}, max {a['max_ms']:.1f}) "
          f"-> hashing ceiling {a['ceiling_hashes_per_s']:.1f} hashes/s on {a['cores']} cores; "
          f"measured logins/s {sc['login']['rps']:.1f}")
    g = r["gateway_cost"]
    print(f"gateway cost on list: {100 * g['throughput_loss']:.0f}% throughput (median of rounds "
          + ", ".join(f"{100 * x:.0f}%" for x in g["rounds"])
          + f"), +{g['p50_added_ms']} ms p50, +{g['p99_added_ms']} ms p99 (median rounds)")
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
