# cloudpartner-mock: a static binary on an empty image, running as a non-root user.
#
#   docker build -t cloudpartner-mock .      # builds the binary in a Rust image (any builder)
#
# No registry? docker/prebuilt.Dockerfile packs a static binary built on the host instead
# (docs/containers.md). It is a file of its own because Docker's classic builder builds every
# stage before the target: a stage that packs target/static/ here would fail the default build
# wherever that binary is absent.
#
# No architecture is named: the binary is built for the builder's own platform, so
#   docker buildx build --platform linux/amd64,linux/arm64 -t cloudpartner-mock .
# builds both (docs/containers.md; arm64 is documented, not verified here).

# What both images share: the fixtures, the settings, the user, the health check. The same
# block opens docker/prebuilt.Dockerfile (tests/api/containers.rs keeps them equal).
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

FROM rust:1-bookworm AS builder
WORKDIR /src
# Dependencies first, in a layer of their own: a change to the sources does not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' >src/main.rs && touch src/lib.rs \
    && triple=$(rustc -vV | sed -n 's/^host: //p') \
    && RUSTFLAGS='-C target-feature=+crt-static' \
       cargo build --release --locked --target "$triple" || true
COPY . .
RUN triple=$(rustc -vV | sed -n 's/^host: //p') \
    && touch src/main.rs src/lib.rs \
    && RUSTFLAGS='-C target-feature=+crt-static' \
       cargo build --release --locked --target "$triple" \
    && mkdir -p /out && cp "target/$triple/release/cloudpartner-mock" /out/

FROM base AS runtime
COPY --from=builder /out/cloudpartner-mock /cloudpartner-mock
