"""Counting in constant memory, groupings, rates and the JSON row shape."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maillogs.core.models import LogRecord
from maillogs.core.statuses import Status
from maillogs.providers.edith.adapter import EdithAdapter
from maillogs.providers.infobip.adapter import InfobipAdapter
from maillogs.providers.kaleyra.adapter import KaleyraAdapter
from maillogs.reports.stats.aggregate import (
    LOGS,
    Aggregator,
    Source,
    StatsRow,
    logs_source,
    merged_source,
    rates,
    row_to_json,
)
from maillogs.reports.stats.periods import Grouping, periods

T0 = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)


def record(
    status: Status = Status.DELIVERED,
    *,
    at: datetime = T0,
    sender: str | None = "News@Shop.example",
    recipient: str | None = "a@Gmail.com",
    profile: str = "p1",
    index: int = 0,
) -> LogRecord:
    return LogRecord(
        provider="edith",
        profile=profile,
        message_id=f"m{index}",
        status=status,
        provider_status=status.value,
        sender=sender,
        recipient=recipient,
        recipient_type=None,
        submitted_at=at,
    )


def stream(count: int) -> Iterator[LogRecord]:
    """Records made one at a time; nothing keeps them once yielded."""
    statuses = list(Status)
    for index in range(count):
        yield LogRecord(
            provider="edith",
            profile="p1",
            message_id=f"message-{index:08d}-{'x' * 40}",
            status=statuses[index % len(statuses)],
            provider_status="delivered",
            sender=f"sender{index % 7}@shop.example",
            recipient=f"user{index}@domain{index % 11}.example",
            recipient_type="to",
            subject="A subject line of a realistic length, repeated for every record" * 2,
            submitted_at=T0 + timedelta(seconds=index),
            raw=None,
        )


def test_memory_does_not_grow_with_the_number_of_records() -> None:
    def peak(count: int) -> int:
        aggregator = Aggregator(Grouping.HOUR, UTC)
        tracemalloc.start()
        seen = aggregator.add_all(stream(count))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert seen == count
        return top

    small, large = peak(2_000), peak(40_000)
    # 20x the records (about 20 MB if kept) cost only the few extra hourly counters.
    assert large < small + 200_000


def test_day_rows_include_empty_periods_with_zeros() -> None:
    aggregator = Aggregator(Grouping.DAY, UTC)
    aggregator.add_all([record(at=T0), record(Status.BOUNCED, at=T0 + timedelta(days=2))])
    spans = list(periods(T0, T0 + timedelta(days=2, hours=1), Grouping.DAY, UTC))
    rows = aggregator.rows({None: LOGS}, spans)
    assert [row.total for row in rows] == [1, 0, 1]
    assert rows[1].count(Status.DELIVERED) == 0
    assert rows[1].rates() == {"delivery_rate": None, "bounce_rate": None, "open_rate": None}
    assert rows[2].count(Status.BOUNCED) == 1


def test_hour_and_week_groupings_in_a_zone() -> None:
    rome = ZoneInfo("Europe/Rome")
    aggregator = Aggregator(Grouping.HOUR, rome)
    # 09:30Z and 09:59Z share the 10:00 Rome hour; 10:05Z is the next one.
    for minute_offset in (0, 29, 35):
        aggregator.add(record(at=T0 + timedelta(minutes=minute_offset)))
    spans = list(periods(T0, T0 + timedelta(hours=1), Grouping.HOUR, rome))
    assert [row.total for row in aggregator.rows({None: LOGS}, spans)] == [2, 1]

    weekly = Aggregator(Grouping.WEEK, rome)
    sunday, monday = datetime(2024, 1, 14, 22, tzinfo=UTC), datetime(2024, 1, 14, 23, tzinfo=UTC)
    weekly.add_all([record(at=sunday), record(at=monday)])
    spans = list(periods(sunday, monday + timedelta(hours=1), Grouping.WEEK, rome))
    rows = weekly.rows({None: LOGS}, spans)
    assert [(row.group, row.total) for row in rows] == [
        (datetime(2024, 1, 8, tzinfo=rome), 1),
        (datetime(2024, 1, 15, tzinfo=rome), 1),
    ]


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        (Grouping.STATUS, [("delivered", 2), ("bounced", 1)]),
        (Grouping.SENDER, [("news@shop.example", 2), (None, 1)]),
        (Grouping.RECIPIENT_DOMAIN, [("gmail.com", 2), ("corp.test", 1)]),
    ],
)
def test_value_groupings_largest_first(
    grouping: Grouping, expected: list[tuple[str | None, int]]
) -> None:
    aggregator = Aggregator(grouping, UTC)
    aggregator.add_all(
        [
            record(),
            record(recipient="b@gmail.com"),
            record(Status.BOUNCED, sender=None, recipient="c@CORP.test"),
        ]
    )
    rows = aggregator.rows({None: LOGS})
    assert [(row.group, row.total) for row in rows] == expected


def test_per_profile_keeps_profiles_apart() -> None:
    aggregator = Aggregator(Grouping.STATUS, UTC, per_profile=True)
    aggregator.add_all([record(profile="a"), record(profile="b"), record(profile="b")])
    rows = aggregator.rows({"a": LOGS, "b": LOGS})
    assert [(row.profile, row.group, row.total) for row in rows] == [
        ("b", "delivered", 2),
        ("a", "delivered", 1),
    ]


def test_message_rates() -> None:
    counts = {"delivered": 5, "opened": 2, "clicked": 1, "bounced": 1, "failed": 1}
    assert rates(counts, 10, LOGS) == {
        "delivery_rate": 0.8,
        "bounce_rate": 0.1,
        "open_rate": 0.375,
    }
    assert rates({"bounced": 3}, 3, LOGS) == {
        "delivery_rate": 0.0,
        "bounce_rate": 1.0,
        "open_rate": None,
    }


def test_event_rates_do_not_double_count() -> None:
    events = Source(
        "kaleyra-stats",
        "events",
        frozenset({Status.QUEUED, Status.DELIVERED, Status.OPENED}),
    )
    counts = {"queued": 10, "delivered": 8, "opened": 4}
    assert rates(counts, 10, events) == {
        "delivery_rate": 0.8,
        "bounce_rate": None,  # not measured, not zero
        "open_rate": 0.5,
    }


def test_logs_of_a_provider_without_opens_give_no_open_rate() -> None:
    infobip_logs = logs_source(InfobipAdapter.logged_statuses())
    counts = {"delivered": 8, "bounced": 2}
    assert rates(counts, 10, infobip_logs) == {
        "delivery_rate": 0.8,
        "bounce_rate": 0.2,
        "open_rate": None,  # Infobip's logs never say whether a mail was opened
    }


def test_merged_profiles_add_up_every_status_but_rate_opens_only_if_all_see_them() -> None:
    edith = logs_source(EdithAdapter.logged_statuses())
    kaleyra = logs_source(KaleyraAdapter.logged_statuses())
    infobip = logs_source(InfobipAdapter.logged_statuses())
    counts = {"delivered": 52, "opened": 13, "clicked": 4, "bounced": 12, "blocked": 2}
    merged = merged_source([edith, kaleyra])
    assert merged is not None and merged.name == "logs"
    # EDITH's clicks count although Kaleyra has no such status: the columns add up.
    row = StatsRow("x", None, None, merged, counts, 83)
    assert (row.count(Status.CLICKED), row.count(Status.BLOCKED)) == (4, 2)
    # Both see opens: (13 + 4) / (52 + 13 + 4).
    assert rates(counts, 83, merged)["open_rate"] == round(17 / 69, 4)
    # Infobip's logs never say whether a mail was opened: its deliveries would
    # read as unopened, so a row that includes them has no open rate.
    with_infobip = merged_source([edith, infobip])
    assert with_infobip is not None and rates(counts, 83, with_infobip)["open_rate"] is None
    assert StatsRow("x", None, None, with_infobip, counts, 83).count(Status.OPENED) == 13
    events = Source("kaleyra-stats", "events", frozenset({Status.DELIVERED}))
    assert merged_source([edith, events]) is None  # events and messages never add


def test_json_row_has_every_status_and_nulls_for_unmeasured() -> None:
    events = Source("kaleyra-stats", "events", frozenset({Status.QUEUED, Status.DELIVERED}))
    aggregator = Aggregator(Grouping.DAY, UTC)
    aggregator.add_counts("p1", T0, {"queued": 4, "delivered": 3, "bounces": 1}, 4)
    spans = list(periods(T0, T0 + timedelta(hours=1), Grouping.DAY, UTC))
    (row,) = aggregator.rows({None: events}, spans)
    data = row_to_json(row, ZoneInfo("Europe/Rome"), ["bounces"])
    assert data["period_start"] == "2024-01-15T01:00:00+01:00"
    assert data["period_end"] == "2024-01-16T01:00:00+01:00"
    assert (data["source"], data["counts"]) == ("kaleyra-stats", "events")
    assert [data[s.value] for s in Status][:4] == [4, None, None, 3]
    assert data["bounces"] == 1
    assert list(data)[-5:] == ["bounces", "total", "delivery_rate", "bounce_rate", "open_rate"]


def test_a_record_after_the_last_period_is_not_dropped() -> None:
    aggregator = Aggregator(Grouping.HOUR, UTC)
    aggregator.add_all([record(at=T0), record(at=T0 + timedelta(hours=1))])
    spans = list(periods(T0, T0 + timedelta(minutes=10), Grouping.HOUR, UTC))
    rows = aggregator.rows({None: LOGS}, spans)
    assert [(row.group, row.period_end, row.total) for row in rows] == [
        (datetime(2024, 1, 15, 9, tzinfo=UTC), datetime(2024, 1, 15, 10, tzinfo=UTC), 1),
        (datetime(2024, 1, 15, 10, tzinfo=UTC), datetime(2024, 1, 15, 11, tzinfo=UTC), 1),
    ]
