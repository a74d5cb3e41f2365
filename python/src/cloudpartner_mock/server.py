"""Starting and stopping cloudpartner-mock: the binary, or its container image."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from importlib import metadata
from pathlib import Path

from .control import Control

#: What the binary is called on PATH and in a checkout's target/release/.
BINARY = "cloudpartner-mock"
#: How long a start may take (a first start makes the mock's CA).
START_TIMEOUT = 60


class MockError(RuntimeError):
    """The mock could not be found, built or started."""


def find_binary(given=None, build=True):
    """The binary to run: ``given`` (or ``CLOUDPARTNER_MOCK_BIN``), else the one installed with
    this package (the wheel's, :func:`bundled_binary`), else ``cloudpartner-mock`` on PATH,
    else one built with cargo in the checkout this package or the working directory is in."""
    given = given or os.environ.get("CLOUDPARTNER_MOCK_BIN")
    if given:
        if not (Path(given).is_file() and os.access(given, os.X_OK)):
            raise MockError(f"{given} (CLOUDPARTNER_MOCK_BIN) is not an executable file")
        return str(given)
    bundled = bundled_binary()
    if bundled:
        return bundled
    on_path = shutil.which(BINARY)
    if on_path:
        return on_path
    checkout = _checkout()
    if checkout is not None and build:
        cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
        subprocess.run(
            [cargo, "build", "--release", "--locked", "--quiet"], cwd=checkout, check=True
        )
        target = Path(os.environ.get("CARGO_TARGET_DIR") or checkout / "target")
        if not target.is_absolute():
            target = checkout / target
        return str(target / "release" / BINARY)
    raise MockError(
        "cloudpartner-mock was not found: install it (`cargo install --path .` in a checkout "
        "puts it on PATH), or set CLOUDPARTNER_MOCK_BIN (or --cloudpartner-mock-bin) to the "
        "binary, or run the tests from a checkout, where it is built with cargo"
    )


def bundled_binary():
    """The binary the ``cloudpartner-mock`` distribution installed (a wheel puts it in the
    environment's scripts directory), or ``None``: an install without one (a plain source
    tree on ``sys.path``) or a binary since removed."""
    try:
        distribution = metadata.distribution("cloudpartner-mock")
    except metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if file.name in (BINARY, BINARY + ".exe"):
            path = Path(distribution.locate_file(file)).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return None


def _checkout():
    """The cloudpartner-mock checkout above this file or the working directory, if any."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for directory in [start, *start.parents]:
            manifest = directory / "Cargo.toml"
            if manifest.is_file() and 'name = "cloudpartner-mock"' in manifest.read_text():
                return directory
    return None


class MockServer:
    """A running mock: ``base_url``, ``port``, ``ca_path`` (the CA to trust for HTTPS),
    ``control`` (a :class:`Control`); :meth:`stop` ends it. Start one with :meth:`start`
    (the binary) or :meth:`start_container` (the image)."""

    def __init__(self, port, stop, logs, control_token=None):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.control = Control(self.base_url, token=control_token)
        self._stop = stop
        self._logs = logs
        self._dir = tempfile.TemporaryDirectory(prefix="cloudpartner-mock-ca-")
        self.ca_path = self._fetch_ca()

    @classmethod
    def start(cls, binary=None, args=(), control_token=None):
        """Runs the binary on a free loopback port (``--port 0``; the port is read from
        ``--port-file``) with ``args``, and waits until it listens."""
        binary = find_binary(binary)
        work = tempfile.TemporaryDirectory(prefix="cloudpartner-mock-")
        port_file = Path(work.name) / "port"
        log_path = Path(work.name) / "server.log"
        log = open(log_path, "wb")
        command = [binary, "--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file)]
        if control_token:
            command += ["--control-token", control_token]
        process = subprocess.Popen(
            [*command, *args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

        def logs():
            return log_path.read_text(errors="replace")

        def stop():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
            work.cleanup()

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if port_file.is_file():
                text = port_file.read_text().strip()
                if text.isdigit():
                    return cls(int(text), stop, logs, control_token)
            if process.poll() is not None:
                output = logs()
                stop()
                raise MockError(f"cloudpartner-mock exited ({process.returncode}): {output}")
            if time.monotonic() > deadline:
                output = logs()
                stop()
                raise MockError(f"cloudpartner-mock did not listen in {START_TIMEOUT} s: {output}")
            time.sleep(0.01)

    @classmethod
    def start_container(cls, image, args=(), control_token=None):
        """Runs ``image`` with testcontainers, on the host's network (the mock listens on a
        free loopback port it picks; the port is read from its listening line)."""
        try:
            from testcontainers.core.container import DockerContainer
        except ImportError as error:
            raise MockError(
                "the container mode needs testcontainers: pip install 'cloudpartner-mock[container]'"
            ) from error
        # Ryuk, testcontainers' reaper, is an image of its own: off unless asked for, since the
        # mock's container is stopped here and no registry may be reachable.
        os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
        command = ["--host", "127.0.0.1", "--port", "0", "--log-format", "json"]
        if control_token:
            command += ["--control-token", control_token]
        container = DockerContainer(image).with_command([*command, *args])
        container = container.with_kwargs(network_mode="host")
        container.start()

        def logs():
            out, err = container.get_logs()
            return (out + err).decode(errors="replace")

        def stop():
            container.stop()

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            for line in logs().splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("message") == "cloudpartner-mock listening":
                    return cls(int(event["port"]), stop, logs, control_token)
            if time.monotonic() > deadline:
                output = logs()
                stop()
                raise MockError(f"the container did not listen in {START_TIMEOUT} s: {output}")
            time.sleep(0.05)

    def _fetch_ca(self):
        """The mock's CA certificate (``/_mock/ca.pem``) in a file, or ``None`` without one."""
        try:
            with urllib.request.urlopen(self.base_url + "/_mock/ca.pem", timeout=10) as answer:
                pem = answer.read()
        except OSError:
            return None
        path = Path(self._dir.name) / "ca.pem"
        path.write_bytes(pem)
        return str(path)

    def world(self, name):
        """World ``name`` of this mock (docs/worlds.md): a ``(base_url, control)`` pair, the
        base URL with the world's path prefix (for tools that only take a URL; the
        ``Location`` values they get keep it), the control plane of that world."""
        return f"{self.base_url}/_world/{name}", self.control.world(name)

    def logs(self):
        """What the server wrote so far."""
        return self._logs()

    def stop(self):
        self._stop()
        self._dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()
