#!/usr/bin/env bash
# cloudpartner-mock's benchmark: the mock and a bare hyper server answering the same bytes,
# on the same workloads, server pinned to one core and the load generator (oha) to another.
#
#   bench/run.sh           # the full run: 3 x 5 s per workload, 1 000 000 operations, 20 starts
#   bench/run.sh --smoke   # 1 x 1 s per workload, 20 000 operations, 3 starts (what CI runs)
#
# W1: go-live -> 202 (on an offer whose go-live fails at once at time scale 0, so every call
#     takes the whole accepted path: lookup, checks, a new operation); W2: poll an operation
#     -> 200; W3: go-live without Authorization -> 401. Every answer's status is checked.
# Each measurement is repeated (mock and calibration server taking turns) and the table
# gives medians: the machine is shared and single runs vary by 15 % and more.
# Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

duration=5s reps=3 ops=1000000 starts=20
if [ "${1:-}" = "--smoke" ]; then
    duration=1s reps=1 ops=20000 starts=3
fi
mock_port=18180 bare_port=18181
if [ "$(nproc)" -ge 2 ]; then server_core=0 load_core=1; else server_core=0 load_core=0; fi
q='api-version=2017-10-31'
auth='Authorization: Bearer bench-token'

command -v oha >/dev/null || cargo install --locked oha
mock_bin=${CPPMOCK_BIN:-$(bash scripts/release-binary.sh)}
(cd bench/bare-hyper && cargo build --release --locked --quiet)
bare_bin=bench/bare-hyper/target/release/bare-hyper
out=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$out"' EXIT

log() { printf 'bench: %s\n' "$*" >&2; }

wait_up() { # port
    for _ in $(seq 1 400); do
        curl -sf -o /dev/null "http://127.0.0.1:$1/_mock/health" && return 0
        sleep 0.01
    done
    log "nothing answers on port $1"
    return 1
}

start_mock() { # extra args...; sets $mock_pid and $poll_path (operation ids are new each start)
    taskset -c "$server_core" "$mock_bin" --port "$mock_port" --fixtures bench/fixtures --time-scale 0 "$@" >/dev/null 2>&1 &
    mock_pid=$!
    pids+=("$mock_pid")
    wait_up "$mock_port"
    local op_id
    op_id=$(curl -s -H "$auth" "http://127.0.0.1:$mock_port/api/publishers/bench/offers/polled/submissions?$q" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
    poll_path="/api/publishers/bench/offers/polled/operations/$op_id?$q"
}

stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# load NAME PID PORT METHOD PATH [HEADER]: one oha run, with the server's CPU use beside it;
# NAME is WORKLOAD.CONNECTIONS.SERVER.REPETITION. oha runs one worker thread: it has one core,
# and its default (one per core of the machine) time-slices two threads on it, which put
# scheduler ticks of 4 ms into every server's p99.
load() {
    local name=$1 pid=$2 port=$3 method=$4 path=$5 header=${6:-}
    local conns=${name#*.}
    conns=${conns%%.*}
    local args=(-z "$duration" -c "$conns" --worker-threads 1 --no-tui --output-format json -m "$method")
    [ -n "$header" ] && args+=(-H "$header")
    local before after
    before=$(cpu_ticks "$pid")
    taskset -c "$load_core" oha "${args[@]}" "http://127.0.0.1:$port$path" >"$out/$name.json"
    after=$(cpu_ticks "$pid")
    python3 -c "print(($after - $before) / $(getconf CLK_TCK) / ${duration%s})" >"$out/$name.cpu"
}

log "capturing the mock's answers for the calibration server"
golive_path="/api/publishers/bench/offers/golive-loop/golive?$q"
start_mock
answers=$(mktemp -d -p "$out")
capture() { # name method path [header]
    local extra=()
    [ -n "${4:-}" ] && extra=(-H "$4")
    curl -s -X "$2" "${extra[@]}" -D "$answers/$1.raw" -o "$answers/$1.body" "http://127.0.0.1:$mock_port$3"
    python3 - "$answers/$1.raw" "$answers/$1.head" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
keep = [l for l in lines[1:] if l and l.split(":")[0].lower() not in ("date", "content-length")]
open(sys.argv[2], "w").write("\n".join([lines[0].split()[1], *keep]) + "\n")
PY
}
capture golive POST "$golive_path" "$auth"
capture unauthorized POST "$golive_path"
capture poll GET "$poll_path" "$auth"
stop "$mock_pid"
echo 202 >"$out/expected.W1"
echo 200 >"$out/expected.W2"
echo 401 >"$out/expected.W3"

taskset -c "$server_core" "$bare_bin" "$bare_port" "$answers" &
bare_pid=$!
pids+=("$bare_pid")
for _ in $(seq 1 400); do curl -sf -o /dev/null "http://127.0.0.1:$bare_port/" && break; sleep 0.01; done

for conns in 16 64; do
    start_mock
    for rep in $(seq 1 "$reps"); do
        for server in mock bare; do
            if [ "$server" = mock ]; then pid=$mock_pid port=$mock_port; else pid=$bare_pid port=$bare_port; fi
            log "W1-W3 on $server, $conns connections, run $rep of $reps"
            load "W1.$conns.$server.$rep" "$pid" "$port" POST "$golive_path" "$auth"
            load "W2.$conns.$server.$rep" "$pid" "$port" GET "$poll_path" "$auth"
            load "W3.$conns.$server.$rep" "$pid" "$port" POST "$golive_path"
        done
    done
    stop "$mock_pid"
done
stop "$bare_pid"

echo "## Throughput ($(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), median of $reps x $duration per workload)"
echo
python3 bench/report.py "$out"
echo

log "start to first 200, $starts starts"
read -r start_median start_min start_max < <(python3 bench/startup.py "$mock_bin" "$mock_port" "$starts" --fixtures fixtures)

log "idle RSS"
taskset -c "$server_core" "$mock_bin" --port "$mock_port" --fixtures fixtures >/dev/null 2>&1 &
idle_pid=$!
pids+=("$idle_pid")
wait_up "$mock_port"
sleep 0.2
idle_rss=$(rss_kib "$idle_pid")
stop "$idle_pid"

log "$ops finished operations"
# operations PORT: how many operations the server on PORT holds.
operations() { curl -s "http://127.0.0.1:$1/_mock/health" | python3 -c 'import json, sys; print(json.load(sys.stdin)["operations"])'; }
start_mock
fresh_pid=$mock_pid fresh_port=$mock_port fresh_poll=$poll_path
mock_port=$((mock_port + 2))
start_mock
few=$(operations "$fresh_port")
created_start=$(date +%s%N)
taskset -c "$load_core" oha -n "$ops" -c 64 --worker-threads 1 --no-tui --output-format json -m POST -H "$auth" \
    "http://127.0.0.1:$mock_port$golive_path" >"$out/create.json"
create_ms=$(( ($(date +%s%N) - created_start) / 1000000 ))
python3 - "$out/create.json" "$ops" <<'PY'
import json, sys
codes = json.load(open(sys.argv[1])).get("statusCodeDistribution", {})
if codes != {"202": int(sys.argv[2])}:
    sys.exit(f"creating operations: expected {sys.argv[2]} x 202, got {codes}")
PY
stored=$(operations "$mock_port")
full_rss=$(rss_kib "$mock_pid")
for rep in $(seq 1 "$reps"); do
    load "W2.64.fresh.$rep" "$fresh_pid" "$fresh_port" GET "$fresh_poll" "$auth"
    load "W2.64.full.$rep" "$mock_pid" "$mock_port" GET "$poll_path" "$auth"
done
stop "$mock_pid"
stop "$fresh_pid"

log "journal and logging off"
start_mock
default_pid=$mock_pid default_port=$mock_port default_poll=$poll_path
mock_port=$((mock_port + 2))
RUST_LOG=off start_mock --journal-capacity 0
for rep in $(seq 1 "$reps"); do
    load "W1.64.default.$rep" "$default_pid" "$default_port" POST "$golive_path" "$auth"
    load "W1.64.quiet.$rep" "$mock_pid" "$mock_port" POST "$golive_path" "$auth"
    load "W2.64.default.$rep" "$default_pid" "$default_port" GET "$default_poll" "$auth"
    load "W2.64.quiet.$rep" "$mock_pid" "$mock_port" GET "$poll_path" "$auth"
done
stop "$mock_pid"
stop "$default_pid"

# median NAME CODE: the median req/s of NAME's runs.
median() { python3 bench/report.py --median "$out" "$1" "$2"; }
cost() { python3 -c "print(f'{(1 - $2 / $1) * 100:.0f} %')"; }
echo "## Other figures"
echo
echo "| what | figure |"
echo "| --- | --- |"
echo "| start to first 200 (median of $starts; min-max) | ${start_median} ms (${start_min}-${start_max}) |"
echo "| idle RSS (bundled fixtures) | $((idle_rss / 1024)) MiB (${idle_rss} KiB) |"
echo "| RSS with $stored operations stored | $((full_rss / 1024)) MiB |"
echo "| time to create $ops operations (64 connections) | ${create_ms} ms |"
fresh=$(median W2.64.fresh 200) full=$(median W2.64.full 200)
echo "| W2 poll, 64 conns: $few operations stored / $stored stored | $fresh / $full req/s ($(python3 -c "print(f'{$full / $fresh:.2f}')")x) |"
for w in W1:202 W2:200; do
    d=$(median "${w%:*}.64.default" "${w#*:}") q=$(median "${w%:*}.64.quiet" "${w#*:}")
    echo "| ${w%:*}, 64 conns: journal + info logs (defaults) / both off | $d / $q req/s (they cost $(cost "$q" "$d")) |"
done
echo "| release binary | $(( $(stat -c %s "$mock_bin") / 1024 )) KiB |"
