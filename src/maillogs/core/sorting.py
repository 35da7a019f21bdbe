"""``--sort FIELD[,FIELD]``: order a stream of records by any fields.

Records arrive newest first and flow straight to the output; sorting by
anything else has to hold them, so it is a transform over a record iterator
that buffers at most :data:`MAX_SORTED_RECORDS` and refuses, in one line,
past that (``export`` plus ``sort``/``jq`` have no such bound). Without
``--sort`` the records are passed through untouched: the default stays
streaming. Any record source (the engine, an offline archive) gets the same
behaviour by going through :func:`sort_records`.

Order: ``-field`` is descending; text compares case-insensitively; statuses
follow the vocabulary (queued, sent, deferred, delivered, ... as ``maillogs
statuses`` lists them), not the alphabet; a missing value sorts last in either
direction; ties keep the newest-first order the records came in (the sort is
stable).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from maillogs.core.errors import UsageError
from maillogs.core.fields import RECORD_FIELDS
from maillogs.core.statuses import Status
from maillogs.core.suggest import did_you_mean

if TYPE_CHECKING:
    # Annotations only: `list --offline` sorts nothing and builds no LogRecord,
    # so it should not pay for importing the pydantic model.
    from maillogs.core.models import LogRecord

MAX_SORTED_RECORDS: Final = 100_000
"""How many records ``--sort`` holds at most: about 185 MiB of records
(``benchmarks/sort_memory.py``), the most a terminal query should cost."""

_STATUS_RANK: Final = {status: rank for rank, status in enumerate(Status)}


@dataclass(frozen=True)
class SortKey:
    """One field of a ``--sort`` list."""

    field: str
    descending: bool = False


def parse_sort(text: str | None) -> tuple[SortKey, ...]:
    """Read ``--sort``: comma-separated fields, each optionally prefixed by ``-``.

    Args:
        text: The option's value; None when not given.

    Returns:
        The keys, most significant first; empty when ``text`` is None.

    Raises:
        UsageError: An empty list, or a field records do not have.
    """
    if text is None:
        return ()
    keys: list[SortKey] = []
    for item in (part.strip() for part in text.split(",")):
        name = item.removeprefix("-").strip().lower()
        if not name:
            raise UsageError("--sort needs field names, e.g. --sort recipient,-submitted_at")
        if name not in RECORD_FIELDS:
            raise UsageError(
                f"--sort: unknown field {name!r}; {did_you_mean(name, RECORD_FIELDS)}"
                f"choose from: {', '.join(RECORD_FIELDS)}"
            )
        keys.append(SortKey(name, descending=item.startswith("-")))
    return tuple(keys)


def sort_records(
    records: Iterable[LogRecord],
    keys: tuple[SortKey, ...],
    *,
    first: int | None = None,
    limit: int | None = None,
) -> Generator[LogRecord, None, None]:
    """``records`` in the order of ``keys`` (unchanged, and streamed, without keys).

    The records to sort are read here, before the first is returned, so a
    caller that calls this before opening its output writes nothing at all
    when the bound is passed (not a CSV header, not half a JSON array).

    Args:
        records: The records, in the order they arrive.
        keys: From :func:`parse_sort`.
        first: Sort only the first ``first`` records (the ones ``--limit`` shows);
            those after them follow unsorted, for a caller that only counts them.
        limit: The most records held at once; default :data:`MAX_SORTED_RECORDS`.

    Returns:
        The records, sorted.

    Raises:
        UsageError: More than ``limit`` records would have to be held.
    """
    iterator = iter(records)
    if not keys:
        return _chain([], iterator)
    limit = MAX_SORTED_RECORDS if limit is None else limit
    wanted = limit if first is None else min(first, limit)
    held = list(islice(iterator, wanted))
    if (first is None or first > limit) and next(iterator, None) is not None:
        raise UsageError(
            f"--sort holds at most {limit:,} records and more match; narrow the filters, "
            "or write them all with `maillogs export` and sort the file "
            "(sort, or jq -s 'sort_by(...)')"
        )
    # Stable sorts from the least significant key to the most significant one.
    for key in reversed(keys):
        held.sort(key=_sort_value(key), reverse=key.descending)
    return _chain(held, iterator)


def _chain(held: list[LogRecord], rest: Iterator[LogRecord]) -> Generator[LogRecord, None, None]:
    yield from held
    yield from rest


def _sort_value(key: SortKey) -> Any:
    def value(record: LogRecord) -> tuple[bool, Any]:
        raw = getattr(record, key.field)
        present = raw is not None
        if isinstance(raw, Status):
            raw = _STATUS_RANK[raw]
        elif isinstance(raw, str):
            raw = raw.casefold()
        # Missing values last in both directions: the flag flips with `reverse`.
        return (not present if not key.descending else present, raw if present else 0)

    return value
