# cloudpartner-mock: a static binary on an empty image, running as a non-root user.
#
#   docker build -t cloudpartner-mock .                    # builds the binary in a Rust image
#   docker build --target prebuilt -t cloudpartner-mock .  # no registry: a binary built on the
#       host first with
#       RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
#
# The stages that need no base image come first, so that `--target prebuilt` never pulls one,
# even with the classic builder, which builds every stage up to the target.

# What both images share: the fixtures, the settings, the user, the health check.
FROM scratch AS base
COPY fixtures /fixtures
# The directory of the mock's CA (docs/https.md), writable by the user the mock runs as; a
# volume, so that a CA clients trust outlives the container.
COPY --chown=65534:65534 docker/ca /ca
# Every setting is also a flag; see README "Settings".
ENV CPPMOCK_HOST=0.0.0.0 \
    CPPMOCK_PORT=8080 \
    CPPMOCK_FIXTURES=/fixtures \
    CPPMOCK_CA_DIR=/ca \
    CPPMOCK_LOG_FORMAT=json
VOLUME /ca
USER 65534:65534
EXPOSE 8080
HEALTHCHECK --interval=1s --timeout=3s --start-period=1s --retries=3 \
    CMD ["/cloudpartner-mock", "healthcheck"]
ENTRYPOINT ["/cloudpartner-mock"]

FROM base AS prebuilt
COPY target/x86_64-unknown-linux-gnu/release/cloudpartner-mock /cloudpartner-mock

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target x86_64-unknown-linux-gnu

FROM base AS runtime
COPY --from=builder /src/target/x86_64-unknown-linux-gnu/release/cloudpartner-mock /cloudpartner-mock
