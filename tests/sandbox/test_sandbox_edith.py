"""EDITH emulation: documented shapes, errors, 7-day windows and page tokens."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from maillogs.sandbox import FaultPlan
from tests.sandbox.helpers import EDITH, NOW, FakeClock, fixture_json

LOGS = "/v1/email/logs"
DOC_STATUSES = {
    "queued", "sent", "delivered", "opened", "clicked", "bounced", "failed", "spam", "unsubscribed",
}  # fmt: skip
RFC3339_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def z(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def walk(client: httpx.Client, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    query: dict[str, Any] = {**(params or {}), "pageSize": 50}
    while True:
        response = client.get(LOGS, params=query, headers=EDITH)
        assert response.status_code == 200, response.text
        body = response.json()
        rows.extend(body["emailLogs"])
        if body["nextPageToken"] is None:
            assert len(rows) == body["totalCount"]
            return rows
        query["pageToken"] = body["nextPageToken"]


def test_rows_have_exactly_the_documented_keys(client: httpx.Client) -> None:
    documented = fixture_json("edith_logs_sample.json")
    doc_row = documented["emailLogs"][0]
    body = client.get(LOGS, headers=EDITH).json()
    assert set(body) == set(documented)
    assert body["success"] is True
    assert len(body["emailLogs"]) == 20  # the documented default page size
    for row in walk(client):
        assert set(row) == set(doc_row)
        assert set(row["track"]) == {"opens", "clicks"}
        for event in row["track"]["opens"]:
            assert set(event) == set(doc_row["track"]["opens"][0])
        for event in row["track"]["clicks"]:
            assert set(event) == set(doc_row["track"]["clicks"][0])


def test_row_values_follow_the_documented_formats(client: httpx.Client) -> None:
    rows = walk(client)
    assert {row["status"] for row in rows} == DOC_STATUSES
    assert {row["recipientType"] for row in rows} == {"to", "cc", "bcc"}
    for row in rows:
        assert RFC3339_Z.fullmatch(row["createdAt"])
        assert RFC3339_Z.fullmatch(row["updatedAt"])
        assert row["recipientAddress"].endswith("@" + row["recipientDomain"])
        assert isinstance(row["accountId"], int)
        if row["status"] in ("queued", "sent", "bounced", "failed"):
            assert row["deliveredDate"] is None
        else:
            assert RFC3339_Z.fullmatch(row["deliveredDate"])
        if row["status"] in ("bounced", "failed"):
            assert row["failedReason"]
        else:
            assert row["failedReason"] is None
        assert row["opened"] == bool(row["track"]["opens"])
        assert row["clicked"] == bool(row["track"]["clicks"])
        if row["status"] == "clicked":
            assert row["clicked"]
            assert row["opened"]
        for event in row["track"]["opens"] + row["track"]["clicks"]:
            assert event["ip"].startswith(("192.0.2.", "198.51.100.", "203.0.113."))
            assert row["createdAt"] <= event["timestamp"] <= row["updatedAt"]
    # Recipients of one send share its refId.
    ref_ids = [row["refId"] for row in rows]
    assert len(set(ref_ids)) < len(ref_ids)


def test_no_dates_means_the_last_seven_days_newest_first(client: httpx.Client) -> None:
    rows = walk(client)
    created = [row["createdAt"] for row in rows]
    assert created == sorted(created, reverse=True)
    assert min(created) >= z(NOW - timedelta(days=7))
    # The dataset spans ten days: roughly 7/10 of 500 rows are in the window.
    assert 300 < len(rows) < 400
    assert len({json.dumps(row, sort_keys=True) for row in rows}) == len(rows)


def test_no_end_date_means_now_however_long_the_server_has_been_up(
    make_client: Callable[..., httpx.Client], clock: FakeClock
) -> None:
    client = make_client()
    clock.now += 3600  # the server has been up an hour
    recent = NOW + timedelta(minutes=59)
    response = client.get(LOGS, params={"startCreatedAt": z(recent)}, headers=EDITH)
    assert response.status_code == 200, response.text
    assert response.json()["emailLogs"] == []  # nothing was created after NOW


def test_date_bounds_are_inclusive(client: httpx.Client) -> None:
    row = walk(client)[40]
    same = walk(client, {"startCreatedAt": row["createdAt"], "endCreatedAt": row["createdAt"]})
    assert row in same
    assert all(r["createdAt"] == row["createdAt"] for r in same)


def test_missing_start_is_end_minus_seven_days(client: httpx.Client) -> None:
    end = NOW - timedelta(days=2)
    rows = walk(client, {"endCreatedAt": z(end)})
    assert rows
    assert max(r["createdAt"] for r in rows) <= z(end)
    assert min(r["createdAt"] for r in rows) >= z(end - timedelta(days=7))


def test_walk_all_ten_days_in_two_windows(client: httpx.Client) -> None:
    split = NOW - timedelta(days=5)
    older = walk(client, {"startCreatedAt": z(NOW - timedelta(days=10)), "endCreatedAt": z(split)})
    newer = walk(
        client,
        {"startCreatedAt": z(split + timedelta(seconds=1)), "endCreatedAt": z(NOW)},
    )
    assert len(older) + len(newer) == 500


@pytest.mark.parametrize(
    "params",
    [
        {"startCreatedAt": "2024-05-01"},
        {"startCreatedAt": "2024-05-01 00:00:00"},
        {"endCreatedAt": "1715000000"},
        {"startCreatedAt": "2024-13-01T00:00:00Z"},
        {"startDeliveredDate": "yesterday"},
    ],
)
def test_bad_dates_give_400_invalid_date_format(
    client: httpx.Client, params: dict[str, str]
) -> None:
    response = client.get(LOGS, params=params, headers=EDITH)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Invalid date format"
    assert body["details"]


def test_rfc3339_with_offset_and_fraction_is_accepted(client: httpx.Client) -> None:
    params = {
        "startCreatedAt": "2024-05-08T14:00:00.5+02:00",
        "endCreatedAt": "2024-05-09T12:00:00Z",
    }
    rows = walk(client, params)
    assert rows
    assert min(r["createdAt"] for r in rows) >= "2024-05-08T12:00:01Z"


def test_range_over_seven_days_is_refused(client: httpx.Client) -> None:
    params = {"startCreatedAt": "2024-05-01T00:00:00Z", "endCreatedAt": "2024-05-08T00:00:01Z"}
    response = client.get(LOGS, params=params, headers=EDITH)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert "7 days" in body["details"]
    exactly_seven = {**params, "endCreatedAt": "2024-05-08T00:00:00Z"}
    assert client.get(LOGS, params=exactly_seven, headers=EDITH).status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"pageSize": "51"}, {"pageSize": "0"}, {"pageSize": "ten"}, {"status": "DELIVERED"},
     {"recipientType": "reply-to"}, {"pageToken": "garbage!"}],
)  # fmt: skip
def test_bad_parameters_give_400(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get(LOGS, params=params, headers=EDITH)
    assert response.status_code == 400
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "demo-edith-token"}]
)
def test_bad_token_gives_the_documented_401(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.get(LOGS, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": "Unauthorized",
        "details": "Invalid or missing bearer token",
    }


def test_page_token_expires(make_client: Callable[..., httpx.Client], clock: FakeClock) -> None:
    client = make_client(token_ttl_s=300)
    token = client.get(LOGS, headers=EDITH).json()["nextPageToken"]
    clock.now += 299
    assert client.get(LOGS, params={"pageToken": token}, headers=EDITH).status_code == 200
    clock.now += 2
    response = client.get(LOGS, params={"pageToken": token}, headers=EDITH)
    assert response.status_code == 400
    assert response.json()["error"] == "Page token expired"


def test_expire_fault_expires_a_fresh_token(make_client: Callable[..., httpx.Client]) -> None:
    client = make_client(faults=FaultPlan(script={2: "expire"}))
    token = client.get(LOGS, headers=EDITH).json()["nextPageToken"]
    expired = client.get(LOGS, params={"pageToken": token}, headers=EDITH)
    assert expired.status_code == 400
    assert expired.json()["error"] == "Page token expired"
    assert client.get(LOGS, params={"pageToken": token}, headers=EDITH).status_code == 200


def test_token_from_another_query_is_refused(client: httpx.Client) -> None:
    token = client.get(LOGS, params={"status": "bounced"}, headers=EDITH).json()["nextPageToken"]
    response = client.get(LOGS, params={"status": "failed", "pageToken": token}, headers=EDITH)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


def test_filters_are_exact_matches(client: httpx.Client) -> None:
    everything = walk(client)
    bounced = walk(client, {"status": "bounced"})
    assert bounced == [row for row in everything if row["status"] == "bounced"]

    cc = walk(client, {"recipientType": "cc"})
    assert cc == [row for row in everything if row["recipientType"] == "cc"]

    target = everything[5]
    by_email = walk(client, {"email": target["recipientAddress"]})
    assert by_email == [
        r for r in everything if r["recipientAddress"] == target["recipientAddress"]
    ]

    by_domain = walk(client, {"recipientDomain": "corp.test", "fromAddress": "billing@acme.test"})
    assert by_domain == [
        r
        for r in everything
        if r["recipientDomain"] == "corp.test" and r["fromAddress"] == "billing@acme.test"
    ]
    reason = next(r["failedReason"] for r in everything if r["status"] == "failed")
    by_reason = walk(client, {"failedReason": reason})
    assert by_reason == [r for r in everything if r["failedReason"] == reason]


def test_ref_id_returns_every_recipient_of_the_send(client: httpx.Client) -> None:
    everything = walk(client)
    shared = next(
        r["refId"] for r in everything if sum(x["refId"] == r["refId"] for x in everything) > 1
    )
    rows = walk(client, {"refId": shared})
    assert rows == [r for r in everything if r["refId"] == shared]
    assert len(rows) == 2


def test_delivered_date_filter(client: httpx.Client) -> None:
    everything = walk(client)
    start, end = z(NOW - timedelta(days=3)), z(NOW - timedelta(days=1))
    rows = walk(client, {"startDeliveredDate": start, "endDeliveredDate": end})
    assert rows == [
        r for r in everything if r["deliveredDate"] and start <= r["deliveredDate"] <= end
    ]
