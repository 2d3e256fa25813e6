#!/usr/bin/env bash
# `make bench`: load benchmark of the real stack (not part of `make test`). See bench/README.md.
#
#   1. builds the release binaries and bench/argon2-timing,
#   2. creates a fresh database (taskhub_bench), migrates it, starts auth-service, task-service and
#      the gateway on 19081/19082/19080 with RUST_LOG=warn,
#   3. runs bench/run.py: seeds 50 users x 20 tasks and (issue 17) 50 users x 1,000 tasks with a
#      trash, drives the scenarios with wrk and pgbench, prints the table and writes
#      bench/results/latest.json,
#   4. stops everything it started and drops the database, also on failure or Ctrl-C.
#
# Load generators: wrk (closed loop; apt-get install wrk) and oha (open loop; cargo install --locked
# oha@1.16.0), each installed here when missing.
# Knobs (environment): BENCH_DURATION (15), BENCH_ROUNDS (5), BENCH_CONNECTIONS (64), BENCH_LOGIN_CONNECTIONS (16),
# BENCH_WRK_THREADS (1), BENCH_PGBENCH_JOBS (cores), BENCH_BIG_USERS (50; 0 skips issue 17's list scenarios),
# BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_DB (taskhub_bench),
# BENCH_PORT_BASE (19080), BENCH_SKIP_BUILD=1, BENCH_OUT (bench/results/latest.json),
# BENCH_RUST_LOG (warn), CARGO_TARGET_DIR (where the binaries are built), and DB_POOL_SIZE / HTTP_WORKERS, passed to the services when set.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_admin=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=${BENCH_DB:-taskhub_bench}
base=${BENCH_PORT_BASE:-19080}
gw_port=$base auth_port=$((base + 1)) task_port=$((base + 2))
# tracing on: an OTLP sink, and a second task-service and gateway that export their spans to it
sink_port=$((base + 3)) traced_task_port=$((base + 4)) traced_gw_port=$((base + 5))
db_url=${pg_admin%/*}/$db
bin_dir=${CARGO_TARGET_DIR:-target}/release

die() { echo "bench: error: $*" >&2; exit 1; }
say() { echo "[bench $(date +%H:%M:%S)] $*"; }

loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- preflight: clear errors for what is missing
command -v cargo >/dev/null || die "cargo not found (a Rust toolchain is needed to build the services)"
command -v python3 >/dev/null || die "python3 not found (bench/run.py drives the scenarios)"
command -v curl >/dev/null || die "curl not found"
for tool in psql pgbench pg_isready; do
  command -v $tool >/dev/null || die "$tool not found: install the PostgreSQL client tools (apt-get install postgresql-client)"
done
pg_host=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 5432)' "$pg_admin")
# shellcheck disable=SC2086
pg_isready -q -h ${pg_host% *} -p ${pg_host#* } \
  || die "PostgreSQL is not answering at ${pg_host/ /:} (BENCH_PG_URL=$pg_admin). Start it (e.g. make run starts one) and retry."
psql -X -q -At "$pg_admin" -c 'SELECT 1' >/dev/null 2>&1 || die "cannot connect to PostgreSQL as $pg_admin"
free_slots=$(psql -X -At "$pg_admin" -c "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity")
conns=${BENCH_CONNECTIONS:-64}
if ((free_slots < conns + 12)); then
  die "PostgreSQL has $free_slots free connections; pgbench needs $conns plus 10 for the service pools"
fi
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "wrk not found: installing it from Debian (apt-get install wrk)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; } >/dev/null \
      || die "could not install wrk; install it yourself (apt-get install wrk)"
  else
    die "the load generator wrk is not installed: apt-get install wrk (Debian/Ubuntu) or brew install wrk"
  fi
fi
# oha for the open-loop scenarios: crates.io's 1.16.0 (--locked: a newer dependency needs a newer rustc)
if ! command -v oha >/dev/null; then
  say "oha not found: installing oha 1.16.0 (cargo install --locked; about 8 minutes on 2 cores)"
  cargo install --locked --quiet oha@1.16.0 || die "could not install oha; install it yourself (cargo install --locked oha@1.16.0)"
fi
for port in $gw_port $auth_port $task_port $sink_port $traced_task_port $traced_gw_port; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
    die "port $port is already in use; set BENCH_PORT_BASE to another base port"
  fi
done

# ---- everything started from here on is stopped by cleanup
work=$(mktemp -d /tmp/taskhub-bench.XXXXXX)
pids=()
pid_list=
runner=
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [[ -n $runner ]] && kill "$runner" 2>/dev/null
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "${pids[@]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    # A service that did not end cleanly on SIGTERM is a finding: name it, with its last lines.
    local entry status
    for entry in ${pid_list//,/ }; do
      wait "${entry##*:}" 2>/dev/null
      status=$?
      if ((status != 0)); then
        echo "bench: ${entry%%:*} exited with status $status after SIGTERM; its last lines:" >&2
        tail -n 15 "$work/${entry%%:*}.log" >&2
      fi
    done
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if ((rc != 0)) && compgen -G "$work/*.log" >/dev/null; then
    for f in "$work"/*.log; do echo "--- last lines of $(basename "$f")" >&2; tail -n 15 "$f" >&2; done
  fi
  psql -X -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
  ((rc == 0)) || echo "bench: failed (exit $rc); everything it started is stopped and $db dropped" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  say "building release binaries (cargo build --release --bins)"
  cargo build --release --bins
  say "building bench/argon2-timing (release)"
  cargo build --release --quiet --manifest-path bench/argon2-timing/Cargo.toml --target-dir bench/argon2-timing/target
fi
for bin in migrate auth-service task-service gateway; do
  [[ -x $bin_dir/$bin ]] || die "$bin_dir/$bin missing (cargo build --release --bins failed?)"
done
[[ -x bench/argon2-timing/target/release/argon2-timing ]] || die "bench/argon2-timing not built"

# ---- fresh database and the three services
say "fresh database $db"
PGOPTIONS='-c client_min_messages=warning' psql -X -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
DATABASE_URL=$db_url $bin_dir/migrate up >/dev/null
# The statements each request costs PostgreSQL (bench/run.py reports them per scenario), where the
# server loads pg_stat_statements (make tools does on a local Debian cluster).
if [[ $(psql -X -At "$pg_admin" -c 'SHOW shared_preload_libraries') == *pg_stat_statements* ]]; then
  psql -X -q "$db_url" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
fi

export DATABASE_URL=$db_url
export JWT_SECRET=${BENCH_JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export AUTH_SERVICE_ADDR=127.0.0.1:$auth_port TASK_SERVICE_ADDR=127.0.0.1:$task_port GATEWAY_ADDR=127.0.0.1:$gw_port
export AUTH_SERVICE_URL=http://127.0.0.1:$auth_port TASK_SERVICE_URL=http://127.0.0.1:$task_port
export RUST_LOG=${BENCH_RUST_LOG:-warn}
# As in make run, compose and the images: glibc maps big blocks (on huge pages where it can), so
# argon2's 19 MiB are returned after each hash and cost few page faults.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}
export CORS_ALLOWED_ORIGINS=
say "starting services (RUST_LOG=$RUST_LOG DB_POOL_SIZE=${DB_POOL_SIZE:-default} HTTP_WORKERS=${HTTP_WORKERS:-default})"
pid_list=
for svc in auth-service task-service gateway; do
  "$bin_dir/$svc" >"$work/$svc.log" 2>&1 &
  pids+=($!)
  pid_list+="${pid_list:+,}$svc:$!"
done
# The tracing-on pair: the same binaries, exporting over OTLP to bench/otlp_sink.py (the traced
# task-service holds a pool of its own: this local server is not the 10-connection deployment).
python3 bench/otlp_sink.py "$sink_port" >"$work/otlp-sink.log" 2>&1 &
pids+=($!)
for svc in task-service gateway; do
  TASK_SERVICE_ADDR=127.0.0.1:$traced_task_port GATEWAY_ADDR=127.0.0.1:$traced_gw_port \
    TASK_SERVICE_URL=http://127.0.0.1:$traced_task_port OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$sink_port \
    "$bin_dir/$svc" >"$work/$svc-traced.log" 2>&1 &
  pids+=($!)
  pid_list+=",$svc-traced:$!"
done
deadline=$((SECONDS + 30))
until curl -fsS -o /dev/null "http://127.0.0.1:$gw_port/health" 2>/dev/null \
  && curl -fsS -o /dev/null "http://127.0.0.1:$traced_gw_port/health" 2>/dev/null; do
  ((SECONDS < deadline)) || die "the stack did not become healthy within 30 s"
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || die "a service exited at start-up"; done
  sleep 0.3
done

# ---- the scenarios
BENCH_ROOT=$root BENCH_WORK=$work BENCH_PIDS=$pid_list BENCH_LOADAVG_START="$loadavg_start" \
  BENCH_GATEWAY_URL=http://127.0.0.1:$gw_port BENCH_TASKS_URL=http://127.0.0.1:$task_port \
  BENCH_AUTH_URL=http://127.0.0.1:$auth_port BENCH_DATABASE_URL=$db_url \
  BENCH_TRACED_GATEWAY_URL=http://127.0.0.1:$traced_gw_port BENCH_OTLP_SINK_URL=http://127.0.0.1:$sink_port \
  python3 bench/run.py &
runner=$!
wait $runner
