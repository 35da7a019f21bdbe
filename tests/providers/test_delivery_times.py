"""Only a mail that reached the mailbox has a ``delivered_at`` (issue 12, item 3).

Providers date any answer of the receiving side in their "delivered" field —
Kaleyra's documented BOUNCE row carries ``delivered_at`` — and maillogs used to
print that instant as a delivery time of a bounce. The shared rule
(``providers.base.delivery_times``) moves it to ``updated_at``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from maillogs.cli.app import app
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.engine import open_adapters
from maillogs.providers.base import delivery_times
from maillogs.reports.show import find_message
from tests.providers.helpers import run_query
from tests.support import load_fixture, make_profile

KALEYRA = "https://api.kaleyra.io/v1/SID123/email"
EDITH_LOGS = "https://api.sparrowmailer.com/v1/email/logs"
INFOBIP_LOGS = "https://xyz123.api.infobip.com/email/4/logs"
BOUNCED_AT = datetime(2023, 6, 1, 4, 59, 36, tzinfo=UTC)


def test_the_documented_kaleyra_bounce_row_has_no_delivery_time() -> None:
    body = load_fixture("kaleyra_logs_search_bounce.json")
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=body))
        (record,) = run_query(
            make_profile("kaleyra"), Query(), now=datetime(2023, 6, 2, tzinfo=UTC)
        )
    assert record.status is Status.BOUNCED
    assert record.delivered_at is None
    # The instant is kept: it is when the bounce happened.
    assert record.updated_at == BOUNCED_AT


def test_a_kaleyra_bounce_listed_as_csv_shows_its_time_as_updated_not_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.k]\nprovider = "kaleyra"\nsid = "SID123"\napi_key = "CANARY-KEY-000001"\n'
        'timezone = "UTC"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(config))
    body = load_fixture("kaleyra_logs_search_bounce.json")
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=body))
        result = CliRunner().invoke(
            app,
            ["list", "-p", "k", "--since", "2023-06-01", "--columns",
             "status,delivered_at,updated_at", "--format", "csv", "--tz", "UTC"],
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "status,delivered_at,updated_at",
        "bounced,,2023-06-01T04:59:36Z",
    ]


def test_kaleyra_message_stats_bounce_recipient_has_no_delivery_time() -> None:
    stats = load_fixture("kaleyra_message_stats_bounce.json")
    message_id = stats["data"][0]["message_id"]
    empty = {"data": [], "error": {}, "total": 0}
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=empty))
        respx.get(f"{KALEYRA}/stats/{message_id}").mock(
            return_value=httpx.Response(200, json=stats)
        )
        now = datetime(2022, 2, 1, tzinfo=UTC)
        with open_adapters([make_profile("kaleyra")], now=now) as (adapter,):
            detail = find_message(adapter, message_id, warn=lambda _m: None, concurrency=1)
    assert detail is not None
    (state,) = detail.recipients
    assert state.status is Status.BOUNCED
    assert state.delivered_at is None
    assert state.updated_at == datetime(2022, 1, 11, 10, 11, 31, tzinfo=UTC)


def _edith_row(status: str, delivered: str | None, updated: str | None) -> dict[str, Any]:
    row: dict[str, Any] = copy.deepcopy(load_fixture("edith_logs.json")["emailLogs"][0])
    row.update(status=status, deliveredDate=delivered, updatedAt=updated, track={})
    return row


@pytest.mark.parametrize(
    ("status", "updated", "expected_delivered", "expected_updated"),
    [
        # The documented delivered row keeps both instants.
        ("delivered", "2024-01-15T11:45:00Z", "2024-01-15T10:30:05Z", "2024-01-15T11:45:00Z"),
        # A spam complaint comes after a delivery: its delivery time is true.
        ("spam", "2024-01-15T11:45:00Z", "2024-01-15T10:30:05Z", "2024-01-15T11:45:00Z"),
        # A bounce dated later than updatedAt: the bounce is the last change.
        ("bounced", "2024-01-15T10:30:01Z", None, "2024-01-15T10:30:05Z"),
        # A later updatedAt stays the last change.
        ("failed", "2024-01-15T11:45:00Z", None, "2024-01-15T11:45:00Z"),
        ("bounced", None, None, "2024-01-15T10:30:05Z"),
    ],
)
def test_edith_rows_follow_the_same_rule(
    status: str, updated: str | None, expected_delivered: str | None, expected_updated: str
) -> None:
    row = _edith_row(status, "2024-01-15T10:30:05Z", updated)
    body = {"success": True, "emailLogs": [row], "nextPageToken": None}
    with respx.mock:
        respx.get(EDITH_LOGS).mock(return_value=httpx.Response(200, json=body))
        (record,) = run_query(
            make_profile("edith"),
            Query(since=datetime(2024, 1, 15, tzinfo=UTC)),
            now=datetime(2024, 1, 16, tzinfo=UTC),
        )
    delivered = record.delivered_at.isoformat() if record.delivered_at else None
    assert delivered == (expected_delivered.replace("Z", "+00:00") if expected_delivered else None)
    assert record.updated_at is not None
    assert record.updated_at.isoformat() == expected_updated.replace("Z", "+00:00")


def test_infobip_done_at_is_a_delivery_time_only_for_deliveries() -> None:
    body = load_fixture("infobip_v4_logs.json")
    body["cursor"] = {"limit": 1000}
    with respx.mock:
        respx.get(INFOBIP_LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(
            make_profile("infobip"), Query(), now=datetime(2020, 2, 23, 20, 0, tzinfo=UTC)
        )
    by_id = {r.message_id: r for r in records}
    delivered, bounced = by_id["MESSAGE-ID-124-xyz"], by_id["MESSAGE-ID-123-xyz"]
    assert (
        delivered.delivered_at
        == delivered.updated_at
        == datetime(2020, 2, 23, 16, 42, 8, 120000, tzinfo=UTC)
    )
    assert bounced.delivered_at is None
    assert bounced.updated_at == datetime(2020, 2, 22, 16, 42, 6, 1000, tzinfo=UTC)


@pytest.mark.parametrize("status", list(Status))
def test_the_rule_keeps_a_delivery_time_only_after_a_delivery(status: Status) -> None:
    answered = datetime(2024, 1, 1, 10, tzinfo=UTC)
    delivered, updated = delivery_times(status, answered, None)
    reached = {
        Status.DELIVERED,
        Status.OPENED,
        Status.CLICKED,
        Status.COMPLAINED,
        Status.UNSUBSCRIBED,
    }
    assert (delivered, updated) == ((answered, None) if status in reached else (None, answered))
