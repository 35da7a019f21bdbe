"""Cut a cursor walk into pieces walked concurrently, sized by the first page.

A cursor chain (EDITH's ``pageToken``, Infobip v4's ``cursor``) is strictly
sequential: each request needs the answer before it, so a long range costs
pages x latency however many requests could run at once. But the first page
of a range, newest first, tells how dense it is: ``rows`` records between
the range's end and the oldest of them. The rest of the range is then cut
into pieces expected to hold about ``piece_rows`` each, and each piece is
its own chain, walked concurrently with the others (``run_ordered`` keeps
the output in order: the first page, then the pieces newest first).

Costs stay small where the range is sparse: a first page that is the last
(no next token) ends the range in one request, and any range the first page
does not fill costs exactly that one. A first page shorter than a full page
that still has a next token says nothing of density (a server paging by its
own rule, or a mock answering by token alone): its range stays one chain.
The pieces each end with a short page, so splitting costs about one request
per piece; ``max_pieces`` bounds what a burst at the range's end (a dense
first page, little behind it) can waste.

Lossless by construction, under one assumption the merge of several
profiles already makes: the provider lists a range newest first. The first
page's rows dated at or after ``cut`` (the oldest row's time, rounded down
to the provider's ``resolution``, plus one step) are passed on; every older
instant, including the oldest row's own, belongs to a piece, since more rows
of that same instant may wait on the second page. Each piece keeps only its
half-open ``[start, end)`` (``Window.contains``), so no row comes twice. A
first page that is not newest first, or whose rows cannot be dated, is not
trusted: the range is walked whole, as without this module. Neither is a
server that ignores the asked range: the newest piece's first page is read
before the others start (one request in sequence), and rows newer than that
piece's end, or the first page's rows over again, send the walk back to the
one chain.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from maillogs.fetch.paging import Window

T = TypeVar("T")
Stream = Callable[[], Iterator[T]]


@dataclass(frozen=True)
class Pieces:
    """How to cut what a first page leaves of a range."""

    # Rows one piece should hold, about: small enough that the pieces keep
    # every worker busy, large enough that their short last pages cost little.
    piece_rows: int
    # The provider's time-stamp resolution: cuts fall on multiples of it.
    resolution: timedelta
    # The most pieces one range is cut into.
    max_pieces: int
    # Rows a full page holds (the page size asked for). A first page shorter
    # than that, yet with a next token, tells nothing of density (a server
    # paging by its own rule, or a test's mock answering by token alone,
    # which every piece would ask again): its range is walked as one chain.
    page_rows: int

    def after(self, window: Window, oldest: datetime, rows: int) -> tuple[Window, list[Window]]:
        """``(part the first page holds whole, older pieces newest first)``.

        ``rows`` rows dated from ``oldest`` to the window's end came on the
        first page; the rest of the window is expected as dense.
        """
        # Never past the window's end: a piece must not outgrow the range it cuts.
        cut = min(window.end, _floor(oldest, self.resolution) + self.resolution)
        head = Window(cut, window.end, open_end=window.open_end)
        rest = cut - window.start
        if rest <= timedelta(0):
            return head, []
        seen = max(window.end - oldest, self.resolution)
        expected = rows * (rest / seen)
        count = max(1, min(self.max_pieces, round(expected / self.piece_rows)))
        step = max(self.resolution, _floor_span(rest / count, self.resolution))
        pieces, upper = [], cut
        while upper > window.start:
            lower = max(window.start, upper - step)
            if lower - window.start < step / 2:
                lower = window.start  # no sliver of a piece at the oldest end
            pieces.append(
                Window(lower, upper, open_start=window.open_start and lower == window.start)
            )
            upper = lower
        return head, pieces


@dataclass(frozen=True)
class FirstPage(Generic[T]):
    """A window's first page, as fetched before deciding how to walk the rest."""

    rows: Sequence[Any]
    # The rest of the window's own walk, continuing after this page (its
    # next token); None when the provider said this page is the last.
    resume: Stream[T] | None


def walk_by_density(
    windows: Iterable[Window],
    first_page: Callable[[Window], FirstPage[T]],
    row_time: Callable[[Any], datetime | None],
    page: Callable[[Sequence[Any], Window], T],
    walk: Callable[[Window], Stream[T]],
    pieces: Pieces,
) -> Iterator[Stream[T]]:
    """The streams that walk ``windows`` (newest first), each cut after its first page.

    ``page`` turns rows into what a stream yields, keeping only those inside
    the given window; ``walk`` is the plain sequential walk of a window. A
    window whose rest would make a single piece goes on with its own chain
    (``resume``): one piece would only re-read the first page's oldest rows.
    Lazy: each window's first page is fetched when its streams are asked for.
    """
    for window in windows:
        first = first_page(window)
        if first.resume is None:
            yield _single(page(first.rows, window))
            continue
        oldest = _oldest_if_newest_first(first.rows, row_time)
        head, older = pieces.after(window, oldest, len(first.rows)) if oldest else (window, [])
        if (
            oldest is None
            or oldest < window.start
            or len(older) < 2
            or len(first.rows) < pieces.page_rows
        ):
            # Too little left to share out, or not the order the cut relies
            # on (undated rows: their page reports them when read).
            yield _chained(page(first.rows, window), first.resume)
            continue
        # The cut relies on the provider answering the range it is asked for.
        # The newest piece's first page is read now: rows newer than its end
        # mean a server that answers by token alone (as stand-ins and caches
        # may), whose pieces would all repeat the first page and lose the
        # rest, so the range is walked as one chain after all.
        # Dates alone cannot tell when the first page's rows share one second
        # (the probe's range then holds them all): the same rows again is
        # taken as the same answer. An honest server gives it only for a
        # first page inside one instant, whose range then goes unsplit.
        probe = first_page(older[0])
        if list(probe.rows) == list(first.rows) or any(
            _after(row, older[0].end, row_time) for row in probe.rows
        ):
            yield _chained(page(first.rows, window), first.resume)
            continue
        yield _single(page(first.rows, head))
        probed = page(probe.rows, older[0])
        yield _single(probed) if probe.resume is None else _chained(probed, probe.resume)
        yield from (walk(piece) for piece in older[1:])


def _after(row: Any, end: datetime, row_time: Callable[[Any], datetime | None]) -> bool:
    moment = row_time(row)
    return moment is not None and moment > end


def _oldest_if_newest_first(
    rows: Sequence[Any], row_time: Callable[[Any], datetime | None]
) -> datetime | None:
    """The last row's time when every row is dated and none is newer than the one before."""
    previous: datetime | None = None
    for row in rows:
        moment = row_time(row)
        if moment is None or (previous is not None and moment > previous):
            return None
        previous = moment
    return previous


def _single(item: T) -> Stream[T]:
    return lambda: iter((item,))


def _chained(item: T, rest: Stream[T]) -> Stream[T]:
    return lambda: itertools.chain((item,), rest())


def _floor(moment: datetime, resolution: timedelta) -> datetime:
    """``moment`` rounded down to a multiple of ``resolution`` (since the epoch)."""
    epoch = datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    return moment - (moment - epoch) % resolution


def _floor_span(span: timedelta, resolution: timedelta) -> timedelta:
    return span - span % resolution
