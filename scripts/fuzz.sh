#!/usr/bin/env bash
# Runs the fuzz targets (fixture parsing, the request path) for SECONDS each (default 60).
# Inputs that find new paths are added to fuzz/corpus/<target>/, which the test suite replays
# (tests/api/fuzz_corpus.rs); commit the ones worth keeping. Needs a nightly toolchain and
# cargo-fuzz (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${1:-60}

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
for target in fixtures request; do
    echo "fuzz: $target for ${seconds}s"
    cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 2>&1 | tail -5
done
echo "fuzz: corpus now $(ls fuzz/corpus/fixtures | wc -l) fixture inputs, $(ls fuzz/corpus/request | wc -l) request inputs"
