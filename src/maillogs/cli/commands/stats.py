"""``maillogs stats``: counts per period (or status, sender, recipient domain) with rates."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from maillogs.cli import common, complete, terminal
from maillogs.cli.options import LIVE, NO_FILTERS, Filters, Origin, with_option_groups
from maillogs.core.defaults import DEFAULT_CONCURRENCY


@with_option_groups
def stats_command(
    profile: common.ProfileOpt = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            "-b",
            metavar="GROUP",
            autocompletion=complete.complete_groupings,
            help="day, hour, week (Monday-start, in --tz), status, sender or recipient-domain.",
        ),
    ] = "day",
    filters: Filters = NO_FILTERS,
    per_profile: Annotated[
        bool,
        typer.Option("--per-profile", help="One row per group and profile (adds 'profile')."),
    ] = False,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            metavar="auto|logs|native",
            autocompletion=complete.complete_sources,
            help="auto: a provider's own daily counters where they can answer, "
            "else logs; logs: always count log records; native: insist on the counters.",
        ),
    ] = "auto",
    fmt: common.FormatOpt = None,
    chart: Annotated[
        bool | None,
        typer.Option(
            "--chart/--no-chart",
            help="Bar chart under the table. Default: on a terminal.",
            show_default=False,
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "-c",
            metavar="COLUMNS",
            help="Comma-separated counts and rates to show (keys as in --format csv, "
            "e.g. delivered,bounced,total,delivery_rate). Default: what fits the terminal.",
        ),
    ] = None,
    no_pager: terminal.NoPagerOpt = False,
    concurrency: common.ConcurrencyOpt = DEFAULT_CONCURRENCY,
    origin: Origin = LIVE,
    verbose: common.VerboseOpt = False,
    debug: common.DebugOpt = False,
) -> None:
    """Delivery at a glance: counts per period with delivery, bounce and open rates.

    Without --since/--range: the last 7 calendar days of --tz, today included.
    --range 7d (or 2w) means the same: the last 7 (14) calendar days, today
    included, starting at midnight of --tz; --range 24h the last 24 whole
    hours, the current one included. Periods the range covers only in part
    (today, so far) are marked '*' in the table and partial=true in machine
    output.
    Time periods with no mail are shown with zeros. Several profiles are merged
    into one row per group unless --per-profile.

    Keys of json/jsonl/csv rows: period_start, period_end (RFC 3339 in --tz; for
    --by status/sender/recipient-domain a 'group' key instead), partial (true
    when the range covers only part of the period; time groupings only), profile (with
    --per-profile), source ('logs' or '<provider>-stats'), counts ('messages':
    one per message and recipient, as 'list' counts them; 'events': a message can
    count under several statuses), one key per canonical status (null when the
    source does not measure it), a provider's extra metrics by their own names,
    total, delivery_rate = (delivered+opened+clicked)/total, bounce_rate =
    bounced/total, open_rate = (opened+clicked)/(delivered+opened+clicked); rates
    are 0..1 or null when the denominator is 0. For event counts total = accepted,
    delivery_rate = delivered/total, open_rate = opened/delivered.

    A provider's own counters are used (--source auto) only for --by day/week,
    with no filter but the range, a range starting at midnight of --tz (and
    ending at one, or now), and an account zone with the same days as --tz; and
    never merged into a row with other profiles' log counts.

    Examples:

    \b
      maillogs stats --profile demo --range 7d
      maillogs stats --by recipient-domain -s bounced -f csv
    """
    from maillogs.core.timeparse import local_zone_name
    from maillogs.render.pager import paged_output
    from maillogs.render.progress import activity
    from maillogs.render.stats import write_stats
    from maillogs.reports.stats.compute import SourceMode, compute_stats, parse_source_mode
    from maillogs.reports.stats.periods import calendar_since, parse_grouping

    runtime = common.Runtime(debug=debug, verbose=verbose)
    now = datetime.now(UTC)
    grouping = parse_grouping(by)
    mode = parse_source_mode(source)
    # Periods follow the zone's daylight-saving rules, so name it when we can.
    zone_name = filters.tz or local_zone_name()
    query = filters.query(limit=None, now=now, tz=zone_name)
    since = calendar_since(filters.range_, common.resolve_tz(zone_name), now)
    if since is not None:
        query = dataclasses.replace(query, since=since)
    fmt = common.resolve_format(fmt, None, sys.stdout)
    if origin.offline:
        from maillogs.cli.offline import offline_stats

        result = offline_stats(
            origin.archive,
            profile,
            query,
            grouping=grouping,
            tz=common.resolve_tz(zone_name),
            now=now,
            native_only=mode is SourceMode.NATIVE,
            per_profile=per_profile,
            runtime=runtime,
        )
    else:
        profiles = common.load_profiles(profile, runtime)
        with runtime.open_adapters(profiles, now=now) as adapters, activity("counting") as status:
            status.watch(adapters)
            result = compute_stats(
                adapters,
                query,
                grouping=grouping,
                tz=common.resolve_tz(zone_name),
                now=now,
                mode=mode,
                per_profile=per_profile,
                warn=runtime.warn,
                concurrency=concurrency,
            )
    for note in result.notes:
        runtime.info(note)
    if not result.rows:
        runtime.info("No records match.")
    pager = terminal.pager_for(fmt, to_stdout=True, no_pager=no_pager)
    with paged_output(sys.stdout, command=pager) as stream:
        fit_note = write_stats(
            result,
            fmt,
            stream,
            per_profile=per_profile,
            chart=sys.stdout.isatty() if chart is None else chart,
            color=common.color_enabled(sys.stdout),
            columns=columns,
        )
    if fit_note is not None:
        terminal.dim_note(fit_note)
