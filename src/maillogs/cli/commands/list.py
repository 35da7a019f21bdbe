"""``maillogs list``: matching log records from one or more profiles."""

from __future__ import annotations

import sys
from collections.abc import Generator, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from maillogs.cli import common
from maillogs.cli.options import NO_FILTERS, ArchiveOpt, Filters, OfflineOpt, with_filters
from maillogs.core.defaults import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    from maillogs.core.models import LogRecord

DEFAULT_LIMIT = 100


@with_filters
def list_command(
    profile: common.ProfileOpt = None,
    filters: Filters = NO_FILTERS,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", min=1, metavar="N", help="Show at most N records, newest first."
        ),
    ] = DEFAULT_LIMIT,
    all_: Annotated[bool, typer.Option("--all", help="Every matching record (no limit).")] = False,
    fmt: common.FormatOpt = None,
    columns: Annotated[
        str | None,
        typer.Option("--columns", "-c", metavar="COLUMNS", help="Comma-separated columns to show."),
    ] = None,
    output_text: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE (atomically) instead of stdout; its extension sets the "
            "default --format.",
        ),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Include the provider's raw record."),
    ] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Show the requests that would be sent; send nothing."),
    ] = False,
    concurrency: common.ConcurrencyOpt = DEFAULT_CONCURRENCY,
    offline: OfflineOpt = False,
    archive: ArchiveOpt = None,
    debug: common.DebugOpt = False,
) -> None:
    """List email log records matching the filters, newest first.

    Examples:

      maillogs list --profile demo --status bounced --since 7d

      maillogs list --status failed --format json | jq '.[].recipient'
    """
    runtime = common.Runtime(debug=debug)
    now = datetime.now(UTC)
    # One extra record tells whether the limit cut anything off.
    query = filters.query(limit=None if all_ else limit + 1, now=now)
    output = None if output_text is None else common.output_file(output_text)
    fmt = common.resolve_format(fmt, output, sys.stdout)
    if offline:
        from maillogs.cli.offline import offline_list, refuse

        if explain:
            raise refuse("--explain")
        shown, more = offline_list(
            archive,
            profile,
            query,
            columns,
            fmt=fmt,
            output=output,
            raw=raw,
            limit=None if all_ else limit,
            now=now,
            runtime=runtime,
            write_records=_write,
        )
    else:
        from maillogs.engine import fetch_records, make_plans
        from maillogs.render import default_columns, parse_columns

        profiles = common.load_profiles(profile, runtime)
        selected = parse_columns(columns, default=default_columns(fmt, len(profiles) > 1))
        with runtime.open_adapters(profiles, keep_raw=raw, now=now) as adapters:
            plans = make_plans(adapters, query, runtime.warn)
            if explain:
                from maillogs.cli.explain import print_explanation

                print_explanation(plans, adapters, None if all_ else limit)
                return
            found = fetch_records(plans, query, concurrency=concurrency)
            shown, more = _write(found, fmt, output, selected, raw, None if all_ else limit)
    if more:
        runtime.info(f"Showing the newest {limit}; more match (use --all or --limit N).")
    elif shown == 0:
        runtime.info("No records match.")
    elif output is not None:
        runtime.info(f"Wrote {shown} records to {output}.")


def _write(
    records: Generator[LogRecord, None, None],
    fmt: str,
    output: Path | None,
    columns: Sequence[str],
    raw: bool,
    limit: int | None,
) -> tuple[int, bool]:
    """Render up to ``limit`` records; return how many, and whether more matched."""
    from maillogs.render import open_renderer

    shown = 0
    with (
        closing(records) as found,
        common.output_stream(output) as stream,
        open_renderer(
            fmt,
            stream,
            columns=columns,
            with_raw=raw,
            color=output is None and common.color_enabled(sys.stdout),
        ) as renderer,
    ):
        for record in found:
            if limit is not None and shown == limit:
                return shown, True
            renderer.write(record)
            shown += 1
    return shown, False
