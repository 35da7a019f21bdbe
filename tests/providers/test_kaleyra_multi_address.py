"""Kaleyra rows listing several addresses (issue 12, item 2).

A row's ``to_mail`` may join several addresses with commas; the row has one
``status`` and one ``sale_price``. Each address becomes a record marked
``status_scope="message"`` (the status is the message's, not the address's)
with an even share of the price, so prices add up to what Kaleyra charged;
``show`` asks ``/email/stats/{message_id}`` for each address's own status.
"""

from __future__ import annotations

import copy
import io
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
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
from maillogs.providers.kaleyra.emulator import recipient_outcomes
from maillogs.render.table import make_console
from maillogs.reports.show import Hit, find_message, hit_panel, hit_to_json
from maillogs.sandbox import Emulator, EmulatorConfig
from tests.providers.helpers import run_query
from tests.support import load_fixture, make_profile

KALEYRA = "https://api.kaleyra.io/v1/SID123/email"
NOW = datetime(2022, 8, 5, 12, 0, tzinfo=UTC)


def _row(to_mail: str, status: str, sale_price: Any, message_id: str = "m-1:1") -> dict[str, Any]:
    """The documented logs row (comma-joined to_mail) with another status and price."""
    row: dict[str, Any] = copy.deepcopy(load_fixture("kaleyra_logs_start_date.json")["data"][0])
    row.update(message_id=message_id, to_mail=to_mail, status=status, sale_price=sale_price)
    return row


def _page(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"data": list(rows), "error": {}, "total": len(rows), "limit": "100", "offset": ""}


@pytest.mark.parametrize(
    ("sale_price", "shares"),
    [
        (1, [0.3334, 0.3333, 0.3333]),
        (0.25, [0.0834, 0.0833, 0.0833]),
        (0.02, [0.0067, 0.0067, 0.0066]),
        (0, [0.0, 0.0, 0.0]),
    ],
)
def test_prices_of_a_multi_address_row_add_up_to_its_sale_price(
    sale_price: float, shares: list[float]
) -> None:
    row = _row("a@x.io, b@x.io,c@x.io", "DELIVERED", sale_price)
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=_page(row)))
        records = run_query(make_profile("kaleyra"), Query(), now=NOW)
    assert [r.recipient for r in records] == ["a@x.io", "b@x.io", "c@x.io"]
    assert [r.price for r in records] == shares
    assert sum(Decimal(repr(r.price)) for r in records if r.price is not None) == Decimal(
        repr(sale_price)
    )
    assert {r.status_scope for r in records} == {"message"}


def test_a_single_address_row_keeps_its_whole_price_and_its_own_status() -> None:
    row = load_fixture("kaleyra_logs_date_range.json")["data"][0]  # documented, sale_price 1
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=_page(row)))
        (record,) = run_query(make_profile("kaleyra"), Query(), now=NOW)
    assert record.price == 1.0
    assert record.status_scope == "recipient"


def test_the_documented_multi_address_rows_are_message_scoped() -> None:
    body = load_fixture("kaleyra_logs_start_date.json")
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=body))
        records = run_query(make_profile("kaleyra"), Query(), now=NOW)
    assert len(records) == 8
    assert {r.status_scope for r in records} == {"message"}
    assert sum(r.price or 0 for r in records) == 0  # every documented row is free


@pytest.fixture
def kaleyra_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.k]\nprovider = "kaleyra"\nsid = "SID123"\napi_key = "CANARY-KEY-000001"\n'
        'timezone = "UTC"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(config))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return config


def _list(*args: str) -> tuple[int, str, str]:
    rows = _page(
        _row("a@x.io,b@x.io", "DELIVERED", 0.25, "m-2:1"),
        _row("b@x.io", "BOUNCE", 0, "m-1:1"),
    )
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=rows))
        result = CliRunner().invoke(
            app, ["list", "-p", "k", "--since", "2022-08-01", "--tz", "UTC", *args]
        )
    return result.exit_code, result.stdout, result.stderr


def test_list_to_one_address_says_the_status_is_the_messages(kaleyra_config: Path) -> None:
    code, out, err = _list("--to", "b@x.io", "--status", "delivered", "--format", "json")
    assert code == 0, err
    (record,) = json.loads(out)
    assert (record["recipient"], record["status"]) == ("b@x.io", "delivered")
    assert record["status_scope"] == "message"
    assert record["price"] == 0.125


def test_list_table_marks_a_message_status(kaleyra_config: Path) -> None:
    code, out, err = _list("--to", "b@x.io", "--format", "table", "--columns", "recipient,status")
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()[2:]]
    # b's own bounce reads as b's; the shared row's status says it is the message's.
    assert lines == [["b@x.io", "delivered", "(message)"], ["b@x.io", "bounced"]]


def test_csv_has_the_status_scope_column_last(kaleyra_config: Path) -> None:
    code, out, err = _list("--format", "csv")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.endswith(",price,status_scope")
    assert [row.rsplit(",", 2)[1:] for row in rows] == [
        ["0.125", "message"],
        ["0.125", "message"],
        ["0.0", "recipient"],
    ]


def _show(stats: httpx.Response, to_mail: str, sale_price: float) -> Hit:
    message_id = "5c1ef0ec-3849-4e1d-9a7e-74f85a579468:1"  # the documented DELIVERED example
    logs = _page(_row(to_mail, "DELIVERED", sale_price, message_id))
    with respx.mock:
        respx.get(f"{KALEYRA}/logs").mock(return_value=httpx.Response(200, json=logs))
        respx.get(f"{KALEYRA}/stats/{message_id}").mock(return_value=stats)
        with open_adapters([make_profile("kaleyra")], now=NOW, keep_raw=True) as (adapter,):
            detail = find_message(adapter, message_id, warn=lambda _m: None, concurrency=1)
    assert detail is not None
    return Hit("test-kaleyra", "kaleyra", "Kaleyra", detail)


def _panel_text(hit: Hit) -> str:
    stream = io.StringIO()
    make_console(stream, color=False, width=150).print(hit_panel(hit, UTC))
    return stream.getvalue()


def test_show_gives_each_address_its_own_status_from_message_stats() -> None:
    stats = load_fixture("kaleyra_message_stats_delivered.json")
    hit = _show(httpx.Response(200, json=stats), "a@x.io,b@x.io,c@x.io", 1)
    data = hit_to_json(hit)
    assert [(r["status"], r["status_scope"]) for r in data["recipients"]] == [
        ("delivered", "recipient"),
        ("queued", "recipient"),
    ]
    text = _panel_text(hit)
    assert "queued (message)" not in text and "delivered (message)" not in text
    # The message's price is the row's, not one address's share of it.
    assert "price      1.0" in text


def test_show_without_message_stats_marks_the_statuses_as_the_messages() -> None:
    missing = httpx.Response(404, json={"data": [], "error": {"message": "No email found"}})
    hit = _show(missing, "a@x.io,b@x.io,c@x.io", 1)
    assert [(r.status, r.status_scope) for r in hit.detail.recipients] == [
        (Status.DELIVERED, "message")
    ] * 3
    text = _panel_text(hit)
    assert text.count("delivered (message)") == 3
    assert "price      1.0" in text


def test_demo_prices_add_up_to_what_each_row_charged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILLOGS_PROFILE", raising=False)
    result = CliRunner().invoke(
        app, ["list", "-p", "demo-kaleyra", "--all", "--since", "30d", "--raw", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    by_message: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_message[record["message_id"]].append(record)
    shared = [group for group in by_message.values() if len(group) > 1]
    assert shared, "the demo has rows listing several addresses"
    for group in by_message.values():
        charged = Decimal(repr(float(group[0]["raw"]["sale_price"])))
        assert sum(Decimal(repr(r["price"])) for r in group) == charged, group
        scope = "message" if len(group) > 1 else "recipient"
        assert {r["status_scope"] for r in group} == {scope}


def test_show_over_the_demo_tells_the_addresses_of_one_row_apart() -> None:
    # The demo's /email/stats/{id} gives a further address of a delivered row
    # its own outcome at times, as Kaleyra's documented DELIVERED example does.
    emulator = Emulator(EmulatorConfig())  # the demo's seed and size
    dataset = emulator.datasets["kaleyra"]
    record = next(
        r
        for r in map(dataset.record, range(dataset.size))
        if len(r.recipients) > 1 and len(set(recipient_outcomes(r))) > 1
    )
    message_id = emulator.kaleyra.message_id(record)
    result = CliRunner().invoke(app, ["show", "-p", "demo-kaleyra", message_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    (hit,) = json.loads(result.stdout)
    assert {r["status_scope"] for r in hit["records"]} == {"message"}
    assert len({r["status"] for r in hit["records"]}) == 1
    own = [(r["recipient"], r["status"], r["status_scope"]) for r in hit["recipients"]]
    assert [address for address, _, _ in own] == list(record.recipients)
    assert len({status for _, status, _ in own}) > 1
    assert {scope for _, _, scope in own} == {"recipient"}
