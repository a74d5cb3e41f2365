#!/usr/bin/env bash
# Real CPP clients, unchanged, against the mock: azure-img-utils 1.2.0 (MSAL, the v2 sign-in)
# and adal 1.2.7 (the v1 sign-in, as mash did it), from PyPI into a virtualenv. Their only
# settings are HTTPS_PROXY (the mock) and REQUESTS_CA_BUNDLE (the mock's CA). They run with the
# mock in a network namespace that has nothing but loopback (unshare --net), so any request
# that tried to reach the real hosts would fail the run. The mock runs in strict auth mode:
# only the fixtures' app registrations sign in, and the API takes their tokens.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

venv=target/clients-venv
if ! "$venv/bin/python" -c 'import azure_img_utils, adal' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q azure-img-utils==1.2.0 adal==1.2.7
fi
binary=${CPPMOCK_BIN:-$(bash scripts/release-binary.sh)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Inside the namespace: loopback up, the mock, the two clients.
unshare --net env -u http_proxy -u https_proxy -u HTTP_PROXY -u NO_PROXY -u no_proxy \
    bash -euo pipefail -s "$binary" "$venv/bin/python" "$work" <<'INSIDE'
binary=$1 python=$2 work=$3
ip link set lo up
port=18280
"$binary" --port "$port" --auth strict --time-scale 0 --fixtures fixtures \
    --ca-dir "$work/ca" --log-format json >"$work/mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
    "$binary" --port "$port" healthcheck 2>/dev/null && break
    sleep 0.05
done
"$binary" --ca-dir "$work/ca" ca --out "$work/mock-ca.pem"
export HTTPS_PROXY=http://127.0.0.1:$port REQUESTS_CA_BUNDLE=$work/mock-ca.pem
passed=0 failed=0
for client in azure_img_utils_flow adal_v1_signin; do
    if "$python" "tests/clients/$client.py" contoso.onmicrosoft.com \
        11111111-1111-1111-1111-111111111111 contoso-secret; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "clients: $client failed; the mock's log:" >&2
        tail -20 "$work/mock.log" >&2
    fi
done
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
INSIDE
