"""The shared status line: what it says (the terminal behaviour is in test_terminal.py)."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any, cast

from maillogs.providers.base import Adapter
from maillogs.render.progress import Activity


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def adapter(requests: int, rows: int, retrying: str | None = None) -> Any:
    return SimpleNamespace(
        http=SimpleNamespace(request_count=requests, retrying=retrying), rows_fetched=rows
    )


def test_counts_requests_and_records_of_every_adapter() -> None:
    clock = FakeClock()
    status = Activity("fetching", enabled=False, clock=clock)
    status.watch(cast(list[Adapter], [adapter(3, 250), adapter(1, 50)]))
    clock.now += 75
    assert status.describe() == "fetching: 4 requests, 300 records, 1:15"


def test_says_why_it_waits_while_a_request_is_retried() -> None:
    status = Activity("counting", enabled=False, clock=FakeClock())
    status.watch(cast(list[Adapter], [adapter(1, 0), adapter(2, 0, "EDITH: HTTP 503")]))
    assert status.describe().endswith(", retrying after EDITH: HTTP 503")


def test_export_counts_records_written_and_estimates_the_time_left() -> None:
    clock = FakeClock()
    status = Activity("exporting", enabled=False, clock=clock)
    status.watch(cast(list[Adapter], [adapter(5, 600)]))
    clock.now += 10
    status.update(500, done=0.25)  # a quarter in 10 s: about 30 s to go
    assert status.describe() == "exporting: 5 requests, 500 records, 0:10, about 0:30 left"
    status.update(600)  # a provider without a total in the mix: no guess
    assert status.describe().endswith("0:10")


def test_offline_it_counts_no_requests() -> None:
    status = Activity("exporting", enabled=False, clock=FakeClock(), network=False)
    status.update(1257)
    assert status.describe() == "exporting: 1257 records, 0:00"


def test_disabled_it_writes_nothing() -> None:
    stream = io.StringIO()
    with Activity("fetching", enabled=False, stream=stream) as status:
        status.update(10)
    assert stream.getvalue() == ""
