#!/usr/bin/env python3
"""Instructions the gateway spends per proxied request, counted by callgrind (repeatable whatever
else the machine is doing, unlike a wall-clock bench): each binary serves 2,000 keep-alive
`GET /api/tasks` to a stand-in upstream, minus a run that serves none.

    python3 bench/gateway_instructions.py target/release/gateway [another/gateway ...]

Ports 18590 (gateway) and 18591 (upstream); needs valgrind.
"""
import http.client, http.server, os, re, signal, subprocess, sys, tempfile, threading, time

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b'{"tasks":[]}'
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass

up = http.server.ThreadingHTTPServer(("127.0.0.1", 18591), H)
threading.Thread(target=up.serve_forever, daemon=True).start()

def run(binary, n, tag):
    out = os.path.join(tempfile.gettempdir(), f"gateway-callgrind-{os.getpid()}-{tag}.out")
    env = dict(os.environ, GATEWAY_ADDR="127.0.0.1:18590", AUTH_SERVICE_URL="http://127.0.0.1:18591",
               TASK_SERVICE_URL="http://127.0.0.1:18591", HTTP_WORKERS="1", RUST_LOG="warn")
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", 18590, timeout=60); c.request("GET", "/api/tasks"); c.getresponse().read(); break
        except OSError:
            time.sleep(0.1)
    c = http.client.HTTPConnection("127.0.0.1", 18590, timeout=60)
    for _ in range(n):
        c.request("GET", "/api/tasks", headers={"Authorization": "Bearer x"}); r = c.getresponse(); r.read()
        assert r.status == 200, r.status
    c.close()
    p.send_signal(signal.SIGTERM); err = p.communicate()[1].decode()
    os.remove(out)
    return int(re.search(r"Collected : (\d+)", err).group(1))

for binary in sys.argv[1:]:
    base = run(binary, 0, "base")
    full = run(binary, 2000, "full")
    print(f"{binary}: {(full - base) / 2000:.0f} instructions per request (callgrind, 2000 keep-alive GETs minus 0)")
