# One image recipe for the four Rust binaries of the workspace.
#
#   docker build --build-arg BIN=auth-service --build-arg PORT=8081 -t taskhub/auth-service .
#   BIN = auth-service | task-service | gateway | migrate
#   EXTRA_BINS = more workspace binaries for the same image (compose gives the
#                auth-service image its `reset-password` tool this way)
#
# Stages:
#   toolchain  rust + libpq-dev, libssl-dev and pkg-config (openssl-sys) (+ jq for the skeleton step)
#   skeleton   the workspace manifests, Cargo.lock and *dummy* target files only
#   deps       compiles every dependency against the skeleton. This layer only
#              changes when a Cargo.toml / Cargo.lock changes, so editing code
#              does not recompile the ~270 dependency crates (cargo-chef's idea,
#              without needing cargo-chef).
#   builder    copies the real sources and builds all workspace binaries once.
#              BIN is not declared before this point, so all four images share
#              the same builder layers and the workspace is compiled once.
#   select     picks BIN (+ EXTRA_BINS) out of the builder's binaries
#   runtime    debian:bookworm-slim (RUNTIME_IMAGE) + libpq5 (and with it libssl3, which the read
#              connection links too) + ca-certificates + curl (curl is for the compose
#              healthchecks), non-root user, one binary.
#
# No `# syntax=` line and no `RUN --mount`: the file also builds with the
# legacy (non-BuildKit) builder and with podman, without pulling a frontend.

ARG RUST_VERSION=1.95
ARG DEBIAN_SUITE=bookworm
# The base images, official ones by default. Where nothing can be pulled, build from images made
# locally (a Debian rootfs from debootstrap, imported; a Rust toolchain added to it), e.g.
#   --build-arg RUNTIME_IMAGE=localhost/debian:bookworm-slim --build-arg RUST_IMAGE=localhost/rust:1.95-bookworm
# RUST_IMAGE needs Debian's apt (for libpq-dev and jq), RUNTIME_IMAGE a Debian slim of the same
# suite (the binaries link its libpq5 and glibc).
ARG RUST_IMAGE=rust:${RUST_VERSION}-${DEBIAN_SUITE}
ARG RUNTIME_IMAGE=debian:${DEBIAN_SUITE}-slim

FROM ${RUST_IMAGE} AS toolchain
# Debian package versions are not pinned: the suite is pinned, and security
# updates of libpq/ca-certificates should be picked up on rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev libssl-dev pkg-config jq \
 && rm -rf /var/lib/apt/lists/*
ENV CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0
WORKDIR /app

# ---------------------------------------------------------------------------
FROM toolchain AS skeleton
WORKDIR /src
COPY . .
# Keep the manifests, the lock file and build scripts; replace every other
# target root (lib, bin, test, bench, example) by a stub. Paths come from
# `cargo metadata`, so bins under src/bin/ or custom [[bin]] paths work too.
RUN bash ops/docker/cargo-skeleton.sh /src /skeleton

# ---------------------------------------------------------------------------
FROM toolchain AS deps
COPY --from=skeleton /skeleton/ ./
RUN cargo build --release --locked --workspace --bins

# ---------------------------------------------------------------------------
FROM deps AS builder
COPY . .
# The stubs built above are newer than the real files' mtimes from the build
# context; touch the real sources so cargo rebuilds the workspace crates.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Every binary target of the workspace goes to /out (the four services plus
# tools such as auth-service's reset-password); `select` picks per image.
RUN find . -path ./target -prune -o -name '*.rs' -print0 | xargs -0 touch \
 && cargo build --release --locked --workspace --bins \
 && mkdir -p /out \
 && cargo metadata --no-deps --format-version 1 --offline \
    | jq -r '.packages[].targets[] | select(.kind[0] == "bin") | .name' \
    | while read -r b; do cp "target/release/$b" /out/; done \
 && ls -l /out

# ---------------------------------------------------------------------------
# BIN (required) plus EXTRA_BINS (optional, space-separated) for this image.
FROM ${RUNTIME_IMAGE} AS select
ARG BIN
ARG EXTRA_BINS=""
COPY --from=builder /out/ /out/
RUN test -n "${BIN}" || { echo "build with --build-arg BIN=<auth-service|task-service|gateway|migrate>" >&2; exit 1; } \
 && mkdir /selected \
 && for b in ${BIN} ${EXTRA_BINS}; do cp "/out/$b" /selected/ || exit 1; done

# ---------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 taskhub \
 && useradd --system --uid 10001 --gid taskhub --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin taskhub

ARG BIN
ARG PORT=8080
COPY --from=select /selected/ /usr/local/bin/
# MALLOC_MMAP_THRESHOLD_: glibc maps big blocks, so argon2's 19 MiB per hash are returned to the
# OS instead of piling up in per-thread arenas; glibc.malloc.hugetlb=1 asks for transparent huge
# pages on those maps, so a fresh block costs ten page faults rather than 4,864 (bench/README.md).
ENV APP_BIN=${BIN} \
    RUST_LOG=info \
    MALLOC_MMAP_THRESHOLD_=131072 \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1
USER 10001:10001
# Documentation only; compose publishes nothing but nginx. migrate has no port.
EXPOSE ${PORT}
# exec replaces the shell: the binary runs as PID 1 and gets SIGTERM directly
# (actix shuts down gracefully). compose sets the command for migrate / purge.
CMD ["/bin/sh", "-c", "exec \"/usr/local/bin/${APP_BIN}\""]
