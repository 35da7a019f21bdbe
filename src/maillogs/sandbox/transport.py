"""Serve the emulator to an ``httpx.Client`` in process: no socket, no port."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from maillogs.sandbox.app import Emulator


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
