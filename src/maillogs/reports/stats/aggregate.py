"""Counting records per group in constant memory, and the rates derived from counts.

The aggregator keeps one small counter per group (period, status, sender or
recipient domain, optionally per profile) and never a record: memory grows
with the number of groups, not with the number of records streamed through.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from maillogs.core.models import LogRecord
from maillogs.core.statuses import Status
from maillogs.reports.stats.periods import Grouping, next_period, period_start

# Statuses that mean "reached the mailbox" in the rate formulas.
DELIVERED_LIKE = (Status.DELIVERED, Status.OPENED, Status.CLICKED)
RATE_DIGITS = 4


# Statuses that say a mail was opened: a source sees opens if it has one.
ENGAGED = frozenset({Status.OPENED, Status.CLICKED})


@dataclass(frozen=True)
class Source:
    """Where a row's counts come from, and what they count."""

    # "logs", or a provider's own statistics (e.g. "kaleyra-stats").
    name: str
    # "messages": one per message and recipient, as `maillogs list` shows them;
    # "events": a message may count under several statuses.
    counts: str
    # Statuses the source can report; the others are unknown (null), not zero.
    measured: frozenset[Status] = frozenset(Status)
    # Whether every profile counted in a row could see opens (None: whether
    # ``measured`` has an open status). An open rate that mixed in deliveries
    # whose opens nobody could see would read too low.
    sees_opens: bool | None = None

    def __post_init__(self) -> None:
        if self.sees_opens is None:
            object.__setattr__(self, "sees_opens", bool(self.measured & ENGAGED))


LOGS = Source(name="logs", counts="messages")


def logs_source(measured: frozenset[Status]) -> Source:
    """Counts from logs of a provider whose records can carry ``measured``."""
    return Source(name=LOGS.name, counts=LOGS.counts, measured=measured)


def merged_source(sources: Sequence[Source]) -> Source | None:
    """The source of rows that add several sources up, or None when they count
    different things (events and messages never add). A status is reported
    when any source reports it, so the status columns add up to the total;
    the open rate only when every source sees opens."""
    kinds = {(source.name, source.counts) for source in sources}
    if len(kinds) != 1:
        return None
    measured = frozenset.union(*(source.measured for source in sources))
    name, counts = kinds.pop()
    sees_opens = all(source.sees_opens for source in sources)
    return Source(name=name, counts=counts, measured=measured, sees_opens=sees_opens)


GroupValue = datetime | str | None
Key = tuple[str | None, GroupValue]


@dataclass(frozen=True)
class StatsRow:
    """The counts of one group (and profile, with ``--per-profile``)."""

    group: GroupValue
    # End of the period for time groupings (UTC), else None.
    period_end: datetime | None
    profile: str | None
    source: Source
    counts: Mapping[str, int]
    total: int

    def count(self, status: Status) -> int | None:
        """How many records had ``status``; None when the source does not measure it."""
        if status not in self.source.measured:
            return None
        return self.counts.get(status.value, 0)

    def extras(self) -> dict[str, int]:
        """Counters that are not canonical statuses (a provider's undocumented metrics)."""
        canonical = {s.value for s in Status}
        return {name: value for name, value in self.counts.items() if name not in canonical}

    def rates(self, digits: int | None = RATE_DIGITS) -> dict[str, float | None]:
        """``delivery_rate``, ``bounce_rate`` and ``open_rate`` (see ``rates``)."""
        return rates(self.counts, self.total, self.source, digits)


def rates(
    counts: Mapping[str, int], total: int, source: Source, digits: int | None = RATE_DIGITS
) -> dict[str, float | None]:
    """The three rates of a row; None when a denominator is 0 or not measured.
    Rounded to ``digits`` (None: exact, for a display that rounds itself).

    Message counts (a partition of the messages):
      delivery_rate = (delivered + opened + clicked) / total
      bounce_rate   = bounced / total
      open_rate     = (opened + clicked) / (delivered + opened + clicked)

    Event counts (an opened message also counts as delivered, and every
    message as accepted, which is the total):
      delivery_rate = delivered / total
      bounce_rate   = bounced / total
      open_rate     = (opened + clicked) / delivered
    """

    def get(status: Status) -> int | None:
        return counts.get(status.value, 0) if status in source.measured else None

    def ratio(part: int | None, whole: int | None) -> float | None:
        if part is None or not whole:
            return None
        return part / whole if digits is None else round(part / whole, digits)

    opened = sum(counts.get(s.value, 0) for s in ENGAGED) if source.sees_opens else None
    if source.counts == "events":
        delivered = get(Status.DELIVERED)
    else:
        delivered = sum(counts.get(s.value, 0) for s in DELIVERED_LIKE)
    return {
        "delivery_rate": ratio(delivered, total),
        "bounce_rate": ratio(get(Status.BOUNCED), total),
        "open_rate": ratio(opened, delivered),
    }


def group_value(record: LogRecord, grouping: Grouping, tz: tzinfo) -> GroupValue:
    """The group ``record`` falls in.

    Raises:
        ValueError: for a time grouping and a record without a submission time
            (the engine never lets one through a bounded range).
    """
    if grouping.is_time:
        if record.submitted_at is None:
            raise ValueError(f"record {record.message_id} has no submission time")
        return period_start(record.submitted_at, grouping, tz)
    if grouping is Grouping.STATUS:
        return record.status.value
    if grouping is Grouping.SENDER:
        return record.sender.strip().lower() if record.sender else None
    if record.recipient and "@" in record.recipient:
        return record.recipient.rpartition("@")[2].strip().lower()
    return None


class Aggregator:
    """Counters per group, fed records one at a time or a provider's own counts."""

    def __init__(self, grouping: Grouping, tz: tzinfo, *, per_profile: bool = False) -> None:
        self.grouping = grouping
        self.tz = tz
        self.per_profile = per_profile
        self._counts: dict[Key, Counter[str]] = {}
        self._totals: Counter[Key] = Counter()

    def _key(self, profile: str, value: GroupValue) -> Key:
        return (profile if self.per_profile else None, value)

    def add(self, record: LogRecord) -> None:
        """Count one record."""
        key = self._key(record.profile, group_value(record, self.grouping, self.tz))
        self._counts.setdefault(key, Counter())[record.status.value] += 1
        self._totals[key] += 1

    def add_all(self, records: Iterable[LogRecord]) -> int:
        """Count every record of an iterable (consumed lazily); return how many."""
        seen = 0
        for record in records:
            self.add(record)
            seen += 1
        return seen

    def add_counts(
        self, profile: str, moment: datetime, counts: Mapping[str, int], total: int
    ) -> None:
        """Add a provider's own counters for the period holding ``moment``."""
        self.add_group(profile, period_start(moment, self.grouping, self.tz), counts, total)

    def add_group(
        self, profile: str, value: GroupValue, counts: Mapping[str, int], total: int
    ) -> None:
        """Add counts already grouped: ``value`` is what ``group_value`` gives
        (a period's start for time groupings); the archive's GROUP BY adds these."""
        key = self._key(profile, value)
        self._counts.setdefault(key, Counter()).update(counts)
        self._totals[key] += total

    def rows(
        self,
        sources: Mapping[str | None, Source],
        periods: Sequence[tuple[datetime, datetime]] = (),
    ) -> list[StatsRow]:
        """The rows: every period of ``periods`` (zeros where nothing was counted)
        for time groupings, else the groups seen, largest first.

        Args:
            sources: the source per profile (per_profile), or under None.
            periods: ``(start, end)`` of every period of the range.
        """
        if self.grouping.is_time:
            spans = dict(periods)
            # A record stamped after "now" by a provider's fast clock still counts:
            # its period is added rather than the record dropped.
            for _, value in self._counts:
                if isinstance(value, datetime) and value not in spans:
                    spans[value] = next_period(value, self.grouping, self.tz)
            profiles = sorted(p for p in sources if p is not None) if self.per_profile else [None]
            return [
                self._row((profile, start), sources, end)
                for start, end in sorted(spans.items())
                for profile in profiles
            ]
        ordered = sorted(self._counts, key=lambda k: (-self._totals[k], str(k[1]), k[0] or ""))
        return [self._row(key, sources, None) for key in ordered]

    def _row(
        self, key: Key, sources: Mapping[str | None, Source], end: datetime | None
    ) -> StatsRow:
        profile, value = key
        return StatsRow(
            group=value,
            period_end=end,
            profile=profile,
            source=sources[profile],
            counts=dict(self._counts.get(key, {})),
            total=self._totals[key],
        )


def row_to_json(row: StatsRow, tz: tzinfo, extras: Sequence[str]) -> dict[str, Any]:
    """The documented JSON object of a row (see ``maillogs stats --help``)."""
    data: dict[str, Any] = {}
    if isinstance(row.group, datetime):
        data["period_start"] = rfc3339(row.group, tz)
        data["period_end"] = rfc3339(row.period_end, tz) if row.period_end else None
    else:
        data["group"] = row.group
    if row.profile is not None:
        data["profile"] = row.profile
    data["source"] = row.source.name
    data["counts"] = row.source.counts
    for status in Status:
        data[status.value] = row.count(status)
    own = row.extras()
    for name in extras:
        data[name] = own.get(name)
    data["total"] = row.total
    data.update(row.rates())
    return data


def rfc3339(moment: datetime, tz: tzinfo) -> str:
    """``moment`` in ``tz`` as RFC 3339 (``Z`` for UTC)."""
    text = moment.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
