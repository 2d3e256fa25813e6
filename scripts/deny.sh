#!/usr/bin/env bash
# make deny: cargo-deny's advisories, licenses, bans and sources checks, as deny.toml sets them.
#
#   make deny                                        # advisories from the live RustSec database
#   ADVISORY_DB_SNAPSHOT=path/to/advisory-db make deny  # from an offline copy of it
#
# cargo-deny reads the database from .tools/advisory-dbs (deny.toml's db-path). Without a snapshot it
# fetches the live one there (and updates it on later runs). With ADVISORY_DB_SNAPSHOT (a copy of the
# advisory-db repository's files, for machines that cannot reach it) the copy is put there as the git
# repository cargo-deny expects, again whenever the snapshot's files change, and cargo-deny runs
# offline. When neither can be had, it stops with one line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deny >/dev/null || { echo "make deny: cargo-deny is missing; make tools installs it" >&2; exit 1; }

dbs=.tools/advisory-dbs
db=$dbs/advisory-db-3157b0e258782691 # the folder name cargo-deny derives from the database's URL
source_file=$dbs/source              # which database $db holds: "live", or the snapshot's fingerprint
mkdir -p "$dbs"
cargo fetch --locked -q # cargo-deny --offline reads the dependency graph from the local cache

if [[ -n ${ADVISORY_DB_SNAPSHOT:-} ]]; then
  snapshot=$ADVISORY_DB_SNAPSHOT
  [[ -d $snapshot/crates ]] || {
    echo "make deny: ADVISORY_DB_SNAPSHOT=$snapshot is not a copy of the RustSec advisory database (no crates/ in it)" >&2
    exit 1
  }
  fingerprint="snapshot $( (cd "$snapshot" && find . -path ./.git -prune -o -type f -printf '%P %s %T@\n') | sort | sha256sum | cut -c1-16)"
  if [[ ! -d $db/.git || $(cat "$source_file" 2>/dev/null) != "$fingerprint" ]]; then
    echo "make deny: advisories from the snapshot in $snapshot"
    rm -rf "$db"
    mkdir -p "$db"
    (cd "$snapshot" && tar --exclude=./.git -cf - .) | tar -C "$db" -xf -
    chmod -R u+w "$db"
    (cd "$db" && git init -q && git add -A && git -c user.name=taskhub -c user.email=taskhub@localhost commit -qm snapshot)
    echo "$fingerprint" >"$source_file"
  fi
else
  # A folder that holds a snapshot is not a clone of the live database: fetch it afresh.
  [[ $(cat "$source_file" 2>/dev/null) == live ]] || rm -rf "$db"
  if ! out=$(timeout 300 cargo deny fetch db 2>&1); then
    reason=$(grep -m 1 -iE 'error|fail' <<<"$out" | sed -E 's/\x1b\[[0-9;]*m//g; s/^.*\[ERROR\] //; s/ with cli:.*//' | cut -c1-160)
    echo "make deny: cannot fetch the RustSec advisory database (${reason:-timed out}) and ADVISORY_DB_SNAPSHOT is not set; set it to an offline copy of the database" >&2
    exit 1
  fi
  echo live >"$source_file"
fi
cargo deny --offline check
