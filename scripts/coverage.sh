#!/usr/bin/env bash
# Line coverage of the Rust workspace under its real test suite (unit + integration tests against
# PostgreSQL, run by cargo-nextest), measured with cargo-llvm-cov (LLVM source-based coverage).
#
#   bash scripts/coverage.sh                  # table + gate at 80 % of business-logic lines
#   COVERAGE_MIN=85 bash scripts/coverage.sh  # another threshold
#   COVERAGE_HTML=1 bash scripts/coverage.sh  # also write target/llvm-cov/html/index.html
#
# Prints, per crate, all lines under src/ and the business-logic lines: everything under src/
# except entry points and test support (src/main.rs, src/bin/*, src/testing.rs). Exits non-zero
# when a test fails or business-logic coverage is under COVERAGE_MIN.
#
# Needs: rustup component llvm-tools, cargo-llvm-cov, cargo-nextest, python3, and PostgreSQL at
# TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, trust auth):
#   rustup component add llvm-tools && cargo install --locked cargo-llvm-cov cargo-nextest
set -euo pipefail
cd "$(dirname "$0")/.."
min=${COVERAGE_MIN:-80}
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

for tool in cargo-llvm-cov cargo-nextest python3; do
  command -v "$tool" >/dev/null || {
    echo "coverage: $tool is missing (rustup component add llvm-tools; cargo install --locked cargo-llvm-cov cargo-nextest)" >&2
    exit 2
  }
done

# Coverage maps do not need debug info: dropping it makes the instrumented build and its links
# much faster on a small machine. The instrumented build lives in target/llvm-cov-target, apart
# from the normal one, so this never invalidates `cargo build`.
export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0 CARGO_INCREMENTAL=0

started=$SECONDS
# Forget the previous run's profiles (and workspace artifacts), keep the instrumented dependencies.
cargo llvm-cov clean --workspace
tests_rc=0
cargo llvm-cov nextest --workspace --no-report --no-fail-fast || tests_rc=$?

out=${CARGO_TARGET_DIR:-target}/llvm-cov
mkdir -p "$out"
summary=$out/summary.json
cargo llvm-cov report --json --summary-only --output-path "$summary"
if [[ -n ${COVERAGE_HTML:-} ]]; then
  cargo llvm-cov report --html --output-dir "$out"
  echo "coverage: HTML report in $out/html/index.html"
fi

gate_rc=0
python3 - "$summary" "$min" "$PWD" <<'PY' || gate_rc=$?
import json, os, sys

summary, minimum, root = sys.argv[1], float(sys.argv[2]), sys.argv[3]
CRATES = ["auth-service", "task-service", "gateway", "migrate", "shared"]

def is_business(rel):
    # rel is "<crate>/src/...": entry points and test support are not business logic.
    parts = rel.split("/")
    return not (parts[-1] == "main.rs" and len(parts) == 3) and parts[2] != "bin" and parts[-1] != "testing.rs"

# A file compiled into two targets under two spellings (reset-password includes
# "src/bin/../password.rs") is one file: keep its better-covered instance, never the sum.
by_file = {}
for f in json.load(open(summary))["data"][0]["files"]:
    rel = os.path.relpath(os.path.normpath(f["filename"]), root)
    lines = f["summary"]["lines"]
    if rel not in by_file or lines["covered"] > by_file[rel][1]:
        by_file[rel] = (lines["count"], lines["covered"])

totals = {c: {"all": [0, 0], "biz": [0, 0]} for c in CRATES}
files = []
for rel, (count, covered) in by_file.items():
    parts = rel.split("/")
    if len(parts) < 3 or parts[0] not in CRATES or parts[1] != "src":
        continue  # tests/, build scripts, dependencies
    biz = is_business(rel)
    for key in ["all"] + (["biz"] if biz else []):
        totals[parts[0]][key][0] += count
        totals[parts[0]][key][1] += covered
    files.append((rel, count, covered, biz))

pct = lambda c, n: 100.0 * c / n if n else 100.0
print("\nPer file (business-logic files marked *):")
for rel, count, covered, biz in sorted(files):
    print(f"  {'*' if biz else ' '} {rel:<40} {covered:>5}/{count:<5} {pct(covered, count):6.1f}%")

print(f"\n| {'crate':<13} | {'lines':>6} | {'covered':>7} | {'all %':>6} | {'business lines':>14} | {'covered':>7} | {'business %':>10} |")
print(f"|{'-'*15}|{'-'*8}|{'-'*9}|{'-'*8}|{'-'*16}|{'-'*9}|{'-'*12}|")
grand = {"all": [0, 0], "biz": [0, 0]}
for crate in CRATES:
    t = totals[crate]
    for key in grand:
        grand[key][0] += t[key][0]
        grand[key][1] += t[key][1]
    print(f"| {crate:<13} | {t['all'][0]:>6} | {t['all'][1]:>7} | {pct(t['all'][1], t['all'][0]):>5.1f}% "
          f"| {t['biz'][0]:>14} | {t['biz'][1]:>7} | {pct(t['biz'][1], t['biz'][0]):>9.1f}% |")
a, b = grand["all"], grand["biz"]
print(f"| {'total':<13} | {a[0]:>6} | {a[1]:>7} | {pct(a[1], a[0]):>5.1f}% | {b[0]:>14} | {b[1]:>7} | {pct(b[1], b[0]):>9.1f}% |")

business = pct(b[1], b[0])
if business + 1e-9 < minimum:
    print(f"\ncoverage: FAIL business logic {business:.1f}% < {minimum:g}% (COVERAGE_MIN)")
    sys.exit(1)
print(f"\ncoverage: OK business logic {business:.1f}% >= {minimum:g}% (COVERAGE_MIN)")
PY

echo "coverage: took $((SECONDS - started)) s"
if ((tests_rc != 0)); then
  echo "coverage: FAIL some tests failed (exit $tests_rc); the numbers above are incomplete" >&2
  exit "$tests_rc"
fi
exit "$gate_rc"
