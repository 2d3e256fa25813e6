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
# ruamel.yaml comes with check-jsonschema. Checks run on the resolved file when
# docker-compose produced one, otherwise on the raw file (anchors resolved by YAML).
src=$COMPOSE_FILE
[ -s "$tmp/resolved.yml" ] && src=$tmp/resolved.yml
if ! "$VENV/bin/python" - "$src" "$COMPOSE_FILE" <<'PY'; then fail=1; fi
import os, re, sys
from ruamel.yaml import YAML

src, orig = sys.argv[1], sys.argv[2]
base = os.path.dirname(orig)
raw = open(orig).read()
text = open(src).read()
if src == orig:
    # Nothing interpolated the raw file: give ${VAR:-default} and ${VAR-default} their
    # defaults, as compose does with the variable unset.
    text = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", text)
doc = YAML(typ="safe").load(text)
services = doc.get("services", {})
failed = False

def ok(msg): print(f"  ok: {msg}")
def bad(msg):
    global failed
    failed = True
    print(f"  FAIL: {msg}")

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
for name, svc in services.items():
    if name in one_shot or name in loops:
        continue
    hc = svc.get("healthcheck")
    if not hc or hc.get("disable"):
        bad(f"{name}: no healthcheck")
ok("long-running services have healthchecks") if not failed else None

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
sys.exit(1 if failed else 0)
PY

if [ "$fail" = 0 ]; then
  say "check-compose: PASS"
else
  say "check-compose: FAIL"
fi
exit "$fail"
