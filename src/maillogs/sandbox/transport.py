"""Serve the emulator to an ``httpx.Client`` in process: no socket, no port."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from maillogs.sandbox.app import Emulator, EmulatorConfig, sandbox_knobs


class EmulatorTransport(httpx.BaseTransport):
    """An httpx transport answered by an :class:`Emulator`.

    Latency and faults behave as over the network: the latency is slept, and a
    ``drop`` fault raises the error httpx raises when a server hangs up
    without answering.

    Args:
        emulator: the emulator to serve.
        sleep: how to wait for the configured latency (tests may pass a no-op).
    """

    def __init__(self, emulator: Emulator, sleep: Callable[[float], None] = time.sleep) -> None:
        self.emulator = emulator
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (called by httpx)."""
        request.read()
        response = self.emulator.handle(
            request.method,
            request.url.path,
            request.url.params.multi_items(),
            dict(request.headers.items()),
        )
        if response.delay_s:
            self._sleep(response.delay_s)
        if response.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(
            response.status, headers=response.headers, content=response.body, request=request
        )


def demo_transport() -> httpx.BaseTransport:
    """The in-process emulator behind the built-in demo profiles (no network)."""
    # The demo data is laid out relative to "now", and its ids (EDITH ULIDs)
    # encode their times: anchoring on the hour keeps every id stable between
    # runs, so an id copied from `list` still works with `show` a minute later.
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # Each provider's spec says how the demo runs its emulator (e.g. Infobip's
    # rate limit enforced as in production; the demo profiles pace under it).
    demo: dict[str, Any] = {
        name: knob.demo for name, knob in sandbox_knobs().items() if knob.demo is not None
    }
    return EmulatorTransport(Emulator(EmulatorConfig(now=anchor, **demo)))
