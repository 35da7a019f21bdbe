"""One export run, start to finish.

The order of the steps is the whole point:

1. take the state lock (``--since-last`` only): overlapping runs would export
   the same window twice and race on the checkpoint;
2. remove temporary files left by killed runs;
3. compute each profile's window: from its checkpoint minus the lookback, or
   the first-run start, up to this run's "now";
4. fetch through the engine (rate limits, retries and pagination live there)
   and write every record, de-duplicated, to a temporary file;
5. rename the file into place (``maillogs.core.fileio.atomic_writer``);
6. only then advance the checkpoints.

A failure or kill before step 5 leaves the previous file and the checkpoints
as they were; one between 5 and 6 leaves the checkpoints behind, so the next
run exports that window again. Either way nothing is lost (at-least-once).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from maillogs.core.defaults import DEFAULT_CONCURRENCY
from maillogs.core.errors import MaillogsError, UsageError
from maillogs.core.fileio import PRIVATE_FILE_MODE, atomic_writer
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.timeparse import EARLIEST
from maillogs.engine import (
    Repeats,
    command_retry_budget,
    fetch_records,
    first_only,
    make_plans,
    merge_newest_first,
    open_adapters,
)
from maillogs.export.checkpoint import (
    DEFAULT_STATE,
    Checkpoint,
    CheckpointStore,
    check_state_name,
    refuse_overwrite,
    state_dir,
)
from maillogs.export.lock import hold_temp_file, remove_stale_temps, state_lock
from maillogs.render import default_columns, open_renderer

if TYPE_CHECKING:
    import httpx

    from maillogs.profiles.model import Profile
    from maillogs.providers.base import Adapter

DEFAULT_LOOKBACK = timedelta(hours=2)
"""How far before the checkpoint an incremental run starts again.

Records are selected by submission time, but a provider's log only settles
later: deliveries, deferrals and bounces update a record minutes (sometimes
an hour or more) after it was sent, and records become visible in the log API
with a delay. Re-reading the last two hours catches both, at the cost of
exporting those records a second time (with their newer status).
"""

DEFAULT_FIRST_WINDOW = timedelta(hours=24)
"""Where the first incremental run starts when ``--since`` is not given."""

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "json", "csv", "tsv")
"""Formats an export can write; the table is for people at a terminal."""


class ProgressSink(Protocol):
    """Receives running counts while records are written (``render.progress.Activity``)."""

    def watch(self, adapters: Sequence[Adapter]) -> None:
        """Count these adapters' requests and retries."""

    def update(self, records: int, done: float | None = None) -> None:
        """Report records written and, when known, the fraction done."""


@dataclass(frozen=True)
class ExportSpec:
    """Everything one export run needs to know.

    Attributes:
        output: The file to write (replaced atomically).
        fmt: One of ``EXPORT_FORMATS``.
        query: The common filters; for incremental runs its ``since`` is only
            the first-run start and its ``until`` must be unset.
        profiles: The profiles to export, all or nothing.
        now: This run's "now": the end of every incremental window and the
            checkpoint written on success.
        since_last: Incremental: continue from each profile's checkpoint.
        state: Name of the checkpoint set and lock (``--state``).
        state_dir: Where checkpoints and locks live; default :func:`state_dir`.
        lookback: How far before the checkpoint to start again.
        concurrency: Pages fetched at once where the pagination allows.
        overwrite: Let an incremental run replace a file an earlier run of the
            same state committed (refused otherwise: its records would be lost).
    """

    output: Path
    fmt: str
    query: Query
    profiles: Sequence[Profile]
    now: datetime
    since_last: bool = False
    state: str = DEFAULT_STATE
    state_dir: Path | None = None
    lookback: timedelta = DEFAULT_LOOKBACK
    concurrency: int = DEFAULT_CONCURRENCY
    overwrite: bool = False


@dataclass(frozen=True)
class ExportResult:
    """What a successful run did.

    Attributes:
        output: The file committed.
        records: Records written.
        duplicates: Records dropped because a walk passed them on twice.
        per_profile: Records written per profile.
        windows: Each profile's ``(since, until)`` as queried.
        seconds: Wall time of the run.
        checkpoint: The instant the checkpoints now stand at (incremental runs).
        stale_removed: Temporary files of killed runs that were removed.
    """

    output: Path
    records: int
    duplicates: int
    per_profile: Mapping[str, int]
    windows: Mapping[str, tuple[datetime | None, datetime | None]]
    seconds: float
    checkpoint: datetime | None = None
    stale_removed: int = 0


def profile_queries(spec: ExportSpec, checkpoints: Mapping[str, Checkpoint]) -> dict[str, Query]:
    """The query each profile is exported with.

    A plain export uses ``spec.query`` for every profile. An incremental one
    gives each profile ``[checkpoint - lookback, now)``; a profile without a
    checkpoint yet starts at ``spec.query.since``, else ``DEFAULT_FIRST_WINDOW``
    before now. A checkpoint later than now (the clock went back) counts as now.

    Args:
        spec: The run.
        checkpoints: Profile name -> its last committed checkpoint.

    Returns:
        Profile name -> query.

    Raises:
        UsageError: An incremental run was given an end (``--until``).
    """
    if not spec.since_last:
        return {profile.name: spec.query for profile in spec.profiles}
    if spec.query.until is not None:
        raise UsageError(
            "--since-last always exports up to now; drop --until (or the end of --range)"
        )
    first_since = spec.query.since or spec.now - DEFAULT_FIRST_WINDOW
    queries = {}
    for profile in spec.profiles:
        checkpoint = checkpoints.get(profile.name)
        since = (
            first_since
            if checkpoint is None
            else _look_back(min(checkpoint.until, spec.now), spec.lookback)
        )
        queries[profile.name] = replace(spec.query, since=since, until=spec.now, limit=None)
    return queries


def _look_back(moment: datetime, lookback: timedelta) -> datetime:
    """``moment - lookback``, no earlier than the first instant a query can hold
    (``--lookback 999999w`` would leave datetime's range)."""
    return moment - lookback if lookback < moment - EARLIEST else EARLIEST


def run_export(
    spec: ExportSpec,
    *,
    warn: Callable[[str], None],
    progress: ProgressSink | None = None,
    debug: Callable[[str], None] | None = None,
    transport_factory: Callable[[Profile], httpx.BaseTransport | None] | None = None,
    demo_transport: Callable[[], httpx.BaseTransport] | None = None,
) -> ExportResult:
    """Run one export: the file is committed whole, or not at all.

    Args:
        spec: What to export, where, and how.
        warn: Receives one-line warnings (a provider's retention, for example).
        progress: Receives running counts.
        debug: Receives request traces (secrets redacted).
        transport_factory: The HTTP transport per profile (tests); default real
            network.
        demo_transport: Serves the built-in demo profiles (the in-process sandbox).

    Returns:
        What was written.

    Raises:
        UsageError: A format other than ``EXPORT_FORMATS``, an unusable filter, or
            ``--until`` with ``--since-last``.
        TemporaryFailureError: Another run holds the state lock, or a provider
            kept failing after retries (exit 75: retry later).
        MaillogsError: Any other failure, its message naming the profile involved.
    """
    started = time.monotonic()
    if spec.fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"--format {spec.fmt} cannot be exported; choose from: {', '.join(EXPORT_FORMATS)}"
        )
    with contextlib.ExitStack() as stack:
        store: CheckpointStore | None = None
        checkpoints: dict[str, Checkpoint] = {}
        if spec.since_last:
            directory = spec.state_dir or state_dir()
            stack.enter_context(state_lock(directory, check_state_name(spec.state)))
            store = CheckpointStore(directory, spec.state)
            checkpoints = store.load()
            if not spec.overwrite:
                refuse_overwrite(spec.output, spec.state, checkpoints)
        removed = remove_stale_temps(spec.output, older_than=time.time())
        queries = profile_queries(spec, checkpoints)
        adapters: list[Adapter] = []
        streams: list[Generator[LogRecord, None, None]] = []
        repeats = Repeats()
        # Each profile opens its own clients: one line for the command still
        # (a rate limit met by several profiles), as list, show and stats give.
        client_warn = first_only(warn)
        # And one retry budget for the command, however many profiles share it.
        command_budget = command_retry_budget()
        for profile in spec.profiles:
            query = queries[profile.name]
            with _blame(profile.name):
                opened = stack.enter_context(
                    open_adapters(
                        [profile],
                        debug=debug,
                        warn=client_warn,
                        now=spec.now,
                        transport_factory=transport_factory,
                        demo_transport=demo_transport,
                        command_budget=command_budget,
                    )
                )
                plans = make_plans(opened, query, warn)
            adapters.extend(opened)
            stream = _blamed(
                profile.name,
                fetch_records(plans, query, concurrency=spec.concurrency, repeats=repeats),
            )
            # After a failure elsewhere, stop this profile's page threads before
            # its HTTP client closes (the stack unwinds in reverse order).
            stack.callback(stream.close)
            streams.append(stream)
        per_profile = dict.fromkeys((profile.name for profile in spec.profiles), 0)
        if progress is not None:
            progress.watch(adapters)
        written = write_records(
            spec.output, spec.fmt, merge_newest_first(streams), adapters, per_profile, progress
        )
        checkpoint = None
        if store is not None:
            store.commit(
                {
                    # Absolute, so the overwrite check holds whatever directory cron runs in.
                    name: Checkpoint(
                        until=spec.now, output=str(spec.output.absolute()), records=count
                    )
                    for name, count in per_profile.items()
                }
            )
            checkpoint = spec.now
    return ExportResult(
        output=spec.output,
        records=written,
        duplicates=repeats.count,
        per_profile=per_profile,
        windows={name: (q.since, q.until) for name, q in queries.items()},
        seconds=time.monotonic() - started,
        checkpoint=checkpoint,
        stale_removed=len(removed),
    )


def write_records(
    output: Path,
    fmt: str,
    records: Iterable[LogRecord],
    adapters: Sequence[Adapter],
    per_profile: dict[str, int],
    progress: ProgressSink | None,
) -> int:
    """Write ``records`` to ``output`` atomically (mode 0600), counting them per
    profile; return how many. ``adapters`` tell the progress how far the walks are."""
    written = 0
    with atomic_writer(output, PRIVATE_FILE_MODE) as handle:
        # Tells the next run's stale-file clean-up that this temp file is live.
        hold_temp_file(handle.fileno())
        columns = default_columns(fmt, multi_profile=True)
        with open_renderer(fmt, handle, columns=columns) as renderer:
            for record in records:
                renderer.write(record)
                written += 1
                per_profile[record.profile] = per_profile.get(record.profile, 0) + 1
                if progress is not None:
                    progress.update(written, fraction_fetched(adapters))
    return written


def fraction_fetched(adapters: Sequence[Adapter]) -> float | None:
    """How much of the matching rows has been fetched, when every provider said
    how many there are (Kaleyra's ``total``); None otherwise."""
    expected = [adapter.rows_expected for adapter in adapters]
    if not expected or None in expected:
        return None
    total = sum(n for n in expected if n is not None)
    fetched = sum(adapter.rows_fetched for adapter in adapters)
    # Mail arriving during the walk can take a walk past the first total.
    return min(1.0, fetched / total) if total else None


@contextlib.contextmanager
def _blame(profile: str) -> Iterator[None]:
    """Make a failure name the profile it happened in, keeping its exit code."""
    try:
        yield
    except MaillogsError as error:
        message = str(error)
        if profile not in message:
            error.args = (f"profile {profile!r}: {message}", *error.args[1:])
        raise


def _blamed(profile: str, records: Iterator[LogRecord]) -> Generator[LogRecord, None, None]:
    with _blame(profile):
        yield from records
