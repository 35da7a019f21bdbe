"""Promise 5: bad provider data is exit 65 with a clear message, or a record kept.

Each adapter is fed, through respx and the real CLI, pages whose structure is
broken (truncated JSON, HTML from a proxy, wrong types where lists and numbers
belong) and rows whose fields hold the wrong thing. The outcome must be exit 65
with one line naming the provider, or exit 0 with every row sent present in the
output — a row with an unmappable status becomes ``unknown`` with the native
value kept. Exit 70 (a crash) and a silently missing row both fail the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hardening.conftest import Outcome, assert_one_line_error, invoke
from tests.testkit import KITS, ProviderKit

HARDENING = settings.get_profile("hardening")
SENT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@dataclass(frozen=True)
class Provider:
    profile: str
    title: str
    url: str
    id_key: str
    status_key: str
    row: Callable[[str], dict[str, Any]]
    page: Callable[[list[Any]], dict[str, Any]]


def provider(kit: ProviderKit) -> Provider:
    """The kit's provider behind its canary profile, rows sent at ``SENT``."""
    return Provider(
        kit.profile,
        kit.title,
        kit.logs_url,
        kit.id_key,
        kit.status_key,
        lambda message_id: kit.row(message_id, SENT),
        kit.page,
    )


PROVIDERS = {name: provider(kit) for name, kit in KITS.items()}
NAMES = list(PROVIDERS)


def run_list(provider: Provider, response: httpx.Response) -> Outcome:
    with respx.mock(assert_all_mocked=True) as mock:
        # Every window and page gets the same answer; rows outside a window are
        # trimmed by that window and returned by the one that holds them.
        mock.get(url__startswith=provider.url).mock(return_value=response)
        return invoke("list", "--profile", provider.profile, "--all", "--format", "jsonl")


def records_of(outcome: Outcome) -> list[dict[str, Any]]:
    return [json.loads(line) for line in outcome.stdout.splitlines()]


def check_data_error(outcome: Outcome, provider: Provider) -> None:
    assert outcome.code == 65, outcome.output[-1500:]
    assert_one_line_error(outcome)
    assert provider.title in outcome.stderr


def check_kept(outcome: Outcome, provider: Provider, sent_ids: list[str]) -> list[dict[str, Any]]:
    """Exit 0 and every sent row in the output: records lost = 0."""
    assert outcome.code == 0, outcome.output[-1500:]
    records = records_of(outcome)
    assert {r["message_id"] for r in records} >= set(sent_ids), outcome.stdout[-1500:]
    return records


# --------------------------------------------------------------------------- pages

BROKEN_BODIES: dict[str, bytes] = {
    "truncated json": b'{"data": [{"message_id": "a", "status": "DELIV',
    "empty body": b"",
    "html from a proxy": b"<html><body><h1>Service Unavailable</h1>Try later</body></html>",
    "not utf-8": b'{"data": ["\xff\xfe"]}',
    "json string": b'"hello"',
    "json number": b"42",
    "json null": b"null",
    "json list": b"[]",
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("body", list(BROKEN_BODIES), ids=list(BROKEN_BODIES))
def test_broken_page_is_exit_65(canary_config_path: Path, name: str, body: str) -> None:
    provider = PROVIDERS[name]
    response = httpx.Response(200, content=BROKEN_BODIES[body])
    check_data_error(run_list(provider, response), provider)


WRONG_SHAPES: dict[str, list[tuple[str, Any]]] = {
    # (description, page) pairs whose rows container is not a list.
    "kaleyra": [
        ("data is an object", {"data": {}, "total": 1}),
        ("data is a string", {"data": "rows", "total": 1}),
        ("data is null", {"data": None, "total": 1}),
        ("total is not a number", {"data": [PROVIDERS["kaleyra"].row("k1")], "total": "abc"}),
        ("total is a list", {"data": [PROVIDERS["kaleyra"].row("k1")], "total": [1]}),
        ("row is a string", {"data": ["k1"], "total": 1}),
        ("row is null", {"data": [None], "total": 1}),
    ],
    "edith": [
        ("emailLogs is an object", {"emailLogs": {}}),
        ("emailLogs is a number", {"emailLogs": 5}),
        ("emailLogs is null", {"emailLogs": None}),
        ("row is a list", {"emailLogs": [[PROVIDERS["edith"].row("e1")]]}),
    ],
    "infobip": [
        ("results is null", {"results": None}),
        ("results is an object", {"results": {"messageId": "x"}}),
        ("row is a number", {"results": [7]}),
    ],
}


@pytest.mark.parametrize(
    ("name", "page"),
    [(n, p) for n in NAMES for _, p in WRONG_SHAPES[n]],
    ids=[f"{n}: {d}" for n in NAMES for d, _ in WRONG_SHAPES[n]],
)
def test_wrong_page_shape_is_exit_65(
    canary_config_path: Path, name: str, page: dict[str, Any]
) -> None:
    provider = PROVIDERS[name]
    check_data_error(run_list(provider, httpx.Response(200, json=page)), provider)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("status", "code"), [(401, 77), (403, 77), (404, 69), (400, 69), (502, 75), (503, 75)]
)
def test_html_error_pages_map_to_their_exit_code(
    canary_config_path: Path, name: str, status: int, code: int
) -> None:
    provider = PROVIDERS[name]
    page = b"<html><title>Gateway</title><body>nginx</body></html>"
    outcome = run_list(provider, httpx.Response(status, content=page))
    assert outcome.code == code, outcome.output
    assert_one_line_error(outcome)


@pytest.mark.parametrize("name", NAMES)
def test_pagination_fields_of_the_wrong_type(canary_config_path: Path, name: str) -> None:
    """EDITH's token 5 says "more pages" but cannot be followed: a data error,
    not a silently short result. Infobip's cursor that is not an object holds
    no token at all, and Kaleyra pages by number: their walks end, rows kept."""
    provider = PROVIDERS[name]
    page: dict[str, Any] = provider.page([provider.row("p1")])
    page.update(nextPageToken=5, cursor="not-an-object", limit=None)
    outcome = run_list(provider, httpx.Response(200, json=page))
    if name == "edith":
        check_data_error(outcome, provider)
    else:
        check_kept(outcome, provider, ["p1"])


# --------------------------------------------------------------------------- rows

# Values put into one field of an otherwise valid row. Each must give 65 or a kept row.
FIELD_VALUES: list[Any] = [
    None,
    "",
    5,
    -1.5,
    True,
    [],
    {},
    ["a", "b"],
    {"nested": {"deep": [1, 2]}},
    "garbage \x1b[31m value",
    "2024-13-45 99:99:99",
    "yesterday",
    "2024-01-01T00:00:00",
    "NaN",
    "1e999",
    "x" * 10_000,
]

FIELDS = {
    "kaleyra": [
        "status",
        "to_mail",
        "from_mail",
        "submitted_at",
        "delivered_at",
        "sale_price",
        "description",
    ],
    "edith": [
        "status",
        "recipientAddress",
        "recipientType",
        "subject",
        "createdAt",
        "deliveredDate",
        "opened",
        "failedReason",
    ],
    "infobip": ["status", "error", "price", "sentAt", "doneAt", "destination", "sender"],
}


def check_row_outcome(
    outcome: Outcome, provider: Provider, field: str, value: Any
) -> list[dict[str, Any]]:
    """65, or every row kept (the mutated one with an unknown status if need be)."""
    if outcome.code == 65:
        check_data_error(outcome, provider)
        return []
    if field == provider.id_key:
        # The id itself was replaced: the row must still be there, under its new id.
        records = check_kept(outcome, provider, ["good-1", "good-2"])
        assert len(records) >= 3, outcome.stdout[-1500:]
        return records
    records = check_kept(outcome, provider, ["good-1", "mutant", "good-2"])
    if field == provider.status_key:
        mutant = [r for r in records if r["message_id"] == "mutant"]
        assert mutant
        for record in mutant:
            scalar = isinstance(value, str | int | float) and str(value).strip()
            if record["status"] == "unknown" and scalar:
                # The native value is kept so the user can see what the provider said.
                assert record["provider_status"], record
    return records


def mutant_page(provider: Provider, field: str, value: Any) -> dict[str, Any]:
    row = provider.row("mutant")
    row[field] = value
    return provider.page([provider.row("good-1"), row, provider.row("good-2")])


@pytest.mark.parametrize("name", NAMES)
def test_each_field_holding_the_wrong_thing(canary_config_path: Path, name: str) -> None:
    provider = PROVIDERS[name]
    for field in FIELDS[name]:
        for value in FIELD_VALUES:
            page = mutant_page(provider, field, value)
            outcome = run_list(provider, httpx.Response(200, json=page))
            try:
                check_row_outcome(outcome, provider, field, value)
            except AssertionError as exc:
                raise AssertionError(f"{field} = {str(value)[:60]!r}: {exc}") from None


@pytest.mark.parametrize("name", NAMES)
def test_missing_fields(canary_config_path: Path, name: str) -> None:
    provider = PROVIDERS[name]
    for field in provider.row("x"):
        row = provider.row("mutant")
        del row[field]
        page = provider.page([provider.row("good-1"), row, provider.row("good-2")])
        outcome = run_list(provider, httpx.Response(200, json=page))
        if field == provider.id_key:
            # No id, no record: that row is reported, not dropped.
            check_data_error(outcome, provider)
        else:
            check_row_outcome(outcome, provider, field, None)


@pytest.mark.parametrize(
    ("name", "native", "shown"),
    [
        ("kaleyra", "TELEPORTED", "TELEPORTED"),
        ("edith", "teleported", "teleported"),
        ("infobip", {"groupName": "TELEPORTED", "name": "BEAMED"}, "TELEPORTED/BEAMED"),
        ("infobip", 5, "5"),
        ("infobip", "DELIVERED", "DELIVERED"),
    ],
)
def test_unknown_status_is_kept_with_its_native_value(
    canary_config_path: Path, name: str, native: Any, shown: str
) -> None:
    provider = PROVIDERS[name]
    outcome = run_list(provider, httpx.Response(200, json=mutant_page(provider, "status", native)))
    records = check_kept(outcome, provider, ["good-1", "mutant", "good-2"])
    mutant = next(r for r in records if r["message_id"] == "mutant")
    assert mutant["provider_status"] == shown
    if shown != "DELIVERED":
        assert mutant["status"] == "unknown"


@pytest.mark.parametrize("name", NAMES)
def test_a_one_megabyte_field_passes_through_whole(canary_config_path: Path, name: str) -> None:
    provider = PROVIDERS[name]
    text_field = {"kaleyra": "from_mail", "edith": "subject", "infobip": "sender"}[name]
    huge = "s" * 1_000_000
    outcome = run_list(provider, httpx.Response(200, json=mutant_page(provider, text_field, huge)))
    records = check_kept(outcome, provider, ["good-1", "mutant", "good-2"])
    key = {"kaleyra": "sender", "edith": "subject", "infobip": "sender"}[name]
    assert next(r for r in records if r["message_id"] == "mutant")[key] == huge


def test_non_finite_numbers_never_reach_json_output(canary_config_path: Path) -> None:
    # JSON has no NaN or Infinity: a provider sending them must not make stdout invalid.
    provider = PROVIDERS["infobip"]
    body = json.dumps(
        mutant_page(provider, "price", {"pricePerMessage": float("nan")}), allow_nan=True
    )
    outcome = run_list(provider, httpx.Response(200, content=body.encode()))
    records = check_kept(outcome, provider, ["good-1", "mutant", "good-2"])
    assert next(r for r in records if r["message_id"] == "mutant")["price"] is None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.parametrize("name", NAMES)
def test_any_json_in_any_field(canary_config_path: Path, name: str) -> None:
    provider = PROVIDERS[name]
    fields = list(provider.row("x"))

    @settings(HARDENING, max_examples=50)
    @given(field=st.sampled_from(fields), value=json_values)
    def check(field: str, value: Any) -> None:
        outcome = run_list(provider, httpx.Response(200, json=mutant_page(provider, field, value)))
        if field == provider.id_key and outcome.code == 65:
            return
        check_row_outcome(outcome, provider, field, value)

    check()
