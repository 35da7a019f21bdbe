"""Groupings and calendar periods for ``maillogs stats``.

Periods are computed in an IANA zone so that days and weeks follow its
daylight-saving changes (a day may last 23 or 25 hours). Period keys are UTC
instants: aware datetimes sharing one ``tzinfo`` compare by wall time and
would confuse the two 01:00 hours of a night when clocks go back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from maillogs.core.errors import UsageError
from maillogs.core.suggest import did_you_mean

# Beyond this many periods a table or chart is unreadable and the work pointless.
MAX_PERIODS = 10_000
# The default range: this many calendar days, today included.
DEFAULT_DAYS = 7


class Grouping(StrEnum):
    """What ``--by`` groups counts by."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    STATUS = "status"
    SENDER = "sender"
    RECIPIENT_DOMAIN = "recipient-domain"

    @property
    def is_time(self) -> bool:
        """True for calendar periods (hour, day, week)."""
        return self in (Grouping.HOUR, Grouping.DAY, Grouping.WEEK)


def parse_grouping(text: str) -> Grouping:
    """Read a ``--by`` value.

    Raises:
        UsageError: naming the accepted values.
    """
    try:
        return Grouping(text.strip().lower())
    except ValueError:
        values = [g.value for g in Grouping]
        raise UsageError(
            f"--by: unknown grouping {text!r}; {did_you_mean(text, values)}"
            f"choose from: {', '.join(values)}"
        ) from None


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The first instant of ``day`` in ``tz``, as UTC."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def period_start(moment: datetime, grouping: Grouping, tz: tzinfo) -> datetime:
    """The start (UTC) of the ``grouping`` period that holds ``moment``.

    Weeks start on Monday; hours are whole hours of the local clock (so a
    zone at +05:30 has periods starting at :30 UTC).
    """
    local = moment.astimezone(tz)
    if grouping is Grouping.HOUR:
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day = local.date()
    if grouping is Grouping.WEEK:
        day -= timedelta(days=day.weekday())
    return local_midnight(day, tz)


def next_period(start: datetime, grouping: Grouping, tz: tzinfo) -> datetime:
    """The start (UTC) of the period after the one starting at ``start``."""
    if grouping is Grouping.HOUR:
        # An absolute hour later, floored again: right across clock changes.
        return period_start(start + timedelta(hours=1), grouping, tz)
    step = 7 if grouping is Grouping.WEEK else 1
    return local_midnight(start.astimezone(tz).date() + timedelta(days=step), tz)


def periods(
    since: datetime, until: datetime, grouping: Grouping, tz: tzinfo
) -> Iterator[tuple[datetime, datetime]]:
    """Every ``(start, end)`` period (UTC) that overlaps ``[since, until)``.

    Raises:
        UsageError: when there would be more than ``MAX_PERIODS``.
    """
    start = period_start(since, grouping, tz)
    count = 0
    while start < until:
        count += 1
        if count > MAX_PERIODS:
            raise UsageError(
                f"--by {grouping.value} over this range gives more than {MAX_PERIODS} periods; "
                "use a larger grouping or a shorter range"
            )
        end = next_period(start, grouping, tz)
        yield start, end
        start = end


def default_since(until: datetime | None, now: datetime, tz: tzinfo) -> datetime:
    """Start of the default range: ``DEFAULT_DAYS`` calendar days up to ``until`` (or now)."""
    last_instant = (until or now) - timedelta(microseconds=1)
    first_day = last_instant.astimezone(tz).date() - timedelta(days=DEFAULT_DAYS - 1)
    return local_midnight(first_day, tz)


def is_day_boundary(moment: datetime, tz: tzinfo) -> bool:
    """True when ``moment`` is the first instant of a day in ``tz``."""
    return local_midnight(moment.astimezone(tz).date(), tz) == moment.astimezone(UTC)


def same_days(first: date, last: date, a: tzinfo, b: tzinfo) -> bool:
    """True when each day of ``[first, last]`` starts and ends at the same instants in both."""
    day = first
    while day <= last + timedelta(days=1):
        if local_midnight(day, a) != local_midnight(day, b):
            return False
        day += timedelta(days=1)
    return True


# `--range 7d`, `2w`, `24h` as stats reads them (see ``calendar_since``).
_CALENDAR_RANGE = re.compile(r"^\s*(\d{1,6})\s*(h|d|w)\s*$", re.IGNORECASE)


def calendar_since(range_text: str | None, tz: tzinfo, now: datetime) -> datetime | None:
    """Where ``stats --range Nd|Nw|Nh`` starts: on a period boundary, not ``now - N``.

    Counts per day from "exactly 7 x 24 hours ago" would make the first day a
    stub of a day that reads like a whole one. So ``Nd`` (``Nw``: 7N days) means
    the last N calendar days of ``tz``, today included (as the default range),
    and ``Nh`` the last N whole hours of the local clock, the current one
    included. None for any other range (it is taken as written).
    """
    match = _CALENDAR_RANGE.match(range_text or "")
    if match is None:
        return None
    count, unit = int(match.group(1)), match.group(2).lower()
    if count == 0:
        return None
    if unit == "h":
        return period_start(now, Grouping.HOUR, tz) - timedelta(hours=count - 1)
    days = count * 7 if unit == "w" else count
    return local_midnight(now.astimezone(tz).date() - timedelta(days=days - 1), tz)


def is_partial(start: datetime, end: datetime, since: datetime, until: datetime) -> bool:
    """True when the range ``[since, until)`` covers only part of a period: its
    counts are not comparable with a whole period's (a day still under way)."""
    return start < since or end > until
