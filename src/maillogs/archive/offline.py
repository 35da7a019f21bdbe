"""Answering ``list``, ``show`` and ``export`` from the archive: which profiles,
what the archive covers of the asked range, and rows back into ``LogRecord``s.

Nothing here opens a socket or reads a credential: profiles are names in the
archive, so one removed from the configuration stays queryable.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import sqlite3
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from maillogs.archive.query import (
    FIELD_COLUMNS,
    from_us,
    record_columns,
    register_functions,
    select,
)
from maillogs.archive.store import EPOCH, open_archive, to_us
from maillogs.core.errors import UsageError
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.statuses import Status

if TYPE_CHECKING:
    from pathlib import Path


# Coverage intervals named in one warning line before "and N more".
SHOWN_INTERVALS = 3
# A range open to now counts as covered when the last sync ended at most this
# long ago: with `sync` from cron every 10 minutes, the minutes since the last
# run are not worth a warning on every query; a sync that stopped running is.
FRESH = timedelta(hours=1)


def open_reader(path: Path) -> sqlite3.Connection:
    """The archive at ``path``, read-only, with the functions offline queries use.

    Raises:
        ArchiveMissingError: No archive there (exit 66).
        ArchiveError: Not a usable archive (exit 65).
    """
    conn = open_archive(path, create=False)
    register_functions(conn)
    return conn


def archived_profiles(conn: sqlite3.Connection) -> list[str]:
    """Every profile the archive holds records or synced intervals of, by name."""
    rows = conn.execute(
        "SELECT profile FROM sync_state UNION SELECT profile FROM coverage "
        "UNION SELECT DISTINCT profile FROM records ORDER BY 1"
    )
    return [name for (name,) in rows]


def choose_profiles(conn: sqlite3.Connection, names: Sequence[str] | None, path: Path) -> list[str]:
    """The profiles to read: ``names`` (the live selection), else every archived one.

    Raises:
        UsageError: A name the archive has never synced.
    """
    archived = archived_profiles(conn)
    if not names:
        return archived
    unknown = [name for name in names if name not in archived]
    if unknown:
        have = ", ".join(archived) or "none yet"
        raise UsageError(
            f"profile{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"not in the archive {path} (archived: {have}); run `maillogs sync --profile NAME`"
        )
    return list(dict.fromkeys(names))


def profile_providers(conn: sqlite3.Connection, profiles: Sequence[str]) -> dict[str, list[str]]:
    """Profile -> the providers it has archived records or synced intervals of."""
    found: dict[str, list[str]] = {name: [] for name in profiles}
    rows = conn.execute(
        "SELECT provider, profile FROM sync_state UNION SELECT provider, profile FROM coverage "
        "ORDER BY 2, 1"
    )
    for provider, profile in rows:
        if profile in found:
            found[profile].append(provider)
    for profile, providers in found.items():
        if not providers:
            query = "SELECT DISTINCT provider FROM records WHERE profile = ? ORDER BY 1"
            providers.extend(p for (p,) in conn.execute(query, (profile,)))
    return found


@dataclass(frozen=True)
class Interval:
    """A synced half-open interval, in microseconds since the epoch."""

    start_us: int
    end_us: int

    def __str__(self) -> str:
        return f"{_instant(self.start_us)}..{_instant(self.end_us)}"


def _instant(us: int) -> str:
    return (EPOCH + timedelta(microseconds=us)).isoformat(timespec="seconds").replace("+00:00", "Z")


def coverage_gaps(
    conn: sqlite3.Connection,
    profiles: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    now: datetime,
) -> list[str]:
    """One line per profile whose synced intervals do not cover ``[since, until)``
    (``until`` None: up to ``now`` less ``FRESH``), naming what they do cover.
    An unbounded start asks for everything, which the archive answers with what
    it holds: nothing to warn about."""
    asked_end = until if until is not None else now
    needed_end = until if until is not None else now - FRESH
    if since is None or needed_end <= since:
        return []
    # to_us is None only for None; `or 0` tells mypy so (0 stays 0).
    start, needed, end = to_us(since) or 0, to_us(needed_end) or 0, to_us(asked_end) or 0
    notes = []
    for profile in profiles:
        rows = conn.execute(
            "SELECT start_us, end_us FROM coverage WHERE profile = ? AND end_us > ? "
            "AND start_us < ? ORDER BY start_us",
            (profile, start, end),
        )
        covered = [Interval(max(s, start), min(e, end)) for s, e in rows]
        if _covers(covered, start, needed):
            continue
        asked = f"{_instant(start)}..{'now' if until is None else _instant(end)}"
        if not covered:
            notes.append(
                f"profile {profile!r}: the archive covers nothing of {asked}; run `maillogs sync`"
            )
            continue
        shown = ", ".join(map(str, covered[:SHOWN_INTERVALS]))
        more = len(covered) - SHOWN_INTERVALS
        if more > 0:
            shown += f" and {more} more"
        notes.append(f"profile {profile!r}: of {asked} the archive covers only {shown}")
    return notes


def _covers(intervals: Sequence[Interval], start: int, end: int) -> bool:
    reached = start
    for interval in intervals:
        if interval.start_us > reached:
            return False
        reached = max(reached, interval.end_us)
    return reached >= end


# ``raw`` is read too when asked for: the provider's record as synced with --raw.
_RAW = "raw"


def read_rows(
    conn: sqlite3.Connection, query: Query, profiles: Sequence[str], *, raw: bool = False
) -> Iterator[tuple[Any, ...]]:
    """The archive rows ``query`` matches, newest first, as ``record_columns()`` (+ raw)."""
    columns = [*record_columns(), _RAW] if raw else record_columns()
    return merged_rows(conn, query, profiles, columns, columns.index("submitted_us"))


def merged_rows(
    conn: sqlite3.Connection,
    query: Query,
    profiles: Sequence[str],
    expressions: Sequence[str],
    submitted: int,
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``expressions`` for what ``query`` matches, newest first by the
    microseconds at index ``submitted``, up to the query's limit.

    One stream per profile, merged like the live command merges its profiles'
    streams (on equal times, the profile asked for first comes first).
    """

    def newest(row: tuple[Any, ...]) -> float:
        # Undated rows sort below every instant, as None stands for "oldest" live.
        us: int | None = row[submitted]
        return -math.inf if us is None else us

    streams = []
    for profile in profiles:
        statement = select(query, profile, expressions)
        streams.append(conn.execute(statement.text, statement.params))
    merged: Iterator[tuple[Any, ...]] = (
        streams[0] if len(streams) == 1 else heapq.merge(*streams, key=newest, reverse=True)
    )
    return itertools.islice(merged, query.limit) if query.limit is not None else merged


_NAMES = tuple(name for name, _ in FIELD_COLUMNS)
_TIMES = tuple(i for i, (_, column) in enumerate(FIELD_COLUMNS) if column.endswith("_us"))
_BOOLS = tuple(i for i, (name, _) in enumerate(FIELD_COLUMNS) if name in ("opened", "clicked"))
_RECIPIENT = _NAMES.index("recipient")
_STATUS = _NAMES.index("status")


def row_to_record(row: Sequence[Any]) -> LogRecord:
    """A row of :func:`read_rows` as the ``LogRecord`` it was synced from."""
    values = list(row[: len(_NAMES)])
    for i in _TIMES:
        values[i] = from_us(values[i])
    for i in _BOOLS:
        if values[i] is not None:
            values[i] = bool(values[i])
    # The archive's key has no NULL: a record without a recipient is stored with ''.
    values[_RECIPIENT] = values[_RECIPIENT] or None
    values[_STATUS] = Status(values[_STATUS])
    if len(row) > len(_NAMES) and row[len(_NAMES)] is not None:
        values.append(json.loads(row[len(_NAMES)]))
    return LogRecord(*values)


def read_records(
    conn: sqlite3.Connection, query: Query, profiles: Sequence[str], *, raw: bool = False
) -> Generator[LogRecord, None, None]:
    """The records ``query`` matches, as :func:`read_rows`, each a ``LogRecord``."""
    for row in read_rows(conn, query, profiles, raw=raw):
        yield row_to_record(row)


def history(
    conn: sqlite3.Connection, provider: str, profile: str, message_id: str
) -> list[tuple[str | None, str, datetime | None]]:
    """``(recipient, status, first seen)`` of every status a message's records were
    seen in, oldest first."""
    rows = conn.execute(
        "SELECT recipient, status, first_seen_us FROM history "
        "WHERE provider = ? AND profile = ? AND message_id = ? "
        "ORDER BY first_seen_us, recipient, status",
        (provider, profile, message_id),
    )
    return [(recipient or None, status, from_us(seen)) for recipient, status, seen in rows]


def find_message(
    conn: sqlite3.Connection, message_id: str, profiles: Sequence[str]
) -> dict[tuple[str, str], list[LogRecord]]:
    """(profile, provider) -> the archived records of ``message_id`` (any case),
    in the order ``profiles`` are given, each newest first."""
    found: dict[tuple[str, str], list[LogRecord]] = {}
    for record in read_records(conn, Query(message_id=message_id), profiles):
        found.setdefault((record.profile, record.provider), []).append(record)
    return dict(sorted(found.items(), key=lambda item: profiles.index(item[0][0])))
