"""The emulator over a real loopback socket: concurrency, keep-alive and faults."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import pytest

from maillogs.sandbox import Emulator, EmulatorConfig, FaultPlan, SandboxServer, start_server
from tests.sandbox.helpers import EDITH, INFOBIP, KALEYRA, KALEYRA_LOGS, NOW


@pytest.fixture
def serve() -> Iterator[type[_Served]]:
    started: list[SandboxServer] = []

    class Served(_Served):
        def __init__(self, **config: object) -> None:
            self.emulator = Emulator(EmulatorConfig(now=NOW, **config))  # type: ignore[arg-type]
            self.server, _thread, self.base_url = start_server(self.emulator)
            started.append(self.server)

    yield Served
    for server in started:
        server.shutdown()
        server.server_close()


class _Served:
    emulator: Emulator
    server: SandboxServer
    base_url: str


def test_many_concurrent_clients(serve: type[_Served]) -> None:
    served = serve()
    targets = [
        (KALEYRA_LOGS, {"limit": "100"}, KALEYRA),
        ("/v1/email/logs", {"pageSize": "50"}, EDITH),
        ("/email/4/logs", {"limit": "200"}, INFOBIP),
        ("/email/1/logs", {"limit": "20"}, INFOBIP),
    ]

    def hammer(worker: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=served.base_url, timeout=10) as client:
            for n in range(25):
                path, params, headers = targets[(worker + n) % len(targets)]
                response = client.get(path, params=params, headers=headers)
                response.json()
                statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(hammer, range(8)))
    assert all(status == 200 for statuses in results for status in statuses)
    assert served.emulator.request_count == 200


def test_keep_alive_reuses_one_connection(serve: type[_Served]) -> None:
    served = serve()
    host, port = served.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        stream = sock.makefile("rwb")
        for _ in range(3):
            stream.write(
                f"GET {KALEYRA_LOGS}?limit=5 HTTP/1.1\r\nHost: x\r\n"
                f"api-key: {KALEYRA['api-key']}\r\n\r\n".encode()
            )
            stream.flush()
            status = stream.readline()
            assert status.startswith(b"HTTP/1.1 200")
            length = 0
            while (line := stream.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert b'"total":500' in stream.read(length)


def test_drop_closes_the_connection_without_an_answer(serve: type[_Served]) -> None:
    served = serve(faults=FaultPlan(script={1: "drop"}))
    with httpx.Client(base_url=served.base_url, timeout=5) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get(KALEYRA_LOGS, headers=KALEYRA)
        assert client.get(KALEYRA_LOGS, headers=KALEYRA).status_code == 200


def test_faults_and_encoded_paths_over_the_wire(serve: type[_Served]) -> None:
    served = serve(faults=FaultPlan(script={1: "429ra", 2: "malformed"}))
    with httpx.Client(base_url=served.base_url, timeout=5) as client:
        limited = client.get("/v1/email/logs", headers=EDITH)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "1"
        broken = client.get(KALEYRA_LOGS, headers=KALEYRA)
        assert broken.status_code == 200
        with pytest.raises(ValueError, match=r"Expecting|Unterminated|Invalid"):
            broken.json()
        row = client.get(KALEYRA_LOGS, headers=KALEYRA).json()["data"][0]
        encoded = quote(row["message_id"], safe="")
        stats = client.get(f"/v1/DEMO-SID/email/stats/{encoded}", headers=KALEYRA)
        assert stats.status_code == 200
        assert stats.json()["data"][0]["message_id"] == row["message_id"]
        assert client.get("/nowhere").json() == {"error": "not found"}


def test_occupied_port_raises(serve: type[_Served]) -> None:
    served = serve()
    with pytest.raises(OSError, match="in use"):
        SandboxServer(served.emulator, served.server.server_address[1])


def test_a_client_hanging_up_prints_nothing_but_real_errors_do(
    serve: type[_Served], capsys: pytest.CaptureFixture[str]
) -> None:
    served = serve()

    def fail_with(error: Exception) -> str:
        # socketserver calls handle_error from inside the handler's except block.
        with socket.socket() as request:
            try:
                raise error
            except Exception:
                served.server.handle_error(request, ("127.0.0.1", 1))
        return capsys.readouterr().err

    assert fail_with(BrokenPipeError(32, "Broken pipe")) == ""
    assert fail_with(ConnectionResetError(104, "Connection reset by peer")) == ""
    assert "RuntimeError: emulator bug" in fail_with(RuntimeError("emulator bug"))
