"""Calendar periods in a zone: DST, Monday weeks, half-hour offsets, default range."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maillogs.core.errors import UsageError
from maillogs.reports.stats.periods import (
    Grouping,
    calendar_since,
    default_since,
    is_day_boundary,
    local_midnight,
    parse_grouping,
    period_start,
    periods,
    same_days,
)

ROME = ZoneInfo("Europe/Rome")


def test_days_follow_daylight_saving_changes() -> None:
    # Clocks went forward in Rome on 2024-03-31: that day lasted 23 hours.
    since = datetime(2024, 3, 30, tzinfo=ROME)
    until = datetime(2024, 4, 2, tzinfo=ROME)
    spans = list(periods(since, until, Grouping.DAY, ROME))
    assert [(end - start) for start, end in spans] == [
        timedelta(hours=24),
        timedelta(hours=23),
        timedelta(hours=24),
    ]
    assert [start.astimezone(ROME).hour for start, _ in spans] == [0, 0, 0]


def test_hours_across_the_night_clocks_go_back_are_distinct() -> None:
    # 2024-10-27 in Rome: 02:00-03:00 happens twice; both hours are periods.
    since = datetime(2024, 10, 27, 1, tzinfo=ROME)
    until = datetime(2024, 10, 27, 4, tzinfo=ROME)
    spans = list(periods(since, until, Grouping.HOUR, ROME))
    assert len(spans) == 4
    assert all(end - start == timedelta(hours=1) for start, end in spans)


def test_weeks_start_on_monday_in_the_zone() -> None:
    sunday_night = datetime(2024, 1, 14, 23, 30, tzinfo=ROME)
    assert period_start(sunday_night, Grouping.WEEK, ROME) == datetime(2024, 1, 8, tzinfo=ROME)
    monday = datetime(2024, 1, 15, 0, 0, tzinfo=ROME)
    assert period_start(monday, Grouping.WEEK, ROME) == datetime(2024, 1, 15, tzinfo=ROME)
    spans = list(periods(sunday_night, datetime(2024, 1, 16, tzinfo=ROME), Grouping.WEEK, ROME))
    assert len(spans) == 2


def test_hours_are_whole_hours_of_the_local_clock() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    moment = datetime(2024, 1, 15, 4, 45, tzinfo=UTC)  # 10:15 in Kolkata
    assert period_start(moment, Grouping.HOUR, kolkata) == datetime(2024, 1, 15, 4, 30, tzinfo=UTC)


def test_period_keys_are_utc_instants() -> None:
    start = period_start(datetime(2024, 6, 1, 12, tzinfo=ROME), Grouping.DAY, ROME)
    assert start.tzinfo is UTC
    assert start == datetime(2024, 5, 31, 22, tzinfo=UTC)


def test_partial_first_and_last_periods_are_included() -> None:
    since = datetime(2024, 1, 15, 14, 23, tzinfo=UTC)
    until = datetime(2024, 1, 17, 9, 0, tzinfo=UTC)
    starts = [start.day for start, _ in periods(since, until, Grouping.DAY, UTC)]
    assert starts == [15, 16, 17]


def test_too_many_periods_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="periods"):
        list(
            periods(
                datetime(2000, 1, 1, tzinfo=UTC),
                datetime(2024, 1, 1, tzinfo=UTC),
                Grouping.HOUR,
                UTC,
            )
        )


def test_default_range_is_seven_calendar_days_with_today() -> None:
    now = datetime(2024, 1, 15, 14, 0, tzinfo=UTC)
    assert default_since(None, now, ROME) == datetime(2024, 1, 9, tzinfo=ROME)
    assert default_since(datetime(2024, 1, 10, tzinfo=ROME), now, ROME) == datetime(
        2024, 1, 3, tzinfo=ROME
    )


def test_day_boundaries_and_equivalent_zones() -> None:
    assert is_day_boundary(datetime(2024, 3, 31, tzinfo=ROME), ROME)
    assert not is_day_boundary(datetime(2024, 3, 31, tzinfo=ROME), UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert same_days(date(2024, 3, 1), date(2024, 11, 1), ROME, berlin)
    assert not same_days(date(2024, 1, 1), date(2024, 1, 2), ROME, UTC)
    # Equal in winter is not enough when the range crosses a change.
    cet = ZoneInfo("Etc/GMT-1")
    assert same_days(date(2024, 3, 1), date(2024, 3, 20), ROME, cet)
    assert not same_days(date(2024, 3, 1), date(2024, 4, 20), ROME, cet)


def test_local_midnight_is_utc() -> None:
    assert local_midnight(date(2024, 7, 1), ROME) == datetime(2024, 6, 30, 22, tzinfo=UTC)


def test_parse_grouping() -> None:
    assert parse_grouping(" Recipient-Domain ") is Grouping.RECIPIENT_DOMAIN
    assert Grouping.WEEK.is_time and not Grouping.SENDER.is_time
    with pytest.raises(UsageError, match="choose from: hour, day, week"):
        parse_grouping("month")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 7 calendar days of Rome, today included: from midnight CET six days back.
        ("7d", datetime(2024, 3, 4, 23, 0, tzinfo=UTC)),
        ("1w", datetime(2024, 3, 4, 23, 0, tzinfo=UTC)),
        ("1d", datetime(2024, 3, 10, 23, 0, tzinfo=UTC)),
        # 3 whole hours, the current one (14:00 local) included.
        ("3h", datetime(2024, 3, 11, 11, 0, tzinfo=UTC)),
        ("90m", None),
        ("2024-03-01..", None),
        (None, None),
    ],
)
def test_calendar_ranges_start_on_a_period_boundary(
    text: str | None, expected: datetime | None
) -> None:
    now = datetime(2024, 3, 11, 13, 25, tzinfo=UTC)  # 14:25 in Rome
    assert calendar_since(text, ZoneInfo("Europe/Rome"), now) == expected
