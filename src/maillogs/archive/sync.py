"""``maillogs sync``: each profile's new records into the archive, safely.

Per profile the window runs from its checkpoint minus the lookback (first run:
``--since``, else the provider's retention or 7 days, whichever is shorter) up
to this run's "now". It is walked in slices of at most ``SLICE``, oldest first;
each slice is one ordinary query through the engine (the same adapters,
paging, retries and rate limits as ``list``).

Why the checkpoint is safe: it may only say "synced up to T" once every record
before T is in the file. Records commit in batches as they arrive; a slice's
last batch, its covered interval and the checkpoint at its end commit in one
transaction, so a run killed at any instant leaves a checkpoint that never
runs ahead of the data, and the next run starts again from there (upserts make
the repeat harmless).

Profiles are fetched concurrently, one thread each; one writer (the calling
thread) owns the SQLite connection and applies their batches in arrival order.
A transaction may hold several profiles' rows: rows committed without their
slice's checkpoint are only early, never wrong.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from maillogs.archive.store import (
    Counts,
    add_coverage,
    checkpoints,
    database_errors,
    open_archive,
    record_row,
    set_checkpoint,
    to_us,
    upsert_rows,
    writer_lock,
)
from maillogs.core.defaults import DEFAULT_CONCURRENCY
from maillogs.core.errors import MaillogsError
from maillogs.core.query import Query
from maillogs.core.timeparse import EARLIEST
from maillogs.engine import command_retry_budget, fetch_records, first_only, make_plans
from maillogs.engine import open_adapters as engine_adapters
from maillogs.providers.registry import get_spec

if TYPE_CHECKING:
    import httpx

    from maillogs.profiles.model import Profile
    from maillogs.providers.base import Adapter

DEFAULT_LOOKBACK = timedelta(hours=2)
"""Re-read this much before the checkpoint: statuses settle (deliveries,
bounces) and records appear in the log APIs minutes to an hour late."""

FIRST_SYNC_LIMIT = timedelta(days=7)
"""A first sync without ``--since`` reaches back the provider's retention, at most this."""

SLICE = timedelta(days=31)
"""The longest stretch whose checkpoint commits at once: what a killed sync must
fetch again (its records are kept; they come back unchanged). Cron runs and
default first runs (at most 7 days) are one slice. Shorter slices would cost
speed: EDITH's walks run concurrently only across its 7-day windows of one
query, and Kaleyra answers whole days, so each slice edge fetches a day twice."""

BATCH_ROWS = 2000
"""Rows handed to the writer at once (one ``executemany``, one commit)."""

BATCH_SECONDS = 0.5
"""...or fewer, when a slow provider took this long to send them: what a run
has fetched is in the file soon, whatever the pace."""

Warn = Callable[[str], None]


class ProgressSink(Protocol):
    """Receives running counts."""

    def update(self, records: int, requests: int, done: float | None = None) -> None:
        """Report records written and requests sent."""


class _NoProgress:
    def update(self, records: int, requests: int, done: float | None = None) -> None:
        pass


@dataclass(frozen=True)
class SyncSpec:
    """One sync run.

    Attributes:
        archive: The archive file.
        profiles: The profiles to sync.
        now: This run's "now": the end of every window.
        since: ``--since``: where a profile's first sync starts (later ones continue
            from their checkpoint); default its retention, at most 7 days.
        lookback: How far before the checkpoint to start again.
        concurrency: Pages fetched at once per profile, where the pagination allows.
        keep_raw: Store the provider's raw record too.
    """

    archive: Path
    profiles: Sequence[Profile]
    now: datetime
    since: datetime | None = None
    lookback: timedelta = DEFAULT_LOOKBACK
    concurrency: int = DEFAULT_CONCURRENCY
    keep_raw: bool = False


@dataclass
class ProfileResult:
    """What the run did for one profile."""

    profile: str
    provider: str
    since: datetime
    until: datetime
    counts: Counts = field(default_factory=Counts)
    # What stopped this profile's walk (raised once every profile is done).
    error: BaseException | None = None


def first_start(spec: SyncSpec, profile: Profile) -> datetime:
    """Where a profile without a checkpoint starts: its retention or 7 days back."""
    retention = get_spec(profile.provider).retention
    window = min(retention, FIRST_SYNC_LIMIT) if retention is not None else FIRST_SYNC_LIMIT
    return spec.now - window


def window_start(spec: SyncSpec, profile: Profile, checkpoint_us: int | None) -> datetime:
    """The start of ``profile``'s window this run (its end is ``spec.now``).

    Never before the provider's retention: nothing older can come back, and
    the coverage must not claim a stretch that was never readable.
    """
    if checkpoint_us is None:
        start = first_start(spec, profile) if spec.since is None else spec.since
    else:
        checkpoint = min(EARLIEST + timedelta(microseconds=checkpoint_us), spec.now)
        # --lookback 999999w must not leave datetime's range.
        start = checkpoint - spec.lookback if spec.lookback < checkpoint - EARLIEST else EARLIEST
    retention = get_spec(profile.provider).retention
    if retention is not None:
        start = max(start, spec.now - retention)
    return min(start, spec.now)


def slices(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut into pieces of at most ``SLICE``, oldest first."""
    pieces = []
    while start < end:
        pieces.append((start, min(start + SLICE, end)))
        start += SLICE
    return pieces


# What a profile's thread tells the writer.
@dataclass(frozen=True)
class _Rows:
    result: ProfileResult
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class _SliceDone:
    result: ProfileResult
    start: datetime
    end: datetime
    rows: list[tuple[Any, ...]]  # the slice's last batch, committed with its checkpoint


@dataclass(frozen=True)
class _Finished:
    result: ProfileResult


def once_each(warn: Warn) -> Warn:
    """``warn``, passing each distinct message on once: a profile walks its
    window slice by slice, and each slice's plan may say the same thing."""
    lock = threading.Lock()
    said: set[str] = set()

    def once(message: str) -> None:
        with lock:
            new = message not in said
            said.add(message)
        if new:
            warn(message)

    return once


def run_sync(
    spec: SyncSpec,
    *,
    warn: Warn,
    progress: ProgressSink | None = None,
    debug: Warn | None = None,
    demo_transport: Callable[[], httpx.BaseTransport] | None = None,
) -> list[ProfileResult]:
    """Sync every profile of ``spec`` into its archive.

    Returns:
        One result per profile, in ``spec.profiles`` order.

    Raises:
        TemporaryFailureError: Another sync or prune holds the archive (exit 75),
            or a provider kept failing.
        ArchiveError: The archive cannot be used (exit 65).
        MaillogsError: The first profile's failure, naming it; every other
            profile's slices are committed first.
    """
    progress = progress or _NoProgress()
    with writer_lock(spec.archive):
        conn = open_archive(spec.archive, create=True)
        with closing(conn), database_errors(spec.archive):
            marks = checkpoints(conn)
            with engine_adapters(
                spec.profiles,
                debug=debug,
                warn=first_only(warn),
                keep_raw=spec.keep_raw,
                now=spec.now,
                demo_transport=demo_transport,
                command_budget=command_retry_budget(),
            ) as adapters:
                results = [
                    ProfileResult(
                        a.profile.name,
                        a.profile.provider,
                        window_start(
                            spec, a.profile, marks.get((a.profile.provider, a.profile.name))
                        ),
                        spec.now,
                    )
                    for a in adapters
                ]
                _Writer(conn, spec, adapters, progress).run(results, once_each(warn))
    for result in results:
        if result.error is not None:
            raise result.error
    return results


class _Writer:
    """Runs a fetching thread per profile and writes what they send, in order."""

    def __init__(
        self,
        conn: Any,
        spec: SyncSpec,
        adapters: Sequence[Adapter],
        progress: ProgressSink,
    ) -> None:
        self.conn = conn
        self.spec = spec
        self.adapters = adapters
        self.progress = progress
        self.seen_us = to_us(spec.now) or 0
        # Bounded: a fast provider cannot pile up more than this in memory.
        self.inbox: queue.Queue[_Rows | _SliceDone | _Finished] = queue.Queue(maxsize=16)
        self.stop = threading.Event()
        self.written = 0

    def run(self, results: Sequence[ProfileResult], warn: Warn) -> None:
        threads = [
            threading.Thread(
                target=self._fetch, args=(adapter, result, warn), name=f"sync-{result.profile}"
            )
            for adapter, result in zip(self.adapters, results, strict=True)
        ]
        for thread in threads:
            thread.start()
        try:
            self._write(len(threads))
        finally:
            self.stop.set()
            self._drain(threads)

    def _drain(self, threads: list[threading.Thread]) -> None:
        """Let stopped threads finish (they may be blocked on a full inbox)."""
        while any(thread.is_alive() for thread in threads):
            with suppress(queue.Empty):
                self.inbox.get(timeout=0.05)
        for thread in threads:
            thread.join()

    def _write(self, running: int) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            while running:
                item = self.inbox.get()
                if isinstance(item, _Finished):
                    running -= 1
                elif isinstance(item, _Rows):
                    self._upsert(item.result, item.rows)
                    self._commit()
                else:
                    result = item.result
                    self._upsert(result, item.rows)
                    start_us, end_us = to_us(item.start) or 0, to_us(item.end) or 0
                    add_coverage(conn, result.provider, result.profile, start_us, end_us)
                    set_checkpoint(
                        conn,
                        result.provider,
                        result.profile,
                        checkpoint_us=end_us,
                        sync_us=self.seen_us,
                        counts=result.counts,
                    )
                    self._commit()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _upsert(self, result: ProfileResult, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            result.counts.add(upsert_rows(self.conn, rows, seen_us=self.seen_us))
            self.written += len(rows)
            self._report()

    def _commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN IMMEDIATE")

    def _report(self) -> None:
        requests = sum(adapter.http.request_count for adapter in self.adapters)
        self.progress.update(self.written, requests)

    def _put(self, item: _Rows | _SliceDone | _Finished) -> bool:
        """Hand ``item`` to the writer; False once the run is stopping."""
        while not self.stop.is_set():
            try:
                self.inbox.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _fetch(self, adapter: Adapter, result: ProfileResult, warn: Warn) -> None:
        try:
            for start, end in slices(result.since, result.until):
                held: list[tuple[Any, ...]] = []
                for rows in self._slice_rows(adapter, start, end, warn):
                    if held and not self._put(_Rows(result, held)):
                        return
                    held = rows
                if self.stop.is_set():
                    return  # cut short: this slice is not covered
                if not self._put(_SliceDone(result, start, end, held)):
                    return
        except MaillogsError as error:
            message = str(error)
            if result.profile not in message:
                error.args = (f"profile {result.profile!r}: {message}", *error.args[1:])
            result.error = error
        except BaseException as error:  # a bug: reported as one (exit 70), not lost in a thread
            result.error = error
        finally:
            # Unconditionally: the writer counts these to know when all are done.
            self.inbox.put(_Finished(result))

    def _slice_rows(
        self, adapter: Adapter, start: datetime, end: datetime, warn: Warn
    ) -> Iterator[list[tuple[Any, ...]]]:
        query = replace(Query(), since=start, until=end)
        plans = make_plans([adapter], query, warn)
        keep_raw = self.spec.keep_raw
        batch: list[tuple[Any, ...]] = []
        due = time.monotonic() + BATCH_SECONDS
        with closing(fetch_records(plans, query, concurrency=self.spec.concurrency)) as records:
            for record in records:
                batch.append(record_row(record, keep_raw=keep_raw))
                if len(batch) >= BATCH_ROWS or time.monotonic() >= due:
                    yield batch
                    batch = []
                    due = time.monotonic() + BATCH_SECONDS
                    if self.stop.is_set():
                        return
        if batch:
            yield batch
