"""``maillogs stats``: counts per period (or status, sender, recipient domain) with rates."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from maillogs.cli import common
from maillogs.cli.options import NO_FILTERS, ArchiveOpt, Filters, OfflineOpt, with_filters
from maillogs.core.defaults import DEFAULT_CONCURRENCY


@with_filters
def stats_command(
    profile: common.ProfileOpt = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            "-b",
            metavar="GROUP",
            help="Group by: day, hour, week (Monday-start, in --tz), status, sender "
            "or recipient-domain.",
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
            metavar="SOURCE",
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
    concurrency: common.ConcurrencyOpt = DEFAULT_CONCURRENCY,
    offline: OfflineOpt = False,
    archive: ArchiveOpt = None,
    debug: common.DebugOpt = False,
) -> None:
    """Delivery at a glance: counts per period with delivery, bounce and open rates.

    Without --since/--range: the last 7 calendar days of --tz, today included.
    Time periods with no mail are shown with zeros. Several profiles are merged
    into one row per group unless --per-profile.

    Keys of json/jsonl/csv rows: period_start, period_end (RFC 3339 in --tz; for
    --by status/sender/recipient-domain a 'group' key instead), profile (with
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

      maillogs stats --profile demo --range 7d

      maillogs stats --by recipient-domain --status bounced --format csv
    """
    from maillogs.core.timeparse import local_zone_name
    from maillogs.render.stats import write_stats
    from maillogs.reports.stats.compute import SourceMode, compute_stats, parse_source_mode
    from maillogs.reports.stats.periods import parse_grouping

    runtime = common.Runtime(debug=debug)
    now = datetime.now(UTC)
    grouping = parse_grouping(by)
    mode = parse_source_mode(source)
    # Periods follow the zone's daylight-saving rules, so name it when we can.
    zone_name = filters.tz or local_zone_name()
    query = filters.query(limit=None, now=now, tz=zone_name)
    fmt = common.resolve_format(fmt, None, sys.stdout)
    if offline:
        from maillogs.cli.offline import offline_stats

        result = offline_stats(
            archive,
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
        with runtime.open_adapters(profiles, now=now) as adapters:
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
    write_stats(
        result,
        fmt,
        sys.stdout,
        per_profile=per_profile,
        chart=sys.stdout.isatty() if chart is None else chart,
        color=common.color_enabled(sys.stdout),
    )
