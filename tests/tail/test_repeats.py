"""The repeat filter: what was printed is dropped while it can come back, then forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from maillogs.core.models import LogRecord
from maillogs.core.statuses import Status
from maillogs.follow import RepeatFilter, record_key

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def record(message_id: str, status: Status = Status.QUEUED) -> LogRecord:
    return LogRecord(
        provider="edith",
        profile="prod",
        message_id=message_id,
        status=status,
        provider_status=status.value,
        sender="a@shop.example",
        recipient="b@example.org",
        recipient_type="to",
        submitted_at=START,
    )


def test_a_status_change_is_new_and_a_repeat_is_not() -> None:
    repeats = RepeatFilter()
    repeats.add(record_key(record("m1")), START)
    assert record_key(record("m1")) in repeats
    assert record_key(record("m1", Status.DELIVERED)) not in repeats
    assert record_key(record("m2")) not in repeats


def test_a_key_stays_while_its_record_is_in_the_window_and_goes_after() -> None:
    repeats = RepeatFilter()
    key = record_key(record("m1"))
    repeats.add(key, START)
    repeats.forget_before(START)  # the record is at the window's very start: it can come back
    assert key in repeats
    repeats.forget_before(START + timedelta(seconds=1))
    assert key not in repeats


def test_a_day_long_tail_holds_one_window_of_keys() -> None:
    # 50 records a second for two simulated hours, polled every 10 s with a
    # 10-minute overlap: the filter holds the last window's keys, not the day's.
    rate, overlap, interval = 50, 600, 10
    repeats = RepeatFilter()
    largest = 0
    arrived = 0
    for poll in range(1, 2 * 3600 // interval + 1):
        now = START + timedelta(seconds=poll * interval)
        repeats.forget_before(now - timedelta(seconds=overlap))
        for _ in range(rate * interval):
            submitted = START + timedelta(seconds=arrived / rate)
            key = hash(("edith", "prod", f"m{arrived}", "b@example.org", "queued"))
            repeats.add(key, submitted)
            arrived += 1
        largest = max(largest, len(repeats))
    assert arrived == 360_000
    assert largest <= rate * (overlap + interval + 1)
    assert len(repeats) >= rate * overlap  # and it still holds the whole window
