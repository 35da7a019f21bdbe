"""Kaleyra emulation: documented shapes, errors, pagination, filters and stats."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import KALEYRA, KALEYRA_LOGS, NOW, fixture_json

DOC_STATUSES = {
    "BLOCKED", "BOUNCE", "DEFERRED", "DELIVERED", "ACCEPTED", "FAILED", "OPEN", "SUPPRESSED",
}  # fmt: skip
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
MESSAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}:\d+")


def walk(client: httpx.Client, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every row of a query, page by page, checking ``total`` on the way."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get(
            KALEYRA_LOGS, params={**(params or {}), "page": page, "limit": 100}, headers=KALEYRA
        ).json()
        rows.extend(body["data"])
        if not body["data"] or len(rows) >= body["total"]:
            assert len(rows) == body["total"]
            return rows
        page += 1


def test_rows_have_exactly_the_documented_keys(client: httpx.Client) -> None:
    documented = fixture_json("kaleyra_logs_sample.json")
    with_type = fixture_json("kaleyra_logs_search_sample.json")["data"][0]
    body = client.get(KALEYRA_LOGS, headers=KALEYRA).json()

    assert set(body) == set(documented)
    assert isinstance(body["total"], int)
    assert body["limit"] == "50"  # a string, as documented
    assert body["offset"] == ""
    assert body["error"] == {}
    doc_keys = set(documented["data"][0])
    for row in body["data"]:
        assert set(row) - {"type"} == doc_keys
        assert set(row) <= set(with_type)
        for key, value in documented["data"][0].items():
            assert type(row[key]) is type(value) or key == "sale_price", key


def test_row_values_follow_the_documented_formats(client: httpx.Client) -> None:
    rows = walk(client)
    assert {row["status"] for row in rows} == DOC_STATUSES
    for row in rows:
        assert MESSAGE_ID.fullmatch(row["message_id"]), row["message_id"]
        assert STAMP.fullmatch(row["submitted_at"])
        assert row["delivered_at"] == "" or STAMP.fullmatch(row["delivered_at"])
        if row["status"] in ("ACCEPTED", "DEFERRED", "FAILED", "BLOCKED", "SUPPRESSED"):
            assert row["delivered_at"] == ""
        assert row.get("type", "TXN") in ("TXN", "MKT")
    multi = [row["to_mail"] for row in rows if "," in row["to_mail"]]
    assert multi, "some rows list several recipients"
    assert all(", " not in to for to in multi)
    # Several messages of one request share the uuid, numbered :1, :2.
    assert any(row["message_id"].endswith(":2") for row in rows)


def test_page_walk_returns_every_message_once_newest_first(client: httpx.Client) -> None:
    rows = walk(client)
    ids = [row["message_id"] for row in rows]
    assert len(ids) == 500 == len(set(ids))
    stamps = [row["submitted_at"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)


def test_page_past_the_end_is_empty_with_the_total(client: httpx.Client) -> None:
    body = client.get(KALEYRA_LOGS, params={"page": 99, "limit": 10}, headers=KALEYRA).json()
    assert body["data"] == []
    assert body["total"] == 500


@pytest.mark.parametrize(
    "headers",
    [{}, {"api-key": "wrong"}, {"Authorization": "Bearer demo-kaleyra-key"}],
)
def test_bad_credentials_give_401(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.get(KALEYRA_LOGS, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "data": [],
        "error": {"code": "E401", "message": "Invalid API key or SID"},
    }


def test_wrong_sid_gives_401(client: httpx.Client) -> None:
    response = client.get("/v1/OTHER-SID/email/logs", headers=KALEYRA)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2024/05/01"},
        {"start_date": "2024-5-1"},
        {"end_date": "2024-05-01T00:00:00Z"},
        {"start_date": "2024-02-30"},
        {"start_date": "yesterday"},
        {"start_date": "2024-05-09", "end_date": "2024-05-01"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "two"},
        {"limit": "101"},
        {"limit": "0"},
    ],
)
def test_bad_parameters_give_400(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get(KALEYRA_LOGS, params=params, headers=KALEYRA)
    assert response.status_code == 400
    body = response.json()
    assert body["data"] == []
    assert body["error"]["code"] == "E400"
    assert body["error"]["message"]


def test_limit_100_is_allowed(client: httpx.Client) -> None:
    body = client.get(KALEYRA_LOGS, params={"limit": 100}, headers=KALEYRA).json()
    assert len(body["data"]) == 100
    assert body["limit"] == "100"


def test_date_range_is_whole_days_in_the_account_zone(
    make_client: Callable[..., httpx.Client],
) -> None:
    utc = make_client()
    kolkata = make_client(kaleyra_timezone="Asia/Kolkata")
    day = "2024-05-05"
    params = {"start_date": day, "end_date": day}
    in_utc = walk(utc, params)
    in_kolkata = walk(kolkata, params)
    assert in_utc
    assert in_kolkata
    assert all(row["submitted_at"].startswith(day) for row in in_utc + in_kolkata)
    # Same messages, shown 5:30 later; a Kolkata day starts 5:30 earlier in UTC.
    by_id = {row["message_id"]: row for row in walk(utc)}
    for row in in_kolkata:
        shown = datetime.fromisoformat(row["submitted_at"])
        utc_shown = datetime.fromisoformat(by_id[row["message_id"]]["submitted_at"])
        assert shown - utc_shown == timedelta(hours=5, minutes=30)
    assert {r["message_id"] for r in in_utc} != {r["message_id"] for r in in_kolkata}


def test_search_terms_are_anded_and_case_insensitive(client: httpx.Client) -> None:
    everything = walk(client)
    expected = [
        row
        for row in everything
        if row["status"] == "BOUNCE"
        and "gmail" in (row["from_mail"] + row["to_mail"] + row["template_name"]).lower()
    ]
    found = walk(client, {"search": ["bounce", "GMAIL"]})
    assert expected
    assert found == expected


def test_to_mail_and_message_id_filters(client: httpx.Client) -> None:
    everything = walk(client)
    target = everything[17]
    address = target["to_mail"].split(",")[0]
    by_address = walk(client, {"toMail": address.upper()})
    assert target in by_address
    assert all(address in row["to_mail"].split(",") for row in by_address)

    by_id = client.get(
        KALEYRA_LOGS, params={"messageId": target["message_id"]}, headers=KALEYRA
    ).json()
    assert by_id["data"] == [target]
    assert by_id["total"] == 1
    unknown = client.get(
        KALEYRA_LOGS, params={"messageId": "not-a-message:1"}, headers=KALEYRA
    ).json()
    assert unknown["data"] == []
    assert unknown["total"] == 0


def test_message_stats_has_the_documented_shape(client: httpx.Client) -> None:
    documented = fixture_json("kaleyra_message_stats_bounce_sample.json")
    bounce = walk(client, {"search": "BOUNCE"})[0]
    response = client.get(f"/v1/DEMO-SID/email/stats/{bounce['message_id']}", headers=KALEYRA)
    body = response.json()
    assert response.status_code == 200
    assert set(body) == set(documented)
    data = body["data"][0]
    assert set(data) == set(documented["data"][0])
    assert data["message_id"] == bounce["message_id"]
    assert data["request_datetime"] == bounce["submitted_at"]
    doc_recipient = documented["data"][0]["recipients"][0]
    assert [r["to"] for r in data["recipients"]] == bounce["to_mail"].split(",")
    for recipient in data["recipients"]:
        assert set(recipient) == set(doc_recipient)
        assert recipient["status"] == "BOUNCE"
        assert recipient["error_code"].startswith("5")
        assert recipient["error_message"].startswith(recipient["error_code"])


def test_unknown_message_stats_is_404(client: httpx.Client) -> None:
    response = client.get(
        "/v1/DEMO-SID/email/stats/00000000-0000-4000-8000-000000000000:1", headers=KALEYRA
    )
    assert response.status_code == 404
    assert response.json()["data"] == []
    assert response.json()["error"]["code"] == "E404"


def test_daily_stats_add_up_to_the_logs(client: httpx.Client) -> None:
    documented = fixture_json("kaleyra_stats_sample.json")
    params = {"start_date": "2024-05-03", "end_date": "2024-05-06"}
    body = client.get("/v1/DEMO-SID/email/stats", params=params, headers=KALEYRA).json()
    assert set(body) == set(documented)
    days = body["data"]
    assert [d["date"] for d in days] == ["2024-05-03", "2024-05-04", "2024-05-05", "2024-05-06"]
    metrics_keys = set(documented["data"][0]["stats"][0]["metrics"])
    rows = walk(client, params)
    for day in days:
        metrics = day["stats"][0]["metrics"]
        assert set(metrics) == metrics_keys
        that_day = [r for r in rows if r["submitted_at"].startswith(day["date"])]
        statuses = [r["status"] for r in that_day]
        assert metrics["accepted"] == len(that_day)
        assert metrics["opens"] == statuses.count("OPEN")
        assert metrics["delivered"] == statuses.count("DELIVERED") + statuses.count("OPEN")
        assert metrics["deferred"] == statuses.count("DEFERRED")
        assert metrics["blocks"] == statuses.count("BLOCKED") + statuses.count("SUPPRESSED")

    second = client.get(
        "/v1/DEMO-SID/email/stats", params={**params, "page": 2, "limit": 1}, headers=KALEYRA
    ).json()
    assert second["data"] == [days[1]]


def test_million_records_last_page_without_materialising(
    make_client: Callable[..., httpx.Client],
) -> None:
    big = make_client(records=1_000_000)
    body = big.get(KALEYRA_LOGS, params={"page": 10_000, "limit": 100}, headers=KALEYRA).json()
    assert body["total"] == 1_000_000
    assert len(body["data"]) == 100
    oldest = body["data"][-1]["submitted_at"]
    assert oldest.startswith((NOW - timedelta(days=10)).date().isoformat())
    day = "2024-05-07"
    one_day = big.get(
        KALEYRA_LOGS, params={"start_date": day, "end_date": day, "page": 300}, headers=KALEYRA
    ).json()
    assert 90_000 < one_day["total"] < 110_000  # a tenth of ten days
    assert all(row["submitted_at"].startswith(day) for row in one_day["data"])
