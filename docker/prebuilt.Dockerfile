# cloudpartner-mock without a registry: the image of the Dockerfile, packing a static binary
# built on the host for its own platform (docs/containers.md):
#
#   triple=$(rustc -vV | sed -n 's/^host: //p')
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target "$triple"
#   mkdir -p target/static && cp "target/$triple/release/cloudpartner-mock" target/static/
#   docker build -f docker/prebuilt.Dockerfile -t cloudpartner-mock .
#
# Every stage here needs no base image, so no builder pulls one.

# ---- base ----
FROM scratch AS base
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="cloudpartner-mock" \
      org.opencontainers.image.description="A local emulator of the Cloud Partner Portal publishing API (api-version 2017-10-31)" \
      org.opencontainers.image.source="https://github.com/cloudpartner-mock/cloudpartner-mock" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY fixtures /fixtures
# The directory of the mock's CA (docs/https.md), writable by the user the mock runs as; a
# volume, so that a CA clients trust outlives the container.
COPY --chown=65534:65534 docker/ca /ca
# Where the server writes the port it listens on, which the health check reads: a
# `command: ["--port", "9000"]` keeps the container healthy.
COPY --chown=65534:65534 docker/run /run/cloudpartner-mock
# Every setting is also a flag; see README "Settings".
ENV CPPMOCK_HOST=0.0.0.0 \
    CPPMOCK_PORT=8080 \
    CPPMOCK_FIXTURES=/fixtures \
    CPPMOCK_CA_DIR=/ca \
    CPPMOCK_PORT_FILE=/run/cloudpartner-mock/port \
    CPPMOCK_LOG_FORMAT=json
VOLUME /ca
USER 65534:65534
EXPOSE 8080
# Calm once running (every 10 s); quick to report healthy at start (Docker 20.10 and Compose
# 1.29 know no start interval: docs/containers.md shows Compose v2's).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/cloudpartner-mock", "healthcheck"]
ENTRYPOINT ["/cloudpartner-mock"]
# ---- end of base ----

FROM base
COPY target/static/cloudpartner-mock /cloudpartner-mock
