#!/usr/bin/env bash
# Supply-chain check with cargo-deny, reading advisories from the offline RustSec snapshot in
# ../shared/advisory-db (this machine cannot fetch the live database). Elsewhere, with network,
# `cargo deny check` alone reads the live database.
set -euo pipefail
cd "$(dirname "$0")/.."
snapshot=${ADVISORY_DB_SNAPSHOT:-../shared/advisory-db}
db=.tools/advisory-dbs/advisory-db-3157b0e258782691
if [[ ! -d $db/.git ]]; then
  [[ -d $snapshot ]] || { echo "no advisory snapshot at $snapshot (set ADVISORY_DB_SNAPSHOT)" >&2; exit 1; }
  mkdir -p "$db"
  cp -r "$snapshot"/. "$db"/
  (cd "$db" && git init -q && git add -A && git -c user.name=ci -c user.email=ci@localhost commit -qm snapshot)
fi
cargo fetch --locked -q
cargo deny --offline check
