"""Paginators as small state machines, and time-window arithmetic.

Modelled on the Singer SDK's paginator family: one abstract class with
``get_next`` and loop detection; each provider scheme is a few lines. They know
nothing about HTTP: an adapter feeds them what a page said and asks where to go
next, which is what makes them testable as pure state machines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from array import array
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from maillogs.core.errors import ProviderDataError

T = TypeVar("T")


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
    """Opaque continuation tokens until the provider sends none (EDITH, Infobip v4)."""

    def __init__(self) -> None:
        super().__init__(None)
        self._seen: set[str] = set()

    def get_next(self, page: PageInfo) -> str | None:
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
