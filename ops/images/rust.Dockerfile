# localhost/rust:1.95-bookworm: a stand-in for the official rust:1.95-bookworm, made by
# scripts/local-images.sh on top of the debootstrap base (localhost/debian:bookworm-slim).
# The toolchain is rustup's, from the Rust project's dist server, the version and components of
# rust-toolchain.toml, so cargo inside the root Dockerfile downloads no toolchain of its own.
ARG BASE_IMAGE=localhost/debian:bookworm-slim
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gcc libc6-dev make pkg-config \
 && rm -rf /var/lib/apt/lists/*
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ARG RUST_VERSION=1.95.0
ARG RUST_COMPONENTS="rustfmt clippy llvm-tools"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# rustup-init is checked against the .sha256 the same server publishes next to it.
# (SC2046: the --component flags are meant to split into words.)
# hadolint ignore=SC2046
RUN url=https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-gnu/rustup-init \
 && curl --proto '=https' --tlsv1.2 -fsSLo /tmp/rustup-init "$url" \
 && echo "$(curl --proto '=https' --tlsv1.2 -fsSL "$url.sha256" | cut -d' ' -f1)  /tmp/rustup-init" | sha256sum -c - \
 && chmod +x /tmp/rustup-init \
 && /tmp/rustup-init -y --no-modify-path --profile minimal --default-toolchain "${RUST_VERSION}" \
      $(for c in ${RUST_COMPONENTS}; do printf -- '--component %s ' "$c"; done) \
 && rm /tmp/rustup-init \
 && chmod -R a+w "$RUSTUP_HOME" "$CARGO_HOME" \
 && rustup --version && cargo --version && rustc --version
