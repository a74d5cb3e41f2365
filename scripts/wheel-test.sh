#!/usr/bin/env bash
# The Python distribution (python/pyproject.toml, built by maturin): the wheel of this checkout,
# whose binary is the static build of scripts/release-binary.sh (found fresh, not built twice),
# and the sdist, with what each must hold (a wheel built from the sdist, from nothing, takes a
# whole release build: docs/install.md gives it); then the wheel in a
# fresh virtual environment whose PATH has no cargo and no other copy of the binary:
# `cloudpartner-mock --version`, the time from `pip install` to the first answered request, and
# the plugin's own tests (python/tests) run outside the checkout against the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
root=$PWD
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

tools=target/maturin-venv
if [ ! -x "$tools/bin/maturin" ]; then
    python3 -m venv "$tools"
    "$tools/bin/pip" install -q --disable-pip-version-check 'maturin>=1.9,<2'
fi
bash scripts/release-binary.sh >/dev/null
rm -rf target/wheels
(cd python && "$root/$tools/bin/maturin" build --release -o "$root/target/wheels" 2>&1 | grep -v '^ ')
# maturin sdist says "manifest path `Cargo.toml` does not exist" while it looks for a Cargo.toml
# beside python/pyproject.toml, before it reads manifest-path; the sdist is whole (checked below).
(cd python && "$root/$tools/bin/maturin" sdist -o "$root/target/wheels" 2>&1 |
    grep -v '^error: manifest path `Cargo.toml` does not exist$')
wheel=$(ls target/wheels/cloudpartner_mock-*.whl)
sdist=$(ls target/wheels/cloudpartner_mock-*.tar.gz)
echo "wheel: $(basename "$wheel"), $(( $(stat -c %s "$wheel") / 1024 )) KiB"
echo "sdist: $(basename "$sdist"), $(( $(stat -c %s "$sdist") / 1024 )) KiB"

# The wheel: one binary (the static one the other steps ran), the plugin, both licences.
python3 - "$wheel" target/static/cloudpartner-mock <<'EOF'
import hashlib, sys, zipfile
wheel, built = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
binary = [n for n in names if n.endswith(".data/scripts/cloudpartner-mock")]
assert len(binary) == 1, names
inside = hashlib.sha256(zipfile.ZipFile(wheel).read(binary[0])).hexdigest()
assert inside == hashlib.sha256(open(built, "rb").read()).hexdigest(), "not the tested binary"
for needed in ("cloudpartner_mock/plugin.py", "licenses/LICENSE-MIT", "licenses/LICENSE-APACHE"):
    assert any(n.endswith(needed) for n in names), (needed, names)
assert "manylinux2014_x86_64" in wheel or "manylinux2014_aarch64" in wheel, wheel
print(f"wheel holds the tested binary, the plugin and both licences ({len(names)} files)")
EOF
# The sdist: what cargo and maturin need to build the same wheel.
tar tzf "$sdist" | sed 's|^[^/]*/||' >target/wheels/sdist.txt
for needed in pyproject.toml Cargo.toml Cargo.lock src/main.rs src/lib.rs fixtures/contoso.json \
    docs/reasons.md src/cloudpartner_mock/plugin.py PYPI.md LICENSE-MIT LICENSE-APACHE; do
    grep -qx "$needed" target/wheels/sdist.txt || { echo "sdist lacks $needed" >&2; exit 1; }
done
echo "sdist holds the crate, its lock file, the plugin and both licences ($(wc -l <target/wheels/sdist.txt) files)"

# A fresh environment, as a Python project's CI has it: no cargo, no other copy of the binary.
venv=$(mktemp -d /tmp/cloudpartner-mock-wheel-XXXXXX)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv/env"
clean_path="$venv/env/bin:/usr/local/bin:/usr/bin:/bin"
in_env() { env -u CLOUDPARTNER_MOCK_BIN -u CPPMOCK_BIN PATH="$clean_path" "$@"; }
if in_env sh -c 'command -v cargo || command -v cloudpartner-mock'; then
    echo "the fresh environment's PATH has cargo or a binary already" >&2
    exit 1
fi
started=$(date +%s%N)
in_env pip install -q --disable-pip-version-check --no-deps "$wheel"
installed=$(ms "$started")
[ "$(in_env sh -c 'command -v cloudpartner-mock')" = "$venv/env/bin/cloudpartner-mock" ]
in_env cloudpartner-mock --version
in_env cloudpartner-mock --host 127.0.0.1 --port 0 --port-file "$venv/port" >"$venv/log" 2>&1 &
mock=$!
until [ -s "$venv/port" ] && curl -sf "http://127.0.0.1:$(cat "$venv/port")/_mock/health" >/dev/null; do
    kill -0 "$mock" 2>/dev/null || { cat "$venv/log" >&2; exit 1; }
    sleep 0.01
done
answered=$(ms "$started")
kill "$mock"
wait "$mock" || true
echo "pip install of the wheel (no dependencies): $installed ms; first answered request: $answered ms after pip install began"
started=$(date +%s%N)
in_env pip install -q --disable-pip-version-check "$wheel[test]"
echo "its dependencies (pytest, requests) from the index: $(ms "$started") ms"

# The plugin's own tests, outside the checkout, against the installed package and its binary.
cp -r python/tests python/pytest.ini "$venv/"
(cd "$venv" && in_env CLOUDPARTNER_MOCK_EXPECT_BUNDLED=1 pytest -q -p no:cacheprovider)
