# localhost/nginx:bookworm: a stand-in for the official nginx:1.27-alpine, made by
# scripts/local-images.sh from Debian's nginx (1.22, the one scripts/check-nginx.sh tests
# nginx/nginx.conf with). compose mounts nginx/nginx.conf at /etc/nginx/nginx.conf; wget is
# for its healthcheck, as in the alpine image.
ARG BASE_IMAGE=localhost/debian:bookworm-slim
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx wget \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/nginx/sites-enabled/default
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
