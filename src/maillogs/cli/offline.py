"""``--offline``: ``list``, ``stats``, ``show`` and ``export`` answered from the archive.

The commands keep their own options, rendering and exit codes; this module only
swaps where records come from. No adapter, HTTP client or credential is
created: a profile is a name in the archive (one removed from the
configuration stays queryable), and ``--profile``, ``$MAILLOGS_PROFILE`` and
``default_profile`` select as they do live, else every archived profile.
What only a provider can answer is a usage error (exit 2).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from maillogs.core.errors import UsageError

if TYPE_CHECKING:
    from maillogs.cli.common import Runtime
    from maillogs.core.models import LogRecord
    from maillogs.core.query import Query
    from maillogs.export.runner import ExportResult, ProgressSink
    from maillogs.reports.show import Hit
    from maillogs.reports.stats.compute import StatsResult
    from maillogs.reports.stats.periods import Grouping


def refuse(option: str) -> UsageError:
    """The usage error for an option only a provider can answer."""
    return UsageError(f"{option} needs the provider; it cannot be combined with --offline")


@dataclass(frozen=True)
class Session:
    """An open archive and the profiles a command reads from it."""

    conn: sqlite3.Connection
    path: Path
    profiles: list[str]


@contextmanager
def open_session(
    archive: Path | None, selected: list[str] | None, runtime: Runtime
) -> Iterator[Session]:
    """The archive (``--archive``, ``$MAILLOGS_ARCHIVE`` or the default) read-only,
    and the selected profiles in it.

    Raises:
        ArchiveMissingError: No archive (exit 66).
        ArchiveError: Not a usable archive (exit 65).
        UsageError: A selected profile the archive has never synced.
    """
    from maillogs.archive.offline import choose_profiles, open_reader
    from maillogs.archive.paths import archive_path

    path = archive_path(archive)
    with closing(open_reader(path)) as conn:
        names = _selected_names(selected, runtime)
        yield Session(conn, path, choose_profiles(conn, names, path))


def _selected_names(selected: list[str] | None, runtime: Runtime) -> list[str]:
    """The live selection's names, read without building (or needing) the profiles."""
    from maillogs.profiles.resolve import profile_selection
    from maillogs.profiles.store import read_config

    names, _ = profile_selection(
        selected, env=os.environ, load=lambda: read_config(env=os.environ, warn=runtime.warn)
    )
    return names


def warn_coverage(session: Session, query: Query, now: datetime, runtime: Runtime) -> None:
    """One warning per profile whose synced intervals miss part of the asked range."""
    from maillogs.archive.offline import coverage_gaps

    for line in coverage_gaps(session.conn, session.profiles, query.since, query.until, now):
        runtime.warn(line)


@contextmanager
def offline_records(
    archive: Path | None,
    selected: list[str] | None,
    query: Query,
    *,
    raw: bool,
    now: datetime,
    runtime: Runtime,
) -> Iterator[tuple[list[str], Generator[LogRecord, None, None]]]:
    """The profiles read and the records ``query`` matches in them, newest first.

    Raises:
        UsageError: ``--param`` (a provider's own filter).
    """
    if query.params:
        raise refuse("--param")
    from maillogs.archive.offline import read_records

    with open_session(archive, selected, runtime) as session:
        warn_coverage(session, query, now, runtime)
        yield session.profiles, read_records(session.conn, query, session.profiles, raw=raw)


def offline_stats(
    archive: Path | None,
    selected: list[str] | None,
    query: Query,
    *,
    grouping: Grouping,
    tz: tzinfo,
    now: datetime,
    native_only: bool,
    per_profile: bool,
    runtime: Runtime,
) -> StatsResult:
    """``stats`` counted from the archived records (as ``--source logs``).

    Raises:
        UsageError: ``--param``, or ``--source native`` (the provider's own counters).
    """
    if native_only:
        raise refuse("--source native")
    if query.params:
        raise refuse("--param")
    from maillogs.archive.stats import offline_stats as count

    with open_session(archive, selected, runtime) as session:
        result = count(
            session.conn,
            query,
            session.profiles,
            grouping=grouping,
            tz=tz,
            now=now,
            per_profile=per_profile,
        )
        warn_coverage(session, replace(query, since=result.since), now, runtime)
    return result


@contextmanager
def offline_messages(
    archive: Path | None, selected: list[str] | None, message_ids: list[str], runtime: Runtime
) -> Iterator[tuple[list[str], Iterator[tuple[str, list[Hit]]]]]:
    """The profiles asked and, for each id in order, what the archive holds of it:
    its records, each as its recipient's state, and the status history."""
    with open_session(archive, selected, runtime) as session:
        yield (
            session.profiles,
            ((message_id, _hits(session, message_id)) for message_id in message_ids),
        )


def _hits(session: Session, message_id: str) -> list[Hit]:
    from maillogs.archive.offline import find_message, history
    from maillogs.providers.base import MessageDetail, record_states
    from maillogs.providers.registry import PROVIDERS
    from maillogs.reports.show import Hit, StatusSeen

    hits = []
    for (profile, provider), records in find_message(
        session.conn, message_id, session.profiles
    ).items():
        seen = [
            StatusSeen(recipient, status, first_seen)
            for stored_id in dict.fromkeys(record.message_id for record in records)
            for recipient, status, first_seen in history(session.conn, provider, profile, stored_id)
        ]
        detail = MessageDetail(message_id, records, record_states(records))
        spec = PROVIDERS.get(provider)
        title = spec.title if spec is not None else provider
        hits.append(Hit(profile, provider, title, detail, history=seen))
    return hits


def offline_export(
    archive: Path | None,
    selected: list[str] | None,
    query: Query,
    *,
    output: Path,
    fmt: str,
    now: datetime,
    runtime: Runtime,
    progress: ProgressSink | None,
) -> ExportResult:
    """``export`` of the archived records: the live export's file, formats and
    atomic write, without checkpoints (``--since-last`` follows a provider).

    Raises:
        UsageError: ``--param``.
    """
    import time

    from maillogs.export.lock import remove_stale_temps
    from maillogs.export.runner import ExportResult, write_records

    started = time.monotonic()
    with offline_records(archive, selected, query, raw=False, now=now, runtime=runtime) as (
        names,
        records,
    ):
        removed = remove_stale_temps(output, older_than=time.time())
        per_profile = dict.fromkeys(names, 0)
        written = write_records(output, fmt, records, [], per_profile, progress)
    return ExportResult(
        output=output,
        records=written,
        duplicates=0,
        per_profile=per_profile,
        windows={name: (query.since, query.until) for name in names},
        seconds=time.monotonic() - started,
        stale_removed=len(removed),
    )
