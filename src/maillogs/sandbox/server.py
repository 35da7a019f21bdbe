"""Serve the emulator over HTTP/1.1 on loopback, for real-socket tests and demos."""

from __future__ import annotations

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

from maillogs.sandbox.app import Emulator

LOOPBACK = "127.0.0.1"


class SandboxServer(ThreadingHTTPServer):
    """A threaded server that owns an emulator; one daemon thread per connection."""

    daemon_threads = True
    allow_reuse_address = True
    # Many client threads may connect at once; the default backlog of 5 drops some.
    request_queue_size = 128

    def __init__(
        self, emulator: Emulator, port: int = 0, *, verbose: bool = False, log: TextIO | None = None
    ) -> None:
        self.emulator = emulator
        self.verbose = verbose
        self.log = log or sys.stderr
        super().__init__((LOOPBACK, port), _Handler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """A client that hangs up mid-answer (Ctrl-C, a reader done early) is
        routine for a server; anything else still prints its traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the real port when 0 was asked)."""
        return f"http://{LOOPBACK}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response has a Content-Length
    # Headers and body go out in two writes; with Nagle's algorithm the body
    # waits for the client's delayed ACK of the headers (40 ms on Linux) on
    # every keep-alive request after the first.
    disable_nagle_algorithm = True
    server: SandboxServer

    def do_GET(self) -> None:  # http.server dispatches on do_<METHOD>
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        response = self.server.emulator.handle(
            self.command,
            unquote(url.path),
            parse_qsl(url.query, keep_blank_values=True),
            dict(self.headers.items()),
        )
        if response.delay_s:
            time.sleep(response.delay_s)
        if response.drop:
            self.close_connection = True
            # Hang up without a byte of response, as a crashing server would.
            self.connection.shutdown(socket.SHUT_RDWR)
            self._log_line(started, "dropped")
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self._log_line(started, str(response.status))

    def _log_line(self, started: float, outcome: str) -> None:
        if self.server.verbose:
            elapsed = (time.perf_counter() - started) * 1000
            print(
                f"{self.command} {self.path} -> {outcome} ({elapsed:.1f} ms)", file=self.server.log
            )

    def log_message(self, format: str, *args: object) -> None:
        """Silence http.server's own per-request lines (``--verbose`` prints ours)."""


def start_server(
    emulator: Emulator, port: int = 0, *, verbose: bool = False
) -> tuple[SandboxServer, threading.Thread, str]:
    """Start serving in a daemon thread; for tests.

    Stop it with ``server.shutdown(); server.server_close()``.

    Returns:
        The server, its thread and its base URL.

    Raises:
        OSError: the port is taken.
    """
    server = SandboxServer(emulator, port, verbose=verbose)
    thread = threading.Thread(target=server.serve_forever, name="maillogs-sandbox", daemon=True)
    thread.start()
    return server, thread, server.base_url


def serve_forever(server: SandboxServer) -> None:
    """Serve in the calling thread until Ctrl-C, then close the socket quietly."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
