#!/usr/bin/env bash
# make run: builds and starts the whole system locally, then prints the URLs. Ctrl-C stops it all.
# Creates .env with a random JWT_SECRET and the database when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# What make run needs besides this repository: Rust, Node.js and PostgreSQL's packages.
missing=()
command -v cargo >/dev/null || missing+=("Rust (cargo; install it with rustup)")
node_version=$(node --version 2>/dev/null || true)
if ! [[ $node_version =~ ^v([0-9]+)\.([0-9]+) ]] || ((BASH_REMATCH[1] < 20 || (BASH_REMATCH[1] == 20 && BASH_REMATCH[2] < 9))) ||
  ! command -v npm >/dev/null; then
  missing+=("Node.js 20.9+ with npm${node_version:+ (found $node_version)}")
fi
command -v psql >/dev/null && command -v pg_isready >/dev/null || missing+=("PostgreSQL client tools (Debian/Ubuntu: postgresql-client)")
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -qE 'libpq\.so \(' || missing+=("libpq for building (Debian/Ubuntu: libpq-dev)")
if ((${#missing[@]})); then
  echo "make run: missing $(printf '%s; ' "${missing[@]}" | sed 's/; $//')" >&2
  exit 1
fi

if [[ ! -f .env ]]; then
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  pgpass=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  sed -e "s/^JWT_SECRET=.*/JWT_SECRET=$secret/" -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$pgpass/" .env.example > .env
  echo "Created .env with a fresh JWT_SECRET"
fi
set -a; source .env; set +a

ensure_postgres "$DATABASE_URL" .pgdata

echo "Building the services..."
cargo build --bins
./target/debug/migrate up

mkdir -p .stack/run
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# glibc would keep each 19 MiB argon2 block in per-thread arenas; map big blocks instead, on
# transparent huge pages where the kernel offers them (bench/README.md).
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}
for svc in auth-service task-service gateway; do
  ./target/debug/$svc > ".stack/run/$svc.log" 2>&1 &
  pids+=($!)
done
# Retention: purge now and then every PURGE_INTERVAL_SECONDS (safe beside other purgers).
(while :; do ./target/debug/migrate purge || true; sleep "${PURGE_INTERVAL_SECONDS:-3600}"; done) > .stack/run/purge.log 2>&1 &
pids+=($!)
gateway="http://${GATEWAY_ADDR:-127.0.0.1:8080}"
wait_for "$gateway/health" 60 || { tail -n 20 .stack/run/*.log; exit 1; }

web=""
if [[ -f web/package.json ]]; then
  echo "Building the web app..."
  web_deps  # npm ci when web/node_modules does not match web/package-lock.json
  (cd web && npm run build) > .stack/run/web-build.log 2>&1 \
    || { tail -n 30 .stack/run/web-build.log; exit 1; }
  (cd web && GATEWAY_URL="$gateway" PORT="${WEB_PORT:-3000}" HOSTNAME=127.0.0.1 exec npm start) > .stack/run/web.log 2>&1 &
  pids+=($!)
  web="http://127.0.0.1:${WEB_PORT:-3000}"
  wait_for "$web/login" 60 || { tail -n 20 .stack/run/web.log; exit 1; }
fi

cat <<MSG

taskhub is running (logs in .stack/run/):
  Web app        ${web:-"(no web/ in this checkout)"}
  API gateway    $gateway/api
  Swagger UI     $gateway/docs/
  OpenAPI        $gateway/api/openapi.json
  Health         $gateway/health
  auth-service   http://${AUTH_SERVICE_ADDR:-127.0.0.1:8081}
  task-service   http://${TASK_SERVICE_ADDR:-127.0.0.1:8082}
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "A process exited; see .stack/run/*.log" >&2
exit 1
