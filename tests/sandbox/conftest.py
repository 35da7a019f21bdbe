"""Shared fixtures: a fixed clock, an emulator and an in-process client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from maillogs.sandbox import Emulator, EmulatorConfig, EmulatorTransport
from tests.sandbox.helpers import NOW, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[Callable[..., httpx.Client]]:
    """Build an emulator from config keywords and an httpx client in front of it."""
    clients: list[httpx.Client] = []

    def make(**config: Any) -> httpx.Client:
        config.setdefault("now", NOW)
        config.setdefault("clock", clock)
        emulator = Emulator(EmulatorConfig(**config))
        client = httpx.Client(
            transport=EmulatorTransport(emulator, sleep=lambda _s: None),
            base_url="http://sandbox.test",
        )
        client.emulator = emulator  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., httpx.Client]) -> httpx.Client:
    """500 records per provider, seed 7, the fixed NOW."""
    return make_client()
