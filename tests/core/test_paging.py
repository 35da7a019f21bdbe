"""Paginators as pure state machines, windows, and ordered concurrency."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from maillogs.core.errors import ProviderDataError
from maillogs.fetch.concurrency import run_ordered
from maillogs.fetch.paging import (
    CursorPaginator,
    PageInfo,
    PageNumberPaginator,
    RestartLedger,
    Window,
    windows_newest_first,
)


def test_page_numbers_walk_to_total() -> None:
    paginator = PageNumberPaginator(page_size=100)
    visited = []
    while not paginator.finished:
        visited.append(paginator.current_value)
        paginator.advance(PageInfo(row_count=100 if paginator.current_value < 3 else 50, total=250))
    assert visited == [1, 2, 3]


def test_page_numbers_stop_on_an_empty_page_even_if_total_says_more() -> None:
    paginator = PageNumberPaginator(page_size=100)
    paginator.advance(PageInfo(row_count=0, total=500))
    assert paginator.finished


def test_page_numbers_go_past_a_short_page_while_total_says_more() -> None:
    paginator = PageNumberPaginator(page_size=100)
    paginator.advance(PageInfo(row_count=3, total=16, page_size=4))
    assert paginator.current_value == 2 and not paginator.finished


def test_without_total_the_providers_own_page_size_decides_what_is_short() -> None:
    stated = PageNumberPaginator(page_size=100)
    stated.advance(PageInfo(row_count=50, page_size=50))
    assert not stated.finished
    asked = PageNumberPaginator(page_size=100)
    asked.advance(PageInfo(row_count=50))
    assert asked.finished
    # A body claiming pages larger than asked for cannot make a full page look short.
    claimed = PageNumberPaginator(page_size=100)
    claimed.advance(PageInfo(row_count=100, page_size=1000))
    assert not claimed.finished


def test_page_numbers_stop_when_total_reached_with_full_page() -> None:
    paginator = PageNumberPaginator(page_size=100)
    paginator.advance(PageInfo(row_count=100, total=100))
    assert paginator.finished
    assert PageNumberPaginator.page_count(250, 100) == 3
    assert PageNumberPaginator.page_count(0, 100) == 1


def test_cursor_follows_tokens_until_none() -> None:
    paginator = CursorPaginator()
    assert paginator.current_value is None
    paginator.advance(PageInfo(row_count=50, next_token="a"))
    paginator.advance(PageInfo(row_count=50, next_token="b"))
    assert paginator.current_value == "b"
    paginator.advance(PageInfo(row_count=3, next_token=None))
    assert paginator.finished and paginator.pages_seen == 3


def test_cursor_loop_is_detected() -> None:
    paginator = CursorPaginator()
    paginator.advance(PageInfo(row_count=1, next_token="a"))
    paginator.advance(PageInfo(row_count=1, next_token="b"))
    with pytest.raises(ProviderDataError, match="loops"):
        paginator.advance(PageInfo(row_count=1, next_token="a"))


def test_empty_string_token_ends_the_walk() -> None:
    paginator = CursorPaginator()
    paginator.advance(PageInfo(row_count=1, next_token=""))
    assert paginator.finished


def test_windows_cover_range_newest_first_without_gaps() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=17, hours=3)
    windows = list(windows_newest_first(start, end, timedelta(days=7)))
    assert windows[0].end == end and windows[-1].start == start
    assert all(w.span <= timedelta(days=7) for w in windows)
    assert all(a.start == b.end for a, b in itertools.pairwise(windows))


def test_only_the_ends_of_the_whole_range_keep_records_dated_beyond_them() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    week = timedelta(days=7)
    newest, middle, oldest = windows_newest_first(start, start + 3 * week, week)
    later, earlier = start + timedelta(days=30), start - timedelta(days=30)
    # Past the range's ends nothing else could claim a record: its own window keeps it.
    assert newest.contains(later) and oldest.contains(earlier)
    # Where two windows meet, exactly one of them keeps it.
    assert not middle.contains(later) and not middle.contains(earlier)
    assert not newest.contains(earlier) and not oldest.contains(later)
    assert [w.contains(middle.end) for w in (newest, middle, oldest)] == [True, False, False]
    # Split halves keep the open end they inherit and close the new edge.
    newer, older = newest.halves(timedelta(days=1))
    assert newer.contains(later) and not newer.contains(older.start)
    assert not older.contains(later) and older.contains(older.start)


def test_window_halves_at_resolution_and_refuses_when_too_small() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    newer, older = Window(start, start + timedelta(milliseconds=5)).halves(
        timedelta(milliseconds=1)
    )
    assert (
        older.start == start
        and older.end == newer.start
        and newer.end - start == timedelta(milliseconds=5)
    )
    with pytest.raises(ValueError, match="cannot be split"):
        Window(start, start + timedelta(milliseconds=1)).halves(timedelta(milliseconds=1))


def _slow_stream(
    index: int, delay: float, active: list[int], lock: threading.Lock
) -> Iterator[list[int]]:
    with lock:
        active.append(1)
    time.sleep(delay)
    yield [index * 10, index * 10 + 1]


@pytest.mark.parametrize("concurrency", [1, 3])
def test_run_ordered_preserves_stream_order(concurrency: int) -> None:
    lock = threading.Lock()
    active: list[int] = []
    # Later streams finish first; output must still follow stream order.
    streams = [(lambda i=i: _slow_stream(i, 0.03 * (5 - i), active, lock)) for i in range(5)]
    pages = list(run_ordered(streams, concurrency))
    assert pages == [[i * 10, i * 10 + 1] for i in range(5)]


def test_run_ordered_reraises_stream_errors_in_order() -> None:
    def broken() -> Iterator[list[int]]:
        raise ProviderDataError("page 2 is broken")
        yield []

    streams = [lambda: iter([[1]]), broken, lambda: iter([[3]])]
    pages = run_ordered(streams, 3)
    assert next(pages) == [1]
    with pytest.raises(ProviderDataError, match="page 2"):
        next(pages)


def test_abandoned_reader_stops_workers() -> None:
    produced = []

    def endless() -> Iterator[list[int]]:
        for n in range(10_000):
            produced.append(n)
            yield [n]

    iterator = run_ordered([endless, endless], 2)
    assert next(iterator) == [0]
    iterator.close()  # e.g. --limit reached
    count = len(produced)
    time.sleep(0.3)
    assert len(produced) - count < 20  # workers stopped instead of running on


def test_restart_ledger_skips_after_a_restart_what_came_before() -> None:
    ledger = RestartLedger()
    assert [ledger.is_new(("m1", "a@x")), ledger.is_new(("m2", "b@x"))] == [True, True]
    ledger.restart()  # e.g. EDITH's page token expired: the window starts over
    assert ledger.is_new(("m1", "a@x")) is False
    assert ledger.is_new(("m2", "b@x")) is False
    assert ledger.is_new(("m3", "c@x")) is True
    ledger.restart()  # a second expiry still remembers the first walk and the second
    assert [ledger.is_new(key) for key in (("m1", "a@x"), ("m3", "c@x"), ("m4", "d@x"))] == [
        False,
        False,
        True,
    ]
