# localhost/node:20-bookworm-slim: a stand-in for the official node:20-bookworm-slim, made by
# scripts/local-images.sh. Debian bookworm's nodejs is 18, too old for Next 16 (>= 20.9), so the
# context holds the host's own node 20 binary and its npm (copied in by the script).
ARG BASE_IMAGE=localhost/debian:bookworm-slim
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
# node has its own CA list: make it also trust the system's (+ the host's CAs, debian.Dockerfile)
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
# uid/gid 1000 `node`, as in the official image (web/Dockerfile runs as 1000:1000)
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
