"""Dates, durations, ranges and the common filter model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from maillogs.core.errors import UsageError
from maillogs.core.models import LogRecord
from maillogs.core.query import Query, build_query
from maillogs.core.statuses import Status, parse_status
from maillogs.core.timeparse import local_zone_name, parse_duration, parse_instant, parse_range

NOW = datetime(2024, 3, 10, 15, 30, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("48h", timedelta(hours=48)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("30s", timedelta(seconds=30)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_bare_date_is_midnight_in_zone_and_whole_day_as_upper_bound() -> None:
    assert parse_instant("2024-01-31", tz=ROME, now=NOW) == datetime(2024, 1, 31, tzinfo=ROME)
    assert parse_instant("2024-01-31", tz=ROME, now=NOW, upper=True) == datetime(
        2024, 2, 1, tzinfo=ROME
    )


def test_iso_with_and_without_offset() -> None:
    assert parse_instant("2024-01-15T10:30", tz=ROME, now=NOW) == datetime(
        2024, 1, 15, 10, 30, tzinfo=ROME
    )
    assert parse_instant("2024-01-15T10:30:00Z", tz=ROME, now=NOW) == datetime(
        2024, 1, 15, 10, 30, tzinfo=UTC
    )
    assert parse_instant("2024-01-15 10:30+02:00", tz=UTC, now=NOW).utcoffset() == timedelta(
        hours=2
    )


def test_relative_duration_is_before_now() -> None:
    assert parse_instant("48h", tz=UTC, now=NOW) == NOW - timedelta(hours=48)


@pytest.mark.parametrize("bad", ["yesterday-ish", "2024-13-01", "7x", "", "2024/01/01"])
def test_bad_instants_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        parse_instant(bad, tz=UTC, now=NOW)


def test_ranges() -> None:
    assert parse_range("7d", tz=UTC, now=NOW) == (NOW - timedelta(days=7), None)
    assert parse_range("today", tz=UTC, now=NOW) == (datetime(2024, 3, 10, tzinfo=UTC), None)
    assert parse_range("yesterday", tz=UTC, now=NOW) == (
        datetime(2024, 3, 9, tzinfo=UTC),
        datetime(2024, 3, 10, tzinfo=UTC),
    )
    assert parse_range("2024-01-01..2024-01-31", tz=UTC, now=NOW) == (
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="ends before"):
        parse_range("2024-02-01..2024-01-01", tz=UTC, now=NOW)


def test_statuses_accept_aliases_any_case_and_commas() -> None:
    query = build_query(statuses=["Bounce,SPAM", "delayed"], tz=UTC, now=NOW)
    assert query.statuses == {Status.BOUNCED, Status.COMPLAINED, Status.DEFERRED}
    with pytest.raises(UsageError, match="--status: unknown status 'bouncy'"):
        build_query(statuses=["bouncy"], tz=UTC, now=NOW)
    assert parse_status(" DELIVERED ").statuses == {Status.DELIVERED}


def test_group_aliases_stand_for_several_statuses_and_name_their_group() -> None:
    query = build_query(statuses=["rejected,Undeliverable", "pending"], tz=UTC, now=NOW)
    assert query.statuses == {
        Status.BLOCKED,
        Status.FAILED,
        Status.BOUNCED,
        Status.QUEUED,
        Status.SENT,
    }
    assert [term.native_group for term in query.status_terms] == [
        "REJECTED",
        "UNDELIVERABLE",
        "PENDING",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "tomorrow-ish"}, "--since"),
        ({"until": "nope"}, "--until"),
        ({"range_": "forever"}, "--range"),
        ({"range_": "7d", "since": "1d"}, "cannot be combined"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "later than"),
        ({"recipient_type": "reply-to"}, "--recipient-type"),
        ({"params": ["novalue"]}, "name=value"),
        ({"limit": 0}, "--limit"),
    ],
)
def test_bad_options_are_usage_errors_naming_the_option(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        build_query(tz=UTC, now=NOW, **kwargs)  # type: ignore[arg-type]


def _record(**overrides: object) -> LogRecord:
    fields: dict[str, object] = {
        "provider": "edith",
        "profile": "p",
        "message_id": "m1",
        "status": Status.BOUNCED,
        "provider_status": "bounced",
        "sender": "News@Shop.example",
        "recipient": "a@Example.org",
        "recipient_type": "cc",
        "submitted_at": datetime(2024, 3, 9, 12, tzinfo=UTC),
    }
    fields.update(overrides)
    return LogRecord(**fields)  # type: ignore[arg-type]


def test_local_matching_is_exact_and_case_insensitive_on_addresses() -> None:
    record = _record()
    assert Query(sender="news@shop.example", recipient="@example.org").matches(record)
    assert not Query(recipient="b@example.org").matches(record)
    assert not Query(recipient="@ample.org").matches(record)
    assert Query(recipient_type="cc").matches(record)
    assert not Query(recipient_type="to").matches(record)
    assert not Query(statuses=frozenset({Status.DELIVERED})).matches(record)


def test_window_is_half_open() -> None:
    at = datetime(2024, 3, 9, 12, tzinfo=UTC)
    assert Query(since=at).matches(_record(submitted_at=at))
    assert not Query(until=at).matches(_record(submitted_at=at))
    assert not Query(since=at).matches(_record(submitted_at=None))


def test_the_local_zone_comes_from_tz_even_when_it_is_a_posix_rule(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_zone_name() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", ":Europe/Rome")
    assert local_zone_name() == "Europe/Rome"
    # Not an IANA name: /etc/localtime must not be used instead (the caller
    # falls back to the current offset, which the C library reads from TZ).
    monkeypatch.setenv("TZ", "JST-9")
    assert local_zone_name() is None
    # A zone file, as TZ=:/etc/localtime names one, keeps its daylight-saving rules.
    zone_file = tmp_path / "zoneinfo" / "Europe" / "Rome"
    zone_file.parent.mkdir(parents=True)
    zone_file.write_bytes(b"TZif")
    link = tmp_path / "localtime"
    link.symlink_to(zone_file)
    monkeypatch.setenv("TZ", f":{link}")
    assert local_zone_name() == "Europe/Rome"
