"""``maillogs show`` per provider against the documented payloads (respx)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from maillogs.core.errors import ProviderDataError
from maillogs.core.statuses import Status
from maillogs.engine import open_adapters
from maillogs.render.table import make_console
from maillogs.reports.show import Hit, find_message, find_messages, hit_panel, hit_to_json
from tests.support import load_fixture, make_profile

NOW = datetime(2024, 1, 30, 12, 0, tzinfo=UTC)
KALEYRA = "https://api.kaleyra.io/v1/SID123/email"
EDITH = "https://api.sparrowmailer.com/v1/email/logs"
INFOBIP = "https://xyz123.api.infobip.com/email/4/logs"


def find(provider: str, message_id: str) -> Any:
    with open_adapters([make_profile(provider)], now=NOW, keep_raw=True) as (adapter,):
        return find_message(adapter, message_id, warn=lambda _m: None, concurrency=1)


def kaleyra_logs_for(message_id: str, to_mail: str) -> dict[str, Any]:
    logs: dict[str, Any] = load_fixture("kaleyra_logs_message_id.json")
    logs["data"][0].update(message_id=message_id, to_mail=to_mail)
    return logs


def test_kaleyra_per_recipient_statuses() -> None:
    stats = load_fixture("kaleyra_message_stats_delivered.json")
    message_id = stats["data"][0]["message_id"]
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(
            return_value=httpx.Response(200, json=kaleyra_logs_for(message_id, "a@x.io,b@x.io"))
        )
        route = respx.get(f"{KALEYRA}/stats/{message_id}").mock(
            return_value=httpx.Response(200, json=stats)
        )
        detail = find("kaleyra", message_id)
    assert route.called
    # The log row says ACCEPTED for both; the message stats know better per recipient.
    assert [(r.status, r.provider_status) for r in detail.recipients] == [
        (Status.DELIVERED, "DELIVERED"),
        (Status.QUEUED, "ACCEPTED"),
    ]
    assert detail.recipients[0].delivered_at == datetime(2022, 1, 11, 10, 10, 47, tzinfo=UTC)
    assert detail.recipients[1].delivered_at is None
    assert len(detail.records) == 2
    assert detail.details == {}


def test_kaleyra_bounce_error_code_and_message() -> None:
    stats = load_fixture("kaleyra_message_stats_bounce.json")
    message_id = stats["data"][0]["message_id"]
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(
            return_value=httpx.Response(200, json={"data": [], "error": {}, "total": 0})
        )
        respx.get(f"{KALEYRA}/stats/{message_id}").mock(
            return_value=httpx.Response(200, json=stats)
        )
        detail = find("kaleyra", message_id)
    (state,) = detail.recipients
    assert (state.status, state.error_code) == (Status.BOUNCED, "550")
    assert state.error_message.startswith("550 5.1.1 The email account")
    # Only the message stats knew it: their own facts stand in for the log row.
    assert detail.details == {
        "from_mail": "[email protected]",
        "request_datetime": "2022-01-11T10:11:27Z",
    }


@pytest.mark.parametrize(
    ("fixture", "status"),
    [
        ("kaleyra_message_stats_accepted.json", Status.QUEUED),
        ("kaleyra_message_stats_blocked.json", Status.BLOCKED),
    ],
)
def test_kaleyra_documented_statuses(fixture: str, status: Status) -> None:
    stats = load_fixture(fixture)
    message_id = stats["data"][0]["message_id"]
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(
            return_value=httpx.Response(200, json={"data": [], "error": {}, "total": 0})
        )
        respx.get(f"{KALEYRA}/stats/{message_id}").mock(
            return_value=httpx.Response(200, json=stats)
        )
        detail = find("kaleyra", message_id)
    assert [r.status for r in detail.recipients] == [status]


def test_kaleyra_unknown_id_is_none() -> None:
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(
            return_value=httpx.Response(200, json={"data": [], "error": {}, "total": 0})
        )
        respx.get(f"{KALEYRA}/stats/nope:1").mock(
            return_value=httpx.Response(404, json={"data": [], "error": {"message": "No email"}})
        )
        assert find("kaleyra", "nope:1") is None


def test_kaleyra_unreadable_message_stats_is_a_data_error() -> None:
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(
            return_value=httpx.Response(200, json={"data": [], "error": {}, "total": 0})
        )
        respx.get(f"{KALEYRA}/stats/m:1").mock(
            return_value=httpx.Response(200, json={"data": [{"message_id": "m:1"}], "error": {}})
        )
        with pytest.raises(ProviderDataError, match="message stats"):
            find("kaleyra", "m:1")


def edith_answer(hit_window: int, body: dict[str, Any]) -> Any:
    """EDITH answers only in the ``hit_window``-th 7-day window back from NOW."""

    def answer(request: httpx.Request) -> httpx.Response:
        end = datetime.fromisoformat(request.url.params["endCreatedAt"])
        back = (NOW - end) // timedelta(days=7)
        rows = body["emailLogs"] if back == hit_window else []
        return httpx.Response(200, json={"success": True, "emailLogs": rows, "nextPageToken": None})

    return answer


def test_edith_walks_back_in_weeks_and_reads_events() -> None:
    body = load_fixture("edith_logs.json")
    ref_id = body["emailLogs"][0]["refId"]
    with respx.mock:
        route = respx.get(EDITH).mock(side_effect=edith_answer(2, body))
        detail = find("edith", ref_id)
    windows = [
        (call.request.url.params["startCreatedAt"], call.request.url.params["endCreatedAt"])
        for call in route.calls
    ]
    # Newest first, 7 days each, stopping at the first window with a hit.
    assert windows == [
        ("2024-01-23T12:00:00Z", "2024-01-30T12:00:00Z"),
        ("2024-01-16T12:00:00Z", "2024-01-23T12:00:00Z"),
        ("2024-01-09T12:00:00Z", "2024-01-16T12:00:00Z"),
    ]
    assert all(call.request.url.params["refId"] == ref_id for call in route.calls)
    assert [(e.kind, e.at, e.url, e.user_agent, e.ip) for e in detail.events] == [
        ("open", datetime(2024, 1, 15, 11, 0, tzinfo=UTC), None, "Mozilla/5.0...", "192.168.1.1"),
        (
            "click",
            datetime(2024, 1, 15, 11, 5, tzinfo=UTC),
            "https://yourcompany.com/orders/12345",
            "Mozilla/5.0...",
            "192.168.1.1",
        ),
    ]
    assert detail.events[0].recipient == "customer@example.com"


def test_the_id_decides_a_hit_not_the_date_of_the_step_that_found_it() -> None:
    # EDITH answers a refId search with the documented row of 2024-01-15 even
    # though maillogs' first step asked for the week before 2024-06-01.
    body = load_fixture("edith_logs.json")
    body["nextPageToken"] = None
    ref_id = body["emailLogs"][0]["refId"]
    with respx.mock:
        route = respx.get(EDITH).mock(return_value=httpx.Response(200, json=body))
        with open_adapters(
            [make_profile("edith")], now=datetime(2024, 6, 1, tzinfo=UTC), keep_raw=True
        ) as (adapter,):
            detail = find_message(adapter, ref_id, warn=lambda _m: None, concurrency=1)
    assert len(route.calls) == 1
    assert detail is not None and [r.message_id for r in detail.records] == [ref_id]


def test_edith_gives_up_at_the_horizon() -> None:
    with respx.mock:
        route = respx.get(EDITH).mock(side_effect=edith_answer(99, {"emailLogs": []}))
        assert find("edith", "01JC3BBW8S9YGX2VNKG5MD7BTA") is None
    starts = [call.request.url.params["startCreatedAt"] for call in route.calls]
    assert len(starts) == 5  # 30 days in 7-day steps
    assert starts[-1] == "2023-12-31T12:00:00Z"


def test_infobip_status_error_and_price() -> None:
    body = load_fixture("infobip_v4_logs.json")
    row = body["results"][0]
    now = datetime(2020, 2, 24, 12, 0, tzinfo=UTC)  # within 48 hours of the sample
    with respx.mock:
        route = respx.get(INFOBIP).mock(
            return_value=httpx.Response(200, json={"results": [row], "cursor": {"limit": 1000}})
        )
        with open_adapters([make_profile("infobip")], now=now, keep_raw=True) as adapters:
            ((message_id, hits),) = list(
                find_messages(adapters, [row["messageId"]], warn=lambda _m: None, concurrency=1)
            )
    assert all(call.request.url.params["messageId"] == message_id for call in route.calls)
    (hit,) = hits
    data = hit_to_json(hit)
    assert data["details"] == {key: row[key] for key in ("status", "error", "price")}
    assert data["records"][0]["price"] == 0.0012
    assert data["records"][0]["raw"]["messageId"] == message_id
    assert data["recipients"][0] == {
        "recipient": "jane@example.org",
        "status": "delivered",
        "provider_status": "DELIVERED/DELIVERED_TO_HANDSET",
        "delivered_at": "2020-02-23T16:42:08.120000Z",
        "error_code": None,
        "error_message": None,
        "updated_at": "2020-02-23T16:42:08.120000Z",  # doneAt
        "status_scope": "recipient",  # one destination per Infobip message
    }
    assert data["events"] == []


def test_panel_shows_recipients_events_and_strips_control_characters() -> None:
    body = load_fixture("edith_logs.json")
    body["emailLogs"][0]["subject"] = "Hello\x1b]8;;evil\x07 world"
    with respx.mock:
        respx.get(EDITH).mock(side_effect=edith_answer(2, body))
        detail = find("edith", body["emailLogs"][0]["refId"])
    out = io.StringIO()
    console = make_console(out, color=False, width=200)
    console.print(hit_panel(Hit("test-edith", "edith", "EDITH", detail), UTC))
    text = out.getvalue()
    assert "\x1b" not in text
    assert "Hello world" in text
    assert "customer@example.com" in text
    assert "https://yourcompany.com/orders/12345" in text
    assert "2024-01-15 11:05:00Z" in text
    assert "2024-01-15 11:45:00Z" in text  # updatedAt: every timestamp is shown


@pytest.mark.parametrize("width", [60, 80])
def test_narrow_panel_gives_each_recipient_field_a_whole_line(width: int) -> None:
    body = load_fixture("edith_logs.json")
    with respx.mock:
        respx.get(EDITH).mock(side_effect=edith_answer(2, body))
        detail = find("edith", body["emailLogs"][0]["refId"])
    out = io.StringIO()
    make_console(out, color=False, width=width).print(
        hit_panel(Hit("test-edith", "edith", "EDITH", detail), UTC)
    )
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    assert any(line.startswith("│ recipient        customer@example.com ") for line in lines)
    assert any("updated          2024-01-15 11:45:00Z" in line for line in lines)
    assert "…" not in out.getvalue()


def test_wide_panel_keeps_the_recipients_table_uncut() -> None:
    body = load_fixture("edith_logs.json")
    with respx.mock:
        respx.get(EDITH).mock(side_effect=edith_answer(2, body))
        detail = find("edith", body["emailLogs"][0]["refId"])
    out = io.StringIO()
    make_console(out, color=False, width=120).print(
        hit_panel(Hit("test-edith", "edith", "EDITH", detail), UTC)
    )
    header = "   recipient              status      provider status   delivered   "
    assert header in out.getvalue()  # one table, not a "recipient  value" line per field
    assert "…" not in out.getvalue()
