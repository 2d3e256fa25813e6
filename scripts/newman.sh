#!/usr/bin/env bash
# Runs the Postman collections (postman/*.postman_collection.json) with newman.
#
#   scripts/newman.sh [gatewayUrl]          # both collections through the gateway
#                                           # (default http://127.0.0.1:8080)
#   NEWMAN_MODE=direct scripts/newman.sh    # straight at the services:
#       AUTH_URL (default http://127.0.0.1:8081), TASK_URL (default http://127.0.0.1:8082)
#
# Other settings:
#   COLLECTIONS="auth-service task-service"   which collections to run (default both)
#   NEWMAN_REPORT_DIR=dir                    also write JUnit XML reports there
#   NEWMAN_TIMEOUT_MS=30000                  per-request timeout (spec: 30 s client timeout)
#   NEWMAN_DELAY_MS=0                        pause between requests (behind nginx's edge rate limit)
#   scripts/newman.sh --install-only         just install newman (e.g. before going offline)
#
# newman 6.2.2 is installed from the npm registry into .tools/node_modules on
# first use (git-ignored; ~15 s). Exits non-zero when any assertion or request fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
NEWMAN_VERSION=6.2.2
NEWMAN=$TOOLS_DIR/node_modules/.bin/newman
MODE=${NEWMAN_MODE:-gateway}
INSTALL_ONLY=0
if [ "${1:-}" = --install-only ]; then INSTALL_ONLY=1; shift; fi
COLLECTIONS=${COLLECTIONS:-"auth-service task-service"}

case "$MODE" in
  gateway)
    GATEWAY_URL=${1:-${GATEWAY_URL:-http://127.0.0.1:8080}}
    GATEWAY_URL=${GATEWAY_URL%/}
    ENV_FILE=$ROOT/postman/gateway.postman_environment.json
    AUTH_URL=$GATEWAY_URL
    TASK_URL=$GATEWAY_URL
    ;;
  direct)
    ENV_FILE=$ROOT/postman/direct.postman_environment.json
    AUTH_URL=${AUTH_URL:-http://127.0.0.1:8081}
    TASK_URL=${TASK_URL:-http://127.0.0.1:8082}
    AUTH_URL=${AUTH_URL%/}
    TASK_URL=${TASK_URL%/}
    ;;
  *) echo "newman.sh: NEWMAN_MODE must be gateway or direct" >&2; exit 2 ;;
esac

if [ ! -x "$NEWMAN" ] || [ "$("$NEWMAN" --version 2>/dev/null)" != "$NEWMAN_VERSION" ]; then
  echo "installing newman@$NEWMAN_VERSION into $TOOLS_DIR/node_modules"
  mkdir -p "$TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --no-save --loglevel=error "newman@$NEWMAN_VERSION" >/dev/null
fi

[ "$INSTALL_ONLY" = 1 ] && exit 0

# Fail fast with a clear message if nothing listens.
for url in "$AUTH_URL" "$TASK_URL"; do
  if ! curl -fsS -o /dev/null --max-time 5 "$url/health"; then
    echo "newman.sh: $url/health does not answer 200; is the stack running?" >&2
    exit 1
  fi
done

echo "== newman ($MODE): authUrl=$AUTH_URL taskUrl=$TASK_URL"
reporters=(--reporters cli)
status=0
for c in $COLLECTIONS; do
  file=$ROOT/postman/$c.postman_collection.json
  [ -f "$file" ] || { echo "newman.sh: no collection $file" >&2; exit 2; }
  extra=()
  if [ -n "${NEWMAN_REPORT_DIR:-}" ]; then
    mkdir -p "$NEWMAN_REPORT_DIR"
    extra=(--reporters cli,junit --reporter-junit-export "$NEWMAN_REPORT_DIR/$c-$MODE.xml")
  else
    extra=("${reporters[@]}")
  fi
  # newman 6 refuses `--delay-request 0` ("must be a positive integer"), prints its usage and
  # exits 0 having run nothing: pass it only when set, and count a run without a summary as failed.
  delay=()
  if [ "${NEWMAN_DELAY_MS:-0}" -gt 0 ]; then delay=(--delay-request "$NEWMAN_DELAY_MS"); fi
  echo "-- $c"
  log=$(mktemp)
  if ! "$NEWMAN" run "$file" \
      --environment "$ENV_FILE" \
      --env-var "authUrl=$AUTH_URL" \
      --env-var "taskUrl=$TASK_URL" \
      --timeout-request "${NEWMAN_TIMEOUT_MS:-30000}" \
      "${delay[@]}" \
      --color off --disable-unicode \
      "${extra[@]}" 2>&1 | tee "$log"; then
    status=1
  fi
  if ! grep -q "iterations" "$log"; then
    echo "newman.sh: newman ran no requests of $c (no run summary above)" >&2
    status=1
  fi
  rm -f "$log"
done

if [ "$status" = 0 ]; then echo "newman: PASS ($MODE)"; else echo "newman: FAIL ($MODE)"; fi
exit "$status"
