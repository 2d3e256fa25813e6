#!/usr/bin/env bash
# Validates nginx/nginx.conf with Debian's nginx, without a container engine.
#
#   scripts/check-nginx.sh [nginx.conf]
#
# 1. `nginx -t` on the exact file compose mounts. nginx resolves upstream host
#    names at load time, so the compose service names (gateway, web) are mapped
#    to 127.0.0.1 in a private mount namespace: `unshare -m` + a bind-mounted
#    hosts file (the real /etc/hosts is untouched).
# 2. Behaviour smoke test in private namespaces (`unshare -mnp`: its own
#    loopback only, nothing leaves it): two stub upstreams stand in for
#    gateway:8080 and web:3000, nginx serves :80, and curl checks routing,
#    forwarded headers, X-Request-Id, security headers / CSP per area, gzip,
#    the 64 KiB body limit and the hidden server version.
#    Set CHECK_NGINX_SMOKE=0 to skip it (it needs root for unshare).
#
# Needs: nginx (apt: nginx), util-linux unshare, iproute2, curl, python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONF=$(realpath "${1:-$ROOT/nginx/nginx.conf}")
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

if [ ! -x "$NGINX" ]; then
  echo "check-nginx: nginx not found (apt-get install -y --no-install-recommends nginx)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/hosts" <<'EOF'
127.0.0.1 localhost gateway web auth-service task-service postgres
::1 localhost
EOF

echo "== check-nginx: $CONF ($("$NGINX" -v 2>&1))"
echo "-- [1] nginx -t with compose service names resolved via a private /etc/hosts"
if ! unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec "$2" -t -q -c "$3" -p "$4"' \
      _ "$tmp/hosts" "$NGINX" "$CONF" "$tmp/"; then
  echo "check-nginx: FAIL (nginx -t)"
  exit 1
fi
echo "  ok: syntax and upstream names"

if [ "${CHECK_NGINX_SMOKE:-1}" = 0 ]; then
  echo "-- [2] smoke test skipped (CHECK_NGINX_SMOKE=0)"
  echo "check-nginx: PASS"
  exit 0
fi

echo "-- [2] smoke test in a private network namespace (stub gateway + web upstreams)"
cat > "$tmp/stub.py" <<'EOF'
# A stand-in upstream: answers every request with JSON describing what it got.
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME, PORT = sys.argv[1], int(sys.argv[2])
WEB_CSP = "default-src 'self'; script-src 'self' 'nonce-c3R1Yg==' 'strict-dynamic'; object-src 'none'; frame-ancestors 'none'"

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        out = json.dumps({
            "upstream": NAME, "method": self.command, "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_len": len(body), "padding": "x" * 2048,
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("X-Powered-By", "stub")
        # the web app sets its own per-page CSP (a nonce), except on static files
        if NAME == "web" and not self.path.startswith("/icon.svg"):
            self.send_header("Content-Security-Policy", WEB_CSP)
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = do_PUT = do_DELETE = handle_any
    def version_string(self):
        return "stub-upstream/9.9"
    def log_message(self, *a):
        pass

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
EOF

cat > "$tmp/smoke.sh" <<'EOF'
set -u
tmp=$1 NGINX=$2 CONF=$3
mount --bind "$tmp/hosts" /etc/hosts
ip link set lo up
python3 "$tmp/stub.py" gateway 8080 & pid_gateway=$!
python3 "$tmp/stub.py" web 3000 & pid_web=$!
"$NGINX" -c "$CONF" -p "$tmp/" -g 'daemon off;' >"$tmp/nginx.out" 2>"$tmp/nginx.err" & pid_nginx=$!
cleanup() { for p in "$pid_nginx" "$pid_gateway" "$pid_web"; do kill "$p" 2>/dev/null; done; wait; }
trap cleanup EXIT
ready=0
for _ in $(seq 300); do
  curl -fsS -o /dev/null http://127.0.0.1/nginx-health 2>/dev/null \
    && curl -fsS -o /dev/null http://127.0.0.1:8080/ 2>/dev/null \
    && curl -fsS -o /dev/null http://127.0.0.1:3000/ 2>/dev/null && { ready=1; break; }
  sleep 0.1
done
if [ "$ready" != 1 ]; then
  echo "  FAIL: nginx or the stub upstreams did not start within 30 s"; cat "$tmp/nginx.err"; exit 1
fi

fails=0
check() { # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then echo "  ok: $d"; else echo "  FAIL: $d"; fails=$((fails + 1)); fi
}
# req NAME [curl args...]: writes headers to $tmp/NAME.h, body to $tmp/NAME.b
req() { local n=$1; shift; curl -sS -D "$tmp/$n.h" -o "$tmp/$n.b" "$@" || true; }
hdr() { grep -i "^$2:" "$tmp/$1.h" | head -1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }
status() { head -1 "$tmp/$1.h" | awk '{print $2}'; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$tmp/$1.b" "$2" 2>/dev/null; }

req api -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Request-Id: client-req-12345' http://127.0.0.1/api/tasks?x=1
check "/api/tasks -> gateway" [ "$(json api 'd["upstream"]')" = gateway ]
check "path and query passed unchanged" [ "$(json api 'd["path"]')" = "/api/tasks?x=1" ]
check "X-Forwarded-For overwritten with the client address (no spoofing)" [ "$(json api 'd["headers"]["x-forwarded-for"]')" = 127.0.0.1 ]
check "X-Forwarded-Proto sent" [ "$(json api 'd["headers"]["x-forwarded-proto"]')" = http ]
check "well-formed X-Request-Id passed upstream" [ "$(json api 'd["headers"]["x-request-id"]')" = client-req-12345 ]
check "X-Request-Id echoed to the client" [ "$(hdr api X-Request-Id)" = client-req-12345 ]
check "keep-alive upstream (no 'Connection: close' sent upstream)" [ "$(json api 'd["headers"].get("connection", "")')" != close ]

req gen -H 'X-Request-Id: bad id with spaces' http://127.0.0.1/api/auth/login
rid=$(json gen 'd["headers"]["x-request-id"]')
check "malformed X-Request-Id replaced by a generated one ($rid)" sh -c "echo '$rid' | grep -Eq '^[0-9a-f]{32}$'"
check "/api/auth/* -> gateway" [ "$(json gen 'd["upstream"]')" = gateway ]

req docs http://127.0.0.1/docs/
check "/docs/ -> gateway" [ "$(json docs 'd["upstream"]')" = gateway ]
check "/docs CSP allows Swagger UI: script-src 'self'" sh -c "echo \"\$1\" | grep -q \"script-src 'self';\"" _ "$(hdr docs Content-Security-Policy)"
check "/docs CSP allows inline styles and data: images" sh -c "echo \"\$1\" | grep -q \"style-src 'self' 'unsafe-inline'\" && echo \"\$1\" | grep -q \"img-src 'self' data:\"" _ "$(hdr docs Content-Security-Policy)"
req docs0 http://127.0.0.1/docs
check "/docs (no slash) -> gateway" [ "$(json docs0 'd["upstream"]')" = gateway ]
req apidocs http://127.0.0.1/api-docs/openapi.json
check "/api-docs/ -> gateway" [ "$(json apidocs 'd["upstream"]')" = gateway ]
req health http://127.0.0.1/health
check "/health -> gateway" [ "$(json health 'd["upstream"]')" = gateway ]

req web http://127.0.0.1/tasks
check "/tasks (app page) -> web" [ "$(json web 'd["upstream"]')" = web ]
req root http://127.0.0.1/
check "/ -> web" [ "$(json root 'd["upstream"]')" = web ]
check "app CSP has frame-ancestors 'none'" sh -c "echo \"\$1\" | grep -q \"frame-ancestors 'none'\"" _ "$(hdr root Content-Security-Policy)"
web_csp="default-src 'self'; script-src 'self' 'nonce-c3R1Yg==' 'strict-dynamic'; object-src 'none'; frame-ancestors 'none'"
check "app pages: the app's nonce CSP passes through unchanged" [ "$(hdr root Content-Security-Policy)" = "$web_csp" ]
check "app pages: exactly one CSP (nginx adds none of its own)" [ "$(grep -ci '^content-security-policy:' "$tmp/root.h")" = 1 ]
check "app pages: no 'unsafe-inline' for scripts" sh -c "! echo \"\$1\" | grep -q \"script-src[^;]*unsafe-inline\"" _ "$(hdr root Content-Security-Policy)"
req icon http://127.0.0.1/icon.svg
check "app answer without a CSP of its own gets the strict fallback" sh -c "echo \"\$1\" | grep -q \"script-src 'self';\" && ! echo \"\$1\" | grep -q \"script-src[^;]*unsafe-inline\"" _ "$(hdr icon Content-Security-Policy)"
req sess -X POST http://127.0.0.1/session/refresh
check "/session/refresh -> web" [ "$(json sess 'd["upstream"]')" = web ]
check "/session/* CSP is default-src 'none'" sh -c "echo \"\$1\" | grep -q \"default-src 'none'\"" _ "$(hdr sess Content-Security-Policy)"
check "/session/*: one CSP only" [ "$(grep -ci '^content-security-policy:' "$tmp/sess.h")" = 1 ]
req metrics http://127.0.0.1/metrics
check "/metrics not exposed at the edge (404)" [ "$(status metrics)" = 404 ]

for n in api root docs metrics; do
  check "$n: X-Content-Type-Options nosniff" [ "$(hdr $n X-Content-Type-Options)" = nosniff ]
  check "$n: X-Frame-Options DENY" [ "$(hdr $n X-Frame-Options)" = DENY ]
  check "$n: Referrer-Policy set" [ -n "$(hdr $n Referrer-Policy)" ]
  check "$n: Content-Security-Policy set" [ -n "$(hdr $n Content-Security-Policy)" ]
done
check "API CSP is default-src 'none'" sh -c "echo \"\$1\" | grep -q \"default-src 'none'\"" _ "$(hdr api Content-Security-Policy)"
check "Server header has no version" [ "$(hdr api Server)" = nginx ]
check "upstream X-Powered-By hidden" [ -z "$(hdr api X-Powered-By)" ]

req gz -H 'Accept-Encoding: gzip' http://127.0.0.1/api/tasks
check "JSON responses are gzip-compressed" [ "$(hdr gz Content-Encoding)" = gzip ]

head -c 60000 /dev/zero | tr '\0' 'a' > "$tmp/60k"
head -c 70000 /dev/zero | tr '\0' 'a' > "$tmp/70k"
req small -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/60k" http://127.0.0.1/api/tasks
check "60 KB body accepted and passed on" [ "$(json small 'd["body_len"]')" = 60000 ]
req big -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/70k" http://127.0.0.1/api/tasks
check "70 KB body rejected with 413 (client_max_body_size 64k)" [ "$(status big)" = 413 ]
check "413 response still carries security headers" [ "$(hdr big X-Content-Type-Options)" = nosniff ]
check "413 body is the API's JSON error format" [ "$(json big 'd["error_code"]')" = PAYLOAD_TOO_LARGE ]
req bigweb -X POST --data-binary @"$tmp/70k" http://127.0.0.1/some/page
check "413 also outside /api/" [ "$(status bigweb)" = 413 ]

# edge rate limit on /api/auth/: a burst of 100 logins from one address, 50 at
# a time (sequential curls on a busy machine are slow enough for the 5 r/s refill)
seq 100 | xargs -P 50 -I{} curl -sS -D "$tmp/rl{}.h" -o "$tmp/rl{}.b" -X POST \
  -H 'Content-Type: application/json' -d '{}' http://127.0.0.1/api/auth/login 2>/dev/null || true
codes=$(for i in $(seq 100); do status "rl$i"; done | sort | uniq -c | tr -s ' \n' ' ')
check "burst of 100 logins: about 30 pass, the rest get 429 ($codes)" sh -c "echo '$codes' | grep -q ' 429' && echo '$codes' | grep -q ' 200'"
limited=$(for i in $(seq 100); do [ "$(status "rl$i")" = 429 ] && echo "rl$i"; done | tail -1)
limited=${limited:-rl100}
check "429 is JSON in the API error format" [ "$(json "$limited" 'd["error_code"]')" = TOO_MANY_REQUESTS ]
check "429 carries Retry-After and security headers" sh -c "[ -n \"\$1\" ] && [ \"\$2\" = DENY ]" _ "$(hdr "$limited" Retry-After)" "$(hdr "$limited" X-Frame-Options)"
req tasksok http://127.0.0.1/api/tasks
check "/api/tasks is not limited by the auth zone" [ "$(json tasksok 'd["upstream"]')" = gateway ]
# the app's session handlers take credentials too (its server calls the gateway, not via this edge)
seq 60 | xargs -P 30 -I{} curl -sS -D "$tmp/sl{}.h" -o "$tmp/sl{}.b" -X POST \
  -H 'Content-Type: application/json' -d '{}' http://127.0.0.1/session/login 2>/dev/null || true
scodes=$(for i in $(seq 60); do status "sl$i"; done | sort | uniq -c | tr -s ' \n' ' ')
check "burst of 60 /session/login: under the same limit, 429s ($scodes)" sh -c "echo '$scodes' | grep -q ' 429'"
req pageok http://127.0.0.1/account
check "app pages are not limited by the auth zone" [ "$(json pageok 'd["upstream"]')" = web ]

# gateway gone: /api/ answers JSON 503 + Retry-After, the web app is unaffected
kill "$pid_gateway"; wait "$pid_gateway" 2>/dev/null
req down http://127.0.0.1/api/tasks
check "gateway down -> 503 (not nginx's HTML 502)" [ "$(status down)" = 503 ]
check "gateway down -> JSON error body" [ "$(json down 'd["error_code"]')" = SERVICE_UNAVAILABLE ]
check "gateway down -> Retry-After" [ -n "$(hdr down Retry-After)" ]
check "gateway down -> security headers kept" [ "$(hdr down X-Frame-Options)" = DENY ]
req webok http://127.0.0.1/
check "web still served while the gateway is down" [ "$(json webok 'd["upstream"]')" = web ]

if [ -s "$tmp/nginx.err" ] && grep -q '\[emerg\]' "$tmp/nginx.err"; then
  echo "  FAIL: nginx errors:"; cat "$tmp/nginx.err"; fails=$((fails + 1))
fi
echo "  smoke: $fails failure(s)"
exit "$fails"
EOF

# -p --fork: the smoke shell is PID 1 of a new PID namespace, so the kernel
# ends nginx and the stubs with it even if it is killed.
if unshare -m -n -p --fork sh "$tmp/smoke.sh" "$tmp" "$NGINX" "$CONF"; then
  echo "check-nginx: PASS"
else
  echo "check-nginx: FAIL"
  exit 1
fi
