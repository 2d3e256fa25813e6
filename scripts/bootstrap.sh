#!/usr/bin/env bash
# make tools (and the first step of make test): installs what the checks need, at pinned versions.
# Idempotent: it compares installed versions, installs only what is missing or at another version,
# prints one line per thing it installs, and one line saying so when there was nothing to do.
#
#   bash scripts/bootstrap.sh                 # everything make test needs
#   bash scripts/bootstrap.sh --apt-packages  # print the Debian/Ubuntu packages it needs, one line
#
# What goes where:
#   Debian/Ubuntu packages  apt-get, when running as root; otherwise one line names them and the
#                           exact command, and it stops
#   PostgreSQL              the server at TEST_DATABASE_URL (default 127.0.0.1:5432) must let
#                           `postgres` in without a password; as root it starts the local cluster
#                           and sets trust auth for 127.0.0.1 and ::1 (and loads pg_stat_statements
#                           for make bench), otherwise it says what to do
#   Rust toolchain          the one rust-toolchain.toml names, with its components (rustup)
#   cargo tools             cargo install --locked, into cargo's bin directory (CARGO_HOME/bin,
#                           or CARGO_INSTALL_ROOT/bin)
#   Python tools            .tools/venv (git-ignored), versions in scripts/python-tools.txt
#   npm packages            web/node_modules (npm ci), newman in .tools/node_modules
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Debian/Ubuntu packages: the PostgreSQL server and client tools, libpq for Diesel, libssl-dev and
# pkg-config for task-service's read connection (openssl-sys, ADR 0008), python3-venv
# for .tools/venv, Chromium for Playwright and check-edge.sh, nginx, promtool (prometheus) and
# docker-compose v1 for the config checks, iproute2 and util-linux for their network namespaces,
# socat for the silent-link test's namespace (task-service/tests/api/silent_link.rs), pgbouncer for the
# replica test (gateway/tests/api/replicas.rs).
APT_PACKAGES=(postgresql postgresql-client pgbouncer libpq-dev libssl-dev pkg-config curl ca-certificates git python3-venv
  chromium nginx prometheus docker-compose iproute2 util-linux socat)
# cargo-installed tools: crate, version, the command that prints the version, extra install flags.
CARGO_TOOLS=(
  "cargo-nextest|0.9.143|cargo nextest --version|"
  "cargo-llvm-cov|0.9.1|cargo llvm-cov --version|"
  "cargo-deny|0.20.2|cargo deny --version|"
  "diesel_cli|2.3.14|diesel --version|--no-default-features --features postgres"
)

if [[ ${1:-} == --apt-packages ]]; then
  echo "${APT_PACKAGES[*]}"
  exit 0
fi

installed=0
say() { echo "bootstrap: $*"; installed=1; }
die() { echo "bootstrap: $*" >&2; exit 1; }
is_root() { [[ $(id -u) == 0 ]]; }

# ---- Debian/Ubuntu packages -----------------------------------------------------------------------
if command -v dpkg-query >/dev/null; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    if is_root && command -v apt-get >/dev/null; then
      say "installing Debian packages: ${missing[*]} (apt-get)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      die "missing system packages: ${missing[*]}; install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
  fi
else
  missing=()
  for cmd in psql pg_isready curl git nginx promtool docker-compose chromium ip unshare socat; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
  done
  ((${#missing[@]} == 0)) || die "not a Debian/Ubuntu system and these commands are missing: ${missing[*]}; install them with the system's package manager (the Debian names: ${APT_PACKAGES[*]})"
fi

# ---- PostgreSQL: the tests connect as postgres without a password ------------------------------------
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
read -r pg_host pg_port < <(pg_host_port "$admin")
local_pg=0
case $pg_host in 127.0.0.1 | localhost | ::1) local_pg=1 ;; esac
pg_login() { psql -X -w -q -At -c 'SELECT 1' "$admin" >/dev/null 2>&1; }
if ! pg_login; then
  if ! pg_isready -q -h "$pg_host" -p "$pg_port"; then
    if is_root && ((local_pg)) && command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
      version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
      say "starting PostgreSQL $version (pg_ctlcluster $version main start)"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start
      for _ in $(seq 30); do pg_isready -q -h "$pg_host" -p "$pg_port" && break; sleep 1; done
    fi
    pg_isready -q -h "$pg_host" -p "$pg_port" ||
      die "no PostgreSQL answers at $pg_host:$pg_port (TEST_DATABASE_URL): start it (Debian/Ubuntu: sudo pg_ctlcluster <version> main start), or point TEST_DATABASE_URL at one"
  fi
  if ! pg_login; then
    if is_root && ((local_pg)); then
      say "PostgreSQL: trust authentication for 127.0.0.1 and ::1 (the tests connect as postgres without a password)"
      hba=$(runuser -u postgres -- psql -X -tAc 'SHOW hba_file')
      sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
      runuser -u postgres -- psql -X -qc 'SELECT pg_reload_conf()' >/dev/null
    fi
    pg_login || die "PostgreSQL at $pg_host:$pg_port does not let $admin in without a password: the tests need trust auth for it (pg_hba.conf: host all all 127.0.0.1/32 trust), or set TEST_DATABASE_URL"
  fi
fi
# make bench reports the statements PostgreSQL ran per request (pg_stat_statements), which must be
# loaded at server start: on a local Debian cluster, as root, load it (one restart, once).
if is_root && ((local_pg)) && command -v pg_ctlcluster >/dev/null \
  && [[ $(psql -X -w -At -c 'SHOW shared_preload_libraries' "$admin" 2>/dev/null) != *pg_stat_statements* ]]; then
  data_dir=$(psql -X -w -At -c 'SHOW data_directory' "$admin")
  version=$(psql -X -w -At -c "SELECT current_setting('server_version_num')::int / 10000" "$admin")
  if [[ -d /etc/postgresql/$version/main && $data_dir == /var/lib/postgresql/$version/main ]]; then
    say "PostgreSQL: loading pg_stat_statements for make bench (ALTER SYSTEM, restart)"
    loaded=$(psql -X -w -At -c 'SHOW shared_preload_libraries' "$admin")
    psql -X -w -q -c "ALTER SYSTEM SET shared_preload_libraries = '${loaded:+$loaded,}pg_stat_statements'" "$admin"
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart
    for _ in $(seq 30); do pg_login && break; sleep 1; done
    pg_login || die "PostgreSQL did not come back after loading pg_stat_statements"
  fi
fi

# ---- Rust: the toolchain rust-toolchain.toml pins, and its components -------------------------------
command -v rustup >/dev/null || die "rustup is missing: install Rust with rustup, then run make tools again"
channel=$(sed -nE 's/^channel *= *"([^"]+)".*/\1/p' rust-toolchain.toml)
components=$(sed -nE 's/^components *= *\[(.*)\].*/\1/p' rust-toolchain.toml | tr -d '",')
host=$(cd / && rustup show | sed -n 's/^Default host: //p')
if ! (cd / && rustup toolchain list) | grep -q "^$channel-$host"; then
  # A machine whose only toolchain is installed as `stable` at exactly this version: name it
  # as pinned too (rustup refuses `toolchain link` for such names), so nothing is downloaded.
  rustup_home=$(rustup show home)
  if [[ $(cd / && rustup run stable rustc --version 2>/dev/null) == "rustc $channel "* ]]; then
    say "Rust $channel: the installed stable toolchain is $channel; naming it $channel-$host too"
    ln -s "$rustup_home/toolchains/stable-$host" "$rustup_home/toolchains/$channel-$host"
  else
    say "Rust $channel: rustup toolchain install $channel"
    rustup toolchain install "$channel" --profile minimal --no-self-update
  fi
fi
have=$(rustup component list --installed --toolchain "$channel")
for component in $components; do
  if ! grep -q "^$component-$host\$\|^$component\$" <<<"$have"; then
    say "Rust $channel: rustup component add $component"
    rustup component add --toolchain "$channel" "$component"
  fi
done

# ---- cargo tools, at their pinned versions ----------------------------------------------------------
# `<command> --version` prints `cargo-deny 0.20.2`, or `Version: 2.3.14` for diesel.
# A missing tool prints nothing (cargo exits 101 for an unknown subcommand: not an error here).
tool_version() { { $1 2>/dev/null || true; } | sed -nE 's/^(cargo-[a-z-]+ |[[:space:]]*Version: )v?([0-9][^ ]*).*/\2/p' | head -n 1; }
for entry in "${CARGO_TOOLS[@]}"; do
  IFS='|' read -r crate version command flags <<<"$entry"
  [[ $(tool_version "$command") == "$version" ]] && continue
  found=$(tool_version "$command")
  say "installing $crate $version${found:+ (found $found)} (cargo install --locked; takes a few minutes)"
  # shellcheck disable=SC2086 # flags is a list of words
  cargo install --locked --quiet "$crate@$version" $flags
  found=$(tool_version "$command")
  [[ $found == "$version" ]] ||
    die "$crate $version was installed, but \`$command\` still reports ${found:-nothing}: an older copy earlier on PATH hides it"
done

# ---- Python tools (.tools/venv) and npm packages ------------------------------------------------
node_version=$(node --version 2>/dev/null || true)
if ! [[ $node_version =~ ^v([0-9]+)\.([0-9]+) ]] || ((BASH_REMATCH[1] < 20 || (BASH_REMATCH[1] == 20 && BASH_REMATCH[2] < 9))); then
  die "Node.js 20.9 or newer (with npm) is needed for web/ and found ${node_version:-none}: install it (Debian's nodejs is older; use the Node.js release packages or nvm)"
fi
# Each prints one "installing ..." line on stdout when it installs something (errors on stderr).
for step in py_tools web_deps "bash scripts/newman.sh --install-only"; do
  out=$($step) || exit 1
  [[ -z $out ]] || say "$out"
done

((installed)) || echo "bootstrap: all tools present at their pinned versions; nothing to install"
