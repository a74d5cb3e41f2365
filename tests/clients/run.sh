#!/usr/bin/env bash
# Real CPP clients, unchanged, against the mock: azure-img-utils 1.2.0 (MSAL, the v2 sign-in)
# and adal 1.2.7 (the v1 sign-in, as mash did it), from PyPI into a virtualenv; then
# az-partner-center-cli 0.1.0's own VM integration tests (tests/clients/azpc/README.md), from
# its source distribution on PyPI, the suite's code untouched. Their only settings are
# HTTPS_PROXY (the mock) and REQUESTS_CA_BUNDLE (the mock's CA), and for azpc the credentials
# and config file its CI provided. They run with the
# mock in a network namespace that has nothing but loopback (unshare --net), so any request
# that tried to reach the real hosts would fail the run. The mock runs in strict auth mode:
# only the fixtures' app registrations sign in, and the API takes their tokens.
# After each client, its conformance report (tests/clients/conformance.py, docs/conformance.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

venv=target/clients-venv
if ! "$venv/bin/python" -c 'import azure_img_utils, adal' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q azure-img-utils==1.2.0 adal==1.2.7
fi
# azpc 0.1.0 and the pytest of its day (7.1: later ones refuse the mark its conftest puts on a
# fixture), in a virtualenv of their own; the suite runs from a copy of the sdist.
azpc_venv=target/azpc-venv
azpc_sdist=target/azpc-sdist/az-partner-center-cli-0.1.0.tar.gz
if ! "$azpc_venv/bin/python" -c 'import azureiai, pytest' 2>/dev/null || [ ! -f "$azpc_sdist" ]; then
    python3 -m venv "$azpc_venv"
    "$azpc_venv/bin/pip" download -q --no-deps --no-binary :all: -d target/azpc-sdist \
        az-partner-center-cli==0.1.0
    "$azpc_venv/bin/pip" install -q "$azpc_sdist" pytest==7.1.2
fi
binary=${CPPMOCK_BIN:-$(bash scripts/release-binary.sh)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$azpc_sdist" -C "$work"
azpc=$work/az-partner-center-cli-0.1.0
cp tests/clients/azpc/config.yml "$azpc/"
mkdir -p "$azpc/tests/sample_app"
cp tests/clients/azpc/sample_app/* "$azpc/tests/sample_app/"

# Inside the namespace: loopback up, the mock, the two clients.
unshare --net env -u http_proxy -u https_proxy -u HTTP_PROXY -u NO_PROXY -u no_proxy \
    bash -euo pipefail -s "$binary" "$venv/bin/python" "$work" "$PWD/$azpc_venv/bin/python" "$azpc" <<'INSIDE'
binary=$1 python=$2 work=$3 azpc_python=$4 azpc=$5
ip link set lo up
port=18280
mocks=()
trap 'kill "${mocks[@]}" 2>/dev/null || true' EXIT
# A mock in strict auth mode on port $1 with the fixtures of $2, logging to $3, once healthy.
start_mock() {
    "$binary" --port "$1" --auth strict --time-scale 0 --fixtures "$2" \
        --ca-dir "$work/ca" --log-format json >"$3" 2>&1 &
    mocks+=($!)
    for _ in $(seq 1 200); do
        "$binary" --port "$1" healthcheck 2>/dev/null && break
        sleep 0.05
    done
}
start_mock "$port" fixtures "$work/mock.log"
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
    "$python" tests/clients/conformance.py "http://127.0.0.1:$port" "$client"
done
echo "clients: $passed passed, $failed failed"

# azpc's suite, against a mock of its own: the publisher and app registration its CI had
# (tests/clients/azpc/fixtures), strict auth. Tests deselected by name, each with its reason,
# are listed in tests/clients/azpc/deselected.txt; every other VM test must pass (an xfail
# the suite declares passes when the mock gives the failure it expects).
azpc_port=18281
start_mock "$azpc_port" tests/clients/azpc/fixtures "$work/azpc-mock.log"
deselect=()
while read -r name _; do
    deselect+=(--deselect "tests/test_cli_group_vm.py::$name")
done < <(grep -v '^#' tests/clients/azpc/deselected.txt | grep .)
azpc_status=0
(cd "$azpc" && HTTPS_PROXY=http://127.0.0.1:$azpc_port \
    AAD_ID=5b1d0a53-8f5e-4c1a-9b7e-2d4f6a8c0e11 AAD_SECRET=azpc-ci-secret \
    TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47 \
    "$azpc_python" -m pytest -p no:cacheprovider -q -rA -W ignore \
    tests/test_cli_group_vm.py "${deselect[@]}" >"$work/azpc.out" 2>&1) || azpc_status=$?
grep -E '^(PASSED|FAILED|ERROR|XFAIL|XPASS) ' "$work/azpc.out" || true
"$python" tests/clients/conformance.py "http://127.0.0.1:$azpc_port" "az-partner-center-cli's VM tests"
summary=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$work/azpc.out" | tail -1)
echo "azpc: ${summary:-no result}"
if [ "$azpc_status" -ne 0 ] || grep -qE '^(FAILED|ERROR|XPASS) ' "$work/azpc.out"; then
    echo "azpc: the suite did not pass; its output and the mock's log:" >&2
    tail -60 "$work/azpc.out" >&2
    tail -20 "$work/azpc-mock.log" >&2
    exit 1
fi
[ "$failed" -eq 0 ]
INSIDE
