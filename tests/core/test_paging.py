"""Paginators as pure state machines, windows, and ordered concurrency."""

from __future__ import annotations

import itertools
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from maillogs.core.errors import ProviderDataError
from maillogs.fetch.concurrency import run_ordered
from maillogs.fetch.paging import (
    CursorPaginator,
    NewestFirstPages,
    NumberedPage,
    PageInfo,
    PageNumberPaginator,
    RestartLedger,
    StallGuard,
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


def test_an_empty_page_ends_a_cursor_walk_even_with_a_next_token() -> None:
    # A server sending empty pages with fresh tokens would be asked forever.
    paginator = CursorPaginator()
    paginator.advance(PageInfo(row_count=0, next_token="fresh-token-1"))
    assert paginator.finished


class GrowingList:
    """Newest-first rows served by page number; ``arrivals`` new rows land on
    top right after each page is counted, as mail arriving during a walk."""

    def __init__(self, rows: int, arrivals: int, page_size: int = 50) -> None:
        self.rows = [f"old-{rank}" for rank in reversed(range(rows))]
        self.arrivals = arrivals
        self.page_size = page_size
        self.arrived = 0

    def read(self, number: int) -> NumberedPage:
        start = (number - 1) * self.page_size
        page = NumberedPage(number, len(self.rows), self.rows[start : start + self.page_size])
        fresh = [f"new-{self.arrived + i}" for i in range(self.arrivals)]
        self.rows[:0] = reversed(fresh)
        self.arrived += self.arrivals
        return page


def walk_counted_in(
    order: tuple[int, ...], arrivals: int, *, workers_fill: bool = False
) -> tuple[list[str], list[str]]:
    """Pages counted in ``order`` (after page 1), passed on in page order, the
    last of them reading on to the oldest row, as the Kaleyra adapter does;
    with ``workers_fill``, each answer is reported as a page worker does, so
    holes are read again as soon as both of their pages are in.

    Returns what the walk passed on, and what the pages alone held.
    """
    server = GrowingList(rows=300, arrivals=arrivals)
    first = server.read(1)
    walk = NewestFirstPages("Test", server.page_size, first.total)
    answers = {}
    for number in order:
        answers[number] = server.read(number)
        if workers_fill:
            walk.answered(answers[number], server.read)
    pages = [first, *(answers[n] for n in sorted(answers))]
    passed: list[str] = []
    for page in pages:
        passed += walk.take(page, server.read, key=str, last=page is pages[-1])
    assert walk.ended
    return passed, [row for page in pages for row in page.rows]


@pytest.mark.parametrize("workers_fill", [False, True])
@pytest.mark.parametrize("arrivals", [1, 7, 30, 40])
def test_pages_counted_in_any_order_between_arrivals_leave_no_row_out(
    arrivals: int, workers_fill: bool
) -> None:
    old_rows = {f"old-{rank}" for rank in range(300)}
    lost_without_repair = 0
    for order in itertools.permutations(range(2, 7)):
        passed, held = walk_counted_in(order, arrivals, workers_fill=workers_fill)
        assert old_rows <= set(passed), f"rows lost when pages were counted in order {order}"
        lost_without_repair += len(old_rows - set(held))
    # The pages as fetched did not hold them all (the re-reads found the rest).
    assert lost_without_repair > 0


def test_pages_counted_one_after_the_other_fill_no_hole() -> None:
    server = GrowingList(rows=300, arrivals=7)
    reads: list[int] = []

    def read_again(number: int) -> NumberedPage:
        reads.append(number)
        return server.read(number)

    first = server.read(1)
    walk = NewestFirstPages("Test", server.page_size, first.total)
    passed = walk.take(first, read_again, key=str)
    for number in range(2, 7):
        passed += walk.take(server.read(number), read_again, key=str, last=number == 6)
    assert {f"old-{rank}" for rank in range(300)} <= set(passed)
    # Only the rows the arrivals pushed past page 6: one page more.
    assert reads == [7]


def test_the_worker_answered_second_fills_the_hole_and_the_reader_reads_nothing() -> None:
    server = GrowingList(rows=300, arrivals=7)
    first = server.read(1)
    walk = NewestFirstPages("Test", server.page_size, first.total)
    third = server.read(3)  # counted before page 2: the ranks between them are on neither
    walk.answered(third, _no_read)  # page 2 not in yet: nothing to fill
    second = server.read(2)
    walk.answered(second, server.read)  # page 2 is second of the two: it reads the hole again
    passed = walk.take(first, _no_read, key=str)
    passed += walk.take(second, _no_read, key=str)
    passed += walk.take(third, _no_read, key=str)
    # Every old row down to the bottom of page 3, with no read by the reader.
    reached = {f"old-{rank}" for rank in range(walk.covered_from(third), 300)}
    assert reached <= set(passed)


def test_an_empty_page_ends_a_numbered_walk_whatever_the_total_says() -> None:
    walk = NewestFirstPages("Test", 100, 1_000_000)
    rows = [f"r{i}" for i in range(100)]
    assert len(walk.take(NumberedPage(1, 1_000_000, rows), _no_read, key=str)) == 100
    assert walk.take(NumberedPage(2, 1_000_000, []), _no_read, key=str) == []
    assert walk.ended


def _no_read(number: int) -> NumberedPage:
    raise AssertionError(f"page {number} read again")


def test_mail_arriving_faster_than_a_page_a_request_is_still_caught_up_with() -> None:
    # Each re-read aims as far below as the total grew during the one before.
    server = GrowingList(rows=300, arrivals=60)
    first = server.read(1)
    walk = NewestFirstPages("Kaleyra", server.page_size, first.total)
    passed = walk.take(first, server.read, key=str)
    later = server.read(3)  # page 2 is skipped: the hole above page 3 is over a page wide
    passed += walk.take(later, server.read, key=str, last=True)
    assert {f"old-{rank}" for rank in range(300)} <= set(passed)


class BurstyList(GrowingList):
    """A ``GrowingList`` whose arrivals come in bursts: ``bursts[k]`` new rows
    after the k-th read (cycling), and no more than ``max_reads`` reads."""

    def __init__(self, rows: int, bursts: list[int], max_reads: int = 100) -> None:
        super().__init__(rows, arrivals=0)
        self.bursts = itertools.cycle(bursts)
        self.reads = 0
        self.max_reads = max_reads

    def read(self, number: int) -> NumberedPage:
        self.reads += 1
        assert self.reads <= self.max_reads, "the walk keeps reading pages"
        self.arrivals = next(self.bursts)
        return super().read(number)


@pytest.mark.parametrize("bursts", [[0, 300], [0, 120], [0, 60]])
def test_a_hole_re_read_under_bursts_of_arrivals_gives_up_instead_of_reading_forever(
    bursts: list[int],
) -> None:
    # Bursts land every other read: a re-read aimed by the growth during the
    # previous one falls wholly above the hole, then wholly below it, and so on.
    server = BurstyList(rows=1000, bursts=bursts)
    first = server.read(1)
    walk = NewestFirstPages("Kaleyra", server.page_size, first.total)
    third, second = server.read(3), server.read(2)  # counted out of order: a hole
    walk.answered(third, server.read)
    walk.answered(second, server.read)  # the worker's fill of that hole
    passed: list[str] = []
    gave_up = ""
    try:
        for page in (first, second, third):
            passed += walk.take(page, server.read, key=str, last=page is third)
    except ProviderDataError as error:
        gave_up = str(error)
    if gave_up:
        # Mail arriving faster than re-reads reach it: a data error, not a hang,
        # that says so rather than blaming the server's pagination alone.
        assert "mail may be arriving faster than a page a request" in gave_up
    else:
        assert {f"old-{rank}" for rank in range(1000)} <= set(passed)
    assert server.reads < 30


class DecodedPages:
    """Newest-first rows by rank, each answer decoded afresh (as from a real
    body) into rows of about 1 KB; ``arrivals`` new rows after each read."""

    def __init__(self, rows: int, arrivals: int, page_size: int = 100) -> None:
        self.total, self.arrivals, self.page_size = rows, arrivals, page_size

    def read(self, number: int) -> NumberedPage:
        top = self.total - (number - 1) * self.page_size
        ranks = range(top - 1, max(0, top - self.page_size) - 1, -1)
        page = NumberedPage(number, self.total, [f"{rank:>1000}" for rank in ranks])
        self.total += self.arrivals
        return page


def test_a_long_walk_under_arrivals_keeps_no_row_it_passed_on() -> None:
    # Pages answered two by two out of order (3, 2, 5, 4, ...) with 20 arrivals
    # a read: every other boundary has a hole, which the page workers read again.
    server = DecodedPages(rows=30_000, arrivals=20)
    tracemalloc.start()
    try:
        first = server.read(1)
        walk = NewestFirstPages("Kaleyra", server.page_size, first.total)
        passed = len(walk.take(first, server.read, key=str))
        for low in range(2, 300, 2):
            upper, lower = server.read(low + 1), server.read(low)
            walk.answered(upper, server.read)
            walk.answered(lower, server.read)
            passed += len(walk.take(lower, server.read, key=str))
            passed += len(walk.take(upper, server.read, key=str))
        del first, upper, lower
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert passed >= 299 * server.page_size
    # The rows read again for holes went out with their pages (~4 MB if kept).
    assert held < 500_000, held


def test_numbered_pages_of_the_same_rows_stop_the_walk() -> None:
    # A server saying "total: 1000000000" and answering every page with the same rows.
    walk = NewestFirstPages("Kaleyra", 100, 10**9)
    rows = [f"r{i}" for i in range(100)]
    for number in range(1, 6):
        walk.take(NumberedPage(number, 10**9, rows), _no_read, key=str)
    with pytest.raises(ProviderDataError, match="Kaleyra's pagination makes no progress"):
        walk.take(NumberedPage(6, 10**9, rows), _no_read, key=str)


def test_pages_of_rows_already_read_stop_a_walk_after_a_few() -> None:
    guard = StallGuard("EDITH", patience=5)
    guard.check(["a", "b"], str, lambda: "page 1")
    for page in range(2, 6):
        guard.check(["a", "b"], str, partial("page {}".format, page))
    with pytest.raises(ProviderDataError, match=r"EDITH's pagination makes no progress: 5 pages"):
        guard.check(["a", "b"], str, lambda: "page 6")


def test_a_page_reaching_a_new_row_is_progress() -> None:
    guard = StallGuard("EDITH", patience=2)
    guard.check(["a"], str, lambda: "page 1")
    guard.check(["a"], str, lambda: "page 2")
    guard.check(["a", "b"], str, lambda: "page 3")
    guard.check([], str, lambda: "page 4")  # empty: ends walks elsewhere, not a stall
    assert guard.stalled == 0


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
