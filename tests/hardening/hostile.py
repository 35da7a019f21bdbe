"""Hostile HTTP(S) servers on 127.0.0.1 that ``http.server`` cannot play.

``ScriptedServer`` (conftest) answers whole responses; these write raw bytes on
the socket, so they can drip a response a byte at a time, inflate a tiny body
into a huge one, stream without end, or present a certificate nobody trusts.
Every loop is bounded (bytes or seconds), so a client that never gives up
still lets the test end.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

TLS_DIR = Path(__file__).parent / "tls"
# A self-signed certificate for 127.0.0.1 and localhost (test use only; see tls/README.md).
SELF_SIGNED_CERT = TLS_DIR / "self-signed.pem"
SELF_SIGNED_KEY = TLS_DIR / "self-signed.key"

Handler = Callable[[socket.socket], None]


class RawServer:
    """Accepts loopback connections and hands each socket to ``handler``.

    ``sent`` counts the bytes handlers wrote through :meth:`send`, so a test
    can tell how much of an endless body the client read before it hung up.
    """

    def __init__(self, handler: Handler, *, tls: bool = False) -> None:
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._context: ssl.SSLContext | None = None
        if tls:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(SELF_SIGNED_CERT, SELF_SIGNED_KEY)
        port = self._listener.getsockname()[1]
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        self.connections = 0
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            if self._context is not None:
                conn = self._context.wrap_socket(conn, server_side=True)
            read_request(conn)
            self._handler(conn)
        except (OSError, ssl.SSLError):
            pass  # The client hung up (or refused our certificate): that is the point.
        finally:
            conn.close()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()


def read_request(conn: socket.socket) -> bytes:
    """The request head (a GET has no body)."""
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drip(server: RawServer, conn: socket.socket, data: bytes, *, every: float) -> None:
    """Send ``data`` one byte every ``every`` seconds (stops when the server does)."""
    for byte in data:
        if server.stopping:
            return
        server.send(conn, bytes([byte]))
        time.sleep(every)


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def gzip_padded_json(inflated_bytes: int, *, prefix: bytes, suffix: bytes) -> bytes:
    """gzip of ``prefix + "aaa…" + suffix``, ``inflated_bytes`` long in all: valid
    JSON when the padding sits inside a string, yet ~1,000 times smaller."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [packer.compress(prefix)]
    left = inflated_bytes - len(prefix) - len(suffix)
    block = b"a" * (1 << 20)
    while left > 0:
        out.append(packer.compress(block[: min(left, len(block))]))
        left -= len(block)
    out.append(packer.compress(suffix))
    out.append(packer.flush())
    return b"".join(out)


def chunked(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """HTTP/1.1 chunked framing of ``pieces`` (with the closing chunk)."""
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"
