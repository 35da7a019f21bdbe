"""Polling honours Infobip's rate limit, on a fake clock."""

from __future__ import annotations

from collections import deque

import httpx

from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.engine import open_adapters
from maillogs.follow import Ending, Follower, FollowSettings
from maillogs.providers.infobip.spec import DEMO_API_KEY
from maillogs.sandbox import Emulator, EmulatorConfig, EmulatorTransport
from tests.support import make_profile
from tests.tail.conftest import FakeTime


class Recording(EmulatorTransport):
    """The in-process sandbox, noting when each request came and what it got."""

    def __init__(self, emulator: Emulator, clock: FakeTime) -> None:
        super().__init__(emulator, sleep=clock.sleep)
        self.clock = clock
        self.sent: list[tuple[float, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.sent.append((self.clock.now, response.status_code))
        return response


def test_infobip_v1_is_polled_no_faster_than_60_requests_a_minute() -> None:
    clock = FakeTime()
    emulator = Emulator(
        EmulatorConfig(records=20, live=2.0, clock=clock.time, infobip_rate_limit=True)
    )
    transport = Recording(emulator, clock)
    profile = make_profile(
        "infobip",
        base_url="http://sandbox.invalid",
        settings={"api_key": DEMO_API_KEY, "api_version": "1"},
        rate_limit_per_minute=60,
    )
    warnings: list[str] = []
    printed: list[LogRecord] = []
    settings = FollowSettings(interval=0.1, lines=0, timeout=3 * 60.0)
    with open_adapters(
        [profile],
        transport_factory=lambda _: transport,
        warn=warnings.append,
        clock=clock.time,
        sleep=clock.sleep,
    ) as adapters:
        follower = Follower(
            adapters,
            Query(),
            settings,
            emit=printed.append,
            warn=warnings.append,
            clock=clock.time,
            sleep=clock.sleep,
            wall=clock.wall,
        )
        outcome = follower.run()

    assert outcome.ending is Ending.TIMEOUT
    assert printed, "nothing was followed"
    assert [status for _, status in transport.sent if status != 200] == []  # never a 429
    window: deque[float] = deque()
    for sent_at, _ in transport.sent:
        window.append(sent_at)
        while window[0] <= sent_at - 60:
            window.popleft()
        assert len(window) <= 60
    # As fast as the limit allows, not slower: about one poll a second.
    assert len(transport.sent) >= 150
    assert warnings == [
        "profile 'test-infobip' allows 60 requests a minute: polling it every 1 s at most, "
        "not every 0.1 s"
    ]


def test_a_zero_interval_is_refused_as_zero_not_as_no_duration() -> None:
    from typer.testing import CliRunner

    from maillogs.cli.app import app

    for text in ("0", "0ms"):
        result = CliRunner().invoke(app, ["tail", "-p", "demo", "--interval", text])
        assert result.exit_code == 2
        assert result.stderr == (
            f"maillogs: --interval: must be more than zero, not '{text}'; e.g. 10s, 500ms or 5m\n"
        )
