# localhost/prometheus:bookworm: a stand-in for the official prom/prometheus, made by
# scripts/local-images.sh from Debian's prometheus (2.42, the promtool scripts/check-alerts.sh
# uses). Like the official image: the binary is the entrypoint (compose gives the flags),
# it runs as nobody, the TSDB lives in /prometheus; wget is for the healthcheck.
ARG BASE_IMAGE=localhost/debian:bookworm-slim
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus \
 && chown nobody:nogroup /prometheus
USER 65534:65534
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
