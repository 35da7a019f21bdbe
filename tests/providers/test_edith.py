"""EDITH adapter against EDITH's documented payloads (respx)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from maillogs.core.errors import ProviderDataError, TemporaryFailureError
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.fetch.http import ProviderRequestError
from tests.providers.helpers import run_query
from tests.support import load_fixture, make_profile

NOW = datetime(2024, 1, 20, 12, 0, tzinfo=UTC)
LOGS = "https://api.sparrowmailer.com/v1/email/logs"


def _body(rows: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    return {"success": True, "emailLogs": rows, "nextPageToken": token, "totalCount": len(rows)}


def _row(ref: str, created: str) -> dict[str, Any]:
    row = copy.deepcopy(load_fixture("edith_logs.json")["emailLogs"][0])
    row["refId"], row["createdAt"] = ref, created
    return row


def test_documented_payload_is_normalized() -> None:
    body = load_fixture("edith_logs.json")
    body["nextPageToken"] = None  # the sample shows a mid-walk token
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(
            make_profile("edith"),
            Query(since=datetime(2024, 1, 15, tzinfo=UTC), recipient_type="to"),
            now=NOW,
        )
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer CANARY-EDITH-TOKEN-0002"
    assert request.url.params["startCreatedAt"] == "2024-01-15T00:00:00Z"
    assert request.url.params["endCreatedAt"] == "2024-01-20T12:00:00Z"
    assert request.url.params["recipientType"] == "to"
    assert request.url.params["pageSize"] == "50"
    (record,) = records
    assert record.message_id == "01JC3BBW8S9YGX2VNKG5MD7BTA"
    assert record.status is Status.DELIVERED
    assert record.recipient == "customer@example.com"
    assert record.recipient_type == "to"
    assert record.subject == "Your Order Confirmation"
    assert record.delivered_at == datetime(2024, 1, 15, 10, 30, 5, tzinfo=UTC)
    assert record.opened is True and record.clicked is True
    assert record.campaign_id == "order-confirmation"
    assert record.raw is not None and record.raw["track"]["clicks"][0]["url"].endswith("12345")


def test_without_dates_rows_dated_outside_the_default_week_are_still_shown() -> None:
    # No --since: maillogs asks for EDITH's own default (the last 7 days) and
    # must not hide what EDITH answers with, here the documented 2024-01-15 row.
    body = load_fixture("edith_logs.json")
    body["nextPageToken"] = None
    now = datetime(2024, 3, 1, tzinfo=UTC)
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(make_profile("edith"), Query(), now=now)
    assert route.calls.last.request.url.params["startCreatedAt"] == "2024-02-23T00:00:00Z"
    assert [r.message_id for r in records] == ["01JC3BBW8S9YGX2VNKG5MD7BTA"]


def test_dates_the_user_gives_are_enforced_locally() -> None:
    body = load_fixture("edith_logs.json")
    body["nextPageToken"] = None
    with respx.mock:
        respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)
    assert records == []


def test_follows_page_tokens_until_null() -> None:
    pages = {
        None: _body([_row("a", "2024-01-19T10:00:00Z")], "t1"),
        "t1": _body([_row("b", "2024-01-19T09:00:00Z")], "t2"),
        "t2": _body([_row("c", "2024-01-19T08:00:00Z")], None),
    }
    with respx.mock:
        route = respx.get(LOGS).mock(
            side_effect=lambda r: httpx.Response(200, json=pages[r.url.params.get("pageToken")])
        )
        records = run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)
    assert [r.message_id for r in records] == ["a", "b", "c"]
    assert len(route.calls) == 3


def test_long_range_is_cut_into_windows_of_at_most_seven_days() -> None:
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=_body([], None)))
        run_query(make_profile("edith"), Query(since=NOW - timedelta(days=17)), now=NOW)
    spans = []
    for call in route.calls:
        start = datetime.fromisoformat(call.request.url.params["startCreatedAt"])
        end = datetime.fromisoformat(call.request.url.params["endCreatedAt"])
        spans.append((start, end))
    assert len(spans) == 3
    assert all(end - start <= timedelta(days=7) for start, end in spans)
    assert spans[0][1] == NOW and spans[-1][0] == NOW - timedelta(days=17)  # newest first
    assert spans[0][0] == spans[1][1]  # contiguous: no gap between windows


# The docs show the expired-token body but not its HTTP status: 400, or 200.
@pytest.mark.parametrize("status", [400, 200])
def test_expired_page_token_restarts_window_without_duplicates(status: int) -> None:
    expired = {"success": False, "error": "Page token expired", "details": "restart"}
    answers = iter(
        [
            httpx.Response(200, json=_body([_row("a", "2024-01-19T10:00:00Z")], "t1")),
            httpx.Response(status, json=expired),
            httpx.Response(200, json=_body([_row("a", "2024-01-19T10:00:00Z")], "t9")),
            httpx.Response(200, json=_body([_row("b", "2024-01-19T09:00:00Z")], None)),
        ]
    )
    with respx.mock:
        respx.get(LOGS).mock(side_effect=lambda _: next(answers))
        records = run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)
    assert [r.message_id for r in records] == ["a", "b"]


def test_an_error_body_sent_with_http_200_is_a_refusal_not_an_empty_result() -> None:
    with respx.mock:
        respx.get(LOGS).mock(
            return_value=httpx.Response(
                200, json={"success": False, "error": "Bad Request", "details": "bad status"}
            )
        )
        with pytest.raises(ProviderRequestError, match="Bad Request"):
            run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)


def test_a_next_page_token_that_is_not_text_is_a_data_error_not_the_end() -> None:
    body = _body([_row("a", "2024-01-19T10:00:00Z")], None)
    body["nextPageToken"] = 12345
    with respx.mock:
        respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        with pytest.raises(ProviderDataError, match="next-page token") as caught:
            run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)
    assert caught.value.exit_code == 65


def test_tokens_that_always_expire_end_as_temporary_failure() -> None:
    expired = {"success": False, "error": "Page token expired"}

    def answer(request: httpx.Request) -> httpx.Response:
        if "pageToken" in request.url.params:
            return httpx.Response(400, json=expired)
        return httpx.Response(200, json=_body([_row("a", "2024-01-19T10:00:00Z")], "t1"))

    with respx.mock:
        respx.get(LOGS).mock(side_effect=answer)
        with pytest.raises(TemporaryFailureError, match="expiring"):
            run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)


def test_domain_and_status_filters_translate_natively() -> None:
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=_body([], None)))
        run_query(
            make_profile("edith"),
            Query(
                statuses=frozenset({Status.COMPLAINED}),
                recipient="@example.com",
                sender="news@shop.example",
                message_id="01JC3",
            ),
            now=NOW,
        )
    params = route.calls.last.request.url.params
    assert params["status"] == "spam"
    assert params["recipientDomain"] == "example.com"
    assert params["fromAddress"] == "news@shop.example"
    assert params["refId"] == "01JC3"


def test_record_on_a_window_edge_is_returned_once() -> None:
    edge = "2024-01-13T12:00:00Z"  # end of the older window, start of the newer one

    def answer(request: httpx.Request) -> httpx.Response:
        start = datetime.fromisoformat(request.url.params["startCreatedAt"])
        end = datetime.fromisoformat(request.url.params["endCreatedAt"])
        edge_time = datetime.fromisoformat(edge)
        rows = [_row("edge", edge)] if start <= edge_time <= end else []
        return httpx.Response(200, json=_body(rows, None))

    with respx.mock:
        respx.get(LOGS).mock(side_effect=answer)
        records = run_query(make_profile("edith"), Query(since=NOW - timedelta(days=10)), now=NOW)
    assert [r.message_id for r in records] == ["edge"]


def test_expiries_separated_by_progress_do_not_exhaust_the_restart_budget() -> None:
    expired = httpx.Response(400, json={"success": False, "error": "Page token expired"})
    a, b, c = (
        _row(ref, f"2024-01-19T{hour}:00:00Z")
        for ref, hour in (("a", "10"), ("b", "09"), ("c", "08"))
    )
    answers = iter(
        [
            httpx.Response(200, json=_body([a], "t1")),
            expired,  # restart 1
            httpx.Response(200, json=_body([a], "t2")),
            httpx.Response(200, json=_body([b], "t3")),  # new record: budget resets
            expired,  # restart 1 again
            httpx.Response(200, json=_body([a], "t4")),
            expired,  # 2
            httpx.Response(200, json=_body([a], "t5")),
            expired,  # 3
            httpx.Response(200, json=_body([a], "t6")),
            httpx.Response(200, json=_body([b], "t7")),
            httpx.Response(200, json=_body([c], None)),
        ]
    )
    with respx.mock:
        respx.get(LOGS).mock(side_effect=lambda _: next(answers))
        records = run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)
    assert [r.message_id for r in records] == ["a", "b", "c"]


def test_a_server_that_ignores_the_dates_still_gives_every_page_of_a_dense_walk() -> None:
    # Full pages of rows one second apart in a two-day range: the first page
    # suggests thousands of rows, so the walk would be cut into concurrent
    # date ranges. A server (or a stand-in) that answers by page token alone
    # must still be walked token by token: nothing lost, nothing twice.
    newest = datetime(2024, 1, 20, 11, 0, tzinfo=UTC)

    def rows(page: int) -> list[dict[str, Any]]:
        return [
            _row(f"p{page}-{i}", (newest - timedelta(seconds=50 * page + i)).isoformat())
            for i in range(50)
        ]

    pages = {None: _body(rows(0), "t1"), "t1": _body(rows(1), "t2"), "t2": _body(rows(2), None)}
    with respx.mock:
        route = respx.get(LOGS).mock(
            side_effect=lambda r: httpx.Response(200, json=pages[r.url.params.get("pageToken")])
        )
        records = run_query(make_profile("edith"), Query(since=NOW - timedelta(days=2)), now=NOW)
    assert [r.message_id for r in records] == [f"p{p}-{i}" for p in range(3) for i in range(50)]
    assert len(route.calls) <= 4  # the three pages, and at most one probe of a cut
