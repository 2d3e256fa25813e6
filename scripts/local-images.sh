#!/usr/bin/env bash
# Makes local stand-ins for the base images taskhub's Dockerfiles and docker-compose.yml name,
# for machines where no registry of images can be pulled from. Everything comes from Debian's
# packages (and rustup's dist server for Rust, the host's node for Node):
#
#   scripts/local-images.sh [image...]      default: all of them
#
#   debian      localhost/debian:bookworm-slim    debootstrap --variant=minbase bookworm, docker import
#                                                 (as localhost/debian:bookworm-minbase) + the host's CAs
#   rust        localhost/rust:1.95-bookworm      + gcc, libc6-dev; rustup's 1.95.0 (rust-toolchain.toml)
#   node        localhost/node:20-bookworm-slim   + the host's node 20 binary and npm (Debian's is 18)
#   postgres    localhost/postgres:15-bookworm    Debian's postgresql-15 + an entrypoint for POSTGRES_*
#   nginx       localhost/nginx:bookworm          Debian's nginx 1.22 + wget
#   prometheus  localhost/prometheus:bookworm     Debian's prometheus 2.42 + wget
#
# The recipes are ops/images/*.Dockerfile. Use them with the build arguments / variables that
# scripts/compose-test.sh sets (RUST_IMAGE, RUNTIME_IMAGE, NODE_IMAGE, POSTGRES_IMAGE, ...).
#
# Cache: the debootstrap rootfs is kept as a tarball in LOCAL_IMAGES_CACHE
# (default /var/cache/taskhub-images) and only made when missing; an image that exists is
# not rebuilt unless REBUILD=1 (then docker's layer cache still applies; the base image itself is
# only rebuilt when named: `REBUILD=1 scripts/local-images.sh debian`).
# Certificate authorities: the *.crt the host added to its trust store (LOCAL_CA_DIR, default
# /usr/local/share/ca-certificates, where update-ca-certificates reads them) are copied into the
# base image, so that builds behind a TLS-intercepting proxy reach crates.io, npm and rustup as the
# host does. They are copied at build time and never committed.
# Settings: DEBIAN_MIRROR (default http://deb.debian.org/debian), DOCKER (default docker).
# Needs root (debootstrap), debootstrap (apt-get install debootstrap), a running docker engine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES=$ROOT/ops/images
CACHE=${LOCAL_IMAGES_CACHE:-/var/cache/taskhub-images}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKER=${DOCKER:-docker}
SUITE=bookworm
BASE=localhost/debian:$SUITE-slim
MINBASE=localhost/debian:$SUITE-minbase
LOCAL_CA_DIR=${LOCAL_CA_DIR:-/usr/local/share/ca-certificates}
RUST_VERSION=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")
RUST_COMPONENTS=$(sed -n 's/^components *= *\[\(.*\)\]/\1/p' "$ROOT/rust-toolchain.toml" | tr -d '",')
NICE=(nice -n 10)

log() { printf '== local-images: %s\n' "$*"; }
have() { [ "${REBUILD:-0}" != 1 ] && "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

img_debian() {
  # REBUILD=1 rebuilds the base only when asked by name (`REBUILD=1 local-images.sh debian`): a new
  # base invalidates every layer above it, the Rust workspace's compiled dependencies included
  if [ "${REBUILD_BASE:-0}" != 1 ] && "$DOCKER" image inspect "$BASE" >/dev/null 2>&1; then return; fi
  local tar=$CACHE/debian-$SUITE-minbase.tar
  if [ ! -s "$tar" ]; then
    command -v debootstrap >/dev/null || { echo "local-images: debootstrap missing (apt-get install -y debootstrap)" >&2; exit 1; }
    log "debootstrap --variant=minbase $SUITE ($MIRROR) -> $tar"
    mkdir -p "$CACHE"
    local rootfs
    rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    "${NICE[@]}" debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$CACHE/debootstrap.log" >&2; rm -rf "$rootfs"; exit 1; }
    # what the official debian slim images add: sources with updates and security, no services
    # started by package scripts (policy-rc.d), no man pages or docs, no recommends, no apt cache
    cat > "$rootfs/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
SRC
    printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"
    chmod +x "$rootfs/usr/sbin/policy-rc.d"
    cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$rootfs/etc/apt/apt.conf.d/docker-no-recommends"
    printf 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' > "$rootfs/etc/apt/apt.conf.d/docker-clean"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/* \
           "$rootfs"/usr/share/doc/*/changelog* "$rootfs"/usr/share/man/* "$rootfs"/tmp/*
    : > "$rootfs/etc/machine-id"
    tar --numeric-owner --xattrs -C "$rootfs" -cf "$tar.tmp" .
    mv "$tar.tmp" "$tar"
    rm -rf "$rootfs"
  else
    log "rootfs cached: $tar"
  fi
  log "docker import -> $MINBASE"
  "$DOCKER" import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tar" "$MINBASE" >/dev/null
  # + the certificate authorities the host added to its trust store (ops/images/debian.Dockerfile)
  local ctx
  ctx=$(mktemp -d)
  mkdir "$ctx/ca"
  for crt in "$LOCAL_CA_DIR"/*.crt; do [ -f "$crt" ] && cp "$crt" "$ctx/ca/"; done
  log "+ $(find "$ctx/ca" -name '*.crt' | wc -l) CA certificate(s) from $LOCAL_CA_DIR -> $BASE"
  "$DOCKER" build -q --build-arg MINBASE_IMAGE="$MINBASE" -f "$IMAGES/debian.Dockerfile" -t "$BASE" "$ctx" >/dev/null
  rm -rf "$ctx"
}

build() { # image recipe [context] [extra docker build args...]
  local image=$1 recipe=$2 ctx=${3:-$IMAGES}
  shift 3 || shift $#
  if have "$image"; then log "$image exists"; return; fi
  log "docker build $image (ops/images/$recipe)"
  "${NICE[@]}" "$DOCKER" build -q --build-arg BASE_IMAGE="$BASE" "$@" -f "$IMAGES/$recipe" -t "$image" "$ctx" >/dev/null
}

img_rust() {
  build "localhost/rust:${RUST_VERSION%.*}-$SUITE" rust.Dockerfile "$IMAGES" \
    --build-arg RUST_VERSION="$RUST_VERSION" --build-arg RUST_COMPONENTS="$RUST_COMPONENTS"
}

img_node() {
  local bin ver ctx npm_dir
  bin=$(command -v node) || { echo "local-images: no node on this host (the node image copies it in)" >&2; exit 1; }
  ver=$("$bin" --version); ver=${ver#v}
  [ "${ver%%.*}" = 20 ] || { echo "local-images: host node is $ver, web/Dockerfile wants 20" >&2; exit 1; }
  npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
  ctx=$(mktemp -d)
  cp "$bin" "$ctx/node"
  cp -a "$(readlink -f "$npm_dir")" "$ctx/npm"
  build "localhost/node:20-$SUITE-slim" node.Dockerfile "$ctx"
  rm -rf "$ctx"
}

img_postgres()   { build "localhost/postgres:15-$SUITE" postgres.Dockerfile; }
img_nginx()      { build "localhost/nginx:$SUITE" nginx.Dockerfile; }
img_prometheus() { build "localhost/prometheus:$SUITE" prometheus.Dockerfile; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(debian rust node postgres nginx prometheus)
for t in "${targets[@]}"; do
  case "$t" in
    debian) REBUILD_BASE=${REBUILD:-0} img_debian ;;
    rust|node|postgres|nginx|prometheus) img_debian; "img_$t" ;;
    *) echo "local-images: unknown image '$t' (debian rust node postgres nginx prometheus)" >&2; exit 2 ;;
  esac
done
"$DOCKER" image ls --filter 'reference=localhost/*' --format '  {{.Repository}}:{{.Tag}}  {{.Size}}'
