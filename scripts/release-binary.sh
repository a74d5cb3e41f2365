#!/usr/bin/env bash
# Builds the release binary the way the image ships it — static, for this machine's own
# platform (the host triple of rustc -vV) — copies it to target/static/ (what the
# docker/prebuilt.Dockerfile packs) and prints its path. CI builds it once and hands it to
# every step through CPPMOCK_BIN; each script run alone calls this itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
triple=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --quiet --target "$triple" >&2
mkdir -p target/static
cp "target/$triple/release/cloudpartner-mock" target/static/cloudpartner-mock
echo "$PWD/target/static/cloudpartner-mock"
