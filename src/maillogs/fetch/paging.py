"""Paginators as small state machines, and time-window arithmetic.

Modelled on the Singer SDK's paginator family: one abstract class with
``get_next`` and loop detection; each provider scheme is a few lines. They know
nothing about HTTP: an adapter feeds them what a page said and asks where to go
next, which is what makes them testable as pure state machines.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from array import array
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from maillogs.core.errors import ProviderDataError

T = TypeVar("T")

# How many non-empty pages in a row may bring nothing new before a walk is
# taken for a loop: a server answering the same rows with fresh tokens or page
# numbers would otherwise be asked forever. Real walks repeat a row only when
# new mail pushes it onto the next page, a few rows per page, never a whole page
# five times running.
STALL_PAGES = 5
# How many recent keys a walk checks a row against (repeats from paging
# follow their original within as many rows as arrived between two requests).
RECENT_KEYS = 10_000


@dataclass(frozen=True)
class PageInfo:
    """What one page said about where the walk goes next."""

    # Rows the provider returned on this page (before any local filtering).
    row_count: int
    # Total matching rows, when the provider tells (Kaleyra).
    total: int | None = None
    # Continuation token, when the provider uses cursors (EDITH, Infobip v4).
    next_token: str | None = None
    # Rows per page the provider says it used (Kaleyra's `limit`), when it says.
    page_size: int | None = None


class Paginator(ABC, Generic[T]):
    """Tracks the position of one walk; ``finished`` once there is no next page."""

    def __init__(self, start_value: T) -> None:
        self.current_value: T = start_value
        self.finished = False
        self.pages_seen = 0

    def advance(self, page: PageInfo) -> None:
        """Move to the next page, or finish.

        Raises:
            ProviderDataError: when the provider sends us back where we already were,
                which would otherwise loop forever.
        """
        self.pages_seen += 1
        next_value = self.get_next(page)
        if next_value is None:
            self.finished = True
            return
        if self.is_repeat(next_value):
            raise ProviderDataError(
                f"the provider's pagination loops (next page {next_value!r} was already read)"
            )
        self.current_value = next_value

    def is_repeat(self, next_value: T) -> bool:
        """Hook: by default a walk that does not move is a loop."""
        return next_value == self.current_value

    @abstractmethod
    def get_next(self, page: PageInfo) -> T | None:
        """The next position, or None when the walk is over."""


class PageNumberPaginator(Paginator[int]):
    """1-based page numbers with a page size and, when the provider tells, a total (Kaleyra).

    With a total the walk goes on until that many rows came, past a short page
    too: Kaleyra's own documented answers have pages shorter than their
    ``limit`` while ``total`` says more. Without one, a page shorter than the
    page size is the last: the provider's own size when it states a smaller
    one (the ``limit`` in the body may differ from the one asked for), else the
    one asked for. An empty page always ends the walk.
    """

    def __init__(self, page_size: int, start_page: int = 1) -> None:
        super().__init__(start_page)
        self.page_size = page_size
        self.rows_seen = 0

    def get_next(self, page: PageInfo) -> int | None:
        self.rows_seen += page.row_count
        if page.row_count == 0:
            return None
        if page.total is not None:
            more = self.rows_seen < page.total
        else:
            more = page.row_count >= self.size_of(page)
        return self.current_value + 1 if more else None

    def size_of(self, page: PageInfo) -> int:
        """Rows a full page holds: never more than asked for, whatever the body says."""
        return min(self.page_size, page.page_size) if page.page_size else self.page_size

    @staticmethod
    def page_count(total: int, page_size: int) -> int:
        """How many pages hold ``total`` rows."""
        return max(1, -(-total // page_size))


class CursorPaginator(Paginator[str | None]):
    """Opaque continuation tokens until the provider sends none (EDITH, Infobip v4).

    An empty page ends the walk too, token or not: no documented answer has an
    empty page before the last, and a server that sends empty pages with fresh
    tokens would otherwise be asked forever.
    """

    def __init__(self) -> None:
        super().__init__(None)
        self._seen: set[str] = set()

    def get_next(self, page: PageInfo) -> str | None:
        if page.row_count == 0:
            return None
        return page.next_token or None

    def is_repeat(self, next_value: str | None) -> bool:
        if next_value in self._seen:
            return True
        if next_value is not None:
            self._seen.add(next_value)
        return False


@dataclass(frozen=True)
class Window:
    """A half-open time window ``[start, end)`` of a range cut into several.

    The range's own ends are *open*: no other window lies beyond them, so a
    record the provider dates past one is not a duplicate and is kept. It was
    sent for this request (a clock a little ahead, a default range the
    provider reads its own way); whether it is in the range the user asked for
    is the engine's check, against the user's own bounds.
    """

    start: datetime
    end: datetime
    open_start: bool = False
    open_end: bool = False

    @property
    def span(self) -> timedelta:
        return self.end - self.start

    def contains(self, moment: datetime | None) -> bool:
        """Whether a record dated ``moment`` belongs to this window and no other."""
        if moment is None:
            return False
        return (self.open_start or self.start <= moment) and (self.open_end or moment < self.end)

    def halves(self, resolution: timedelta) -> tuple[Window, Window]:
        """Split in two at a multiple of ``resolution``; newer half first.

        Raises:
            ValueError: when the window is already as small as ``resolution``.
        """
        steps = self.span // resolution
        if steps < 2:
            raise ValueError("window cannot be split further")
        middle = self.start + resolution * (steps // 2)
        return (
            Window(middle, self.end, open_end=self.open_end),
            Window(self.start, middle, open_start=self.open_start),
        )


def windows_newest_first(start: datetime, end: datetime, max_span: timedelta) -> Iterator[Window]:
    """Cut ``[start, end)`` into windows of at most ``max_span``, newest first;
    the newest is open at ``end``, the oldest at ``start``."""
    upper = end
    while upper > start:
        lower = max(start, upper - max_span)
        yield Window(lower, upper, open_start=lower == start, open_end=upper == end)
        upper = lower


class RestartLedger:
    """What one walk has passed on, so that restarting it repeats nothing.

    A walk that never restarts never looks a key up (one cursor walk does not
    repeat a row), so until the first restart keys are only logged, as 8-byte
    hashes in an array rather than ~70-byte set entries: memory stays a few MB
    even for a window of a million rows. A restart indexes the log into a set,
    and from then on every key is checked.
    """

    def __init__(self) -> None:
        self._log = array("q")
        self._index: set[int] | None = None

    def is_new(self, key: Hashable) -> bool:
        """Record ``key``; False when it was passed on before a restart."""
        digest = hash(key)
        if self._index is None:
            self._log.append(digest)
            return True
        if digest in self._index:
            return False
        self._index.add(digest)
        return True

    def restart(self) -> None:
        """The walk starts over: check every key from now on."""
        if self._index is None:
            self._index = set(self._log)
            self._log = array("q")


class RecentKeys:
    """The keys of the last ``capacity`` items passed on, to drop repeats.

    Remembering a window of recent keys rather than every key keeps memory flat:
    a set of every key made a 1,000,000-record export peak at 160 MB instead of
    ~50 MB.
    """

    def __init__(self, capacity: int = RECENT_KEYS) -> None:
        self._order: deque[Hashable] = deque()
        self._keys: set[Hashable] = set()
        self._capacity = capacity

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def remember(self, keys: Iterable[Hashable]) -> None:
        """Add ``keys``, forgetting the oldest beyond ``capacity``."""
        for key in keys:
            if key in self._keys:
                continue
            self._keys.add(key)
            self._order.append(key)
            if len(self._order) > self._capacity:
                self._keys.discard(self._order.popleft())


class StallGuard:
    """Stops a walk whose non-empty pages keep bringing no row it has not seen.

    A page's last row is the furthest it reached: when that row was read
    before (judged on the provider's own row id, before any local filter,
    against the last ``RECENT_KEYS`` pages), the page brought nothing new. One
    key per page keeps the check cheap; a server that answers the same rows
    again and again, under fresh tokens or page numbers, ends after
    ``patience`` such pages with a data error instead of running until
    someone kills it.
    """

    def __init__(self, provider: str, patience: int = STALL_PAGES) -> None:
        self.provider = provider
        self.patience = patience
        self.stalled = 0
        self._recent = RecentKeys()

    def check(
        self, rows: Sequence[Any], key: Callable[[Any], Hashable], where: Callable[[], str]
    ) -> None:
        """Note one page (an empty page is not checked: it ends walks); ``where``
        names it, for the error only (building a URL costs more than the check).

        Raises:
            ProviderDataError: the ``patience``-th page in a row with no new row.
        """
        if not rows:
            return
        digest = _digest(key(rows[-1]))
        if digest in self._recent:
            self.no_progress(where)
        else:
            self.stalled = 0
            self._recent.remember((digest,))

    def remember(self, rows: Sequence[Any], key: Callable[[Any], Hashable]) -> None:
        """Note a page without judging it (its repeats are explained otherwise)."""
        if rows:
            self._recent.remember((_digest(key(rows[-1])),))

    def no_progress(self, where: Callable[[], str]) -> None:
        """Count one page that brought nothing new.

        Raises:
            ProviderDataError: on the ``patience``-th such page in a row.
        """
        self.stalled += 1
        if self.stalled >= self.patience:
            raise ProviderDataError(
                f"{self.provider}'s pagination makes no progress: {self.stalled} pages in a "
                f"row brought only rows already read (last: {where()}); stopped asking"
            )


def _digest(key: Any) -> int:
    """A small int for a row key; a key that cannot be hashed (a list where the
    provider should send an id) by its text: normalizing reports it later."""
    try:
        return hash(key)
    except TypeError:
        return hash(repr(key))


@dataclass
class _Fill:
    """Rows of a hole between two pages, read again by a page worker: contiguous
    from rank ``high`` (exclusive) down to ``reached``, as (rank, row)."""

    high: int
    reached: int
    rows: list[tuple[int, Any]]


@dataclass(frozen=True)
class NumberedPage:
    """One answer of a numbered walk: which page, the ``total`` it was counted
    against, and its rows (newest first)."""

    number: int
    total: int
    rows: Sequence[Any]


class NewestFirstPages:
    """Checks that the pages of a newest-first numbered walk leave no row out,
    whatever mail arrives while they are fetched, and fills the holes they leave.

    The model (Kaleyra's logs, an assumption its documents neither state nor
    deny): rows are sorted newest first, and mail that arrives during a walk is
    newer than every row already listed, so it lands on top. Each arrival
    pushes every older row one position down and adds one to ``total``, which
    every page reports. So a row's *rank* (how many matching rows are older
    than it) never moves, and page ``q`` of ``s`` rows, answered while the
    total was ``T``, holds ranks ``T-(q-1)s-1`` down to ``T-qs``.

    Pages answered one after the other can only overlap (a row comes twice;
    the engine drops the copy). Pages fetched concurrently may be answered in
    any order: when page ``q+1`` was counted before an arrival and page ``q``
    after it, the ranks between them were on neither, and are fetched again
    (the page holding the first missing rank at the newest total) before page
    ``q+1`` is passed on. Ranges no mail can reach (days before today) never
    see their total move and never need that. A total that goes *down*
    breaks the model (rows removed, or leaving a filter): when a re-read shows
    it (``shrank``), the caller is told, since rows may then have moved up
    past a page boundary unseen. Pages fetched together say nothing about it:
    any of them may have been counted before the others.

    The hole between pages ``q`` and ``q+1`` depends on their two totals only,
    so the page worker that gets the second of the two answers reads it again
    at once (``answered``), alongside the other workers, and the reader finds
    it filled; what that leaves (or a fill that gives up) the reader repairs
    itself, so a fill only ever saves time.
    """

    def __init__(self, provider: str, page_size: int, first_total: int) -> None:
        self.page_size = page_size
        # Every rank at or above the frontier has been passed on.
        self.frontier = first_total
        # The newest total known: the highest of the pages fetched together
        # (counted in an order nobody knows), or what the last re-read said.
        self.known_total = first_total
        # How much the total grew while the last re-read was on its way: the
        # next one aims that much lower, or under fast arrivals every re-read
        # would land on rows already read.
        self.drift = 0
        # Set when a re-read counted fewer rows than an answer received before it was sent.
        self.shrank: tuple[int, int] | None = None
        self.ended = False
        self.stall = StallGuard(provider)
        # Shared with the page workers: each page's total as it was answered,
        # and the fills of the holes between two pages, by the upper page's number.
        self._lock = threading.Lock()
        self._totals: dict[int, int] = {1: first_total}
        self._fills: dict[int, Future[_Fill]] = {}

    def answered(self, page: NumberedPage, fetch: Callable[[int], NumberedPage]) -> None:
        """Called by a page worker with its answer: fills the holes it can now see.

        Whichever of two neighbouring pages is answered second reads the rows
        between them again, if any are missing, in this (the worker's) thread.
        """
        claimed: list[tuple[int, Future[_Fill]]] = []
        with self._lock:
            self._totals[page.number] = page.total
            for upper in (page.number - 1, page.number):
                if {upper, upper + 1} <= self._totals.keys() and upper not in self._fills:
                    self._fills[upper] = Future()
                    claimed.append((upper, self._fills[upper]))
        for upper, future in claimed:
            try:
                future.set_result(self._fill(upper, fetch))
            except BaseException as error:  # re-raised where the reader uses the fill
                future.set_exception(error)

    def _fill(self, upper: int, fetch: Callable[[int], NumberedPage]) -> _Fill:
        """Read the ranks between pages ``upper`` and ``upper + 1`` again, from the top.

        Gives up quietly (the reader's repair takes over, and judges progress)
        after ``STALL_PAGES`` reads that reach nothing new.
        """
        with self._lock:
            above, below = self._totals[upper], self._totals[upper + 1]
        size = self.page_size
        high, low = above - upper * size, max(0, below - upper * size)
        fill = _Fill(high, high, [])
        known, drift, misses = max(above, below), 0, 0
        while fill.reached > low and misses < STALL_PAGES and not self.ended:
            number = max(0, known + drift - fill.reached) // size + 1
            again = fetch(number)
            drift, known = max(0, again.total - known), again.total
            top = self.top(again)
            # A page wholly below or wholly above the hole (the total grew more
            # than aimed for) reaches nothing new: a miss, never a step back up,
            # or bursts of arrivals could keep a fill going forever.
            reached = (
                max(low, min(fill.reached, top - size)) if top >= fill.reached else fill.reached
            )
            if reached == fill.reached:
                misses += 1
                continue
            for i, row in enumerate(again.rows):
                if reached <= top - 1 - i < fill.reached:
                    fill.rows.append((top - 1 - i, row))
            fill.reached, misses = reached, 0
        return fill

    def _use_fill(self, page: NumberedPage, floor: int) -> list[Any]:
        """The rows a worker read again for the hole above ``page``, if it did."""
        with self._lock:
            # Taken out: the reader comes here once per page, and a fill kept
            # would hold its rows to the end of the walk.
            future = self._fills.pop(page.number - 1, None)
        if future is None or not self.hole_above(page):
            return []
        fill = future.result()
        before = self.frontier
        if fill.high < before:
            return []
        self.frontier = max(floor, min(before, fill.reached))
        return [row for rank, row in fill.rows if self.frontier <= rank < before]

    def top(self, page: NumberedPage) -> int:
        """One above the rank of the page's first position."""
        return page.total - (page.number - 1) * self.page_size

    def covered_from(self, page: NumberedPage) -> int:
        """The lowest rank of the page's positions (a short page answers for
        its whole size: its missing rows are the provider's to explain)."""
        return max(0, self.top(page) - self.page_size)

    def hole_above(self, page: NumberedPage) -> bool:
        """Whether ranks between what was passed on and ``page`` were on no page."""
        return not self.ended and max(0, self.top(page)) < self.frontier

    def next_repair(self) -> int:
        """The page expected to hold the newest missing rank when it is counted."""
        position = max(0, self.known_total + self.drift - self.frontier)
        return position // self.page_size + 1

    def take(
        self,
        page: NumberedPage,
        fetch: Callable[[int], NumberedPage],
        key: Callable[[Any], Hashable],
        *,
        last: bool = False,
    ) -> list[Any]:
        """The rows to pass on for ``page``, in order, holes above it filled first.

        ``page`` comes in page order; ``fetch`` reads a page again. Rows a
        re-read brings that were passed on already are left out; ``page``'s own
        rows are passed on whole (the engine drops and counts repeats). After
        the ``last`` page of the first total, pages are read on, one at a
        time, down to the oldest row: arrivals pushed rows past it.

        Raises:
            ProviderDataError: when re-reading stops making progress (mail
                arriving faster than a page a request, or a server that loops).
        """
        if self.ended:
            return []
        # Received before any re-read below is sent: its total counts as known.
        self.known_total = max(self.known_total, page.total)
        rows: list[Any] = []
        # Ranks below the page's own top are the page's to pass on.
        floor = max(0, self.top(page))
        rows.extend(self._use_fill(page, floor))
        while self.hole_above(page):
            rows.extend(self._repair(fetch, key, floor))
        if self.covered_from(page) < self.frontier:
            # New ranks must bring rows not seen before; a page wholly above
            # the frontier is explained by arrivals (it was counted late).
            self.stall.check(page.rows, key, lambda: f"page {page.number}")
        else:
            self.stall.remember(page.rows, key)
        rows.extend(page.rows)
        self.frontier = min(self.frontier, self.covered_from(page))
        # An empty page ends the walk, even where the total says there is more.
        self.ended = not page.rows or self.frontier <= 0
        while last and not self.ended:
            rows.extend(self._repair(fetch, key, 0))
            self.ended = self.frontier <= 0
        return rows

    def _repair(
        self, fetch: Callable[[int], NumberedPage], key: Callable[[Any], Hashable], floor: int
    ) -> list[Any]:
        """Read the page holding the newest missing rank again; its rows in the hole."""
        before = self.frontier
        repair = fetch(self.next_repair())
        if repair.total < self.known_total:
            self.shrank = (self.known_total, repair.total)
        self.drift = max(0, repair.total - self.known_total)
        self.known_total = repair.total
        top = self.top(repair)
        if top >= before:  # the page reaches up to the hole: what it holds below is contiguous
            self.frontier = max(floor, min(before, self.covered_from(repair)))

        def where() -> str:
            # Re-reads chase rows that arrivals pushed between pages: when they
            # stop gaining, mail is arriving faster than a page a request.
            return (
                f"page {repair.number} read again to find rows new mail pushed between "
                "pages; mail may be arriving faster than a page a request: try again later"
            )

        if self.frontier == before:
            self.stall.no_progress(where)
            return []
        fresh = [row for i, row in enumerate(repair.rows) if self.frontier <= top - 1 - i < before]
        self.stall.check(fresh, key, where)
        return fresh
