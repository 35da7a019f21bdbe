"""The engine's page pipeline: fetching overlaps with normalizing, and stops cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from maillogs.core.errors import ConfigError, ProviderDataError
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.engine import RecentKeys, fetch_records, retry_policy
from maillogs.providers.base import Page, PendingPage, Plan

T0 = datetime(2024, 1, 10, tzinfo=UTC)
WAIT = 5.0  # seconds; only reached when the behaviour under test is missing


def _record(number: int) -> LogRecord:
    return LogRecord(
        provider="kaleyra",
        profile="test",
        message_id=f"m{number}",
        status=Status.DELIVERED,
        provider_status="DELIVERED",
        sender="a@example.com",
        recipient=f"r{number}@example.com",
        recipient_type=None,
        submitted_at=T0 - timedelta(minutes=number),
    )


def test_the_next_page_is_fetched_while_the_reader_normalizes_this_one() -> None:
    second_fetch_started = threading.Event()
    overlapped: list[bool] = []

    def normalize_first() -> Page:
        # A sequential walk would only ask for page 2 after this returns.
        overlapped.append(second_fetch_started.wait(WAIT))
        return [_record(1)]

    def walk() -> Iterator[PendingPage]:
        yield PendingPage(1, normalize_first)
        second_fetch_started.set()
        yield PendingPage(1, lambda: [_record(2)])

    plan = Plan(profile="test", provider="kaleyra", streams=[walk])
    records = list(fetch_records([plan], Query(limit=None), concurrency=2))

    assert [r.message_id for r in records] == ["m1", "m2"]
    assert overlapped == [True]


def test_an_unreadable_page_stops_the_page_workers_before_the_error_surfaces() -> None:
    walks_running = 0
    lock = threading.Lock()

    def walk(first: int) -> Iterator[PendingPage]:
        nonlocal walks_running
        with lock:
            walks_running += 1
        try:
            for number in range(first, first + 1000):
                yield PendingPage(1, lambda number=number: [_record(number)])
        finally:
            with lock:
                walks_running -= 1

    def broken() -> Page:
        raise ProviderDataError("Kaleyra sent a log entry maillogs cannot read")

    def first_walk() -> Iterator[PendingPage]:
        yield PendingPage(1, broken)

    plan = Plan(
        profile="test",
        provider="kaleyra",
        streams=[first_walk, lambda: walk(1000), lambda: walk(2000)],
    )
    with pytest.raises(ProviderDataError, match="cannot read"):
        list(fetch_records([plan], Query(limit=None), concurrency=3))
    # The HTTP clients close right after this; no walk may still be using one.
    assert walks_running == 0


def test_records_come_out_while_later_pages_are_still_being_fetched() -> None:
    first_record_read = threading.Event()

    def walk() -> Iterator[PendingPage]:
        yield PendingPage(1, lambda: [_record(1)])
        # This page can only arrive once the reader has the first record:
        # an engine that collected every page before yielding would time out.
        if not first_record_read.wait(WAIT):
            raise AssertionError("the first record was not handed out before the last page")
        yield PendingPage(1, lambda: [_record(2)])

    def later_window() -> Iterator[PendingPage]:
        if not first_record_read.wait(WAIT):
            raise AssertionError("the first record was not handed out before the next window")
        yield PendingPage(1, lambda: [_record(3)])

    plan = Plan(profile="test", provider="edith", streams=[walk, later_window])
    records = fetch_records([plan], Query(limit=None), concurrency=2)
    assert next(records).message_id == "m1"
    first_record_read.set()
    assert [record.message_id for record in records] == ["m2", "m3"]


def test_recent_keys_know_what_was_passed_on_and_forget_beyond_capacity() -> None:
    recent = RecentKeys(capacity=3)
    recent.remember([b"a", b"b"])
    # A row pushed onto the next page comes back a few records later: known.
    assert b"a" in recent and b"c" not in recent
    # Memory stays at `capacity` keys: the oldest are forgotten.
    recent.remember([b"c", b"d"])
    assert b"a" not in recent and all(key in recent for key in (b"b", b"c", b"d"))


def test_the_command_retry_budget_comes_from_the_environment() -> None:
    policy = retry_policy({"MAILLOGS_COMMAND_RETRY_SECONDS": "42", "MAILLOGS_RETRY_SECONDS": "7"})
    assert policy.total_seconds == 7
    assert policy.command_budget is not None
    assert policy.command_budget.left() == 42
    default = retry_policy({})
    assert default.command_budget is not None
    assert default.command_budget.left() == 600


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan"])
def test_a_command_retry_budget_that_is_not_seconds_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="MAILLOGS_COMMAND_RETRY_SECONDS"):
        retry_policy({"MAILLOGS_COMMAND_RETRY_SECONDS": value})
