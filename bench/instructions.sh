#!/usr/bin/env bash
# User-space instructions per request of the mock, for W1-W3 of bench/run.sh, counted by
# callgrind: repeatable for one binary and one input, whatever else the machine is doing, so
# every change on the request path is measured the same way.
#
#   bench/instructions.sh                  # builds the release binary, prints W1 W2 W3
#   BIN=path/to/cloudpartner-mock bench/instructions.sh   # measures that binary instead
#   SMALL=500 LARGE=3000 bench/instructions.sh            # other request counts
#   WORKLOADS="W1 W4" bench/instructions.sh               # some workloads only
#
# Per workload: two runs of the server under callgrind, one answering SMALL requests and one
# LARGE (oha, 8 connections); the difference of the two totals over LARGE - SMALL requests is
# the cost of one request, with start-up and shutdown cancelled out. Logs and the journal are
# on, as in bench/run.sh. "Unchanged" means within 3 % per workload.
# W1: go-live -> 202; W2: poll a finished operation -> 200; W3: go-live without Authorization
# -> 401; W4: W1 in strict auth mode with a token of the emulated sign-in (a JWT checked on
# every request). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

small=${SMALL:-1000} large=${LARGE:-8000}
port=${PORT:-18190}
q='api-version=2017-10-31'
auth='Authorization: Bearer bench-token'
golive="/api/publishers/bench/offers/golive-loop/golive?$q"

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
command -v oha >/dev/null || cargo install --locked oha
if [ -z "${BIN:-}" ]; then
    cargo build --release --locked --quiet
    BIN=target/release/cloudpartner-mock
fi
out=$(mktemp -d)
server=
# The CA and the token key are made once, here, not in a measured run.
"$BIN" --ca-dir "$out/ca" ca >/dev/null
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$out"' EXIT

# total WORKLOAD REQUESTS: the instructions of one whole server run answering REQUESTS of it.
total() {
    local workload=$1 requests=$2 file="$out/callgrind.$1.$2"
    local auth_mode=any
    [ "$workload" = W4 ] && auth_mode=strict
    valgrind --tool=callgrind --callgrind-out-file="$file" \
        "$BIN" --port "$port" --fixtures bench/fixtures --time-scale 0 --auth "$auth_mode" \
        --ca-dir "$out/ca" >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/_mock/health" && break
        sleep 0.05
    done
    local method=POST path=$golive header=$auth
    case $workload in
    W2)
        local id
        id=$(curl -s -H "$auth" "http://127.0.0.1:$port/api/publishers/bench/offers/polled/submissions?$q" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
        method=GET path="/api/publishers/bench/offers/polled/operations/$id?$q"
        ;;
    W3) header= ;;
    W4)
        local jwt
        jwt=$(curl -s -H 'Host: login.microsoftonline.com' \
            -d grant_type=client_credentials -d client_id=bench-app -d client_secret=bench-secret \
            --data-urlencode scope=https://cloudpartner.azure.com/.default \
            "http://127.0.0.1:$port/bench.example/oauth2/v2.0/token" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
        header="Authorization: Bearer $jwt"
        ;;
    esac
    local args=(-n "$requests" -c 8 --no-tui --output-format json -m "$method")
    [ -n "$header" ] && args+=(-H "$header")
    oha "${args[@]}" "http://127.0.0.1:$port$path" >"$out/oha.json"
    kill -TERM "$server"
    wait "$server" 2>/dev/null || true
    server=
    python3 - "$out/oha.json" "$workload" <<'PY'
import json, sys
codes = json.load(open(sys.argv[1]))["statusCodeDistribution"]
expected = {"W1": "202", "W2": "200", "W3": "401", "W4": "202"}[sys.argv[2]]
if set(codes) != {expected}:
    sys.exit(f"{sys.argv[2]}: answers {codes}, expected only {expected}")
PY
    awk '/^(summary|totals):/ {print $2; exit}' "$file"
}

for workload in ${WORKLOADS:-W1 W2 W3 W4}; do
    a=$(total "$workload" "$small")
    b=$(total "$workload" "$large")
    python3 -c "print(f'$workload {($b - $a) / ($large - $small) / 1000:.1f}k instructions per request')"
done
