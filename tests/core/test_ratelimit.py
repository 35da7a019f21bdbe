"""Shared pace: every client of one process that uses one account keeps one pace."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from maillogs.cli.app import app
from maillogs.fetch.http import Endpoint, HttpClient
from maillogs.fetch.ratelimit import SHARED_PACES, SharedPaces, account_key
from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
from maillogs.sandbox import Emulator, EmulatorConfig, SandboxResponse
from maillogs.sandbox.server import start_server
from tests.core.test_http import BASE, SECRET, FakeClock


def client(clock: FakeClock, per_minute: float, key: str = SECRET) -> HttpClient:
    endpoint = Endpoint(
        provider_title="Example",
        profile="prod",
        base_url=BASE,
        headers={"Authorization": f"App {key}"},
        secrets=(key,),
        error_text=lambda body: None,
        auth_hint="the api_key",
    )
    return HttpClient(
        endpoint, sleep=clock.sleep, clock=clock.clock, rate_limit_per_minute=per_minute
    )


def test_two_clients_of_one_account_keep_one_pace() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(return_value=httpx.Response(200, json={}))
        first, second = client(clock, 60), client(clock, 60)
        for _ in range(2):
            first.get_json("/logs")
            second.get_json("/logs")
        first.close()
        second.close()
    # Four requests of one account at 60 a minute: one a second, not two.
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_the_strictest_limit_of_an_account_holds() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(return_value=httpx.Response(200, json={}))
        v4, v1 = client(clock, 120), client(clock, 60)
        for _ in range(2):
            v4.get_json("/logs")
            v1.get_json("/logs")
        v4.close()
        v1.close()
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_other_accounts_are_not_slowed() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(return_value=httpx.Response(200, json={}))
        mine, theirs = client(clock, 60), client(clock, 60, key="OTHER-KEY")
        mine.get_json("/logs")
        theirs.get_json("/logs")
        mine.close()
        theirs.close()
    assert clock.sleeps == []


def test_a_closed_account_pace_is_forgotten_and_never_holds_the_secret() -> None:
    paces = SharedPaces()
    key = account_key(BASE, [f"authorization: App {SECRET}"])
    assert SECRET not in key and BASE not in key
    limiter = paces.checkout(key, 60)
    assert paces.checkout(key, 120) is limiter and limiter.interval == 1.0
    paces.release(limiter)
    assert len(paces) == 1
    paces.release(limiter)
    assert len(paces) == 0
    open_before = len(SHARED_PACES)
    made = client(FakeClock(), 60)
    assert len(SHARED_PACES) == open_before + 1
    made.close()
    made.close()  # closing twice gives the share back once
    assert len(SHARED_PACES) == open_before


class TimedEmulator(Emulator):
    """Notes when each Infobip request arrives."""

    def __init__(self, config: EmulatorConfig) -> None:
        super().__init__(config)
        self.arrivals: list[float] = []
        self._arrivals_lock = threading.Lock()

    def handle(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
    ) -> SandboxResponse:
        if path.startswith("/email/"):
            with self._arrivals_lock:
                self.arrivals.append(time.monotonic())
        return super().handle(method, path, query, headers)


@pytest.fixture
def timed_sandbox() -> Iterator[tuple[str, TimedEmulator]]:
    # 1,500 Infobip records: two 1,000-row v4 pages per profile.
    emulator = TimedEmulator(EmulatorConfig(records=1500, seed=3))
    server, _thread, base_url = start_server(emulator)
    try:
        yield base_url, emulator
    finally:
        server.shutdown()
        server.server_close()


PER_MINUTE = 240  # one request every 0.25 s: slow enough to measure, fast enough to test


def test_two_profiles_of_one_account_are_paced_together_in_one_run(
    timed_sandbox: tuple[str, TimedEmulator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, emulator = timed_sandbox
    profiles = "".join(
        f'[profiles.{name}]\nprovider = "infobip"\nbase_url = "{base_url}"\n'
        f'api_key = "{INFOBIP_API_KEY}"\napi_version = 4\n'
        f"rate_limit_per_minute = {PER_MINUTE}\n\n"
        for name in ("a", "b")
    )
    config = tmp_path / "config.toml"
    config.write_text(profiles, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(config))

    result = CliRunner().invoke(app, ["list", "--profile", "a,b", "--all", "--format", "jsonl"])

    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2 * 1500
    arrivals = sorted(emulator.arrivals)
    assert len(arrivals) == 4  # two pages for each profile
    interval = 60 / PER_MINUTE
    # Paced apart, the two profiles would each send their first page at once.
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) > interval / 2, gaps
    assert arrivals[-1] - arrivals[0] > 3 * interval - 0.05, gaps
