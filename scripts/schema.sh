#!/usr/bin/env bash
# schema.rs is generated, never edited: `write` regenerates it with `diesel print-schema` from a
# freshly migrated scratch database; `check` fails when the committed file differs.
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=taskhub_schema_check
url=${admin%/*}/$db
command -v diesel >/dev/null || { echo "diesel CLI missing: cargo install diesel_cli --locked --no-default-features --features postgres" >&2; exit 1; }
psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
DATABASE_URL=$url cargo run -q -p migrate --bin migrate -- up >/dev/null
generated=$(mktemp)
diesel print-schema --database-url "$url" > "$generated"
case "${1:-check}" in
  write) cp "$generated" shared/src/db/schema.rs; cargo fmt --all; echo "wrote shared/src/db/schema.rs" ;;
  check)
    rustfmt --edition 2024 --config-path rustfmt.toml "$generated"
    diff -u shared/src/db/schema.rs "$generated" && echo "schema.rs matches the migrations" ;;
esac
