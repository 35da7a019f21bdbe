"""``maillogs stats``: choose per profile between the provider's own counters and
the logs, then count.

The provider's own daily counters (Kaleyra ``/email/stats``) answer in a few
requests what the logs answer in thousands, but they only know whole days of
the account's zone and no filter. They are used (``--source auto``) when all
of these hold, else the profile's logs are aggregated:

1. the provider has such counters (``Adapter.native_stats``: Kaleyra);
2. ``--by day`` or ``--by week``;
3. no filter but the date range: no ``--status``, ``--from``, ``--to``,
   ``--message-id``, ``--recipient-type`` or ``--param``;
4. the range starts at a midnight of ``--tz``, and ends at one or not before now;
5. every day of the range starts at the same instant in ``--tz`` and in the
   profile's zone (so the provider's days are our periods' days);
6. rows are not merged with another profile that does not qualify (or uses
   other counters): event counts and message counts never share a row.
   With ``--per-profile`` each profile decides alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from maillogs.core.defaults import DEFAULT_CONCURRENCY
from maillogs.core.errors import UsageError
from maillogs.core.notices import Notice
from maillogs.core.query import Query
from maillogs.core.suggest import did_you_mean
from maillogs.engine import fetch_records, make_plans
from maillogs.providers.base import Adapter
from maillogs.reports.stats.aggregate import (
    LOGS,
    Aggregator,
    Source,
    StatsRow,
    logs_source,
    merged_source,
)
from maillogs.reports.stats.periods import (
    Grouping,
    default_since,
    is_day_boundary,
    local_midnight,
    periods,
    same_days,
)

Warn = Callable[[str], None]


class SourceMode(StrEnum):
    """``--source``: where counts come from."""

    AUTO = "auto"
    LOGS = "logs"
    NATIVE = "native"


def parse_source_mode(text: str) -> SourceMode:
    """Read a ``--source`` value.

    Raises:
        UsageError: naming the accepted values.
    """
    try:
        return SourceMode(text.strip().lower())
    except ValueError:
        values = [m.value for m in SourceMode]
        raise UsageError(
            f"--source: unknown source {text!r}; {did_you_mean(text, values)}"
            f"choose from: {', '.join(values)}"
        ) from None


@dataclass(frozen=True)
class StatsResult:
    """The rows of a stats run and how they were obtained."""

    rows: list[StatsRow]
    grouping: Grouping
    tz: tzinfo
    since: datetime
    until: datetime
    # Profile name -> the source its counts came from.
    sources: dict[str, Source]
    # Why a profile with its own counters was aggregated from logs instead.
    notes: list[str]


def _day_span(since: datetime, end: datetime, tz: tzinfo) -> tuple[date, date]:
    last_instant = end - timedelta(microseconds=1)
    return since.astimezone(tz).date(), last_instant.astimezone(tz).date()


def native_refusal(
    adapter: Adapter, query: Query, grouping: Grouping, tz: tzinfo, now: datetime
) -> str | None:
    """Why ``adapter``'s own counters cannot answer (rules 1-5 above), or None."""
    title = adapter.spec().title
    if adapter.native_stats is None:
        return f"{title} has no statistics endpoint"
    if grouping not in (Grouping.DAY, Grouping.WEEK):
        return f"--by {grouping.value} needs log records ({title} counts whole days)"
    filters = [f"--{name}" for name in query.filters_used() if name != "since/until"]
    if query.params:
        filters.append("--param")
    if filters:
        return f"{', '.join(filters)} need log records ({title} statistics cannot filter)"
    if query.since is None or not is_day_boundary(query.since, tz):
        return f"the range does not start at midnight ({title} counts whole days)"
    if query.until is not None and query.until < now and not is_day_boundary(query.until, tz):
        return f"the range does not end at midnight ({title} counts whole days)"
    end = min(query.until, now) if query.until else now
    first, last = _day_span(query.since, max(end, query.since), tz)
    if not same_days(first, last, tz, adapter.tz):
        return (
            f"the account zone of profile {adapter.profile.name!r} ({adapter.profile.timezone}) "
            f"has other days than --tz"
        )
    return None


def _choose_native(
    adapters: Sequence[Adapter],
    query: Query,
    *,
    grouping: Grouping,
    tz: tzinfo,
    now: datetime,
    mode: SourceMode,
    per_profile: bool,
    notes: list[str],
) -> set[str]:
    """Names of the profiles answered from their provider's own counters."""
    if mode is SourceMode.LOGS:
        return set()
    refusals = {a.profile.name: native_refusal(a, query, grouping, tz, now) for a in adapters}
    if mode is SourceMode.NATIVE:
        refused = [f"{name}: {why}" for name, why in refusals.items() if why]
        if refused:
            raise UsageError(f"--source native is not possible: {'; '.join(refused)}")
    native = {name for name, why in refusals.items() if why is None}
    kinds = {a.native_stats if a.profile.name in native else None for a in adapters}
    if not per_profile and len(kinds) > 1:
        if mode is SourceMode.NATIVE:
            raise UsageError(
                "--source native cannot merge these profiles' counts into one row; "
                "add --per-profile"
            )
        notes.append(
            Notice(
                "every profile is counted from logs: merged rows cannot mix provider "
                "statistics with log counts (use --per-profile to keep them apart)",
                key="stats:merged-from-logs",
            )
        )
        return set()
    for adapter in adapters:
        why = refusals[adapter.profile.name]
        if why and adapter.native_stats is not None:
            notes.append(
                Notice(
                    f"profile {adapter.profile.name!r} is counted from logs: {why}",
                    key=f"stats:from-logs:{adapter.profile.name}:{why}",
                )
            )
    return native


@dataclass(frozen=True)
class StatsWindow:
    """What a stats run counts: ``query`` over ``[since, until)``, in the periods
    of ``spans`` (time groupings) up to ``end``, now at the latest."""

    query: Query
    since: datetime
    end: datetime
    spans: list[tuple[datetime, datetime]]


def stats_window(query: Query, grouping: Grouping, tz: tzinfo, now: datetime) -> StatsWindow:
    """The range and periods of a stats run: without a start, the last
    ``DEFAULT_DAYS`` calendar days of ``tz``, today included; periods end at
    ``now`` at the latest.

    Raises:
        UsageError: More periods than ``MAX_PERIODS``.
    """
    since = query.since if query.since is not None else default_since(query.until, now, tz)
    query = dataclasses.replace(query, since=since, limit=None)
    end = max(min(query.until, now) if query.until else now, since)
    spans = list(periods(since, end, grouping, tz)) if grouping.is_time else []
    return StatsWindow(query=query, since=since, end=end, spans=spans)


def row_sources(sources: dict[str, Source], per_profile: bool) -> dict[str | None, Source]:
    """The source of each row: per profile, else one for the merged rows."""
    if per_profile:
        return {name: source for name, source in sources.items()}
    return {None: merged_source(list(sources.values())) or LOGS}


def compute_stats(
    adapters: Sequence[Adapter],
    query: Query,
    *,
    grouping: Grouping,
    tz: tzinfo,
    now: datetime,
    mode: SourceMode = SourceMode.AUTO,
    per_profile: bool = False,
    warn: Warn,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> StatsResult:
    """Count what ``query`` matches in every profile, grouped by ``grouping``.

    Without a start the range is the last ``DEFAULT_DAYS`` calendar days of
    ``tz``, today included. Periods end at ``now`` at the latest.

    Raises:
        UsageError: for a query some provider cannot answer, or ``--source
            native`` where the rules above do not hold.
    """
    window = stats_window(query, grouping, tz, now)
    query, since, end, spans = window.query, window.since, window.end, window.spans
    notes: list[str] = []
    native = _choose_native(
        adapters,
        query,
        grouping=grouping,
        tz=tz,
        now=now,
        mode=mode,
        per_profile=per_profile,
        notes=notes,
    )
    sources: dict[str, Source] = {}
    for adapter in adapters:
        stats = adapter.native_stats
        sources[adapter.profile.name] = (
            Source(name=stats.source, counts=stats.counts, measured=stats.measured)
            if stats is not None and adapter.profile.name in native
            else logs_source(adapter.logged_statuses())
        )
    aggregator = Aggregator(grouping, tz, per_profile=per_profile)
    from_logs = [a for a in adapters if a.profile.name not in native]
    if from_logs:
        plans = make_plans(from_logs, query, warn)
        aggregator.add_all(fetch_records(plans, query, concurrency=concurrency))
    first, last = _day_span(since, end, tz)
    for adapter in adapters:
        # An empty range (one starting after now) has no day to ask about.
        if adapter.profile.name not in native or end <= since:
            continue
        for day in adapter.daily_counts(first, last):
            # A provider may pad its answer; only days of the range are counted.
            if first <= day.day <= last:
                moment = local_midnight(day.day, tz)
                aggregator.add_counts(adapter.profile.name, moment, day.counts, day.total)
    return StatsResult(
        rows=aggregator.rows(row_sources(sources, per_profile), spans),
        grouping=grouping,
        tz=tz,
        since=since,
        until=end,
        sources=sources,
        notes=notes,
    )
