#!/usr/bin/env bash
# Builds the image and runs the compose stack for real, on a machine with no container
# registry and no container networks: installs Debian's docker.io and docker-compose if
# missing, starts dockerd if none runs, builds the binary on the host as a static executable,
# packs it with docker/prebuilt.Dockerfile, builds the example client on a busybox
# made from Debian's busybox-static, runs the stack with host networking only, waits for
# healthy, checks the client's go-live + poll, measures the image, and tears everything down.
# All traffic stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's client, which speaks to Debian's daemon without buildx.
DOCKER=/usr/bin/docker
PROJECT=cppmock-smoke
COMPOSE=(docker-compose -p "$PROJECT" -f docker-compose.yml -f docker-compose.host.yml)
started_dockerd=""

log() { printf 'compose-smoke: %s\n' "$*"; }

cleanup() {
    "${COMPOSE[@]}" --profile https --profile port-override down --remove-orphans --volumes >/dev/null 2>&1 || true
    "$DOCKER" rm -f cppmock-cold >/dev/null 2>&1 || true
    if [ -n "$started_dockerd" ]; then
        kill "$started_dockerd" 2>/dev/null || true
        wait "$started_dockerd" 2>/dev/null || true
    fi
}
trap cleanup EXIT

if ! [ -x "$DOCKER" ] || ! command -v docker-compose >/dev/null || ! [ -x /bin/busybox ]; then
    log "installing docker.io, docker-compose, busybox-static"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose busybox-static >/dev/null
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
    log "starting dockerd (no bridge, no iptables)"
    dockerd --bridge=none --iptables=false --ip6tables=false >/tmp/cppmock-dockerd.log 2>&1 &
    started_dockerd=$!
    for _ in $(seq 1 60); do
        "$DOCKER" info >/dev/null 2>&1 && break
        sleep 0.5
    done
    "$DOCKER" info >/dev/null 2>&1 || { cat /tmp/cppmock-dockerd.log; exit 1; }
fi

log "the static binary, for this machine's own platform (target/static/, what the image packs)"
binary=${CPPMOCK_BIN:-$(bash scripts/release-binary.sh)}
if [ "$binary" != "$PWD/target/static/cloudpartner-mock" ]; then
    mkdir -p target/static
    cp "$binary" target/static/cloudpartner-mock
fi

log "building the busybox base of the example client"
base=$(mktemp -d)
cp /bin/busybox "$base/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nENV PATH=/bin\n' >"$base/Dockerfile"
"$DOCKER" build -q -t cppmock-busybox:local "$base" >/dev/null
rm -rf "$base"

log "building a curl image from the host's curl (the unmodified HTTPS client)"
curl_root=$(mktemp -d)
mkdir -p "$curl_root/usr/bin" "$curl_root/etc/ssl/certs"
cp /usr/bin/curl "$curl_root/usr/bin/curl"
for lib in $(ldd /usr/bin/curl | grep -o '/[^ ]*'); do
    mkdir -p "$curl_root$(dirname "$lib")"
    cp -L "$lib" "$curl_root$lib"
done
printf 'FROM scratch\nCOPY . /\nENTRYPOINT ["/usr/bin/curl"]\n' >"$curl_root/Dockerfile"
"$DOCKER" build -q -t cppmock-curl:local "$curl_root" >/dev/null
rm -rf "$curl_root"

log "building the images and running the stack"
export CPPMOCK_DOCKERFILE=docker/prebuilt.Dockerfile CLIENT_BASE=cppmock-busybox:local CURL_IMAGE=cppmock-curl:local
"${COMPOSE[@]}" build
log "the same image with Docker's classic builder, named"
DOCKER_BUILDKIT=0 "$DOCKER" build -q -f docker/prebuilt.Dockerfile -t cppmock-classic:local . >/dev/null
"${COMPOSE[@]}" up --exit-code-from client --abort-on-container-exit 2>&1 | tee /tmp/cppmock-compose.log
grep -q "go-live complete" /tmp/cppmock-compose.log || { log "the client did not see the go-live complete"; exit 1; }

for label in title source version licenses; do
    value=$("$DOCKER" image inspect --format "{{index .Config.Labels \"org.opencontainers.image.$label\"}}" cloudpartner-mock:latest)
    [ -n "$value" ] || { log "the image has no org.opencontainers.image.$label label"; exit 1; }
done
! grep -v '^ *#' Dockerfile | grep -q "x86_64\|aarch64" ||
    { log "the Dockerfile names an architecture outside its comments"; exit 1; }

log "an unmodified HTTPS client through the mock as its proxy, trusting the CA from the volume"
"${COMPOSE[@]}" --profile https run --rm tls-client >/tmp/cppmock-tls.log 2>&1 ||
    { cat /tmp/cppmock-tls.log; log "the HTTPS client failed"; exit 1; }
grep -q '"id":"ready-to-go-live"' /tmp/cppmock-tls.log ||
    { cat /tmp/cppmock-tls.log; log "the HTTPS client did not read the offer"; exit 1; }
log "curl read https://cloudpartner.azure.com/…/ready-to-go-live through the mock"

log "a port given on the command line: the health check follows it"
"${COMPOSE[@]}" --profile port-override up -d cppmock-other-port
other=$("${COMPOSE[@]}" --profile port-override ps -q cppmock-other-port)
health=starting
for _ in $(seq 1 150); do
    health=$("$DOCKER" inspect --format '{{.State.Health.Status}}' "$other")
    [ "$health" = starting ] || break
    sleep 0.2
done
[ "$health" = healthy ] ||
    { "$DOCKER" logs "$other" 2>&1 | tail -5; log "the port-override service is $health"; exit 1; }
curl -sf http://127.0.0.1:18090/_mock/health >/dev/null ||
    { log "nothing answers on the port the command gave"; exit 1; }
log "cppmock-other-port (command: --port 18090) is healthy"

log "the Python plugin's tests against the image (testcontainers, host network, no reaper)"
venv=target/python-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -e 'python[test,container]'
(cd python && CLOUDPARTNER_MOCK_IMAGE=cloudpartner-mock:latest "../$venv/bin/pytest" -q \
    -k "not broken_server_setting") ||
    { log "the plugin's tests failed against the image"; exit 1; }

log "measuring"
image_bytes=$("$DOCKER" image inspect --format '{{.Size}}' cloudpartner-mock:latest)
binary_bytes=$(stat -c %s "$binary")
start_ns=$(date +%s%N)
"$DOCKER" run -d --name cppmock-cold --network host -e CPPMOCK_PORT=18081 cloudpartner-mock:latest >/dev/null
until "$binary" --port 18081 healthcheck 2>/dev/null; do sleep 0.005; done
first_ok_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
until [ "$("$DOCKER" inspect --format '{{.State.Health.Status}}' cppmock-cold)" = healthy ]; do sleep 0.05; done
healthy_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
# The image's CA directory (/ca, a volume) is writable: the CA was made there and is served.
curl -sf http://127.0.0.1:18081/_mock/ca.pem | grep -q "BEGIN CERTIFICATE" ||
    { log "the container serves no CA: $("$DOCKER" logs cppmock-cold 2>&1 | tail -3)"; exit 1; }
stop_start=$(date +%s%N)
"$DOCKER" stop cppmock-cold >/dev/null
stop_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
log "image $((image_bytes / 1024)) KiB, binary $((binary_bytes / 1024)) KiB"
log "docker run to first 200 on /_mock/health: ${first_ok_ms} ms; to Docker's 'healthy': ${healthy_ms} ms"
log "docker stop: ${stop_ms} ms"
[ "$stop_ms" -lt 1000 ] || { log "docker stop took over a second"; exit 1; }
log "1 passed, 0 failed"
