"""``maillogs sync``: copy each profile's new and changed records into the archive."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from maillogs.cli import common
from maillogs.cli.options import ArchiveOpt, SinceOpt, TzOpt
from maillogs.core.defaults import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    from maillogs.archive.sync import ProfileResult


def sync_command(
    profile: common.ProfileOpt = None,
    since: SinceOpt = None,
    lookback: Annotated[
        str | None,
        typer.Option(
            "--lookback",
            metavar="DURATION",
            help="Re-read this much before each profile's checkpoint, for late status "
            "updates (30m, 2h, 1d; default 2h).",
            show_default=False,
        ),
    ] = None,
    archive: ArchiveOpt = None,
    raw: Annotated[
        bool, typer.Option("--raw", help="Keep the provider's raw record too (larger file).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="End with one line per profile: new, changed, unchanged."
        ),
    ] = False,
    concurrency: common.ConcurrencyOpt = DEFAULT_CONCURRENCY,
    tz: TzOpt = None,
    debug: common.DebugOpt = False,
) -> None:
    """Copy each profile's new and changed records into the local archive.

    Each profile continues from its checkpoint minus --lookback up to now; its
    first sync starts at --since, else as far back as the provider keeps logs
    (Infobip: 48 hours), at most 7 days. Records are keyed by (provider,
    profile, message id, recipient): a row keeps the latest fields, and every
    status a record was seen in is kept with the time it was first seen.

    A run killed at any moment loses nothing: each slice of records commits
    with its checkpoint, and the next run continues from there. A second sync
    of the same archive waits 2 seconds, then exits 75 (retry later).

    Examples (the second is a crontab line: every record kept past retention):

    \b
      maillogs sync --profile demo -v
      */10 * * * * maillogs sync -q
    """
    from maillogs.archive.paths import archive_path
    from maillogs.archive.sync import DEFAULT_LOOKBACK, SyncSpec, run_sync
    from maillogs.core.errors import UsageError
    from maillogs.render.progress import activity

    if quiet and verbose:
        raise UsageError("--quiet and --verbose cannot be combined")
    runtime = common.Runtime(debug=debug, quiet=quiet)
    now = datetime.now(UTC)
    start = None
    if since is not None:
        start = common.parse_time_option("--since", since, tz=common.resolve_tz(tz), now=now)
    spec = SyncSpec(
        archive=archive_path(archive),
        profiles=common.load_profiles(profile, runtime),
        now=now,
        since=start,
        lookback=DEFAULT_LOOKBACK
        if lookback is None
        else common.parse_duration_option("--lookback", lookback),
        concurrency=concurrency,
        keep_raw=raw,
    )
    with activity("syncing", quiet=quiet) as progress:
        results = run_sync(
            spec,
            warn=runtime.warn,
            progress=progress,
            debug=runtime.debug_log if debug else None,
            demo_transport=common.demo_transport,
        )
    if verbose:
        for result in results:
            sys.stderr.write(_summary(result) + "\n")
    else:
        new, changed, unchanged = (
            sum(getattr(r.counts, name) for r in results)
            for name in ("new", "changed", "unchanged")
        )
        runtime.info(
            f"Synced {len(results)} profile{'s' if len(results) != 1 else ''} into {spec.archive}: "
            f"{new} new, {changed} changed, {unchanged} unchanged."
        )


def _summary(result: ProfileResult) -> str:
    counts = result.counts
    return (
        f"maillogs: {result.profile}: {counts.new} new, {counts.changed} changed, "
        f"{counts.unchanged} unchanged ({_iso(result.since)} .. {_iso(result.until)})"
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
