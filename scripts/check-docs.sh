#!/usr/bin/env bash
# Keeps the hand-written docs true:
#  1. docs/schema.md: every column (type, nullability, default), constraint and index it documents
#     must match a scratch database freshly migrated with the real `migrate up`, and vice versa.
#  2. docs/runbook.md, architecture.md, schema.md, contract.md, design.md, adr/*.md: every `make <target>`
#     in their code (inline or fenced) is a Makefile target, every repository path they mention
#     exists, and every `-p <crate> --bin <name>` is a binary of that crate.
#
#   bash scripts/check-docs.sh          # check (exit 1 on any difference)
#   bash scripts/check-docs.sh --print  # print the schema tables as the database has them, in
#                                       # docs/schema.md's layout, to paste when a migration changes
#
# Needs: psql, python3, cargo, and PostgreSQL at TEST_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/postgres) where it may create and drop a scratch database.
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
mode=${1:-check}
docs=(docs/runbook.md docs/architecture.md docs/schema.md docs/contract.md docs/design.md docs/adr/*.md)
for f in "${docs[@]}"; do [[ -f $f ]] || { echo "check-docs: $f is missing" >&2; exit 1; }; done
command -v psql >/dev/null || { echo "check-docs: psql missing (apt-get install postgresql-client)" >&2; exit 2; }

# ---- 1. schema.md against a freshly migrated database ---------------------------------------------
db=taskhub_docs_check_$$
url=${admin%/*}/$db
PGOPTIONS=--client-min-messages=warning psql -qX -v ON_ERROR_STOP=1 "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
trap 'psql -qX "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
DATABASE_URL=$url cargo run -q -p migrate --bin migrate -- up >/dev/null

# One line per fact, fields separated by '|': the same shape the markdown tables are read into.
actual=$(psql -X -At -F'|' "$url" <<'SQL'
SELECT 'column', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.attnotnull THEN 'no' ELSE 'yes' END,
       CASE a.attidentity WHEN 'a' THEN 'identity always' WHEN 'd' THEN 'identity by default'
            ELSE coalesce(pg_get_expr(d.adbin, d.adrelid), 'none') END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '\_\_diesel%'
ORDER BY c.relname, a.attnum;
SELECT 'constraint', c.relname, k.conname,
       CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'f' THEN 'foreign key' WHEN 'u' THEN 'unique'
            WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' ELSE k.contype::text END,
       pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND k.contype <> 'n' AND c.relname NOT LIKE '\_\_diesel%'
ORDER BY c.relname, k.conname;
SELECT 'index', tablename, indexname, CASE WHEN indexdef LIKE 'CREATE UNIQUE %' THEN 'yes' ELSE 'no' END,
       substring(indexdef from ' USING (.*)$')
FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE '\_\_diesel%'
ORDER BY tablename, indexname;
SQL
)

if [[ $mode == --print ]]; then
  ACTUAL=$actual python3 - <<'PY'
import os
lines = [l for l in os.environ["ACTUAL"].splitlines() if l]
rows = [l.split("|", 5 if l.startswith("column|") else 4) for l in lines]
heads = {"column": "| column | type | nullable | default | notes |\n|---|---|---|---|---|",
         "constraint": "| constraint | kind | definition |\n|---|---|---|",
         "index": "| index | unique | definition | serves |\n|---|---|---|---|"}
tick = lambda s: "`" + s.replace("|", "\\|") + "`"
for t in sorted({r[1] for r in rows}):
    print(f"## Table `{t}`\n")
    for kind in ("column", "constraint", "index"):
        print(heads[kind])
        for r in (r for r in rows if r[0] == kind and r[1] == t):
            if kind == "column":
                plain = r[5] in ("none", "identity always", "identity by default")
                print(f"| {tick(r[2])} | {tick(r[3])} | {r[4]} | {r[5] if plain else tick(r[5])} |  |")
            elif kind == "constraint":
                print(f"| {tick(r[2])} | {r[3]} | {tick(r[4])} |")
            else:
                print(f"| {tick(r[2])} | {r[3]} | {tick(r[4])} |  |")
        print()
PY
  exit 0
fi

failed=0
documented=$(python3 - docs/schema.md <<'PY'
import re, sys
# Tables under a "## Table `name`" heading whose header row starts with column, constraint or index;
# the first cells of each row are compared (later cells such as notes are free text).
width = {"column": 4, "constraint": 3, "index": 3}
table = kind = None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    m = re.match(r"^#{1,6} Table `(\w+)`", line)
    if m:
        table, kind = m.group(1), None
        continue
    if line.startswith("#"):
        table = kind = None
        continue
    if not line.startswith("|"):
        kind = None
        continue
    cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
    if table and kind is None and cells[0] in width:
        kind = cells[0]
        continue
    if kind is None or set(cells[0]) <= set("-: "):
        continue
    cells = [c[1:-1] if len(c) > 1 and c[0] == c[-1] == "`" else c for c in cells][: width[kind]]
    print("|".join([kind, table] + cells))
PY
)
if ! diff_out=$(diff <(sort <<<"$documented") <(sort <<<"$actual")); then
  echo "check-docs: docs/schema.md differs from the migrated database ('<' documented, '>' actual):" >&2
  echo "$diff_out" | grep '^[<>]' >&2
  echo "  (bash scripts/check-docs.sh --print shows the database's tables in the doc's layout)" >&2
  failed=1
else
  echo "check-docs: docs/schema.md matches the migrations ($(wc -l <<<"$actual") columns, constraints and indexes)"
fi

# ---- 2. make targets, paths and binaries mentioned in the docs -----------------------------------
if ! python3 - "${docs[@]}" <<'PY'; then failed=1; fi
import glob, os, re, sys
targets = set(re.findall(r"^([A-Za-z0-9_.-]+):", open("Makefile", encoding="utf-8").read(), re.M))
roots = r"(?:scripts|docs|migrations|shared|auth-service|task-service|gateway|web|nginx|ops|bench|deploy|\.ci)"
path_re = re.compile(r"(?<![\w./-])(" + roots + r"/[\w.*/-]*[\w*/]|Makefile|docker-compose\.yml|\.env\.example|Cargo\.toml|diesel\.toml|Dockerfile)(?![\w-])")
bin_re = re.compile(r"-p ([\w-]+) --bin ([\w-]+)")
problems, checked = [], 0
for doc in sys.argv[1:]:
    text = open(doc, encoding="utf-8").read()
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are checked through their visible text
    fenced = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        code = line if fenced else " ".join(re.findall(r"`([^`]*)`", line))  # commands are code
        for target in re.findall(r"(?<![\w-])make ([a-z][\w-]*)", code):
            checked += 1
            if target not in targets:
                problems.append(f"{doc}:{n}: `make {target}`: no such Makefile target")
        for path in path_re.findall(line):
            checked += 1
            if not glob.glob(path.rstrip("/")):
                problems.append(f"{doc}:{n}: {path}: no such file or directory")
        for crate, name in bin_re.findall(line):
            checked += 1
            if not (os.path.exists(f"{crate}/src/bin/{name}.rs") or os.path.exists(f"{crate}/src/bin/{name}/main.rs")
                    or (name == crate and os.path.exists(f"{crate}/src/main.rs"))):
                problems.append(f"{doc}:{n}: `-p {crate} --bin {name}`: no such binary")
for p in problems:
    print("check-docs: " + p, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-docs: {checked} make targets, paths and binaries mentioned in the docs exist")
PY

if ((failed)); then
  echo "check-docs: FAILED" >&2
  exit 1
fi
echo "check-docs: OK"
