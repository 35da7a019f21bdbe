"""Infobip adapter (v4 cursor, v1 window splitting) against its OpenAPI spec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from maillogs.core.errors import AuthError, UsageError
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.engine import open_adapters
from maillogs.fetch.http import ProviderRequestError
from maillogs.providers.infobip.adapter import refine_status
from tests.providers.helpers import run_query
from tests.support import load_fixture, make_profile

NOW = datetime(2020, 2, 24, 12, 0, tzinfo=UTC)
BASE = "https://xyz123.api.infobip.com"


def v1_profile() -> Any:
    return make_profile("infobip", settings={"api_version": "1"})


def test_v4_cursor_walk_with_documented_fields() -> None:
    first = load_fixture("infobip_v4_logs.json")
    last = {"results": [], "cursor": {"limit": 1000}}
    with respx.mock:
        route = respx.get(f"{BASE}/email/4/logs").mock(
            side_effect=lambda r: httpx.Response(
                200, json=first if "cursor" not in r.url.params else last
            )
        )
        records = run_query(make_profile("infobip"), Query(since=NOW - timedelta(hours=5)), now=NOW)
    request = route.calls[0].request
    assert request.headers["Authorization"] == "App CANARY-INFOBIP-KEY-0003"
    assert request.url.params["useCursor"] == "true"
    assert request.url.params["limit"] == "1000"
    assert request.url.params["sentSince"] == "2020-02-24T07:00:00.000+0000"
    assert request.url.params["sentUntil"] == "2020-02-24T12:00:00.000+0000"
    assert "%2B0000" in str(request.url)  # '+' must not turn into a space
    assert route.calls[1].request.url.params["cursor"] == "cursor-page-2"
    # The fixture's records are older than the window: trimmed locally.
    assert records == []


def test_without_dates_each_documented_row_comes_once() -> None:
    # No dates: the 48 hours Infobip keeps, one v4 range cut only when its
    # first page says there is more (here it is the last): one request, and
    # rows dated before the range belong to it, so each is shown exactly once.
    body = load_fixture("infobip_v4_logs.json")
    body["cursor"]["nextCursor"] = None
    with respx.mock:
        route = respx.get(f"{BASE}/email/4/logs").mock(return_value=httpx.Response(200, json=body))
        records = run_query(make_profile("infobip"), Query(), now=NOW + timedelta(days=10))
    assert len(route.calls) == 1
    assert [r.message_id for r in records] == ["MESSAGE-ID-124-xyz", "MESSAGE-ID-123-xyz"]


@pytest.mark.parametrize("version", ["4", "1"])
def test_paced_requests_ask_for_the_whole_retention_in_one_window(version: str) -> None:
    # At the documented 60-120 requests a minute, windows walked in parallel go
    # no faster and each costs one more paced request (8 took 3.7 s for 20 rows).
    profile = make_profile("infobip", rate_limit_per_minute=60.0, settings={"api_version": version})
    with respx.mock:
        route = respx.get(f"{BASE}/email/{version}/logs").mock(
            return_value=httpx.Response(200, json={"results": []})
        )
        assert run_query(profile, Query(), now=NOW) == []
    (call,) = route.calls
    assert call.request.url.params["sentSince"] == "2020-02-22T12:00:00.000+0000"
    assert call.request.url.params["sentUntil"] == "2020-02-24T12:00:00.000+0000"


def test_explain_names_how_the_range_is_cut() -> None:
    def native(query: Query, profile: Any) -> list[str]:
        with open_adapters([profile], now=NOW) as (adapter,):
            return adapter.plan(query, lambda _m: None).native

    hour = Query(since=NOW - timedelta(hours=1))
    v4 = ["since/until -> sentSince/sentUntil (cut by density after the first page)"]
    assert native(Query(), make_profile("infobip")) == v4
    assert native(hour, make_profile("infobip")) == v4
    assert native(Query(), v1_profile()) == ["since/until -> sentSince/sentUntil (6h windows)"]
    assert native(hour, v1_profile()) == ["since/until -> sentSince/sentUntil"]


def test_v4_records_normalize_status_error_and_price() -> None:
    body = load_fixture("infobip_v4_logs.json")
    body["cursor"] = {"limit": 1000}
    now = datetime(2020, 2, 23, 20, 0, tzinfo=UTC)
    with respx.mock:
        respx.get(f"{BASE}/email/4/logs").mock(return_value=httpx.Response(200, json=body))
        records = run_query(make_profile("infobip"), Query(), now=now)
    by_id = {r.message_id: r for r in records}
    delivered, bounced = by_id["MESSAGE-ID-124-xyz"], by_id["MESSAGE-ID-123-xyz"]
    assert delivered.status is Status.DELIVERED
    assert delivered.provider_status == "DELIVERED/DELIVERED_TO_HANDSET"
    assert delivered.error_code is None  # id 0 is NO_ERROR
    assert delivered.price == 0.0012
    assert delivered.sender == "alerts@shop.example"
    assert delivered.submitted_at == datetime(2020, 2, 23, 16, 42, 5, 390000, tzinfo=UTC)
    assert delivered.campaign_id == "summersale"
    assert bounced.status is Status.BOUNCED
    assert bounced.error_code == "5001"
    assert bounced.error_message == "550 5.1.1 mailbox unavailable"


def test_v1_reference_sample_keeps_unknown_status_with_native_value() -> None:
    body = load_fixture("infobip_v1_logs_reference_sample.json")
    now = datetime(2021, 1, 2, 10, 0, tzinfo=UTC)
    with respx.mock:
        route = respx.get(f"{BASE}/email/1/logs").mock(return_value=httpx.Response(200, json=body))
        records = run_query(v1_profile(), Query(), now=now)
    assert "useCursor" not in route.calls[0].request.url.params
    (record,) = records
    assert record.status is Status.UNKNOWN
    assert record.provider_status == "string/string"
    assert record.recipient == "string" and record.sender == "string"


def test_status_unknown_asks_the_provider_and_keeps_unmapped_values() -> None:
    body = load_fixture("infobip_v1_logs_reference_sample.json")
    now = datetime(2021, 1, 2, 10, 0, tzinfo=UTC)
    unknown = Query(statuses=frozenset({Status.UNKNOWN, Status.BOUNCED}))
    with respx.mock:
        route = respx.get(f"{BASE}/email/1/logs").mock(return_value=httpx.Response(200, json=body))
        records = run_query(v1_profile(), unknown, now=now)
    # No generalStatus: UNDELIVERABLE alone would leave the unmapped values out.
    assert "generalStatus" not in route.calls[0].request.url.params
    assert [record.provider_status for record in records] == ["string/string"]


def _v1_rows(times: list[datetime]) -> list[dict[str, Any]]:
    return [
        {
            "messageId": f"m-{int(t.timestamp() * 1000)}",
            "to": "a@example.org",
            "from": "b@shop.example",
            "sentAt": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000",
            "status": {
                "groupId": 3,
                "groupName": "DELIVERED",
                "id": 5,
                "name": "DELIVERED_TO_HANDSET",
            },
        }
        for t in times
    ]


def test_v1_full_answers_split_the_window_until_everything_is_returned() -> None:
    # 2,500 messages one second apart inside one 6-hour window; v1 returns at most
    # `limit` (newest first), so the adapter must split until each answer is short.
    start = NOW - timedelta(hours=3)
    sent = [start + timedelta(seconds=i) for i in range(2500)]

    def answer(request: httpx.Request) -> httpx.Response:
        since = datetime.fromisoformat(request.url.params["sentSince"])
        until = datetime.fromisoformat(request.url.params["sentUntil"])
        limit = int(request.url.params["limit"])
        inside = sorted((t for t in sent if since <= t <= until), reverse=True)[:limit]
        return httpx.Response(200, json={"results": _v1_rows(inside)})

    with respx.mock:
        route = respx.get(f"{BASE}/email/1/logs").mock(side_effect=answer)
        records = run_query(v1_profile(), Query(since=start), now=NOW)
    ids = [r.message_id for r in records]
    assert len(ids) == 2500 and len(set(ids)) == 2500
    assert ids == sorted(ids, reverse=True)  # still newest first
    assert len(route.calls) > 3


def test_a_message_where_two_windows_meet_survives_exclusive_bounds() -> None:
    # The spec says "sent after" sentSince and "sent before" sentUntil; a server
    # that reads both as exclusive must not lose the message on a window edge.
    since = NOW - timedelta(hours=12)
    edge = NOW - timedelta(hours=6)  # where the two 6-hour windows meet
    sent = [NOW - timedelta(hours=1), edge, NOW - timedelta(hours=9)]

    def answer(request: httpx.Request) -> httpx.Response:
        after = datetime.fromisoformat(request.url.params["sentSince"])
        before = datetime.fromisoformat(request.url.params["sentUntil"])
        rows = _v1_rows(sorted((t for t in sent if after < t < before), reverse=True))
        return httpx.Response(200, json={"results": rows})

    with respx.mock:
        route = respx.get(f"{BASE}/email/1/logs").mock(side_effect=answer)
        records = run_query(v1_profile(), Query(since=since), now=NOW)
    assert [r.submitted_at for r in records] == sorted(sent, reverse=True)
    asked = [
        (c.request.url.params["sentSince"], c.request.url.params["sentUntil"]) for c in route.calls
    ]
    # The range's own ends go out as asked; only the inner edge overlaps, by 1 ms.
    assert asked == [
        ("2020-02-24T05:59:59.999+0000", "2020-02-24T12:00:00.000+0000"),
        ("2020-02-24T00:00:00.000+0000", "2020-02-24T06:00:00.000+0000"),
    ]


def test_window_before_retention_warns_and_is_clipped() -> None:
    warnings: list[str] = []
    with respx.mock:
        route = respx.get(f"{BASE}/email/4/logs").mock(
            return_value=httpx.Response(200, json={"results": []})
        )
        run_query(
            make_profile("infobip"),
            Query(since=NOW - timedelta(days=7)),
            now=NOW,
            warnings=warnings,
        )
    assert any("48 hours" in w for w in warnings)
    earliest = min(datetime.fromisoformat(c.request.url.params["sentSince"]) for c in route.calls)
    assert earliest == NOW - timedelta(hours=48)


def test_a_range_ending_before_retention_warns_and_sends_nothing() -> None:
    warnings: list[str] = []
    with respx.mock:
        route = respx.get(f"{BASE}/email/4/logs")
        records = run_query(
            make_profile("infobip"),
            Query(until=NOW - timedelta(days=3)),
            now=NOW,
            warnings=warnings,
        )
    assert records == [] and not route.called
    assert len(warnings) == 1 and "48 hours" in warnings[0]


def test_status_maps_to_general_status_when_one_covers_it() -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/email/4/logs").mock(
            return_value=httpx.Response(200, json={"results": []})
        )
        run_query(make_profile("infobip"), Query(statuses=frozenset({Status.BOUNCED})), now=NOW)
    assert route.calls[0].request.url.params["generalStatus"] == "UNDELIVERABLE"


def test_a_message_id_is_looked_up_in_one_request_over_the_retention() -> None:
    body = load_fixture("infobip_v4_logs.json")
    with respx.mock:
        route = respx.get(f"{BASE}/email/4/logs").mock(
            side_effect=lambda r: httpx.Response(
                200, json=body if "cursor" not in r.url.params else {"results": []}
            )
        )
        run_query(make_profile("infobip"), Query(message_id="msg-1"), now=NOW)
    first = route.calls[0].request.url.params
    assert first["messageId"] == "msg-1"
    assert first["sentSince"] == "2020-02-22T12:00:00.000+0000"  # 48 hours back, not 6
    assert first["sentUntil"] == "2020-02-24T12:00:00.000+0000"
    # Only the fixture's second page follows (its cursor): no other windows.
    assert [call.request.url.params.get("cursor") for call in route.calls] == [
        None,
        "cursor-page-2",
    ]


def test_status_infobip_never_reports_sends_nothing() -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/email/4/logs")
        records = run_query(
            make_profile("infobip"), Query(statuses=frozenset({Status.OPENED})), now=NOW
        )
    assert records == [] and not route.called


@pytest.mark.parametrize(
    ("version", "fixture"), [("4", "infobip_v4_401.json"), ("1", "infobip_v1_401.json")]
)
def test_documented_401_bodies_become_auth_errors(version: str, fixture: str) -> None:
    profile = make_profile("infobip", settings={"api_version": version})
    with respx.mock:
        respx.get(f"{BASE}/email/{version}/logs").mock(
            return_value=httpx.Response(401, json=load_fixture(fixture))
        )
        with pytest.raises(AuthError) as caught:
            run_query(profile, Query(), now=NOW)
    assert "test-infobip" in str(caught.value)
    assert "CANARY-INFOBIP-KEY-0003" not in str(caught.value)


def test_recipient_type_is_refused() -> None:
    with pytest.raises(UsageError, match="Infobip"):
        run_query(make_profile("infobip"), Query(recipient_type="bcc"), now=NOW)


def test_error_body_of_unexpected_shape_still_reports_the_refusal() -> None:
    odd = {"errorCode": "E400", "description": "Bad request", "violations": 5}
    with respx.mock:
        respx.get(f"{BASE}/email/4/logs").mock(return_value=httpx.Response(400, json=odd))
        with pytest.raises(ProviderRequestError, match=r"HTTP 400: Bad request"):
            run_query(make_profile("infobip"), Query(), now=NOW)


# The v1 shape is ApiRequestErrorDetails in Infobip's OpenAPI spec
# (validationErrors: parameter -> list of messages); v4 is ApiError.violations.
V1_400 = {
    "requestError": {
        "serviceException": {
            "messageId": "BAD_REQUEST",
            "text": "Bad request",
            "validationErrors": {
                "sentSince": ["must have the format yyyy-MM-dd'T'HH:mm:ss.SSSZ"],
                "limit": ["must be less than or equal to 1000"],
            },
        }
    }
}
V4_400 = {
    "errorCode": "E400",
    "description": "Request cannot be processed.",
    "action": "Check the syntax, violations and adjust the request.",
    "violations": [{"property": "sentSince", "violation": "must have the format"}],
    "resources": [],
}


@pytest.mark.parametrize(
    ("version", "body", "expected"),
    [
        (
            "1",
            V1_400,
            "HTTP 400: Bad request (sentSince: must have the format yyyy-MM-dd'T'HH:mm:ss.SSSZ; "
            "limit: must be less than or equal to 1000)",
        ),
        ("4", V4_400, "HTTP 400: Request cannot be processed. (sentSince: must have the format)"),
    ],
)
def test_a_400_names_the_offending_parameters_in_both_versions(
    version: str, body: dict[str, Any], expected: str
) -> None:
    profile = make_profile("infobip", settings={"api_version": version})
    with respx.mock:
        respx.get(f"{BASE}/email/{version}/logs").mock(return_value=httpx.Response(400, json=body))
        with pytest.raises(ProviderRequestError) as caught:
            run_query(profile, Query(), now=NOW)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_v1_validation_errors_of_unexpected_shape_still_report_the_text() -> None:
    odd = {"requestError": {"serviceException": {"text": "Bad request", "validationErrors": 5}}}
    with respx.mock:
        respx.get(f"{BASE}/email/1/logs").mock(return_value=httpx.Response(400, json=odd))
        with pytest.raises(ProviderRequestError, match=r"\(HTTP 400: Bad request\) \["):
            run_query(v1_profile(), Query(), now=NOW)


@pytest.mark.parametrize(
    ("group", "name", "error", "expected"),
    [
        ("UNDELIVERABLE", "UNDELIVERABLE_NOT_DELIVERED", "EC_HARD_BOUNCE", Status.BOUNCED),
        # A recipient the receiving side does not know is a bounce, not a policy refusal.
        ("UNDELIVERABLE", "UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_DESTINATION", Status.BOUNCED),
        ("UNDELIVERABLE", "UNDELIVERABLE_NOT_DELIVERED", "EC_DROPPED", Status.BLOCKED),
        ("REJECTED", "REJECTED_DESTINATION", "EC_DESTINATION_BLOCKLISTED", Status.BLOCKED),
        ("REJECTED", "REJECTED_SOURCE", "EC_INVALID_SENDER_DOMAIN", Status.BLOCKED),
        ("REJECTED", "REJECTED_SENDER", "", Status.BLOCKED),
        ("REJECTED", "REJECTED_DND", "", Status.BLOCKED),
        ("REJECTED", "REJECTED_NETWORK", "EC_NETWORK_UNAVAILABLE", Status.FAILED),
        # "SOURCE" inside "RESOURCE" is not a refused sender.
        ("REJECTED", "REJECTED_SYSTEM_ERROR", "EC_RESOURCE_LIMIT", Status.FAILED),
        ("PENDING", "PENDING_ACCEPTED", "", Status.QUEUED),
        ("PENDING", "PENDING_ENROUTE", "", Status.SENT),
    ],
)
def test_status_and_error_names_refine_the_general_status(
    group: str, name: str, error: str, expected: Status
) -> None:
    assert refine_status({"groupName": group, "name": name}, {"name": error}) is expected


# ---- the demo takes the production path ---------------------------------------


def _walk(profile: Any, query: Query, emulator: Any) -> tuple[int, int]:
    """(windows planned, requests sent) for ``query`` against ``emulator``."""
    from maillogs.engine import fetch_records
    from maillogs.sandbox import EmulatorTransport

    with open_adapters(
        [profile], transport_factory=lambda _p: EmulatorTransport(emulator), now=emulator.now
    ) as (adapter,):
        (plan,) = [adapter.plan(query, lambda _w: None)]
        list(fetch_records([plan], query))
        return len(plan.requests), adapter.http.request_count


@pytest.mark.parametrize(
    "query",
    [
        Query(),
        Query(statuses=frozenset({Status.BOUNCED}), limit=101),
        Query(since=datetime(2020, 2, 17, 12, 0, tzinfo=UTC), limit=101),
    ],
)
def test_the_demo_profile_walks_like_a_production_profile(query: Query, tmp_path: Any) -> None:
    from maillogs.profiles.demo import builtin_profiles
    from maillogs.profiles.resolve import resolve_profiles
    from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
    from maillogs.sandbox import Emulator, EmulatorConfig

    # A real account's profile: only what a user writes, the pace is the documented one.
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.prod]\nprovider = "infobip"\nbase_url = "{BASE}"\n'
        f'api_key = "{INFOBIP_API_KEY}"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    (production,) = resolve_profiles(["prod"], env={}, path=config)
    (demo,) = [p for p in builtin_profiles() if p.name == "demo-infobip"]
    # An emulator that throttles as Infobip does: a walk that outran the
    # documented pace would meet 429s and send more requests than it planned.
    emulator = Emulator(EmulatorConfig(now=NOW, infobip_rate_limit=True))

    assert demo.rate_limit_per_minute == production.rate_limit_per_minute == 120
    assert _walk(demo, query, emulator) == _walk(production, query, emulator) == (1, 1)
