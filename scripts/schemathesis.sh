#!/usr/bin/env bash
# Property-based tests of the running server against its own OpenAPI document, with
# schemathesis from PyPI: every operation, every check, a fixed seed; fails on any failure,
# error, or fewer than MIN_CASES cases in all.
#
# Two passes over one server (strict auth, so the auth checks mean something):
#   1. everything except the two routes that install fault rules (the routes that wait, POST
#      /_mock/wait and GET /_mock/events, bounded by scripts/schemathesis_hooks.py);
#   2. those two routes (POST /_mock/faults, PUT /_mock/fixtures) by themselves: a rule they
#      install exists to make later /api requests fail, stall or drop, which pass 1 would
#      rightly count as failures.
#
# Usage: bash scripts/schemathesis.sh   (SCHEMATHESIS_MAX_EXAMPLES, SCHEMATHESIS_SEED to vary)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

ST_VERSION=4.32.5
SEED=${SCHEMATHESIS_SEED:-1}
EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-40}
MIN_CASES=1000
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
WORK=target/schemathesis
CONFIG=$PWD/scripts/schemathesis.toml
# Bounds every call of the routes that wait (see the module).
export PYTHONPATH=$PWD/scripts${PYTHONPATH:+:$PYTHONPATH} SCHEMATHESIS_HOOKS=schemathesis_hooks

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
ST=$(cd "$VENV" && pwd)/bin/st

bin=${CPPMOCK_BIN:-$(bash scripts/release-binary.sh)}
rm -rf "$WORK" && mkdir -p "$WORK"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" --host 127.0.0.1 --port "$port" --auth strict --state-file "$WORK/state.json" \
  --time-scale 0.01 --log-format json >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "$base/_mock/health" >/dev/null 2>&1 && break
  sleep 0.1
done

total=0
run_pass() {
  local name=$1
  shift
  echo "-- schemathesis pass: $name"
  # From inside target/: schemathesis and hypothesis keep their caches in the working
  # directory; no example database, so the same seed runs the same cases.
  if ! (cd "$WORK" && "$ST" --config-file "$CONFIG" run "$base/_mock/openapi.json" \
    --checks all --seed "$SEED" --max-examples "$EXAMPLES" --generation-database none \
    --workers 1 --no-color --request-timeout 10 \
    -H "Authorization: Bearer admin-token" "$@" >"$name.txt" 2>&1); then
    cat "$WORK/$name.txt"
    echo "schemathesis pass '$name' failed (server log: $WORK/server.log)" >&2
    exit 1
  fi
  sed -n '/^=* SUMMARY =*$/,$p' "$WORK/$name.txt"
  local cases
  cases=$(grep -oE '^ *[0-9]+ generated' "$WORK/$name.txt" | grep -oE '[0-9]+')
  total=$((total + cases))
}

run_pass api-and-control --exclude-name "POST /_mock/faults" --exclude-name "PUT /_mock/fixtures"
run_pass fault-installing --include-name "POST /_mock/faults" --include-name "PUT /_mock/fixtures"

echo "schemathesis $ST_VERSION, seed $SEED, max examples $EXAMPLES: $total cases, 0 failures"
if ((total < MIN_CASES)); then
  echo "fewer than $MIN_CASES cases: raise SCHEMATHESIS_MAX_EXAMPLES" >&2
  exit 1
fi
