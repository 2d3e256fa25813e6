#!/usr/bin/env bash
# The real stack for black-box tests (newman, Playwright, schemathesis):
#   scripts/test-stack.sh up          fresh database, migrations, auth 18081, tasks 18082, gateway 18080
#   scripts/test-stack.sh down        stops it and drops the database
#   scripts/test-stack.sh ttl SECONDS restarts only auth-service with JWT_TTL_SECONDS=SECONDS (same
#                                     secret, database and ports), e.g. short access tokens for the
#                                     e2e suite's "stays signed in across an expiry" tests
# Uses the debug binaries in target/debug (make test builds them first).
# A second stack can run beside the first: STACK_GATEWAY_PORT (default 18080; auth-service takes
# the next port, task-service the one after) and STACK_DB (default taskhub_stack_test); its files
# go to .stack/test-<port>. JWT_TTL_SECONDS, when set, applies from `up`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

gateway_port=${STACK_GATEWAY_PORT:-18080}
auth_port=$((gateway_port + 1))
tasks_port=$((gateway_port + 2))
db=${STACK_DB:-taskhub_stack_test}
[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "STACK_DB must be a plain lower-case identifier" >&2; exit 2; }
if [[ $gateway_port == 18080 ]]; then dir=.stack/test; else dir=.stack/test-$gateway_port; fi
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

down() {
  if [[ -f $dir/pids ]]; then
    kill $(cat "$dir/pids") 2>/dev/null || true
    sleep 0.5
    rm -f "$dir/pids"
  fi
  rm -f "$dir/env"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}

# The environment every service of this stack gets (kept in $dir/env, so `ttl` can restart one).
stack_env() {
  export DATABASE_URL=${admin%/*}/$db
  export JWT_SECRET=${JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  export AUTH_SERVICE_ADDR=127.0.0.1:$auth_port TASK_SERVICE_ADDR=127.0.0.1:$tasks_port GATEWAY_ADDR=127.0.0.1:$gateway_port
  export AUTH_SERVICE_URL=http://127.0.0.1:$auth_port TASK_SERVICE_URL=http://127.0.0.1:$tasks_port
  export RUST_LOG=${RUST_LOG:-info} HTTP_WORKERS=2 MALLOC_MMAP_THRESHOLD_=131072 GLIBC_TUNABLES=glibc.malloc.hugetlb=1
}

up() {
  down
  mkdir -p "$dir"
  for bin in migrate auth-service task-service gateway; do
    [[ -x target/debug/$bin ]] || { echo "target/debug/$bin missing: run cargo build --bins" >&2; exit 1; }
  done
  stack_env
  (umask 077; printf 'DATABASE_URL=%q\nJWT_SECRET=%q\n' "$DATABASE_URL" "$JWT_SECRET" > "$dir/env")
  ./target/debug/migrate up >/dev/null
  : > "$dir/pids"
  : > "$dir/pids.named"
  for svc in auth-service task-service gateway; do
    ./target/debug/$svc > "$dir/$svc.log" 2>&1 &
    echo "$svc $!" >> "$dir/pids.named"
    echo $! >> "$dir/pids"
  done
  wait_for http://127.0.0.1:$gateway_port/health 60 || { tail -n 20 "$dir"/*.log; down; exit 1; }
  echo "GATEWAY_URL=http://127.0.0.1:$gateway_port"
}

# Restarts auth-service alone with another access-token lifetime.
ttl() {
  local seconds=$1
  [[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 ttl SECONDS" >&2; exit 2; }
  [[ -f $dir/env && -f $dir/pids.named ]] || { echo "no stack on $gateway_port: run $0 up first" >&2; exit 1; }
  set -a; source "$dir/env"; set +a
  stack_env
  local old
  old=$(awk '$1 == "auth-service" { print $2 }' "$dir/pids.named" | tail -1)
  if [[ -n $old ]]; then
    kill "$old" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
  JWT_TTL_SECONDS=$seconds ./target/debug/auth-service >> "$dir/auth-service.log" 2>&1 &
  local pid=$!
  grep -v "^$old\$" "$dir/pids" > "$dir/pids.tmp" || true
  echo "$pid" >> "$dir/pids.tmp"
  mv "$dir/pids.tmp" "$dir/pids"
  echo "auth-service $pid" >> "$dir/pids.named"
  wait_for http://127.0.0.1:$auth_port/health 60 || { tail -n 20 "$dir/auth-service.log"; exit 1; }
  wait_for http://127.0.0.1:$gateway_port/health 60 || { tail -n 20 "$dir"/*.log; exit 1; }
  echo "auth-service on $auth_port: JWT_TTL_SECONDS=$seconds"
}

case "${1:-}" in
  up) up ;;
  down) down; rm -f "$dir/pids.named" ;;
  ttl) ttl "${2:-}" ;;
  *) echo "usage: $0 up|down|ttl SECONDS" >&2; exit 2 ;;
esac
