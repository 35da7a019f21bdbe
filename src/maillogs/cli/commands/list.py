"""``maillogs list``: matching log records from one or more profiles."""

from __future__ import annotations

import sys
from collections.abc import Generator, Sequence
from contextlib import closing, nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from maillogs.cli import common, complete, terminal
from maillogs.cli.options import LIVE, NO_FILTERS, Filters, Origin, with_option_groups
from maillogs.core.defaults import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    from maillogs.core.models import LogRecord
    from maillogs.render.progress import Activity

DEFAULT_LIMIT = 100


@with_option_groups
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
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            metavar="FIELD,...",
            help="Order by these fields, -FIELD descending (e.g. recipient,-submitted_at); "
            "with --limit, the newest N are sorted. Holds at most 100,000 records.",
            autocompletion=complete.complete_sort_fields,
        ),
    ] = None,
    fmt: common.FormatOpt = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "-c",
            metavar="FIELD,...",
            help="Columns to show, by field name (`maillogs schema` lists them).",
        ),
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
    relative: terminal.RelativeOpt = False,
    no_pager: terminal.NoPagerOpt = False,
    concurrency: common.ConcurrencyOpt = DEFAULT_CONCURRENCY,
    origin: Origin = LIVE,
    verbose: common.VerboseOpt = False,
    debug: common.DebugOpt = False,
) -> None:
    """List email log records matching the filters, newest first.

    Examples:

    \b
      maillogs list -p demo --status bounced --since 7d
      maillogs list -s failed -f json | jq '.[].recipient'
    """
    from maillogs.core.sorting import parse_sort, sort_records
    from maillogs.render import default_columns, open_renderer, parse_columns
    from maillogs.render.pager import paged_output
    from maillogs.render.progress import activity

    runtime = common.Runtime(debug=debug, verbose=verbose)
    now = datetime.now(UTC)
    # One extra record tells whether the limit cut anything off.
    query = filters.query(limit=None if all_ else limit + 1, now=now)
    order = parse_sort(sort)
    output = None if output_text is None else common.output_file(output_text)
    fmt = common.resolve_format(fmt, output, sys.stdout)

    def write(
        records: Generator[LogRecord, None, None],
        selected: Sequence[str],
        status: Activity | None = None,
    ) -> tuple[int, bool]:
        """Render up to ``limit`` records; how many, and whether more matched."""
        shown, more = 0, False
        with (
            status or nullcontext(),
            closing(records) as fetched,
            # Before the output opens: past the --sort bound, nothing is written.
            closing(sort_records(fetched, order, first=None if all_ else limit)) as ordered,
            common.output_stream(output) as file,
            paged_output(
                file,
                command=terminal.pager_for(fmt, to_stdout=output is None, no_pager=no_pager),
                # The status line goes before output starts on the same terminal.
                before_output=status.stop if status and output is None else lambda: None,
            ) as stream,
            open_renderer(
                fmt,
                stream,
                columns=selected,
                with_raw=raw,
                color=output is None and common.color_enabled(sys.stdout),
                tz=common.resolve_tz(filters.tz),
                relative=relative,
                now=now,
                hide=columns is None,
            ) as renderer,
        ):
            for record in ordered:
                if not all_ and shown == limit:
                    more = True
                    break
                renderer.write(record)
                shown += 1
        if (note := renderer.fit_note()) is not None:
            terminal.dim_note(note)
        return shown, more

    if origin.offline:
        from maillogs.cli.offline import offline_list, refuse

        if explain:
            raise refuse("--explain")
        shown, more = offline_list(
            origin.archive,
            profile,
            query,
            columns,
            fmt=fmt,
            raw=raw,
            now=now,
            runtime=runtime,
            write_records=write,
            # The archive's own JSON text is the piped, unsorted output's bytes.
            fast=not order and (output is not None or not sys.stdout.isatty()),
            output=output,
            limit=None if all_ else limit,
        )
    else:
        from maillogs.engine import fetch_records, make_plans

        profiles = common.load_profiles(profile, runtime)
        chosen = parse_columns(columns, default=default_columns(fmt, len(profiles) > 1))
        with runtime.open_adapters(profiles, keep_raw=raw, now=now) as adapters:
            plans = make_plans(adapters, query, runtime.warn)
            if explain:
                from maillogs.cli.explain import print_explanation

                print_explanation(plans, adapters, None if all_ else limit)
                return
            status = activity("fetching")
            status.watch(adapters)
            found = fetch_records(plans, query, concurrency=concurrency)
            shown, more = write(found, chosen, status)
    if more:
        runtime.info(f"Showing the newest {limit}; more match (use --all or --limit N).")
    elif shown == 0:
        runtime.info("No records match.")
    elif output is not None:
        runtime.info(f"Wrote {shown} records to {output}.")
