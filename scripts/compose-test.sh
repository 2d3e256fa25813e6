#!/usr/bin/env bash
# The compose stack for real: build the images, start docker-compose.yml with task-service
# scaled out and the monitoring profile, wait for every healthcheck, run both Postman collections
# through nginx while counting PostgreSQL's connections (PgBouncer holds them to the spec's 10),
# check that the gateway spread the task requests over every replica, that Prometheus scrapes
# every replica and that auth-service runs under its memory limit with its hashing concurrency,
# then `down -v`.
#
#   make compose-test                      (= bash scripts/compose-test.sh)
#
# Settings (env):
#   LOCAL_IMAGES=auto|1|0   base images: 1 = the stand-ins of scripts/local-images.sh (Debian
#                           packages, no registry of images needed), 0 = the official ones (pulled),
#                           auto (default) = official when `docker pull debian:bookworm-slim` works
#   COMPOSE_TEST_SCALE=3    task-service replicas (the pools are sized to share PgBouncer's 10)
#   COMPOSE_TEST_HTTP_PORT=8000   nginx's published port (127.0.0.1); PROMETHEUS_PORT=9090 likewise
#   COMPOSE_TEST_WAIT=600   seconds to wait for the healthchecks
#   COMPOSE_TEST_KEEP=1     leave the stack running (then: docker-compose -p taskhub-ct down -v)
#   COMPOSE_PROJECT=taskhub-ct
#
# Compose: `docker compose` (v2) when installed, else Debian's docker-compose 1.29 (v1). v1 has no
# `up --wait`, so the script polls the containers' health itself (it does so with v2 as well).
# Secrets: JWT_SECRET and POSTGRES_PASSWORD are random per run, from the environment (they win
# over .env). A missing .env is made from .env.example for the run and removed afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PROJECT=${COMPOSE_PROJECT:-taskhub-ct}
SCALE=${COMPOSE_TEST_SCALE:-3}
# The connection budget behind PgBouncer in session mode (docker-compose.yml, auth-service):
# auth + SCALE x task + 1 (migrate/purge) <= 10 (the revocation polls use a pooled connection;
# task-service's DB_POOL_SIZE, its read connection and its pool, is at least 2).
export AUTH_DB_POOL_SIZE=${AUTH_DB_POOL_SIZE:-2}
export TASK_DB_POOL_SIZE=${TASK_DB_POOL_SIZE:-$(( (10 - AUTH_DB_POOL_SIZE - 1) / SCALE > 2 ? (10 - AUTH_DB_POOL_SIZE - 1) / SCALE : 2 ))}
export HTTP_BIND=127.0.0.1 HTTP_PORT=${COMPOSE_TEST_HTTP_PORT:-8000}
export PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090} GRAFANA_PORT=${GRAFANA_PORT:-3001}
WAIT=${COMPOSE_TEST_WAIT:-600}
T0=$(date +%s)
declare -a TIMES=()
step_start=$T0
step() { # closes the previous step's timer and names the next
  local now; now=$(date +%s)
  [ -n "${step_name:-}" ] && TIMES+=("$(printf '%-28s %4ss' "$step_name" $((now - step_start)))")
  step_name=$1 step_start=$now
  echo "-- $1"
}

if docker compose version >/dev/null 2>&1; then
  DC=(docker compose -p "$PROJECT"); COMPOSE_V=2
elif command -v docker-compose >/dev/null; then
  DC=(docker-compose -p "$PROJECT"); COMPOSE_V=1
else
  echo "compose-test: neither 'docker compose' nor docker-compose is installed (apt-get install docker-compose)" >&2; exit 1
fi
docker info >/dev/null 2>&1 || { echo "compose-test: no docker engine answers (docker info)" >&2; exit 1; }
echo "== compose-test: project $PROJECT, task-service x $SCALE (pools: auth $AUTH_DB_POOL_SIZE, task $TASK_DB_POOL_SIZE each), $("${DC[@]}" version --short 2>/dev/null || echo v$COMPOSE_V)"

# --- base images ----------------------------------------------------------------------------
step "base images"
mode=${LOCAL_IMAGES:-auto}
if [ "$mode" = auto ]; then
  if timeout 60 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then mode=0; else mode=1; fi
  echo "  LOCAL_IMAGES=auto: docker pull debian:bookworm-slim $([ $mode = 0 ] && echo works: official images || echo fails: local stand-ins)"
fi
if [ "$mode" = 1 ]; then
  bash scripts/local-images.sh
  export RUST_IMAGE=localhost/rust:1.95-bookworm RUNTIME_IMAGE=localhost/debian:bookworm-slim \
         NODE_IMAGE=localhost/node:20-bookworm-slim POSTGRES_IMAGE=localhost/postgres:15-bookworm \
         NGINX_IMAGE=localhost/nginx:bookworm PROMETHEUS_IMAGE=localhost/prometheus:bookworm
fi

# --- env ------------------------------------------------------------------------------------
made_env=0
if [ ! -f .env ]; then cp .env.example .env; made_env=1; fi
export JWT_SECRET POSTGRES_PASSWORD
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
POSTGRES_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

# Grafana has no Debian package and no stand-in: it runs when its image is there (or pulls).
services=(postgres pgbouncer migrate purge auth-service task-service gateway web nginx prometheus)
GRAFANA=${GRAFANA_IMAGE:-grafana/grafana:11.2.0}
if docker image inspect "$GRAFANA" >/dev/null 2>&1 || { [ "$mode" = 0 ] && timeout 120 docker pull -q "$GRAFANA" >/dev/null 2>&1; }; then
  services+=(grafana)
else
  echo "  grafana: image $GRAFANA not present and not pullable here: not started (its dashboard is checked statically by check-compose.sh)"
fi

cleanup() {
  local rc=$?
  if [ "$rc" != 0 ]; then
    echo "-- compose-test failed: state and logs"
    "${DC[@]}" --profile monitoring ps 2>/dev/null || true
    "${DC[@]}" --profile monitoring logs --tail=30 2>/dev/null | tail -n 200 || true
  fi
  if [ "${COMPOSE_TEST_KEEP:-0}" = 1 ]; then
    echo "compose-test: stack left running (COMPOSE_TEST_KEEP=1): ${DC[*]} --profile monitoring down -v"
  else
    "${DC[@]}" --profile monitoring down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  [ "$made_env" = 1 ] && rm -f .env
  exit "$rc"
}
trap cleanup EXIT
# a signal ends the script through exit, so the EXIT trap still takes the stack down
trap 'exit 130' INT TERM

# --- build ----------------------------------------------------------------------------------
step "build images"
# migrate first: it compiles the workspace once; the other Rust images reuse its layers
nice -n 10 "${DC[@]}" build migrate
nice -n 10 "${DC[@]}" build auth-service task-service gateway purge
nice -n 10 "${DC[@]}" build web
nice -n 10 "${DC[@]}" build pgbouncer

# --- up + health ----------------------------------------------------------------------------
step "up + healthy"
"${DC[@]}" --profile monitoring up -d --no-build --scale task-service="$SCALE" "${services[@]}"
deadline=$(( $(date +%s) + WAIT ))
while :; do
  pending=()
  for id in $(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"); do
    read -r name svc status health code < <(docker inspect -f \
      '{{.Name}} {{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}' "$id")
    if [ "$svc" = migrate ]; then
      [ "$status" = exited ] && [ "$code" = 0 ] && continue
      [ "$status" = exited ] && { echo "  FAIL: migrate exited $code"; exit 1; }
    elif [ "$health" = healthy ] || { [ "$health" = none ] && [ "$status" = running ]; }; then
      continue
    elif [ "$status" = exited ] || [ "$health" = unhealthy ]; then
      echo "  FAIL: ${name#/} is $status/$health"; exit 1
    fi
    pending+=("${name#/}:$health")
  done
  [ ${#pending[@]} = 0 ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "  FAIL: not healthy after ${WAIT}s: ${pending[*]}"; exit 1; fi
  sleep 3
done
"${DC[@]}" --profile monitoring ps
n_task=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=task-service" | wc -l)
[ "$n_task" = "$SCALE" ] || { echo "  FAIL: $n_task task-service containers, expected $SCALE"; exit 1; }
echo "  ok: every container healthy ($n_task task-service replicas)"

BASE=http://127.0.0.1:$HTTP_PORT
# --- through nginx ---------------------------------------------------------------------------
step "newman through nginx"
curl -fsS -o /dev/null "$BASE/" && echo "  ok: GET / (web through nginx)"
curl -fsS -o /dev/null "$BASE/docs" && echo "  ok: GET /docs"
# PostgreSQL's client connections (all through PgBouncer but this count's own), sampled every
# 0.5 s while the collections run: never more than the spec's 10.
pg=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=postgres")
# One query in the postgres container, as its own user (the SQL goes in as an argument, unquoted).
pg_sql() { docker exec "$pg" sh -c 'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc "$1"' sh "$1"; }
pg_count() {
  pg_sql "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()"
}
samples=$(mktemp)
( while :; do pg_count >> "$samples" 2>/dev/null || true; sleep 0.5; done ) &
sampler=$!
# nginx rate-limits the credential endpoints per client address; pace newman as check-edge.sh does
NEWMAN_DELAY_MS=${NEWMAN_DELAY_MS:-150} bash scripts/newman.sh "$BASE"
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
max_conn=$(sort -n "$samples" | tail -1); n_samples=$(wc -l < "$samples"); rm -f "$samples"
if [ -n "$max_conn" ] && [ "$n_samples" -gt 0 ] && [ "$max_conn" -le 10 ]; then
  echo "  ok: PostgreSQL saw at most $max_conn client connections ($n_samples samples), cap 10 (PgBouncer)"
else
  echo "  FAIL: PostgreSQL client connections: max '${max_conn}' over $n_samples samples, cap 10"; exit 1
fi
via=$(pg_sql "select count(distinct client_addr) from pg_stat_activity
  where backend_type = 'client backend' and client_addr is not null")
[ "$via" = 1 ] && echo "  ok: every connection to PostgreSQL comes from one address (PgBouncer's)" \
  || { echo "  FAIL: connections to PostgreSQL from $via addresses, expected 1 (PgBouncer)"; exit 1; }

# --- Prometheus: every replica a target, up ---------------------------------------------------
step "prometheus targets"
want="auth-service=1 gateway=1 task-service=$SCALE"
got=""
for _ in $(seq 40); do
  got=$(curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/targets?state=active" 2>/dev/null | python3 -c '
import collections, json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
up = collections.Counter(x["labels"]["job"] for x in t if x["health"] == "up" and x["labels"]["job"] != "prometheus")
print(" ".join(f"{j}={up[j]}" for j in sorted(up)))' 2>/dev/null || true)
  [ "$got" = "$want" ] && break
  sleep 3
done
if [ "$got" = "$want" ]; then
  echo "  ok: Prometheus scrapes every replica, up: $got"
  curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/targets?state=active" | python3 -c '
import json, sys
for x in sorted(json.load(sys.stdin)["data"]["activeTargets"], key=lambda x: (x["labels"]["job"], x["labels"]["instance"])):
    l = x["labels"]
    print("     %-13s %-22s %s" % (l["job"], l["instance"], x["health"]))'
  q=$(curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query" --data-urlencode 'query=count(up{job="task-service"} == 1)' \
      | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  [ "$q" = "$SCALE" ] && echo "  ok: count(up{job=\"task-service\"} == 1) = $q" || { echo "  FAIL: query says $q task-service targets up"; exit 1; }
else
  echo "  FAIL: Prometheus targets up: '$got', expected '$want'"; exit 1
fi

# The dashboard's queries on the live Prometheus (Grafana itself may not run here): every one
# must be valid; after the newman run the request, latency, pool and login panels have data.
dash=ops/grafana/dashboards/taskhub.json
if ! python3 - "http://127.0.0.1:$PROMETHEUS_PORT" "$dash" <<'PY'; then exit 1; fi
import json, sys, urllib.parse, urllib.request
base, dash = sys.argv[1], json.load(open(sys.argv[2]))
bad, empty, n = [], [], 0
for p in dash["panels"]:
    for t in p["targets"]:
        n += 1
        url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": t["expr"]})
        r = json.load(urllib.request.urlopen(url, timeout=10))
        if r.get("status") != "success":
            bad.append(f"{p['title']}: {r.get('error')}")
        elif not r["data"]["result"]:
            empty.append(p["title"])
must = {"Requests / s", "Request rate by route", "Latency p50 / p95 / p99 (by service)", "Database pool use (per replica)", "Authentication outcomes"}
missing = sorted(must & set(empty))
print(f"  dashboard queries on the live Prometheus: {n} run, {n - len(bad)} valid, {n - len(bad) - len(empty)} with data"
      + (f"; a query without data (nothing of that kind happened) in: {', '.join(sorted(set(empty)))}" if empty else ""))
for b in bad:
    print(f"  FAIL: {b}")
for m in missing:
    print(f"  FAIL: panel '{m}' has no data after the newman run")
sys.exit(1 if bad or missing else 0)
PY
echo "  ok: the dashboard's queries answer on the live Prometheus"
# How the gateway spread the collections' task requests over the replicas (one compose name,
# resolved into every replica by the gateway): each replica at least half an even share.
curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query" \
  --data-urlencode 'query=sum by (instance) (http_requests_total{job="task-service",route!~"/health.*|/metrics"})' \
  | python3 -c 'import json, sys
scale = int(sys.argv[1])
r = sorted(json.load(sys.stdin)["data"]["result"], key=lambda x: x["metric"]["instance"])
counts = [float(x["value"][1]) for x in r]
print("  task requests per replica: " + ", ".join("%s %d" % (x["metric"]["instance"], c) for x, c in zip(r, counts)))
total = sum(counts)
if len(counts) != scale or total == 0 or min(counts) < total / (2 * scale):
    print(f"  FAIL: {scale} replicas should each serve at least {total / (2 * scale):.0f} of {total:.0f}")
    sys.exit(1)
print("  ok: every replica served at least half an even share")' "$SCALE"

# --- auth-service: memory limit and hashing concurrency ----------------------------------------
step "auth-service limits"
auth=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=auth-service" | head -1)
mem=$(docker inspect -f '{{.HostConfig.Memory}}' "$auth")
hc=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$auth" | sed -n 's/^HASH_CONCURRENCY=//p')
rss=$(docker stats --no-stream --format '{{.MemUsage}}' "$auth")
if [ "$mem" -gt 0 ] && [ -n "$hc" ] && [ $(( hc * 19 + 22 )) -le $(( mem / 1048576 )) ]; then
  echo "  ok: memory limit $((mem / 1048576)) MiB >= HASH_CONCURRENCY $hc x 19 MiB + 22 MiB; now $rss"
else
  echo "  FAIL: auth-service memory limit '$mem' bytes, HASH_CONCURRENCY '$hc'"; exit 1
fi

if [[ " ${services[*]} " == *" grafana "* ]]; then
  step "grafana"
  curl -fsS "http://127.0.0.1:$GRAFANA_PORT/api/health" >/dev/null && echo "  ok: grafana healthy"
  curl -fsS -u admin:admin "http://127.0.0.1:$GRAFANA_PORT/api/search?query=taskhub" | grep -q '"taskhub' \
    && echo "  ok: taskhub dashboard provisioned" || { echo "  FAIL: dashboard not provisioned"; exit 1; }
fi

step "down -v"
if [ "${COMPOSE_TEST_KEEP:-0}" != 1 ]; then "${DC[@]}" --profile monitoring down -v --remove-orphans; fi
step "done"
echo "== compose-test: PASS in $(( $(date +%s) - T0 ))s"
printf '   %s\n' "${TIMES[@]}"
