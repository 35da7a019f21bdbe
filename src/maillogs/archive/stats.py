"""``stats --offline``: the live command's counts, periods, zones and rates, by
SQL over the archive.

The periods are the live command's own (``stats_window``: days and weeks of
the zone, daylight-saving changes included), passed to SQLite as one JSON
parameter; it counts each period's records per profile and status in the
archive's (profile, status, time) index. Grouping by sender or recipient
domain groups the stored text with ``GROUP BY`` and folds case in Python, as
the live ``group_value`` does (SQLite's ``lower`` folds ASCII only): there are
few distinct senders and domains, so that is cheap.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from maillogs.archive.offline import profile_providers
from maillogs.archive.query import from_us, where
from maillogs.archive.store import to_us
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.reports.stats.aggregate import Aggregator, GroupValue, Source, logs_source
from maillogs.reports.stats.compute import StatsResult, row_sources, stats_window
from maillogs.reports.stats.periods import Grouping

# One count per period, profile and status, each a range of the covering index
# (profile, status, submitted_us): no row is read, and nothing is sorted (a
# GROUP BY over the matching rows costs ~5x more).
_PERIODS = """
WITH spans(start_us, end_us) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
),
profiles(name) AS (SELECT value FROM json_each(?)),
statuses(name) AS (SELECT value FROM json_each(?))
SELECT spans.start_us, profiles.name, statuses.name, (
    SELECT count(*) FROM records
    WHERE profile = profiles.name AND status = statuses.name
      AND submitted_us >= spans.start_us AND submitted_us < spans.end_us AND {where}
)
FROM spans, profiles, statuses
"""
# What each non-time grouping groups by in SQL (the rest happens in _group_value).
_GROUP_EXPRESSIONS = {
    Grouping.STATUS: "status",
    Grouping.SENDER: "sender",
    # Everything after the first '@': the domain follows the last one, found in Python.
    Grouping.RECIPIENT_DOMAIN: (
        "CASE WHEN instr(recipient, '@') > 0 THEN substr(recipient, instr(recipient, '@') + 1) END"
    ),
}


def offline_stats(
    conn: sqlite3.Connection,
    query: Query,
    profiles: Sequence[str],
    *,
    grouping: Grouping,
    tz: tzinfo,
    now: datetime,
    per_profile: bool = False,
) -> StatsResult:
    """Count what ``query`` matches in the archived ``profiles``, as ``compute_stats``
    does from logs (``--source logs``).

    Raises:
        UsageError: More periods than the live command allows.
    """
    window = stats_window(query, grouping, tz, now)
    aggregator = Aggregator(grouping, tz, per_profile=per_profile)
    if grouping.is_time:
        _count_periods(conn, window.query, profiles, window.spans, window.end, aggregator)
    else:
        _count_groups(conn, window.query, profiles, grouping, aggregator)
    sources = _sources(conn, profiles)
    return StatsResult(
        rows=aggregator.rows(row_sources(sources, per_profile), window.spans),
        grouping=grouping,
        tz=tz,
        since=window.since,
        until=window.end,
        sources=sources,
        notes=[],
    )


def _count_periods(
    conn: sqlite3.Connection,
    query: Query,
    profiles: Sequence[str],
    spans: Sequence[tuple[datetime, datetime]],
    end: datetime,
    aggregator: Aggregator,
) -> None:
    condition = where(query, profiles)
    bounds = json.dumps([[to_us(start), to_us(stop)] for start, stop in spans])
    # Every status a record can have (the archive stores canonical values only).
    statuses = sorted(s.value for s in query.statuses or Status)
    rows = conn.execute(
        _PERIODS.format(where=condition.text),
        (bounds, json.dumps(list(profiles)), json.dumps(statuses), *condition.params),
    )
    for start_us, profile, status, count in rows:
        if count:
            _add(aggregator, profile, from_us(start_us), status, count)
    # A record stamped after now (a provider's fast clock) still counts, in its
    # own period, as live: rare, so read one by one.
    later = where(query, profiles)
    rows = conn.execute(
        f"SELECT profile, status, submitted_us FROM records WHERE {later.text} "  # noqa: S608
        "AND submitted_us >= ?",
        (*later.params, to_us(end)),
    )
    for profile, status, submitted_us in rows:
        moment = from_us(submitted_us)
        if moment is not None:
            aggregator.add_counts(profile, moment, {status: 1}, 1)


def _count_groups(
    conn: sqlite3.Connection,
    query: Query,
    profiles: Sequence[str],
    grouping: Grouping,
    aggregator: Aggregator,
) -> None:
    condition = where(query, profiles)
    expression = _GROUP_EXPRESSIONS[grouping]
    rows = conn.execute(
        f"SELECT profile, {expression}, status, count(*) FROM records "  # noqa: S608
        f"WHERE {condition.text} GROUP BY 1, 2, 3",
        condition.params,
    )
    for profile, stored, status, count in rows:
        _add(aggregator, profile, _group_value(grouping, stored), status, count)


def _group_value(grouping: Grouping, stored: str | None) -> GroupValue:
    """The group of the stored text, as ``group_value`` makes it from a record."""
    if grouping is Grouping.STATUS:
        return stored
    if grouping is Grouping.SENDER:
        return stored.strip().lower() if stored else None
    return None if stored is None else stored.rpartition("@")[2].strip().lower()


def _add(aggregator: Aggregator, profile: str, value: GroupValue, status: str, count: int) -> None:
    aggregator.add_group(profile, value, {status: count}, count)


def _sources(conn: sqlite3.Connection, profiles: Sequence[str]) -> dict[str, Source]:
    """Each profile's source: logs, measuring what its providers' records can carry."""
    return {
        profile: logs_source(_logged_statuses(providers))
        for profile, providers in profile_providers(conn, profiles).items()
    }


def _logged_statuses(providers: Iterable[str]) -> frozenset[Status]:
    from maillogs.providers.base import adapter_class
    from maillogs.providers.registry import PROVIDERS

    measured = {Status.UNKNOWN}
    for name in providers:
        spec = PROVIDERS.get(name)
        # A provider no longer registered: its records can carry any status.
        measured |= adapter_class(spec).logged_statuses() if spec is not None else set(Status)
    return frozenset(measured)
