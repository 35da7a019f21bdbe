"""Cursor walks cut by density after their first page (fetch/density.py), against
the sandbox's EDITH and Infobip v4: the records of a plain sequential walk, in
its order, and few requests where the range is sparse."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.engine import fetch_records, make_plans, open_adapters
from maillogs.fetch.density import Pieces
from maillogs.fetch.paging import Window
from maillogs.providers.edith import adapter as edith_adapter
from maillogs.providers.edith.adapter import MAX_WINDOW
from maillogs.providers.edith.spec import DEMO_TOKEN
from maillogs.providers.infobip import adapter as infobip_adapter
from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_KEY
from maillogs.sandbox import Emulator, EmulatorConfig, EmulatorTransport
from tests.support import make_profile

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


PROFILES = {
    "edith": make_profile("edith", base_url="http://sandbox.test", settings={"token": DEMO_TOKEN}),
    "infobip": make_profile(
        "infobip", base_url="http://sandbox.test", settings={"api_key": INFOBIP_KEY}
    ),
}


def _walk(
    emulator: Emulator, query: Query, concurrency: int = 8, provider: str = "edith"
) -> tuple[list[LogRecord], int]:
    """(records, requests sent) of ``list`` over one of the sandbox's providers."""
    profile = PROFILES[provider]
    with open_adapters(
        [profile], transport_factory=lambda _p: EmulatorTransport(emulator), now=emulator.now
    ) as (adapter,):
        plans = make_plans([adapter], query, lambda _w: None)
        records = list(fetch_records(plans, query, concurrency=concurrency))
        return records, adapter.http.request_count


@pytest.mark.parametrize(
    ("provider", "module", "name", "chain_requests"),
    [
        # 3,000 rows over the sandbox's 10 days: 60 pages of 50, two 7-day windows.
        ("edith", edith_adapter, "PIECES", 60),
        # 3,000 rows over 48 hours: 3 pages of 1,000 (the last one short).
        ("infobip", infobip_adapter, "V4_PIECES", 3),
    ],
)
def test_a_dense_range_cut_in_pieces_gives_the_sequential_walks_records_in_order(
    monkeypatch: pytest.MonkeyPatch, provider: str, module: Any, name: str, chain_requests: int
) -> None:
    emulator = Emulator(EmulatorConfig(records=3000, now=NOW))
    query = Query(since=NOW - timedelta(days=11))
    pieces, requests = _walk(emulator, query, provider=provider)
    # At most one piece a window: each window is one chain of page tokens.
    monkeypatch.setattr(module, name, replace(getattr(module, name), max_pieces=1))
    chained, chained_requests = _walk(emulator, query, provider=provider)
    assert len(pieces) == 3000
    assert pieces == chained
    # Each piece ends on a short page: a few requests more than the chains.
    assert chained_requests == chain_requests
    assert chain_requests < requests <= max(chain_requests * 1.5, chain_requests + 3)


@pytest.mark.parametrize(
    ("since", "until", "most"),
    [
        # Before the sandbox's data: one 7-day window, nothing in it.
        (NOW - timedelta(days=30), NOW - timedelta(days=23), 1),
        # Less than a page (the sandbox's 3,000 rows make ~12 an hour).
        (NOW - timedelta(hours=2), NOW - timedelta(hours=1), 2),
    ],
)
def test_sparse_ranges_stay_cheap(since: datetime, until: datetime, most: int) -> None:
    emulator = Emulator(EmulatorConfig(records=3000, now=NOW))
    records, requests = _walk(
        emulator,
        Query(since=since, until=until),
    )
    assert len(records) < 50
    assert requests <= most


def test_pieces_cover_the_rest_of_the_window_newest_first_without_gaps() -> None:
    start = NOW - MAX_WINDOW
    window = Window(start, NOW, open_start=True, open_end=True)
    # A first page of 50 rows reaching back one hour: ~8,400 rows expected behind it.
    oldest = NOW - timedelta(hours=1, microseconds=250_000)
    head, pieces = Pieces(500, SECOND, max_pieces=64, page_rows=50).after(window, oldest, 50)
    assert head == Window(NOW - timedelta(hours=1), NOW, open_end=True)
    assert pieces[0].end == head.start and pieces[-1].start == start
    assert all(newer.start == older.end for newer, older in itertools.pairwise(pieces))
    assert [p.open_start for p in pieces] == [False] * (len(pieces) - 1) + [True]
    assert 14 <= len(pieces) <= 20
    assert all(p.span >= SECOND and p.start.microsecond == 0 for p in pieces)


def test_a_burst_at_the_end_of_a_window_wastes_at_most_max_pieces() -> None:
    window = Window(NOW - MAX_WINDOW, NOW)
    _, pieces = Pieces(500, SECOND, max_pieces=64, page_rows=50).after(window, NOW - SECOND, 50)
    assert len(pieces) == 64
