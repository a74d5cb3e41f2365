"""The pytest plugin: ``cloudpartner_mock`` (a mock reset before each test) over
``cloudpartner_mock_server`` (one mock for the whole session, stopped at its end).

Settings, as command-line options or ini keys:

- ``--cloudpartner-mock-bin`` / ``CLOUDPARTNER_MOCK_BIN``: the binary (default: on PATH, or
  built with cargo in a checkout);
- ``--cloudpartner-mock-image`` / ``CLOUDPARTNER_MOCK_IMAGE``: run this container image with
  testcontainers instead;
- ini ``cloudpartner_mock_args``: the server's flags (default ``--time-scale 0``: operations
  end as soon as they start);
- ``--cloudpartner-mock-fail-on`` / ini ``cloudpartner_mock_fail_on``: ``error``, ``warning``
  or ``info``: after each test that used ``cloudpartner_mock``, its conformance report
  (``/_mock/conformance``, docs/conformance.md) is read, and the session fails if a client rule
  of that severity or above was violated; the violations are listed at the end.
"""

import os
import shlex

import pytest

from .server import MockServer

DEFAULT_ARGS = "--time-scale 0"
SEVERITIES = ("info", "warning", "error")


def pytest_addoption(parser):
    group = parser.getgroup("cloudpartner-mock")
    group.addoption(
        "--cloudpartner-mock-bin",
        default=None,
        help="the cloudpartner-mock binary (default: CLOUDPARTNER_MOCK_BIN, PATH, or a checkout's cargo build)",
    )
    group.addoption(
        "--cloudpartner-mock-image",
        default=None,
        help="run this container image (with testcontainers) instead of the binary",
    )
    group.addoption(
        "--cloudpartner-mock-fail-on",
        default=None,
        choices=SEVERITIES,
        help="fail the session when a client rule of this severity or above is violated",
    )
    parser.addini(
        "cloudpartner_mock_fail_on",
        help="fail the session on client-rule violations of this severity or above",
        default=None,
    )
    parser.addini(
        "cloudpartner_mock_args",
        help=f"the mock's flags (default: {DEFAULT_ARGS})",
        default=DEFAULT_ARGS,
    )


@pytest.fixture(scope="session")
def cloudpartner_mock_server(request):
    """One mock for the session: started on a free port, stopped when the session ends."""
    config = request.config
    args = shlex.split(config.getini("cloudpartner_mock_args"))
    image = config.getoption("--cloudpartner-mock-image") or os.environ.get(
        "CLOUDPARTNER_MOCK_IMAGE"
    )
    if image:
        server = MockServer.start_container(image, args=args)
    else:
        server = MockServer.start(config.getoption("--cloudpartner-mock-bin"), args=args)
    yield server
    server.stop()


@pytest.fixture
def cloudpartner_mock(cloudpartner_mock_server, request):
    """The session's mock, reset first (offers, operations, fault rules, journal, clock as the
    fixtures left them): ``base_url``, ``ca_path``, ``control``."""
    cloudpartner_mock_server.control.reset()
    yield cloudpartner_mock_server
    floor = _fail_on(request.config)
    if floor is not None:
        report = cloudpartner_mock_server.control.conformance()
        found = [
            (request.node.nodeid, rule, violation)
            for rule in report["rules"]
            if rule["status"] == "violated"
            and SEVERITIES.index(rule["severity"]) >= SEVERITIES.index(floor)
            for violation in rule["violations"]
        ]
        request.config.stash.setdefault(_VIOLATIONS, []).extend(found)


_VIOLATIONS = pytest.StashKey()


def _fail_on(config):
    value = config.getoption("--cloudpartner-mock-fail-on") or config.getini(
        "cloudpartner_mock_fail_on"
    )
    if value and value not in SEVERITIES:
        raise pytest.UsageError(f"cloudpartner_mock_fail_on: {value!r} is not one of {SEVERITIES}")
    return value or None


def pytest_sessionfinish(session, exitstatus):
    if session.config.stash.get(_VIOLATIONS, None) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    found = config.stash.get(_VIOLATIONS, None)
    if not found:
        return
    terminalreporter.section("cloudpartner-mock: client rules violated")
    for nodeid, rule, violation in found:
        seqs = ", ".join(str(seq) for seq in violation["seqs"])
        terminalreporter.line(
            f"{nodeid}: {rule['id']} ({rule['severity']}): {violation['sentence']} (seq {seqs})"
        )
