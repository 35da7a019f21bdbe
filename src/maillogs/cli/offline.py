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
from collections.abc import Callable, Generator, Iterator, Sequence
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

# The command's own output: renders records up to a limit; returns how many,
# and whether more matched.
RecordWriter = Callable[[Generator["LogRecord", None, None], Sequence[str]], tuple[int, bool]]


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
        names = selected_names(selected, runtime)
        yield Session(conn, path, choose_profiles(conn, names, path))


def selected_names(selected: list[str] | None, runtime: Runtime) -> list[str]:
    """The live selection's names (``demo`` = its three), read without building
    (or needing) the profiles."""
    from maillogs.profiles.resolve import profile_selection
    from maillogs.profiles.store import read_config

    names, _ = profile_selection(
        selected, env=os.environ, load=lambda: read_config(env=os.environ, warn=runtime.warn)
    )
    return names


# Filters every adapter applies (natively or locally): checking the others
# imports the adapters, which a query that uses none of them need not pay for.
_EVERYWHERE = frozenset({"status", "since/until"})


def check_filters(session: Session, query: Query) -> None:
    """Refuse, as the live command does, a filter a selected profile's provider
    cannot apply (``--recipient-type`` on Kaleyra): the archive would answer
    with nothing rather than say so.

    Raises:
        UsageError: naming the profiles that cannot and the providers that can.
    """
    if set(query.filters_used()) <= _EVERYWHERE:
        return
    from maillogs.archive.offline import profile_providers
    from maillogs.engine import check_capabilities
    from maillogs.providers.base import adapter_class
    from maillogs.providers.registry import PROVIDERS

    pairs = [
        (profile, adapter_class(PROVIDERS[provider]))
        for profile, providers in profile_providers(session.conn, session.profiles).items()
        for provider in providers
        if provider in PROVIDERS
    ]
    check_capabilities(pairs, query)


def warn_coverage(session: Session, query: Query, now: datetime, runtime: Runtime) -> None:
    """One warning per profile whose synced intervals miss part of the asked range."""
    from maillogs.archive.offline import coverage_gaps

    for line in coverage_gaps(session.conn, session.profiles, query.since, query.until, now):
        runtime.warn(line)


@contextmanager
def records_session(
    archive: Path | None,
    selected: list[str] | None,
    query: Query,
    *,
    now: datetime,
    runtime: Runtime,
) -> Iterator[Session]:
    """:func:`open_session` for reading the records ``query`` matches, after
    warning about what the archive does not cover of its range.

    Raises:
        UsageError: ``--param`` (a provider's own filter).
    """
    if query.params:
        raise refuse("--param")
    with open_session(archive, selected, runtime) as session:
        check_filters(session, query)
        warn_coverage(session, query, now, runtime)
        yield session


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
        check_filters(session, query)
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

    from maillogs.archive.offline import read_records
    from maillogs.export.lock import remove_stale_temps
    from maillogs.export.runner import ExportResult, write_records

    started = time.monotonic()
    with records_session(archive, selected, query, now=now, runtime=runtime) as session:
        names = session.profiles
        removed = remove_stale_temps(output, older_than=time.time())
        per_profile = dict.fromkeys(names, 0)
        found = read_records(session.conn, query, names)
        written = write_records(output, fmt, found, [], per_profile, progress)
    return ExportResult(
        output=output,
        records=written,
        duplicates=0,
        per_profile=per_profile,
        windows={name: (query.since, query.until) for name in names},
        seconds=time.monotonic() - started,
        stale_removed=len(removed),
    )


# Records served as JSON text built by SQLite (see ``archive/jsonrows.py``).
FAST_FORMATS = ("json", "jsonl")
# Objects written at once: one write per record would cost a third of the time.
WRITE_BATCH = 1000


def offline_list(
    archive: Path | None,
    selected: list[str] | None,
    query: Query,
    columns: str | None,
    *,
    fmt: str,
    output: Path | None,
    raw: bool,
    limit: int | None,
    now: datetime,
    runtime: Runtime,
    write_records: RecordWriter,
    fast: bool,
) -> tuple[int, bool]:
    """``list --offline``: up to ``limit`` records; how many were shown and
    whether more matched. Records go through ``write_records``, the live
    command's own output (the columns chosen, ``--sort``, the pager...); with
    ``fast``, json and jsonl without ``--raw`` are written from the JSON text
    SQLite builds, the same bytes as piped live output.

    Raises:
        UsageError: ``--param``.
    """
    from maillogs.archive.offline import read_records
    from maillogs.render import default_columns, parse_columns

    with records_session(archive, selected, query, now=now, runtime=runtime) as session:
        multi = len(session.profiles) > 1
        chosen = parse_columns(columns, default=default_columns(fmt, multi))
        if not fast or fmt not in FAST_FORMATS or raw:
            return write_records(
                read_records(session.conn, query, session.profiles, raw=raw), chosen
            )
        return _write_json(session, query, fmt, output, chosen, limit)


def _write_json(
    session: Session,
    query: Query,
    fmt: str,
    output: Path | None,
    columns: Sequence[str],
    limit: int | None,
) -> tuple[int, bool]:
    from maillogs.archive.jsonrows import json_objects
    from maillogs.cli.common import output_stream
    from maillogs.render.jsonfmt import JsonArrayRenderer, JsonLinesRenderer, terminal_safe

    texts = json_objects(session.conn, query, session.profiles, columns)
    renderer_class = JsonLinesRenderer if fmt == "jsonl" else JsonArrayRenderer
    count, more = 0, False
    batch: list[str] = []
    with (
        output_stream(output) as stream,
        renderer_class(stream, columns=columns, with_raw=False) as renderer,
    ):
        for text in texts:
            if limit is not None and count == limit:
                more = True
                break
            batch.append(terminal_safe(text))
            count += 1
            if len(batch) == WRITE_BATCH:
                renderer.write_texts(batch)
                batch = []
        renderer.write_texts(batch)
    return count, more
