#!/usr/bin/env bash
# The real stack for black-box tests (newman, Playwright, schemathesis):
#   scripts/test-stack.sh up     fresh database, migrations, auth 18081, tasks 18082, gateway 18080
#   scripts/test-stack.sh down   stops it and drops the database
# Uses the debug binaries in target/debug (make test builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

dir=.stack/test
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=taskhub_stack_test

down() {
  if [[ -f $dir/pids ]]; then
    kill $(cat "$dir/pids") 2>/dev/null || true
    sleep 0.5
    rm -f "$dir/pids"
  fi
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}

up() {
  down
  mkdir -p "$dir"
  for bin in migrate auth-service task-service gateway; do
    [[ -x target/debug/$bin ]] || { echo "target/debug/$bin missing: run cargo build --bins" >&2; exit 1; }
  done
  export DATABASE_URL=${admin%/*}/$db
  export JWT_SECRET=${JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  export AUTH_SERVICE_ADDR=127.0.0.1:18081 TASK_SERVICE_ADDR=127.0.0.1:18082 GATEWAY_ADDR=127.0.0.1:18080
  export AUTH_SERVICE_URL=http://127.0.0.1:18081 TASK_SERVICE_URL=http://127.0.0.1:18082
  export RUST_LOG=${RUST_LOG:-info} HTTP_WORKERS=2 MALLOC_MMAP_THRESHOLD_=131072 GLIBC_TUNABLES=glibc.malloc.hugetlb=1
  ./target/debug/migrate up >/dev/null
  : > "$dir/pids"
  for svc in auth-service task-service gateway; do
    ./target/debug/$svc > "$dir/$svc.log" 2>&1 &
    echo $! >> "$dir/pids"
  done
  wait_for http://127.0.0.1:18080/health 60 || { tail -n 20 "$dir"/*.log; down; exit 1; }
  echo "GATEWAY_URL=http://127.0.0.1:18080"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
