#!/usr/bin/env bash
# Validates docker-compose.yml without a container engine.
#
#   scripts/check-compose.sh [compose-file]
#
# 1. JSON-schema check against the current compose-spec
#    (check-jsonschema --builtin-schema vendor.compose-spec; pinned in
#    scripts/python-tools.txt, installed into .tools/venv).
# 2. `docker-compose config -q` (Debian package docker-compose, v1.29) with a
#    throw-away .env holding dummy secrets: catches interpolation errors, bad
#    depends_on conditions and v1-incompatible keys. Skipped with a notice when
#    docker-compose is not installed (REQUIRE_DOCKER_COMPOSE=1 makes it fatal).
# 3. Negative check: with JWT_SECRET unset, `config` must FAIL (${JWT_SECRET:?}).
# 4. Policy checks on the resolved file: only nginx publishes ports (profile
#    services only on 127.0.0.1), every
#    long-running service has a healthcheck, every depends_on has a condition,
#    JWT_SECRET is only given to auth-service and task-service and never
#    written literally, build contexts / Dockerfiles / mounted files exist.
# 5. Monitoring and limits: pulled images are ${*_IMAGE:-official} variables and the builds pass
#    their base images on (RUST_IMAGE / RUNTIME_IMAGE, NODE_IMAGE); auth-service's
#    HASH_CONCURRENCY x 19 MiB + 22 MiB fits its memory limit; every DATABASE_URL goes through
#    PgBouncer (session pooling capped at 10), the services poll for revocations and the default
#    pools + 2 fit in 10; the Prometheus config compose mounts
#    discovers each service's replicas by DNS (dns_sd_configs type A, the service's port);
#    Grafana's provisioning names the datasource the dashboard uses, and every metric in the
#    dashboard's PromQL is exported by the code (syntax: `promtool check rules`, when installed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPOSE_FILE=$(realpath "${1:-$ROOT/docker-compose.yml}")
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
VENV=$TOOLS_DIR/venv

fail=0
say() { printf '%s\n' "$*"; }
ok() { say "  ok: $*"; }
bad() { say "  FAIL: $*"; fail=1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the Python checks of sections 4 and 5 share: the compose file as compose resolves it, and
# their ok/FAIL lines. ruamel.yaml comes with check-jsonschema.
cat > "$tmp/compose_doc.py" <<'PY'
import re, sys
from ruamel.yaml import YAML

failures = 0

def ok(msg): print(f"  ok: {msg}")
def bad(msg):
    global failures
    failures += 1
    print(f"  FAIL: {msg}")

def load(src, orig):
    """The compose document: `src`, or when nothing interpolated the raw file (`src == orig`),
    that file with ${VAR:-default} and ${VAR-default} given their defaults, as compose does with
    the variable unset."""
    text = open(src).read()
    if src == orig:
        text = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", text)
    return YAML(typ="safe").load(text)

def done(): sys.exit(1 if failures else 0)
PY

say "== check-compose: $COMPOSE_FILE"

# --- 1. compose-spec schema ---------------------------------------------------
source "$ROOT/scripts/lib.sh"
py_tools  # check-jsonschema, pinned in scripts/python-tools.txt
say "-- [1] compose-spec JSON schema (check-jsonschema --builtin-schema vendor.compose-spec)"
if "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$COMPOSE_FILE"; then
  ok "schema"
else
  bad "compose-spec schema"
fi

# --- 2./3. docker-compose v1 config ------------------------------------------
# Run in a scratch project directory so a developer's real .env is neither
# needed nor read; relative paths are made absolute against the repo first.
dummy_env() {
  cat <<'EOF'
JWT_SECRET=check-compose-dummy-secret-0123456789abcdef
POSTGRES_PASSWORD=check-compose-dummy-password
JWT_ISSUER=taskhub-auth
JWT_AUDIENCE=taskhub
JWT_TTL_SECONDS=86400
RUST_LOG=info
EOF
}
say "-- [2] docker-compose config -q (dummy JWT_SECRET / POSTGRES_PASSWORD)"
if command -v docker-compose >/dev/null 2>&1; then
  proj=$tmp/proj
  mkdir -p "$proj"
  # v1 checks that build contexts exist relative to the project directory:
  # mirror the repo's top level there as symlinks (but not its .env).
  for entry in "$(dirname "$COMPOSE_FILE")"/* "$(dirname "$COMPOSE_FILE")"/.[!.]*; do
    [ -e "$entry" ] || continue
    case "$(basename "$entry")" in .env|.git) continue ;; esac
    ln -s "$entry" "$proj/$(basename "$entry")"
  done
  dummy_env > "$proj/.env"
  # env_file: [.env] is resolved against the project directory (= $proj)
  dc() { (cd "$proj" && env -u JWT_SECRET -u POSTGRES_PASSWORD docker-compose --project-directory "$proj" -f "$COMPOSE_FILE" "$@"); }
  if out=$(dc config -q 2>&1); then
    ok "docker-compose $(docker-compose version --short) config -q"
  else
    bad "docker-compose config -q:"; say "$out"
  fi
  dc config > "$tmp/resolved.yml" 2>/dev/null || true

  say "-- [3] config must fail when JWT_SECRET is unset"
  grep -v '^JWT_SECRET=' "$proj/.env" > "$proj/.env.new" && mv "$proj/.env.new" "$proj/.env"
  if out=$(dc config -q 2>&1); then
    bad "docker-compose config succeeded without JWT_SECRET"
  elif grep -q 'JWT_SECRET' <<<"$out"; then
    ok "refused without JWT_SECRET: ${out##*: }"
  else
    bad "config failed, but not because of JWT_SECRET: $out"
  fi
else
  if [ "${REQUIRE_DOCKER_COMPOSE:-0}" = 1 ]; then
    bad "docker-compose not installed (apt-get install -y --no-install-recommends docker-compose)"
  else
    say "  skipped: docker-compose not installed (apt-get install -y --no-install-recommends docker-compose)"
  fi
fi

# --- 4. policy checks -----------------------------------------------------------
say "-- [4] policy checks"
# Checks run on the resolved file when docker-compose produced one, otherwise on the raw file
# (anchors resolved by YAML).
src=$COMPOSE_FILE
[ -s "$tmp/resolved.yml" ] && src=$tmp/resolved.yml
if ! PYTHONPATH=$tmp "$VENV/bin/python" - "$src" "$COMPOSE_FILE" <<'PY'; then fail=1; fi
import os, re, sys
import compose_doc as check
from compose_doc import bad, done, load, ok

src, orig = sys.argv[1], sys.argv[2]
base = os.path.dirname(orig)
raw = open(orig).read()
doc = load(src, orig)
services = doc.get("services", {})

expected = {"postgres", "migrate", "purge", "auth-service", "task-service", "gateway", "web", "nginx"}
missing = expected - services.keys()
bad(f"services missing: {sorted(missing)}") if missing else ok(f"services present: {', '.join(sorted(expected))}")

published = sorted(n for n, s in services.items() if s.get("ports") and not s.get("profiles"))
bad(f"only nginx may publish ports, found: {published}") if published != ["nginx"] else ok("only nginx publishes a port (outside optional profiles)")
for n, s in services.items():
    if s.get("profiles") and s.get("ports"):
        for p in s["ports"]:
            host_ip = p.get("host_ip") if isinstance(p, dict) else (str(p).split(":")[0] if str(p).count(":") == 2 else "")
            if host_ip not in ("127.0.0.1", "localhost"):
                bad(f"{n} (profile {s['profiles']}) publishes {p} beyond 127.0.0.1")

one_shot = {"migrate"}
loops = {"purge"}
before = check.failures
for name, svc in services.items():
    if name in one_shot or name in loops:
        continue
    hc = svc.get("healthcheck")
    if not hc or hc.get("disable"):
        bad(f"{name}: no healthcheck")
ok("long-running services have healthchecks") if check.failures == before else None

for name, svc in services.items():
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):
        bad(f"{name}: depends_on is a list (no condition)")
        continue
    for dep, spec in deps.items():
        cond = (spec or {}).get("condition")
        want = "service_completed_successfully" if dep in one_shot else "service_healthy"
        if cond != want:
            bad(f"{name}: depends_on {dep} has condition {cond!r}, expected {want!r}")
ok("depends_on conditions")

def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return env

# every Rust service trusts exactly the stack's own networks as proxies
subnets = sorted(
    c["subnet"] for n in ("edge", "backend")
    for c in ((doc.get("networks", {}).get(n) or {}).get("ipam") or {}).get("config", []) if "subnet" in c)
for n in ("auth-service", "task-service"):
    tp = str(env_of(services.get(n, {})).get("TRUSTED_PROXIES") or "")
    nets = sorted(x.strip() for x in tp.split(",") if x.strip())
    if nets != subnets:
        bad(f"{n}: TRUSTED_PROXIES {nets} should be the edge + backend subnets {subnets}")
ok(f"TRUSTED_PROXIES = {','.join(subnets)} on auth-service, task-service")
# the gateway is the edge behind nginx: it believes only nginx's network, never a client
edge = sorted(c["subnet"] for c in ((doc.get("networks", {}).get("edge") or {}).get("ipam") or {}).get("config", []) if "subnet" in c)
gw_env = env_of(services.get("gateway", {}))
gtp = sorted(x.strip() for x in str(gw_env.get("GATEWAY_TRUSTED_PROXIES") or "").split(",") if x.strip())
if gtp != edge:
    bad(f"gateway: GATEWAY_TRUSTED_PROXIES {gtp} should be the edge subnet {edge}")
elif gw_env.get("TRUSTED_PROXIES"):
    bad("gateway: TRUSTED_PROXIES is the services' setting; the gateway reads GATEWAY_TRUSTED_PROXIES")
else:
    ok(f"GATEWAY_TRUSTED_PROXIES = {','.join(edge)} on gateway")

holders = sorted(n for n, s in services.items() if "JWT_SECRET" in env_of(s) or s.get("env_file"))
if holders != ["auth-service", "task-service"]:
    bad(f"JWT_SECRET / env_file should reach only auth-service and task-service, reaches: {holders}")
else:
    ok("JWT_SECRET reaches auth-service and task-service only")

# literal secrets in the committed file (interpolations like ${JWT_SECRET:?...} are fine)
for m in re.finditer(r"^\s*(JWT_SECRET|POSTGRES_PASSWORD)\s*:\s*(\S.*)$", raw, re.M):
    if not m.group(2).strip().startswith("${"):
        bad(f"{m.group(1)} has a literal value in {os.path.basename(orig)}")
ok("no literal secrets")

for name, svc in services.items():
    b = svc.get("build")
    if b:
        ctx = b if isinstance(b, str) else b.get("context", ".")
        ctx = ctx if os.path.isabs(ctx) else os.path.join(base, ctx)
        df = "Dockerfile" if isinstance(b, str) else b.get("dockerfile", "Dockerfile")
        df = df if os.path.isabs(df) else os.path.join(ctx, df)
        if not os.path.isdir(ctx):
            bad(f"{name}: build context {ctx} does not exist")
        elif not os.path.isfile(df):
            bad(f"{name}: {df} does not exist")
    for v in svc.get("volumes") or []:
        host = v.get("source") if isinstance(v, dict) else v.split(":")[0]
        if v and (isinstance(v, dict) and v.get("type") == "bind" or isinstance(v, str) and host.startswith((".", "/"))):
            path = host if os.path.isabs(host) else os.path.join(base, host)
            if not os.path.exists(path):
                bad(f"{name}: bind-mounted {path} does not exist")
print("  checked: build contexts, Dockerfiles and bind mounts")
done()
PY

# --- 5. monitoring: Prometheus finds every replica, Grafana's dashboard, argon2 memory ----------
say "-- [5] monitoring and limits (ops/prometheus/prometheus.yml, ops/grafana/, auth-service memory)"
promtool=$(command -v promtool || true)
if ! PYTHONPATH=$tmp "$VENV/bin/python" - "$src" "$COMPOSE_FILE" "$ROOT" "$tmp" "$promtool" <<'PY'; then fail=1; fi
import json, os, re, subprocess, sys
from ruamel.yaml import YAML
import compose_doc as check
from compose_doc import bad, done, load, ok

src, orig, root, tmp, promtool = sys.argv[1:6]
here = os.path.dirname(orig)
doc = load(src, orig)
services = doc.get("services", {})

def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return env

def mib(q):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgKMG]?)i?[bB]?", str(q).strip())
    if not m:
        return None
    return float(m.group(1)) * {"": 1 / 2**20, "k": 1 / 1024, "m": 1, "g": 1024}[m.group(2).lower()]

def binds(svc):  # container path -> host path of the service's bind mounts
    out = {}
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            h, t = v.get("source", ""), v.get("target")
        else:
            h, t = v.split(":")[:2]
        if h.startswith((".", "/")):
            out[t] = h if os.path.isabs(h) else os.path.join(here, h)
    return out

# Every image compose pulls is a variable with the official image as its default, so a local
# stand-in (scripts/local-images.sh) can take its place.
raw = YAML(typ="safe").load(open(orig))
for name, svc in (raw.get("services") or {}).items():
    if svc.get("build") or not svc.get("image"):
        continue
    if not re.fullmatch(r"\$\{[A-Z_]+_IMAGE:-[^}]+\}", str(svc["image"])):
        bad(f"{name}: image {svc['image']} is not a ${{NAME_IMAGE:-official}} variable")
ok("pulled images are ${*_IMAGE:-official} variables")
# ... and the builds pass their base images on
for name, svc in services.items():
    b = svc.get("build")
    if not isinstance(b, dict):
        continue
    args = b.get("args") or {}
    context = os.path.basename(os.path.normpath(str(b.get("context"))))
    want = {"web": ("NODE_IMAGE",), "pgbouncer": ("RUNTIME_IMAGE",)}.get(context, ("RUST_IMAGE", "RUNTIME_IMAGE"))
    for a in want:
        if a not in args:
            bad(f"{name}: build args lack {a}")
ok("builds pass their base images on (RUST_IMAGE, RUNTIME_IMAGE; NODE_IMAGE for web, RUNTIME_IMAGE for pgbouncer)")

# argon2: HASH_CONCURRENCY x 19 MiB + 22 MiB of RSS within auth-service's memory limit
ARGON2_MIB, AUTH_BASE_MIB = 19, 22   # as scripts/check-kubernetes.py
auth = services.get("auth-service", {})
hc = str(env_of(auth).get("HASH_CONCURRENCY") or "")
limit = (((auth.get("deploy") or {}).get("resources") or {}).get("limits") or {}).get("memory") or auth.get("mem_limit")
lim = mib(limit) if limit else None
if not hc.isdigit():
    bad("auth-service: HASH_CONCURRENCY must be set (its default, the host's cores, ignores the memory limit)")
elif lim is None:
    bad("auth-service: no memory limit")
elif int(hc) * ARGON2_MIB + AUTH_BASE_MIB > lim:
    bad(f"auth-service: HASH_CONCURRENCY {hc} x {ARGON2_MIB} MiB + {AUTH_BASE_MIB} MiB > memory limit {lim:.0f} MiB")
else:
    ok(f"auth-service: HASH_CONCURRENCY {hc} x {ARGON2_MIB} MiB + {AUTH_BASE_MIB} MiB = {int(hc) * ARGON2_MIB + AUTH_BASE_MIB} MiB <= {lim:.0f} MiB limit")

# The connection budget: every process that uses PostgreSQL reaches it through PgBouncer, which
# caps the server connections at 10; the services poll for ended sessions on a pooled connection
# (no listener held); and at the defaults auth + task pools + 1 (migrate/purge) fit in the 10.
before = check.failures
for name, svc in services.items():
    url = str(env_of(svc).get("DATABASE_URL") or "")
    if url and "@pgbouncer:6432/" not in url:
        bad(f"{name}: DATABASE_URL does not go through pgbouncer:6432")
    if name in ("auth-service", "task-service") and env_of(svc).get("REVOCATION_FEED") != "poll":
        bad(f"{name}: REVOCATION_FEED must be poll behind PgBouncer (a listener holds a server connection per replica)")
ini = open("ops/pgbouncer/compose.ini").read()
caps = {k: int(v) for k, v in re.findall(r"^(default_pool_size|max_db_connections|max_user_connections) = (\d+)$", ini, re.M)}
if caps != {"default_pool_size": 10, "max_db_connections": 10, "max_user_connections": 10} or "pool_mode = session" not in ini:
    bad(f"ops/pgbouncer/compose.ini: session pooling capped at 10 expected, found {caps}")
pools = [int(env_of(services.get(n, {})).get("DB_POOL_SIZE") or 0) for n in ("auth-service", "task-service")]
if sum(pools) + 1 > 10:
    bad(f"compose pools {pools[0]} + {pools[1]} + 1 (purge) > 10")
if pools[1] < 2:
    bad(f"task-service: DB_POOL_SIZE {pools[1]} < 2 (its read connection and a pool of at least one)")
if check.failures == before:
    ok(f"every DATABASE_URL through PgBouncer (session pooling, cap 10), polled revocations, pools {pools[0]} + {pools[1]} + 1 <= 10")

# Prometheus: the config compose mounts discovers each service's replicas by DNS, on its port
cfg_dir = binds(services.get("prometheus", {})).get("/etc/prometheus")
if not cfg_dir:
    bad("prometheus: ops/prometheus is not mounted at /etc/prometheus")
else:
    before = check.failures
    pcfg = YAML(typ="safe").load(open(os.path.join(cfg_dir, "prometheus.yml")))
    jobs = {j["job_name"]: j for j in pcfg.get("scrape_configs", [])}
    for svc, addr_var in (("auth-service", "AUTH_SERVICE_ADDR"), ("task-service", "TASK_SERVICE_ADDR"), ("gateway", "GATEWAY_ADDR")):
        port = int(str(env_of(services.get(svc, {})).get(addr_var, ":0")).rsplit(":", 1)[1])
        j = jobs.get(svc)
        sd = (j or {}).get("dns_sd_configs") or []
        if not j:
            bad(f"prometheus.yml: no job {svc}")
        elif j.get("static_configs"):
            bad(f"prometheus.yml: job {svc} has static_configs: one target, not every replica")
        elif not any(svc in d.get("names", []) and d.get("type", "SRV") == "A" and d.get("port") == port for d in sd):
            bad(f"prometheus.yml: job {svc} needs dns_sd_configs names [{svc}], type A, port {port}")
    if check.failures == before:
        ok("Prometheus discovers every replica: dns_sd_configs type A on auth-service:8081, task-service:8082, gateway:8080")

# Grafana: provisioned datasource + dashboard; the dashboard's PromQL is valid and names only
# metrics the code exports
g = services.get("grafana")
before = check.failures
if not g:
    bad("no grafana service (the dashboard is provisioned in compose)")
else:
    m = binds(g)
    prov, dash_dir = m.get("/etc/grafana/provisioning"), m.get("/etc/grafana/dashboards")
    if not prov or not dash_dir:
        bad("grafana: mount ops/grafana/provisioning at /etc/grafana/provisioning and ops/grafana/dashboards at /etc/grafana/dashboards")
    else:
        uids = set()
        for f in sorted(os.listdir(os.path.join(prov, "datasources"))):
            for d in YAML(typ="safe").load(open(os.path.join(prov, "datasources", f))).get("datasources", []):
                uids.add(d.get("uid"))
                if d.get("type") == "prometheus" and d.get("url") != "http://prometheus:9090":
                    bad(f"grafana datasource {d.get('name')}: url {d.get('url')} is not the compose Prometheus")
        paths = [p.get("options", {}).get("path") for f in sorted(os.listdir(os.path.join(prov, "dashboards")))
                 for p in YAML(typ="safe").load(open(os.path.join(prov, "dashboards", f))).get("providers", [])]
        if "/etc/grafana/dashboards" not in paths:
            bad("grafana: no dashboard provider reads /etc/grafana/dashboards")
        code = ""
        for d in ("shared", "auth-service", "task-service", "gateway"):
            for dp, _, fs in os.walk(os.path.join(root, d, "src")):
                code += "".join(open(os.path.join(dp, f)).read() for f in fs if f.endswith(".rs"))
        words = {"sum", "rate", "irate", "increase", "histogram_quantile", "max", "min", "avg", "count", "topk",
                 "clamp_min", "abs", "by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "offset"}
        exprs, names = [], set()
        for f in sorted(os.listdir(dash_dir)):
            if not f.endswith(".json"):
                continue
            try:
                dash = json.load(open(os.path.join(dash_dir, f)))
            except ValueError as e:
                bad(f"{f}: not JSON: {e}")
                continue
            ids = [p["id"] for p in dash.get("panels", [])]
            if len(ids) != len(set(ids)):
                bad(f"{f}: duplicate panel ids")
            for p in dash.get("panels", []):
                for t in p.get("targets", []):
                    uid = (t.get("datasource") or p.get("datasource") or {}).get("uid")
                    if uid not in uids:
                        bad(f"{f}: panel '{p['title']}' uses datasource uid {uid!r}, provisioned: {sorted(uids)}")
                    e = t["expr"]
                    exprs.append(e)
                    s_ = re.sub(r'"[^"]*"', "", e)
                    s_ = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", s_)
                    s_ = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", s_)
                    for w in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", s_):
                        if w not in words:
                            names.add(w)
        want = {"http_requests_total", "http_request_duration_seconds_bucket", "db_pool_connections", "auth_attempts_total"}
        if want - names:
            bad(f"dashboard: the spec's metrics missing: {sorted(want - names)}")
        for n in sorted(names):
            base = re.sub(r"_(bucket|sum|count)$", "", n)
            if n != "up" and f'"{base}"' not in code:
                bad(f"dashboard metric {n}: no series {base} in the services' code")
        if check.failures == before:
            ok(f"dashboard: {len(exprs)} queries on {', '.join(sorted(names))}: all exported by the code (or Prometheus' up)")
        if promtool:
            rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:q{i}", "expr": e} for i, e in enumerate(exprs)]}]}
            rf = os.path.join(tmp, "dashboard-rules.yml")
            json.dump(rules, open(rf, "w"))
            r = subprocess.run([promtool, "check", "rules", rf], capture_output=True, text=True)
            if r.returncode:
                bad(f"dashboard PromQL: promtool check rules: {r.stdout}{r.stderr}")
            else:
                ok(f"dashboard PromQL parses ({os.path.basename(promtool)} check rules)")
        else:
            print("  skipped: dashboard PromQL syntax (promtool not installed: apt-get install prometheus)")
done()
PY

if [ "$fail" = 0 ]; then
  say "check-compose: PASS"
else
  say "check-compose: FAIL"
fi
exit "$fail"
