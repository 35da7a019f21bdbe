"""Which records a query selects, newest first, without scanning when it can.

A pure time window is an index range, so counting and slicing it is arithmetic.
Content filters (status, recipient, ...) need a scan of the window; its result
(a list of indices) is cached so that walking the pages of one filtered query
scans once, not once per page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from maillogs.sandbox.dataset import Dataset, Record

Predicate = Callable[[Record], bool]

_CACHE_ENTRIES = 32
T = TypeVar("T")


class Selection:
    """The matching records of ``[lo, hi)``, newest (highest index) first."""

    __slots__ = ("_hi", "_lo", "_matches")

    def __init__(self, lo: int, hi: int, matches: list[int] | None = None) -> None:
        self._lo = lo
        self._hi = hi
        self._matches = matches

    @property
    def count(self) -> int:
        """How many records match."""
        return self._hi - self._lo if self._matches is None else len(self._matches)

    def indices(self, offset: int, limit: int) -> list[int]:
        """Indices of matches ``offset .. offset + limit - 1`` in newest-first order."""
        if offset < 0 or limit <= 0:
            return []
        if self._matches is not None:
            return self._matches[offset : offset + limit]
        top = self._hi - 1 - offset
        bottom = max(self._lo, top - limit + 1)
        return list(range(top, bottom - 1, -1))


class ScanCache(Generic[T]):
    """A small thread-safe LRU of scan results, keyed by query."""

    def __init__(self, entries: int = _CACHE_ENTRIES) -> None:
        self._entries = entries
        self._data: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for ``key``, computing (outside the lock) on a miss."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = compute()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._entries:
                self._data.popitem(last=False)
        return value


def select(
    dataset: Dataset,
    lo: int,
    hi: int,
    predicates: list[Predicate],
    *,
    cache: ScanCache[list[int]],
    cache_key: Hashable,
    candidates: Iterable[int] | None = None,
) -> Selection:
    """Select the records of ``[lo, hi)`` that satisfy every predicate.

    Args:
        dataset: the provider's records.
        lo: first index of the time window.
        hi: one past the last index of the time window.
        predicates: content filters; empty means the whole window.
        cache: where scan results are kept.
        cache_key: a hashable description of the filters (not of paging).
        candidates: when an id filter already narrowed the records to a few
            indices, only those are checked.
    """
    if candidates is not None:
        wanted = sorted({i for i in candidates if lo <= i < hi}, reverse=True)
        return Selection(lo, hi, _filter(dataset, wanted, predicates))
    if not predicates:
        return Selection(lo, hi)
    matches = cache.get(
        (dataset.provider, lo, hi, cache_key),
        lambda: _filter(dataset, range(hi - 1, lo - 1, -1), predicates),
    )
    return Selection(lo, hi, matches)


def _filter(dataset: Dataset, indices: Iterable[int], predicates: list[Predicate]) -> list[int]:
    out = []
    for index in indices:
        record = dataset.record(index)
        if all(check(record) for check in predicates):
            out.append(index)
    return out


class Selector:
    """One provider view's :func:`select`, with its own scan cache."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._cache: ScanCache[list[int]] = ScanCache()

    def __call__(
        self,
        lo: int,
        hi: int,
        predicates: list[Predicate],
        cache_key: Hashable,
        candidates: Iterable[int] | None = None,
    ) -> Selection:
        """See :func:`select`."""
        return select(
            self.dataset,
            lo,
            hi,
            predicates,
            cache=self._cache,
            cache_key=cache_key,
            candidates=candidates,
        )
