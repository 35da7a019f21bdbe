"""Infobip emulation: OpenAPI shapes, errors, 48-hour retention, v1 limits, v4 cursors."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import INFOBIP, NOW, FakeClock, fixture_json
from tests.support import load_fixture

V1 = "/email/1/logs"
V4 = "/email/4/logs"
SPEC = fixture_json("infobip_openapi_extract.json")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000")


def ib(moment: Any) -> str:
    """``yyyy-MM-dd'T'HH:mm:ss.SSS+0000``."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


def walk_v4(client: httpx.Client, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    query: dict[str, Any] = {**(params or {}), "useCursor": "true", "limit": 100}
    while True:
        response = client.get(V4, params=query, headers=INFOBIP)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["cursor"]["limit"] == 100
        rows.extend(body["results"])
        if body["cursor"].get("nextCursor") is None:
            return rows
        query["cursor"] = body["cursor"]["nextCursor"]


def test_v1_rows_match_the_email_log_schema(client: httpx.Client) -> None:
    documented = fixture_json("infobip_v1_sample.json")
    body = client.get(V1, params={"limit": 1000}, headers=INFOBIP).json()
    assert set(body) == set(documented)
    rows = body["results"]
    assert len(rows) == 500
    required = {"messageId", "bulkId", "to", "from", "text", "sentAt", "messageCount"}
    for row in rows:
        assert set(row) <= set(SPEC["EmailLog"])
        assert required | {"price", "status", "error", "applicationId"} <= set(row)
        assert set(row["status"]) <= set(SPEC["Status"])
        assert set(row["error"]) == set(SPEC["Error"])
        assert set(row["price"]) == set(SPEC["Price"])
        assert STAMP.fullmatch(row["sentAt"])
        assert "doneAt" not in row or STAMP.fullmatch(row["doneAt"])


def test_v4_rows_match_the_unification_log_schema(client: httpx.Client) -> None:
    rows = walk_v4(client)
    assert len(rows) == 500
    groups = set()
    for row in rows:
        assert set(row) <= set(SPEC["EmailUnificationLog"])
        assert set(row["status"]) <= set(SPEC["MessageStatus"])
        assert set(row["error"]) == set(SPEC["MessageError"])
        assert set(row["platform"]) <= set(SPEC["Platform"])
        assert row["status"]["groupName"] in SPEC["MessageGeneralStatus"]
        assert row["error"]["groupName"] in SPEC["MessageErrorGroup"]
        groups.add(row["status"]["groupName"])
        if row["status"]["groupName"] == "DELIVERED":
            assert row["error"]["name"] == "NO_ERROR"
    assert groups == set(SPEC["MessageGeneralStatus"])
    # Messages of one request share a bulkId but never a messageId.
    assert len({r["messageId"] for r in rows}) == 500
    assert len({r["bulkId"] for r in rows}) < 500


def test_v4_cursor_walk_returns_everything_newest_first(client: httpx.Client) -> None:
    rows = walk_v4(client)
    sent = [row["sentAt"] for row in rows]
    assert sent == sorted(sent, reverse=True)
    v1 = client.get(V1, params={"limit": 1000}, headers=INFOBIP).json()["results"]
    assert [r["messageId"] for r in v1] == [r["messageId"] for r in rows]


def test_v4_without_cursor_returns_the_latest_limit_and_no_cursor(client: httpx.Client) -> None:
    body = client.get(V4, headers=INFOBIP).json()
    assert set(body) == {"results"}
    assert len(body["results"]) == 50
    assert body["results"] == walk_v4(client)[:50]


def test_v1_has_no_pagination(client: httpx.Client) -> None:
    body = client.get(V1, params={"limit": 7}, headers=INFOBIP).json()
    assert set(body) == {"results"}
    assert len(body["results"]) == 7
    assert len(client.get(V1, headers=INFOBIP).json()["results"]) == 50


def test_nothing_older_than_48_hours_is_ever_returned(
    make_client: Callable[..., httpx.Client],
) -> None:
    client = make_client(spans={"infobip": timedelta(hours=96)})
    floor = ib(NOW - timedelta(hours=48))
    rows = walk_v4(client, {"sentSince": ib(NOW - timedelta(hours=96))})
    assert 200 < len(rows) < 300  # half of the 96 hours is gone
    assert min(r["sentAt"] for r in rows) >= floor
    old = client.get(
        V1, params={"sentUntil": ib(NOW - timedelta(hours=49)), "limit": 1000}, headers=INFOBIP
    )
    assert old.status_code == 200
    assert old.json()["results"] == []


def test_sent_since_and_until_are_inclusive(client: httpx.Client) -> None:
    row = walk_v4(client)[123]
    params = {"sentSince": row["sentAt"], "sentUntil": row["sentAt"], "useCursor": "true"}
    rows = client.get(V4, params=params, headers=INFOBIP).json()["results"]
    assert row in rows
    assert all(r["sentAt"] == row["sentAt"] for r in rows)


@pytest.mark.parametrize(
    "value",
    ["2024-05-09T10:00:00.000+0000", "2024-05-09T12:00:00.000+02:00", "2024-05-09T10:00:00.000Z"],
)
def test_documented_date_formats_are_accepted_and_equivalent(
    client: httpx.Client, value: str
) -> None:
    body = client.get(V1, params={"sentSince": value, "limit": 1000}, headers=INFOBIP).json()
    assert body["results"]
    assert min(r["sentAt"] for r in body["results"]) >= "2024-05-09T10:00:00.000+0000"


BAD_DATES = [
    "2024-05-09T10:00:00Z",
    "2024-05-09",
    "2024-05-09 10:00:00.000+0000",
    "2024-05-09T10:00:00.000",
    "1715248800000",
    "2024-05-32T10:00:00.000Z",
]


@pytest.mark.parametrize("value", BAD_DATES)
def test_bad_dates_give_400_in_each_version_style(client: httpx.Client, value: str) -> None:
    v1 = client.get(V1, params={"sentSince": value}, headers=INFOBIP)
    assert v1.status_code == 400
    exception = v1.json()["requestError"]["serviceException"]
    assert exception["messageId"] == "BAD_REQUEST"
    assert "sentSince" in exception["validationErrors"]

    v4 = client.get(V4, params={"sentUntil": value}, headers=INFOBIP)
    assert v4.status_code == 400
    error = v4.json()
    assert set(error) == set(SPEC["ApiError"])
    assert error["errorCode"] == "E400"
    assert [v["property"] for v in error["violations"]] == ["sentUntil"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (V1, {"limit": "1001"}),
        (V4, {"limit": "1001"}),
        (V4, {"limit": "0"}),
        (V4, {"generalStatus": "delivered"}),
        (V4, {"generalStatus": "SENT"}),
        (V4, {"useCursor": "yes"}),
        (V4, {"cursor": "abc"}),
        (V4, {"useCursor": "true", "cursor": "not-a-cursor"}),
    ],
)
def test_bad_parameters_give_400(client: httpx.Client, path: str, params: dict[str, str]) -> None:
    assert client.get(path, params=params, headers=INFOBIP).status_code == 400


def test_limit_1000_is_allowed(client: httpx.Client) -> None:
    response = client.get(V4, params={"limit": 1000}, headers=INFOBIP)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "App wrong"}, {"Authorization": "Bearer demo-infobip-key"}]
)
def test_bad_credentials_give_the_spec_401_bodies(
    client: httpx.Client, headers: dict[str, str]
) -> None:
    v1 = client.get(V1, headers=headers)
    assert v1.status_code == 401
    assert v1.json() == SPEC["examples"]["ApiException401"]
    v4 = client.get(V4, headers=headers)
    assert v4.status_code == 401
    assert v4.json() == SPEC["examples"]["ApiError401"]


def test_general_status_filter(client: httpx.Client) -> None:
    everything = walk_v4(client)
    for status in ("UNDELIVERABLE", "REJECTED"):
        rows = walk_v4(client, {"generalStatus": status})
        assert rows == [r for r in everything if r["status"]["groupName"] == status]
        v1 = client.get(
            V1, params={"generalStatus": status, "limit": 1000}, headers=INFOBIP
        ).json()["results"]
        assert [r["messageId"] for r in v1] == [r["messageId"] for r in rows]


def test_id_list_filters(client: httpx.Client) -> None:
    everything = walk_v4(client)
    picked = [everything[3], everything[77], everything[401]]
    ids = [r["messageId"] for r in picked]
    by_comma = client.get(V4, params={"messageId": ",".join(ids)}, headers=INFOBIP).json()
    by_repeat = client.get(V4, params={"messageId": ids}, headers=INFOBIP).json()
    assert by_comma["results"] == picked
    assert by_repeat["results"] == picked

    bulk_sizes = Counter(r["bulkId"] for r in everything)
    bulk = next(b for b, size in bulk_sizes.items() if size == 2)
    in_bulk = client.get(V1, params={"bulkId": bulk}, headers=INFOBIP).json()["results"]
    assert len(in_bulk) == 2
    assert {r["bulkId"] for r in in_bulk} == {bulk}

    one = client.get(V1, params={"messageId": ids[1]}, headers=INFOBIP).json()["results"]
    assert [r["messageId"] for r in one] == [ids[1]]


def test_address_filters(client: httpx.Client) -> None:
    everything = walk_v4(client)
    target = everything[10]
    rows = walk_v4(client, {"destination": target["destination"], "sender": target["sender"]})
    assert rows == [
        r
        for r in everything
        if r["destination"] == target["destination"] and r["sender"] == target["sender"]
    ]
    v1 = client.get(
        V1, params={"to": target["destination"], "from": target["sender"]}, headers=INFOBIP
    ).json()["results"]
    assert [r["messageId"] for r in v1] == [r["messageId"] for r in rows]


# ---- the documented rate limits, enforced when asked -------------------------


def _hammer(client: httpx.Client, path: str, times: int) -> list[int]:
    params = {"limit": 1, "useCursor": "true"} if path == V4 else {"limit": 1}
    return [client.get(path, params=params, headers=INFOBIP).status_code for _ in range(times)]


def test_enforced_rate_limit_answers_the_documented_429_without_retry_after(
    make_client: Callable[..., httpx.Client], clock: FakeClock
) -> None:
    client = make_client(infobip_rate_limit=True)
    # v4 allows 120 requests a minute, v1 60: each endpoint has its own budget.
    assert set(_hammer(client, V4, 120)) == {200}
    assert set(_hammer(client, V1, 60)) == {200}
    v4 = client.get(V4, headers=INFOBIP)
    v1 = client.get(V1, headers=INFOBIP)
    assert (v4.status_code, v1.status_code) == (429, 429)
    assert v4.json() == load_fixture("infobip_v4_429.json")
    assert v1.json() == load_fixture("infobip_v1_429.json")
    assert "retry-after" not in v4.headers and "retry-after" not in v1.headers
    # The window rolls: a minute after the first requests, they are served again.
    clock.now += 60
    assert _hammer(client, V4, 1) == [200]
    assert _hammer(client, V1, 1) == [200]


def test_without_the_option_nothing_is_throttled(client: httpx.Client) -> None:
    assert set(_hammer(client, V1, 70)) == {200}
