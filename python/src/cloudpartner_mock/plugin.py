"""The pytest plugin: ``cloudpartner_mock`` (a mock reset before each test) over
``cloudpartner_mock_server`` (one mock for the whole session, stopped at its end).

Settings, as command-line options or ini keys:

- ``--cloudpartner-mock-bin`` / ``CLOUDPARTNER_MOCK_BIN``: the binary (default: on PATH, or
  built with cargo in a checkout);
- ``--cloudpartner-mock-image`` / ``CLOUDPARTNER_MOCK_IMAGE``: run this container image with
  testcontainers instead;
- ini ``cloudpartner_mock_args``: the server's flags (default ``--time-scale 0``: operations
  end as soon as they start).
"""

import os
import shlex

import pytest

from .server import MockServer

DEFAULT_ARGS = "--time-scale 0"


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
def cloudpartner_mock(cloudpartner_mock_server):
    """The session's mock, reset first (offers, operations, fault rules, journal, clock as the
    fixtures left them): ``base_url``, ``ca_path``, ``control``."""
    cloudpartner_mock_server.control.reset()
    return cloudpartner_mock_server
