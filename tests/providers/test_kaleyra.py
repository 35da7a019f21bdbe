"""Kaleyra adapter against Kaleyra's documented payloads (respx)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from maillogs.core.errors import AuthError, ProviderDataError, UsageError
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.engine import fetch_records, make_plans, open_adapters
from maillogs.export.runner import fraction_fetched
from maillogs.fetch.http import ProviderRequestError
from maillogs.providers.kaleyra.adapter import parse_kaleyra_time
from tests.providers.helpers import run_query
from tests.support import load_fixture, make_profile

NOW = datetime(2022, 8, 5, 12, 0, tzinfo=UTC)
LOGS = "https://api.kaleyra.io/v1/SID123/email/logs"


def test_documented_page_becomes_one_record_per_address() -> None:
    body = load_fixture("kaleyra_logs_start_date.json")
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(
            make_profile("kaleyra"), Query(since=datetime(2022, 8, 4, tzinfo=UTC)), now=NOW
        )
    request = route.calls.last.request
    assert request.headers["api-key"] == "CANARY-KALEYRA-KEY-0001"
    assert request.url.params["start_date"] == "2022-08-04"
    assert request.url.params["page"] == "1"
    assert request.url.params["limit"] == "100"
    # 4 rows, each with a comma-joined to_mail of two addresses.
    assert len(records) == 8
    first = records[0]
    assert first.message_id == "d00808f2-8e3d-4a02-aa06-62b03f24796a:1"
    assert first.status is Status.QUEUED
    assert first.provider_status == "ACCEPTED"
    assert first.submitted_at == datetime(2022, 8, 4, 14, 20, 33, tzinfo=UTC)
    assert first.delivered_at is None  # Kaleyra sends "" when absent
    assert first.recipient_type is None
    # Both addresses of the comma-joined to_mail share the message id.
    assert [r.recipient for r in records[:2]] == ["[email protected]", "[email protected]"]
    assert records[1].message_id == first.message_id


def test_account_time_zone_reads_naive_timestamps_and_widens_days() -> None:
    body = load_fixture("kaleyra_logs_start_date.json")
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(
            make_profile("kaleyra", timezone="Asia/Kolkata"),
            # 08:46:10 UTC = 14:16:10 IST: the 14:20:33 and two 14:16:15 rows match,
            # the 14:16:04 one is trimmed locally although its day was asked for.
            Query(since=datetime(2022, 8, 4, 8, 46, 10, tzinfo=UTC)),
            now=NOW,
        )
    assert route.calls.last.request.url.params["start_date"] == "2022-08-04"
    assert [r.submitted_at.isoformat() for r in records[::2]] == [  # type: ignore[union-attr]
        "2022-08-04T08:50:33+00:00",
        "2022-08-04T08:46:15+00:00",
        "2022-08-04T08:46:15+00:00",
    ]


def _page(rows: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"data": rows, "error": {}, "total": total, "limit": "100", "offset": ""}


def _rows(count: int, start: int) -> list[dict[str, Any]]:
    template = load_fixture("kaleyra_logs_date_range.json")["data"][0]
    rows = []
    for index in range(start, start + count):
        row = copy.deepcopy(template)
        row["message_id"] = f"msg-{index}:1"
        row["to_mail"] = f"user{index}@example.org"
        rows.append(row)
    return rows


@pytest.mark.parametrize("concurrency", [1, 4])
def test_walks_every_page_to_total_in_order(concurrency: int) -> None:
    pages = {1: _rows(100, 0), 2: _rows(100, 100), 3: _rows(50, 200)}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_page(pages[int(request.url.params["page"])], 250))

    with respx.mock:
        route = respx.get(LOGS).mock(side_effect=answer)
        records = run_query(make_profile("kaleyra"), Query(), now=NOW, concurrency=concurrency)
    assert [r.message_id for r in records] == [f"msg-{i}:1" for i in range(250)]
    assert sorted(int(c.request.url.params["page"]) for c in route.calls) == [1, 2, 3]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_the_documented_short_page_of_a_larger_total_is_not_the_end(concurrency: int) -> None:
    # Kaleyra's date-range example answers with "total": 16, "limit": "4": the
    # page size is the body's limit (not the 100 asked for), and total says
    # there is more. Later pages here hold the rest of the 16.
    first = load_fixture("kaleyra_logs_date_range.json")
    later = {2: _rows(4, 100), 3: _rows(4, 104), 4: _rows(4, 108), 5: []}

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        if page == 1:
            return httpx.Response(200, json=first)
        return httpx.Response(200, json={**first, "data": later[page]})

    with respx.mock:
        route = respx.get(LOGS).mock(side_effect=answer)
        records = run_query(make_profile("kaleyra"), Query(), now=NOW, concurrency=concurrency)
    assert len(records) == 16
    assert sorted(int(c.request.url.params["page"]) for c in route.calls)[:4] == [1, 2, 3, 4]


def test_a_server_that_pages_by_fewer_rows_than_asked_is_walked_to_total() -> None:
    pages = {1: _rows(50, 0), 2: _rows(50, 50), 3: _rows(20, 100)}

    def answer(request: httpx.Request) -> httpx.Response:
        rows = pages[int(request.url.params["page"])]
        return httpx.Response(200, json={**_page(rows, 120), "limit": "50"})

    with respx.mock:
        respx.get(LOGS).mock(side_effect=answer)
        records = run_query(make_profile("kaleyra"), Query(), now=NOW, concurrency=4)
    assert [r.message_id for r in records] == [f"msg-{i}:1" for i in range(120)]


def test_a_limit_that_is_not_a_number_is_a_data_error() -> None:
    with respx.mock:
        respx.get(LOGS).mock(
            return_value=httpx.Response(200, json={**_page(_rows(1, 0), 1), "limit": "many"})
        )
        with pytest.raises(ProviderDataError, match="non-numeric limit 'many'"):
            run_query(make_profile("kaleyra"), Query(), now=NOW)


def test_a_row_pushed_onto_the_next_page_by_new_mail_is_listed_once() -> None:
    rows = _rows(150, 0)
    arrived = _rows(1, 999)[0]

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        if page > 1 and rows[0] is not arrived:
            rows.insert(0, arrived)  # mail sent during the walk shifts every row
        return httpx.Response(200, json=_page(rows[(page - 1) * 100 : page * 100], len(rows)))

    with respx.mock:
        respx.get(LOGS).mock(side_effect=answer)
        records = run_query(make_profile("kaleyra"), Query(), now=NOW)
    # msg-99 ends page 1 and starts the shifted page 2: it comes once.
    assert [r.message_id for r in records] == [f"msg-{i}:1" for i in range(150)]


def test_total_tells_export_progress_how_much_is_left() -> None:
    pages = {1: _rows(100, 0), 2: _rows(100, 100), 3: _rows(50, 200)}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_page(pages[int(request.url.params["page"])], 250))

    with respx.mock, open_adapters([make_profile("kaleyra")], now=NOW) as adapters:
        respx.get(LOGS).mock(side_effect=answer)
        plans = make_plans(adapters, Query(), lambda _: None)
        records = fetch_records(plans, Query(), concurrency=1)
        next(records)  # page 1 read: the total is known, 100 of 250 rows fetched
        assert adapters[0].rows_expected == 250
        assert fraction_fetched(adapters) == 0.4
        list(records)
        assert fraction_fetched(adapters) == 1.0


def test_a_status_only_the_console_spells_is_still_found() -> None:
    # maillogs maps the console's SENT to `sent`; asking for it must find such rows.
    body = load_fixture("kaleyra_logs_search_bounce.json")
    body["data"][0]["status"] = "SENT"
    with respx.mock:
        respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(
            make_profile("kaleyra"), Query(statuses=frozenset({Status.SENT})), now=NOW
        )
    assert [(r.status, r.provider_status) for r in records] == [(Status.SENT, "SENT")]


@pytest.mark.parametrize("status", [Status.DELIVERED, Status.SENT, Status.QUEUED])
def test_a_status_rows_move_on_from_is_not_searched_for(status: Status) -> None:
    # A delivered row that is opened during a walk leaves `search=DELIVERED`:
    # every older row moves up a place and one at a page edge would be lost.
    body = load_fixture("kaleyra_logs_search_bounce.json")
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        run_query(make_profile("kaleyra"), Query(statuses=frozenset({status})), now=NOW)
    assert "search" not in route.calls.last.request.url.params


@pytest.mark.parametrize(
    ("status", "term"),
    [(Status.BOUNCED, "BOUNCE"), (Status.OPENED, "OPEN"), (Status.FAILED, "FAILED")],
)
def test_a_settled_status_is_searched_for(status: Status, term: str) -> None:
    body = load_fixture("kaleyra_logs_search_bounce.json")
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        run_query(make_profile("kaleyra"), Query(statuses=frozenset({status})), now=NOW)
    assert route.calls.last.request.url.params.get_list("search") == [term]


def test_a_status_no_single_search_term_covers_is_filtered_locally_only() -> None:
    # queued is ACCEPTED, or QUEUED/VALIDATED in the console's words: search=ACCEPTED
    # (a substring match) would leave the others out on the provider's side.
    body = load_fixture("kaleyra_logs_search_bounce.json")
    accepted, queued = copy.deepcopy(body["data"][0]), copy.deepcopy(body["data"][0])
    accepted.update(message_id="m1:1", status="ACCEPTED")
    queued.update(message_id="m2:1", status="QUEUED")
    body["data"] = [accepted, queued]
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(
            make_profile("kaleyra"), Query(statuses=frozenset({Status.QUEUED})), now=NOW
        )
    assert "search" not in route.calls.last.request.url.params
    assert [r.message_id for r in records] == ["m1:1", "m2:1"]


def test_single_status_narrows_with_search_and_is_checked_locally() -> None:
    body = load_fixture("kaleyra_logs_search_bounce.json")
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        records = run_query(
            make_profile("kaleyra"), Query(statuses=frozenset({Status.BOUNCED})), now=NOW
        )
    assert route.calls.last.request.url.params.get_list("search") == ["BOUNCE"]
    assert [r.status for r in records] == [Status.BOUNCED]
    assert (
        records[0].error_message is not None and "wrong email address" in records[0].error_message
    )


def test_statuses_kaleyra_search_cannot_or_are_filtered_locally() -> None:
    body = load_fixture("kaleyra_logs_date_range.json")  # ACCEPTED and FAILED rows
    wanted = frozenset({Status.FAILED, Status.BOUNCED})  # search terms would be ANDed
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=_page(body["data"], 4)))
        records = run_query(make_profile("kaleyra"), Query(statuses=wanted), now=NOW)
    assert "search" not in route.calls.last.request.url.params
    assert {r.provider_status for r in records} == {"FAILED"}
    assert len(records) == 2


def test_recipient_filter_uses_to_mail_and_exact_local_match() -> None:
    body = load_fixture("kaleyra_logs_to_mail.json")
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=_page(body["data"], 2)))
        records = run_query(make_profile("kaleyra"), Query(recipient="iam*****@gmail.com"), now=NOW)
    assert route.calls.last.request.url.params["toMail"] == "iam*****@gmail.com"
    assert len(records) == 2


def test_recipient_type_is_refused_naming_edith() -> None:
    with pytest.raises(UsageError, match=r"--recipient-type.*EDITH"):
        run_query(make_profile("kaleyra"), Query(recipient_type="cc"), now=NOW)


def test_an_error_envelope_sent_with_http_200_is_a_refusal_not_an_empty_result() -> None:
    envelope = {"data": [], "error": {"code": "E400", "message": "Invalid sid"}}
    with respx.mock:
        respx.get(LOGS).mock(return_value=httpx.Response(200, json=envelope))
        with pytest.raises(ProviderRequestError, match="Invalid sid") as caught:
            run_query(make_profile("kaleyra"), Query(), now=NOW)
    assert caught.value.exit_code == 69


def test_refused_key_names_profile_without_leaking_it() -> None:
    with respx.mock:
        respx.get(LOGS).mock(
            return_value=httpx.Response(
                401, json={"data": [], "error": {"code": "E401", "message": "Invalid API key"}}
            )
        )
        with pytest.raises(AuthError) as caught:
            run_query(make_profile("kaleyra"), Query(), now=NOW)
    message = str(caught.value)
    assert "test-kaleyra" in message and "Invalid API key" in message
    assert "CANARY-KALEYRA-KEY-0001" not in message
    assert caught.value.exit_code == 77


@pytest.mark.parametrize("name", ["page", "limit", "start_date"])
def test_param_cannot_override_what_the_adapter_manages(name: str) -> None:
    with pytest.raises(UsageError, match=f"--param {name}"):
        run_query(make_profile("kaleyra"), Query(params=((name, "3"),)), now=NOW)


def test_param_passes_provider_only_filters_through() -> None:
    body = load_fixture("kaleyra_logs_start_date.json")
    with respx.mock:
        route = respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        run_query(make_profile("kaleyra"), Query(params=(("search", "new_template"),)), now=NOW)
    assert route.calls.last.request.url.params.get_list("search") == ["new_template"]


def test_pages_without_a_total_are_walked_one_after_the_other_to_a_short_page() -> None:
    pages = {1: _rows(100, 0), 2: _rows(50, 100)}

    def answer(request: httpx.Request) -> httpx.Response:
        rows = pages[int(request.url.params["page"])]
        return httpx.Response(200, json={"data": rows, "error": {}, "limit": "100"})

    with respx.mock:
        route = respx.get(LOGS).mock(side_effect=answer)
        records = run_query(make_profile("kaleyra"), Query(), now=NOW, concurrency=4)
    assert [r.message_id for r in records] == [f"msg-{i}:1" for i in range(150)]
    assert route.call_count == 2


def test_stats_pages_of_the_same_days_stop_with_a_data_error() -> None:
    day = {"date": "2022-08-01", "stats": [{"metrics": {"accepted": 1}}]}
    with respx.mock, open_adapters([make_profile("kaleyra")], now=NOW) as adapters:
        route = respx.get("https://api.kaleyra.io/v1/SID123/email/stats").mock(
            return_value=httpx.Response(200, json={"data": [day] * 100, "error": {}})
        )
        with pytest.raises(ProviderDataError, match="pagination makes no progress"):
            list(adapters[0].daily_counts(datetime(2022, 8, 1).date(), NOW.date()))
    assert route.call_count == 6  # page 1, then five pages of the same days


@pytest.mark.parametrize(
    "zone",
    ["UTC", "Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Lord_Howe"],
)
def test_account_times_are_the_same_instants_across_offset_changes(zone: str) -> None:
    # Times are read with the zone's offset for their hour (a quick path);
    # through the 2024 changes of offset, including the half-hour ones of
    # Lord Howe, the instants must be those of replace(tzinfo=zone).
    tz = ZoneInfo(zone)
    days = ["2024-03-10", "2024-03-31", "2024-04-07", "2024-10-06", "2024-10-27", "2024-11-03"]
    for day in days:
        moment = datetime.fromisoformat(f"{day} 00:00:00") - timedelta(hours=6)
        for _ in range(36 * 60 // 7):
            moment += timedelta(minutes=7, seconds=13)
            text = moment.isoformat(sep=" ")
            expected = moment.replace(tzinfo=tz).astimezone(UTC)
            assert parse_kaleyra_time(text, tz) == expected, text
            assert parse_kaleyra_time(text, tz).tzinfo is UTC  # type: ignore[union-attr]
