#!/usr/bin/env bash
# The web console in a real browser (tests/console/test_console.py): Debian's chromium,
# driven by Playwright for Python (its own browser download is not used), against the
# release binary with a control token. Screenshots of each view land in target/console/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
venv=target/console-venv
if ! "$venv/bin/python" -c 'import playwright' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q playwright==1.65.3
fi
binary=${CPPMOCK_BIN:-$(bash scripts/release-binary.sh)}
work=$(mktemp -d)
port=18390
"$binary" --port "$port" --control-token console-secret --ca-dir "$work/ca" \
    >"$work/mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
    "$binary" --port "$port" healthcheck 2>/dev/null && break
    sleep 0.05
done
mkdir -p target/console
if ! "$venv/bin/python" tests/console/test_console.py "http://127.0.0.1:$port" console-secret \
    target/console; then
    echo "console: the browser test failed; the mock's log:" >&2
    tail -20 "$work/mock.log" >&2
    exit 1
fi
