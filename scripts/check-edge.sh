#!/usr/bin/env bash
# End-to-end check of the edge, without a container engine: the real
# nginx/nginx.conf in front of the real gateway and services (the built
# binaries), wired with the compose service names, then both Postman
# collections run through nginx, plus checks of what only the full chain shows.
#
#   scripts/check-edge.sh
#
# Everything runs in private namespaces (`unshare -m -n -p --fork`): a hosts
# file maps gateway / auth-service / task-service / web to 127.0.0.1, the
# network has only its own loopback (nginx really listens on :80, the services
# on their compose ports 8080-8082), and the kernel ends every process started
# there when the check ends. PostgreSQL is reached through its unix socket,
# which works across network namespaces.
#
#  1. fresh database + `migrate up`
#  2. newman: auth-service and task-service collections through nginx (:80)
#  3. curl: /docs Swagger UI and /api/openapi.json via nginx, X-Request-Id
#     end to end, 204 without a body, 413/JSON, security headers on API answers
#  4. headless Chromium (when installed) renders /docs under nginx's CSP and
#     reports no CSP violation
#
# Settings (env):
#   BIN_DIR            built binaries (default target/debug; migrate, auth-service,
#                      task-service, gateway)
#   TEST_DATABASE_URL  admin URL used to create/drop the scratch database
#                      (default postgres://postgres@127.0.0.1:5432/postgres)
#   PG_SOCKET_DIR      PostgreSQL unix socket directory (default /var/run/postgresql)
#   CHECK_EDGE_BROWSER=0  skip step 4
#   NGINX_CONF         config under test (default nginx/nginx.conf)
# Needs: nginx, psql, curl, python3, util-linux unshare, iproute2, npm (newman),
# optionally chromium.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/target/debug}
ADMIN_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_SOCKET_DIR=${PG_SOCKET_DIR:-/var/run/postgresql}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
CONF=$(realpath "${NGINX_CONF:-$ROOT/nginx/nginx.conf}")
DB=taskhub_edge_check_$$

for b in migrate auth-service task-service gateway; do
  [ -x "$BIN_DIR/$b" ] || { echo "check-edge: $BIN_DIR/$b missing (cargo build --bins)" >&2; exit 1; }
done
[ -x "$NGINX" ] || { echo "check-edge: nginx not found (apt-get install -y --no-install-recommends nginx)" >&2; exit 1; }
command -v psql >/dev/null || { echo "check-edge: psql not found" >&2; exit 1; }
[ -S "$PG_SOCKET_DIR/.s.PGSQL.5432" ] || { echo "check-edge: no PostgreSQL socket in $PG_SOCKET_DIR (set PG_SOCKET_DIR)" >&2; exit 1; }

tmp=$(mktemp -d)
cleanup() {
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== check-edge: $CONF -> gateway -> services (binaries from $BIN_DIR)"
# private copies: a concurrent cargo build cannot swap them mid-run
mkdir -p "$tmp/bin"
cp "$BIN_DIR"/{migrate,auth-service,task-service,gateway} "$tmp/bin/"

echo "-- [1] scratch database $DB + migrate up"
psql -q "$ADMIN_URL" -c "CREATE DATABASE $DB" >/dev/null
db_user=$(sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#' <<<"$ADMIN_URL")
socket=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_SOCKET_DIR")
export DATABASE_URL="postgres://$db_user@$socket/$DB"
"$tmp/bin/migrate" up

# newman needs the registry once; install it before the network goes away
"$ROOT/scripts/newman.sh" --install-only

cat > "$tmp/hosts" <<'EOF'
127.0.0.1 localhost gateway web auth-service task-service postgres
::1 localhost
EOF

cat > "$tmp/webstub.py" <<'EOF'
# Stands in for the Next.js app (web:3000): the edge check is about nginx + API.
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        b = b"<!doctype html><title>taskhub</title><p>web stub</p>"
        self.send_response(200); self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", 3000), H).serve_forever()
EOF

cat > "$tmp/inner.sh" <<'EOF'
set -u
tmp=$1 ROOT=$2 NGINX=$3 CONF=$4
mount --bind "$tmp/hosts" /etc/hosts
ip link set lo up
export JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export RUST_LOG=info HTTP_WORKERS=2
AUTH_SERVICE_ADDR=127.0.0.1:8081 "$tmp/bin/auth-service" >"$tmp/auth.log" 2>&1 &
TASK_SERVICE_ADDR=127.0.0.1:8082 "$tmp/bin/task-service" >"$tmp/task.log" 2>&1 &
unset JWT_SECRET DATABASE_URL   # the gateway holds neither (as in compose)
GATEWAY_ADDR=127.0.0.1:8080 AUTH_SERVICE_URL=http://auth-service:8081 TASK_SERVICE_URL=http://task-service:8082 \
  "$tmp/bin/gateway" >"$tmp/gateway.log" 2>&1 &
python3 "$tmp/webstub.py" &
"$NGINX" -c "$CONF" -p "$tmp/" -g 'daemon off;' >"$tmp/nginx.out" 2>"$tmp/nginx.err" &

up=0
for _ in $(seq 150); do
  if curl -fsS -o /dev/null http://127.0.0.1/health 2>/dev/null && curl -fsS -o /dev/null http://127.0.0.1/ 2>/dev/null; then up=1; break; fi
  sleep 0.2
done
if [ "$up" != 1 ]; then
  echo "  FAIL: stack did not come up behind nginx"; tail -n 5 "$tmp"/*.log "$tmp/nginx.err"; exit 1
fi
echo "  stack is up behind nginx on :80"

fails=0
echo "-- [2] newman through nginx (gateway mode, URL http://127.0.0.1)"
# nginx limits the credential endpoints to 5 requests a second per address, with bursts of 30;
# the collections send about 60 such requests among 280: 150 ms between requests keeps them under
# it, as a person's browser would be.
if NEWMAN_DELAY_MS=150 "$ROOT/scripts/newman.sh" http://127.0.0.1 >"$tmp/newman.log" 2>&1; then
  grep -E '^\|? *│? *(requests|assertions)' "$tmp/newman.log" || true
  echo "  ok: newman"
else
  fails=$((fails + 1))
  echo "  FAIL: newman through nginx:"
  sed -n '/# *failure/,$p' "$tmp/newman.log" | sed 's/\x1b\[[0-9;]*m//g' | grep -vE '^\s*$' | head -60
fi

echo "-- [3] edge behaviour with the real gateway"
check() { local d=$1; shift; if "$@"; then echo "  ok: $d"; else echo "  FAIL: $d"; fails=$((fails + 1)); fi; }
hdr() { grep -i "^$2:" "$tmp/$1.h" | head -1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }
status() { head -1 "$tmp/$1.h" | awk '{print $2}'; }
req() { local n=$1; shift; curl -sS -D "$tmp/$n.h" -o "$tmp/$n.b" "$@" || true; }

req docs -L http://127.0.0.1/docs
check "/docs -> Swagger UI page (200 text/html)" sh -c "grep -q ' 200' '$tmp/docs.h' && grep -qi 'swagger' '$tmp/docs.b'"
check "/docs has the Swagger-compatible CSP" sh -c "grep -i '^content-security-policy:' '$tmp/docs.h' | tail -1 | grep -q \"script-src 'self';\""
req spec http://127.0.0.1/api/openapi.json
check "/api/openapi.json -> 200 JSON OpenAPI document" python3 -c "import json,sys; d=json.load(open('$tmp/spec.b')); sys.exit(0 if d.get('openapi','').startswith('3') and any(p.startswith('/api/tasks') for p in d['paths']) else 1)"
req rid -H 'X-Request-Id: edge-check-0123456789' http://127.0.0.1/api/tasks
check "X-Request-Id travels nginx -> gateway -> service and back" [ "$(hdr rid X-Request-Id)" = edge-check-0123456789 ]
check "single X-Request-Id on the response" [ "$(grep -ci '^x-request-id:' "$tmp/rid.h")" = 1 ]
check "401 through nginx keeps the exact body" [ "$(cat "$tmp/rid.b")" = '{"detail":"Unauthorized"}' ]
check "API answer has nginx's security headers" sh -c "[ \"\$(grep -ci '^x-frame-options: DENY' '$tmp/rid.h')\" = 1 ] && grep -qi '^referrer-policy:' '$tmp/rid.h'"
check "X-Content-Type-Options not duplicated (service + nginx)" [ "$(grep -ci '^x-content-type-options:' "$tmp/rid.h")" = 1 ]
check "service's Cache-Control: no-store passes through" [ "$(hdr rid Cache-Control)" = no-store ]
check "no server version" [ "$(hdr rid Server)" = nginx ]
req gz -H 'Accept-Encoding: gzip' http://127.0.0.1/api/openapi.json
check "OpenAPI JSON is served gzip-compressed" [ "$(hdr gz Content-Encoding)" = gzip ]

if [ "${CHECK_EDGE_BROWSER:-1}" != 0 ] && command -v chromium >/dev/null 2>&1; then
  echo "-- [4] headless Chromium renders /docs under nginx's CSP"
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$tmp/chrome" \
    --enable-logging=stderr --v=0 --virtual-time-budget=8000 --dump-dom \
    http://127.0.0.1/docs/ >"$tmp/dom.html" 2>"$tmp/chrome.err" || true
  check "Swagger UI rendered the API (operations in the DOM)" grep -q 'opblock' "$tmp/dom.html"
  if grep -qi 'Content Security Policy' "$tmp/chrome.err"; then
    echo "  FAIL: CSP violations on /docs:"; grep -i 'Content Security Policy' "$tmp/chrome.err" | head -5; fails=$((fails + 1))
  else
    echo "  ok: no CSP violation reported on /docs"
  fi
else
  echo "-- [4] skipped (chromium not installed or CHECK_EDGE_BROWSER=0)"
fi

if grep -q '\[emerg\]\|\[crit\]' "$tmp/nginx.err"; then echo "  FAIL: nginx errors"; cat "$tmp/nginx.err"; fails=$((fails + 1)); fi
exit "$fails"
EOF

if unshare -m -n -p --fork bash "$tmp/inner.sh" "$tmp" "$ROOT" "$NGINX" "$CONF"; then
  echo "check-edge: PASS"
else
  echo "check-edge: FAIL"
  exit 1
fi
