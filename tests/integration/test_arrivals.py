"""Mail arriving during a walk: no record that existed before it may go missing.

The emulator adds new mail with every request it reads, and holds each
request for a jitter of its own (the same request always waits the same, so
the run does not depend on the machine): pages fetched together are read in
an order of their own, between arrivals. Before maillogs checked page totals,
a Kaleyra walk at this setting skipped rows at the page boundaries (about 100
of 1,000 here); whatever the order, none may be missing now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maillogs.core.query import Query
from maillogs.engine import fetch_records, make_plans, open_adapters
from maillogs.providers.registry import PROVIDERS
from maillogs.sandbox import (
    Arrivals,
    Emulator,
    EmulatorConfig,
    EmulatorTransport,
    FaultPlan,
)
from tests.support import make_profile

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
RECORDS = 1000


def walk_while_mail_arrives(
    provider: str, *, jitter_ms: float = 120, concurrency: int = 8
) -> tuple[Emulator, set[tuple[str, str | None]], list[str]]:
    """``list --all`` of ``provider`` while 7 new mails arrive with every request read.

    Returns the emulator, the (message id, recipient) keys listed that existed
    before the walk began, and the warnings.
    """
    emulator = Emulator(
        EmulatorConfig(
            records=RECORDS,
            now=NOW,
            faults=FaultPlan(jitter_ms=jitter_ms, seed=3),
            arrivals=Arrivals(7),
        )
    )
    profile = make_profile(
        provider, base_url="http://sandbox.test", settings=PROVIDERS[provider].demo_settings
    )
    # The client's clock runs a minute ahead: arrivals (dated just after the
    # emulator's `now`) fall inside every range asked for.
    client_now = NOW + timedelta(minutes=1)
    query = Query(since=NOW - timedelta(days=11)) if provider == "edith" else Query()
    warnings: list[str] = []
    transport = EmulatorTransport(emulator)
    opened = open_adapters([profile], now=client_now, transport_factory=lambda _: transport)
    with opened as adapters:
        plans = make_plans(adapters, query, warnings.append)
        records = list(fetch_records(plans, query, concurrency=concurrency))
    before = {
        (r.message_id, None if provider == "kaleyra" else r.recipient)
        for r in records
        if r.submitted_at is not None and r.submitted_at < NOW
    }
    return emulator, before, warnings


def test_kaleyra_pages_read_between_arrivals_in_any_order_lose_no_record() -> None:
    emulator, before, warnings = walk_while_mail_arrives("kaleyra")
    assert emulator.arrived > 0  # mail did arrive during the walk
    assert RECORDS - len(before) == 0, "records lost"
    assert warnings == []


@pytest.mark.parametrize("provider", ["edith", "infobip"])
def test_cursor_walks_lose_no_record_while_mail_arrives(provider: str) -> None:
    # One row per recipient (EDITH) or message (Infobip): RECORDS keys.
    emulator, before, _ = walk_while_mail_arrives(provider, jitter_ms=20)
    assert emulator.arrived > 0
    assert RECORDS - len(before) == 0, "records lost"


def test_a_walk_one_page_at_a_time_reads_no_page_again() -> None:
    # Pages read one after the other can repeat a row, never skip one.
    emulator, before, _ = walk_while_mail_arrives("kaleyra", jitter_ms=0, concurrency=1)
    assert RECORDS - len(before) == 0
    # Pages 1-10, and one more for the rows the arrivals pushed past page 10.
    assert emulator.request_count == RECORDS // 100 + 1
