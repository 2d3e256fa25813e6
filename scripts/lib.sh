# Shared shell helpers for scripts/run.sh and scripts/test-stack.sh (sourced, not run).

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

# py_tools BIN PACKAGE==VERSION...: makes sure the git-ignored Python venv in .tools/ has BIN,
# installing the pinned PACKAGEs from PyPI on first use. The one venv every check script shares.
py_tools() {
  local venv bin=$1
  shift
  venv=${TOOLS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools}/venv
  [[ -x $venv/bin/$bin ]] && return 0
  echo "installing $* into $venv" >&2
  mkdir -p "$(dirname "$venv")"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
}
