"""``maillogs export``: every matching record to a file, safely, for cron jobs."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from maillogs.cli import common, complete
from maillogs.cli.options import LIVE, NO_FILTERS, Filters, Origin, with_option_groups
from maillogs.core.defaults import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    from maillogs.export import ExportResult


@with_option_groups
def export_command(
    output_text: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="File to write; it appears complete or not at all (mode 0600).",
            show_default=False,
        ),
    ],
    profile: common.ProfileOpt = None,
    filters: Filters = NO_FILTERS,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            autocompletion=complete.complete_export_formats,
            help="jsonl, json, csv or tsv. Default: from the --output extension, else jsonl.",
        ),
    ] = None,
    since_last: Annotated[
        bool,
        typer.Option(
            "--since-last",
            help="Continue where the last successful run of this --state stopped "
            "(minus --lookback). The first run starts at --since, else 24h ago.",
        ),
    ] = False,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            metavar="NAME",
            help="Name of the checkpoint set and lock, one per export job (default: 'default').",
            show_default=False,
        ),
    ] = None,
    lookback: Annotated[
        str | None,
        typer.Option(
            "--lookback",
            metavar="DURATION",
            help="Re-read this much before the checkpoint, for late status updates "
            "and late-arriving records (30m, 2h, 1d; default 2h).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="With --since-last, allow replacing a file an earlier run of the same "
            "--state wrote (its records are then lost).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="End with a one-line summary on stderr; repeat advice already shown once.",
        ),
    ] = False,
    concurrency: common.ConcurrencyOpt = DEFAULT_CONCURRENCY,
    origin: Origin = LIVE,
    debug: common.DebugOpt = False,
) -> None:
    """Export every matching record to a file: atomic, incremental, cron-safe.

    The file is written to a temporary file beside it and renamed into place,
    so a failed or killed run leaves the previous file untouched. Exit 75
    means "temporary: retry later" (provider still failing, or another run of
    the same --state holds the lock).

    With --since-last, each profile's window runs from its checkpoint minus
    --lookback up to now, and the checkpoint moves to now only once the file
    is committed: across runs every record is exported at least once, records
    in the lookback overlap appear again (with their newer status), and within
    one file no record (provider, profile, message id, recipient) appears twice.
    --since (or the start of --range) only sets where a profile's first run
    starts; its default is 24 hours ago.

    Progress goes to stderr on a terminal; nothing is printed on success
    otherwise, so cron mails only failures.

    Examples:

    \b
      maillogs export -p prod-edith -o logs.jsonl --since 7d
      maillogs export -p prod-kaleyra --since-last \\
          -o "mail-$(date +%F).csv"
    """
    from maillogs.core.errors import UsageError
    from maillogs.export import DEFAULT_LOOKBACK, EXPORT_FORMATS, ExportSpec, run_export
    from maillogs.export.checkpoint import DEFAULT_STATE
    from maillogs.render.progress import activity

    if quiet and verbose:
        raise UsageError("--quiet and --verbose cannot be combined")
    if not since_last:
        for name, value in (
            ("--state", state),
            ("--lookback", lookback),
            ("--overwrite", overwrite or None),
        ):
            if value is not None:
                raise UsageError(f"{name} only applies with --since-last")
    if output_text.strip() == "-":
        raise UsageError("export writes a file; for stdout use `maillogs list --all`")
    output = common.output_file(output_text)
    runtime = common.Runtime(debug=debug, quiet=quiet, verbose=verbose)
    fmt = common.resolve_format(fmt, output, sys.stdout)
    if fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"--format {fmt} is for terminals; export writes {', '.join(EXPORT_FORMATS)}"
        )
    now = datetime.now(UTC)
    query = filters.query(limit=None, now=now)
    state_name = DEFAULT_STATE if state is None else state
    with activity("exporting", quiet=quiet, network=not origin.offline) as progress:
        if origin.offline:
            from maillogs.cli.offline import offline_export, refuse

            if since_last:
                raise refuse("--since-last")
            result = offline_export(
                origin.archive,
                profile,
                query,
                output=output,
                fmt=fmt,
                now=now,
                runtime=runtime,
                progress=progress,
            )
        else:
            spec = ExportSpec(
                output=output,
                fmt=fmt,
                query=query,
                profiles=common.load_profiles(profile, runtime),
                now=now,
                since_last=since_last,
                state=state_name,
                lookback=_parse_lookback(lookback) if lookback is not None else DEFAULT_LOOKBACK,
                concurrency=concurrency,
                overwrite=overwrite,
            )
            result = run_export(
                spec,
                warn=runtime.warn,
                progress=progress,
                debug=runtime.debug_log if debug else None,
                demo_transport=common.demo_transport,
            )
    if verbose:
        sys.stderr.write(_summary(result, state_name) + "\n")
    else:
        runtime.info(f"Exported {result.records} records to {output}.")


def _summary(result: ExportResult, state: str) -> str:
    """The one line ``--verbose`` ends with."""
    dropped = f" ({result.duplicates} duplicates dropped)" if result.duplicates else ""
    parts = [
        f"maillogs: exported {result.records} records{dropped} from "
        f"{', '.join(result.per_profile)} to {result.output} in {result.seconds:.1f}s",
        f"checkpoint {state!r} at {result.checkpoint.isoformat()}"
        if result.checkpoint is not None
        else "no checkpoint (not --since-last)",
    ]
    if result.stale_removed:
        parts.append(f"removed {result.stale_removed} temporary file(s) of killed runs")
    return "; ".join(parts)


def _parse_lookback(text: str) -> timedelta:
    from maillogs.core.errors import UsageError
    from maillogs.core.timeparse import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--lookback: {exc}") from None
