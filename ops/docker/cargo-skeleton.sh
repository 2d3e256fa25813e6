#!/usr/bin/env bash
# cargo-skeleton.sh SRC DEST
#
# Writes to DEST a copy of the Cargo workspace at SRC that has the same
# manifests, Cargo.lock and build scripts, but a stub for every other target
# root (lib -> empty file, bin/test/bench/example -> `fn main() {}`).
# `cargo build` of DEST compiles exactly the dependencies of SRC, so a Docker
# layer built from DEST only changes when a manifest or the lock file changes.
# Used by the Dockerfile (stage `skeleton`) and by scripts/check-dockerfile.sh.
# Needs: cargo, and jq or python3.
set -euo pipefail
src=$(cd "${1:?usage: cargo-skeleton.sh SRC DEST}" && pwd)
dest=${2:?usage: cargo-skeleton.sh SRC DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
cd "$src"

[ -f Cargo.lock ] || { echo "cargo-skeleton: $src/Cargo.lock is missing (commit it; the image builds with --locked)" >&2; exit 1; }
find . \( -path ./target -o -path ./web -o -path '*/node_modules' -o -path ./.git -o -path ./.tools \) -prune \
  -o -name Cargo.toml -print | while read -r f; do
    mkdir -p "$dest/$(dirname "$f")"; cp "$f" "$dest/$f"
done
cp Cargo.lock "$dest/"
if [ -d .cargo ]; then cp -r .cargo "$dest/"; fi
if [ -f rust-toolchain.toml ]; then cp rust-toolchain.toml "$dest/"; fi

# "<kind>\t<src_path>" per target, from cargo metadata JSON on stdin
# (jq in the image; python3 where jq is not installed).
target_roots() {
  if command -v jq >/dev/null 2>&1; then
    jq -r '.packages[].targets[] | "\(.kind[0])\t\(.src_path)"'
  else
    python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        print(t["kind"][0] + "\t" + t["src_path"])'
  fi
}

n=0
while IFS=$'\t' read -r kind path; do
  rel=${path#"$src"/}
  mkdir -p "$dest/$(dirname "$rel")"
  case "$kind" in
    custom-build) cp "$rel" "$dest/$rel" ;;
    lib|rlib|dylib|cdylib|staticlib|proc-macro) : > "$dest/$rel" ;;
    *) echo 'fn main() {}' > "$dest/$rel" ;;
  esac
  n=$((n + 1))
done < <(cargo metadata --no-deps --format-version 1 --offline | target_roots)
echo "cargo-skeleton: $n target roots stubbed into $dest"
