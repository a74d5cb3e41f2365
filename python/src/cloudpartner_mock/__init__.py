"""pytest fixtures for cloudpartner-mock, a local emulator of the Cloud Partner Portal
publishing API: a server per test session, reset before each test, and a client of its
control plane (``/_mock``)."""

from .control import Control, ControlError
from .server import MockServer, bundled_binary, find_binary

__all__ = ["Control", "ControlError", "MockServer", "bundled_binary", "find_binary"]
