"""Fixtures: a per-test workspace and sandboxes served over loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from maillogs.sandbox import Emulator, EmulatorConfig, FaultPlan, start_server
from tests.export.helpers import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    space = Workspace(tmp_path)
    space.out.mkdir()
    return space


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[str, Emulator]]]:
    """Start a sandbox on 127.0.0.1 (``latency_ms`` per request); stopped after the test."""
    servers = []

    def start(latency_ms: float = 0.0, records: int = 500) -> tuple[str, Emulator]:
        emulator = Emulator(
            EmulatorConfig(records=records, seed=5, faults=FaultPlan(latency_ms=latency_ms))
        )
        server, _thread, base_url = start_server(emulator)
        servers.append(server)
        return base_url, emulator

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
