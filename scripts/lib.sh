# shellcheck shell=bash
# Shared shell helpers for the scripts in scripts/ (sourced, not run).

# wait_for URL SECONDS: polls until URL answers 2xx, or fails after SECONDS.
wait_for() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "timed out waiting for $url" >&2
      return 1
    fi
    sleep 0.3
  done
}

# pg_host_port URL: prints "host port" of a postgres:// URL (defaults 127.0.0.1 5432).
pg_host_port() {
  python3 - "$1" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(u.hostname or "127.0.0.1", u.port or 5432)
PY
}

# pg_bin NAME: path of a PostgreSQL server binary (initdb, pg_ctl), or nothing.
pg_bin() {
  command -v "$1" 2>/dev/null || ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

# ensure_postgres URL DATADIR: makes sure a PostgreSQL answers at URL. If none does and the server
# binaries are installed, starts a private cluster in DATADIR (git-ignored) on URL's port.
ensure_postgres() {
  local url=$1 datadir=$2 host port
  read -r host port < <(pg_host_port "$url")
  if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then return 0; fi
  case "$host" in 127.0.0.1|localhost|::1) ;; *)
    echo "No PostgreSQL answers at $host:$port (DATABASE_URL). Start it, or point DATABASE_URL elsewhere." >&2
    return 1 ;;
  esac
  local initdb pg_ctl
  initdb=$(pg_bin initdb) pg_ctl=$(pg_bin pg_ctl)
  if [[ -z "$initdb" || -z "$pg_ctl" ]]; then
    echo "No PostgreSQL answers at $host:$port and no server is installed." >&2
    echo "Install one (Debian/Ubuntu: sudo apt-get install postgresql), or set DATABASE_URL in .env." >&2
    return 1
  fi
  # PostgreSQL refuses to run as root: run the private cluster as the 'postgres' user then.
  local as=()
  if [[ $(id -u) == 0 ]]; then as=(runuser -u postgres --); fi
  if [[ ! -s "$datadir/PG_VERSION" ]]; then
    echo "Creating a private PostgreSQL cluster in $datadir"
    mkdir -p "$datadir"
    [[ $(id -u) == 0 ]] && chown postgres "$datadir"
    "${as[@]}" "$initdb" -D "$datadir" -U postgres --auth=trust >/dev/null
  fi
  echo "Starting the private PostgreSQL cluster on port $port"
  "${as[@]}" "$pg_ctl" -D "$datadir" -l "$datadir/server.log" -w \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
}

# py_tools [BIN]: makes sure the git-ignored Python venv in .tools/venv holds exactly the versions
# pinned in scripts/python-tools.txt (the installed versions are compared, not just the presence
# of a command), installing what is missing or at another version. The one venv every check
# script shares; scripts/bootstrap.sh fills it up front, so `make test` installs nothing twice.
py_tools() {
  local root venv req
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  venv=${TOOLS_DIR:-$root/.tools}/venv
  req=$root/scripts/python-tools.txt
  if [[ -x $venv/bin/python ]] && "$venv/bin/python" - "$req" <<'PY'; then return 0; fi
import re, sys
from importlib.metadata import PackageNotFoundError, version
for line in open(sys.argv[1], encoding="utf-8"):
    pin = line.split("#", 1)[0].strip()
    if not pin:
        continue
    name, want = re.split(r"\s*==\s*", pin)
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
  echo "installing the Python tools pinned in scripts/python-tools.txt into $venv"
  mkdir -p "$(dirname "$venv")"
  # A venv without pip is one whose creation was interrupted: make it again.
  [[ -x $venv/bin/pip ]] || python3 -m venv --clear "$venv" >&2 || {
    echo "python3 -m venv failed: install python3-venv (Debian/Ubuntu: sudo apt-get install -y python3-venv)" >&2
    return 1
  }
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
}

# web_deps: runs `npm ci` in web/ unless web/node_modules already holds exactly what
# web/package-lock.json pins (compared with npm's own record, node_modules/.package-lock.json).
web_deps() {
  local web
  web=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web
  if python3 - "$web" <<'PY'; then return 0; fi
import json, os, sys
web = sys.argv[1]
try:
    want = json.load(open(os.path.join(web, "package-lock.json"), encoding="utf-8"))["packages"]
    have = json.load(open(os.path.join(web, "node_modules", ".package-lock.json"), encoding="utf-8"))["packages"]
except (OSError, ValueError, KeyError):
    sys.exit(1)
for path, meta in want.items():
    if not path:
        continue
    got = have.get(path)
    if got is None or not os.path.isdir(os.path.join(web, path)):
        if meta.get("optional"):  # another platform's binary (@next/swc-darwin-*, ...)
            continue
        sys.exit(1)
    if got.get("version") != meta.get("version"):
        sys.exit(1)
sys.exit(1 if set(have) - set(want) else 0)
PY
  command -v npm >/dev/null || { echo "npm is missing: install Node.js 20.9 or newer (with npm)" >&2; return 1; }
  echo "installing the web app's npm packages (npm ci in web/)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
