# localhost/debian:bookworm-slim: the debootstrap minbase rootfs that scripts/local-images.sh
# imports (localhost/debian:bookworm-minbase), plus the certificate authorities this host added to
# its own trust store (/usr/local/share/ca-certificates, e.g. a TLS-intercepting proxy's), so that
# apt, cargo, rustup and npm inside the builds trust what the host trusts. The context's ca/ holds
# copies of them, made by the script; none is in the repository. Every image that installs
# Debian's ca-certificates puts them in /etc/ssl/certs/ca-certificates.crt.
ARG MINBASE_IMAGE=localhost/debian:bookworm-minbase
FROM ${MINBASE_IMAGE}
COPY ca/ /usr/local/share/ca-certificates/
CMD ["bash"]
