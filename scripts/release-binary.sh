#!/usr/bin/env bash
# Builds the release binary statically linked (glibc included) — the binary the wheel packs and
# the one docker/prebuilt.Dockerfile copies from target/static/ — and prints its path. The
# static flag goes to the binary's own link only (`cargo rustc … -- -C target-feature=+crt-static`,
# what python/pyproject.toml asks maturin for), so the wheel step finds this build fresh. CI
# builds it once and hands it to every step through CPPMOCK_BIN; each script run alone calls
# this itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo rustc --release --locked --quiet --bin cloudpartner-mock -- -C target-feature=+crt-static >&2
mkdir -p target/static
cp target/release/cloudpartner-mock target/static/cloudpartner-mock
echo "$PWD/target/static/cloudpartner-mock"
