"""A faithful local emulator of the registered providers' email-log APIs.

Use it in process through :class:`EmulatorTransport` (no network) or over
loopback with :func:`start_server` / ``maillogs sandbox serve``.
"""

from __future__ import annotations

from maillogs.sandbox.app import Emulator, EmulatorConfig
from maillogs.sandbox.credentials import DEFAULT_PORT, config_snippet
from maillogs.sandbox.faults import (
    FAULT_KINDS,
    Arrivals,
    FaultPlan,
    parse_arrivals,
    parse_faults,
)
from maillogs.sandbox.protocol import SandboxResponse
from maillogs.sandbox.server import SandboxServer, serve_forever, start_server
from maillogs.sandbox.transport import EmulatorTransport

__all__ = [
    "DEFAULT_PORT",
    "FAULT_KINDS",
    "Arrivals",
    "Emulator",
    "EmulatorConfig",
    "EmulatorTransport",
    "FaultPlan",
    "SandboxResponse",
    "SandboxServer",
    "config_snippet",
    "parse_arrivals",
    "parse_faults",
    "serve_forever",
    "start_server",
]
