from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from maillogs.core.models import RECORD_FIELDS, LogRecord
from maillogs.render.jsonfmt import dumps_finite

RecordFactory = Callable[..., LogRecord]
Render = Callable[..., str]


def _strict_loads(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("count", [0, 1, 5])
def test_json_is_one_array(render: Render, make_record: RecordFactory, count: int) -> None:
    records = [make_record() for _ in range(count)]
    assert _strict_loads(render("json", records)) == [r.to_json_dict() for r in records]


def test_empty_json_is_an_empty_array(render: Render) -> None:
    assert render("json", []) == "[]\n"


def test_jsonl_is_one_object_per_line(render: Render, make_record: RecordFactory) -> None:
    records = [make_record(opened=True, clicked=False, price=0.25) for _ in range(3)]
    lines = render("jsonl", records).splitlines()
    assert [_strict_loads(line) for line in lines] == [r.to_json_dict() for r in records]


def test_empty_jsonl_writes_nothing(render: Render) -> None:
    assert render("jsonl", []) == ""


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_keys_follow_the_order_columns_asked_for(
    render: Render, make_record: RecordFactory, fmt: str
) -> None:
    record = make_record(price=float("inf"), subject="Reçu \u2028 — 領収書")
    out = render(fmt, [record], columns=("subject", "price", "message_id"), with_raw=True)
    obj = _strict_loads(out)  # still strict JSON: no Infinity, one line per record
    obj = obj[0] if fmt == "json" else obj
    assert list(obj) == ["subject", "price", "message_id", "raw"]
    assert obj["price"] is None and obj["subject"] == record.subject
    assert "\u2028" not in out  # escaped, as on the fast path


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_with_raw_adds_the_provider_record(
    render: Render, make_record: RecordFactory, fmt: str
) -> None:
    record = make_record(raw={"id": "abc", "events": [{"type": "sent"}]})
    plain = _strict_loads(render(fmt, [record]))
    raw = _strict_loads(render(fmt, [record], with_raw=True))
    plain = plain[0] if fmt == "json" else plain
    raw = raw[0] if fmt == "json" else raw
    assert "raw" not in plain
    assert raw == record.to_json_dict(with_raw=True)
    assert list(raw) == [*RECORD_FIELDS, "raw"]


def test_datetimes_are_rfc3339_with_offset(render: Render, make_record: RecordFactory) -> None:
    record = make_record(
        submitted_at=datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
        delivered_at=datetime(2024, 1, 15, 16, 0, 1, 500, tzinfo=timezone(timedelta(hours=5.5))),
        updated_at=datetime(2024, 1, 15, 5, 0, tzinfo=timezone(timedelta(hours=-5))),
    )
    obj = _strict_loads(render("jsonl", [record]))
    assert obj["submitted_at"] == "2024-01-15T10:30:00Z"
    assert obj["delivered_at"] == "2024-01-15T16:00:01.000500+05:30"
    assert obj["updated_at"] == "2024-01-15T05:00:00-05:00"


def test_non_ascii_is_written_as_is(render: Render, make_record: RecordFactory) -> None:
    out = render("jsonl", [make_record(subject="Reçu — 領収書")], columns=("subject",))
    assert out == '{"subject":"Reçu — 領収書"}\n'


def test_non_finite_price_stays_valid_json(render: Render, make_record: RecordFactory) -> None:
    out = render("json", [make_record(price=float("nan")), make_record(price=float("inf"))])
    assert [obj["price"] for obj in _strict_loads(out)] == [None, None]


def test_provider_data_with_nan_or_infinity_still_writes_strict_json() -> None:
    # `show` writes Infobip's price object as sent; Python's parser accepts NaN.
    detail = {
        "price": {"pricePerMessage": float("nan"), "currency": "EUR"},
        "n": [float("inf"), 1.5],
    }

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    assert json.loads(dumps_finite(detail), parse_constant=refuse) == {
        "price": {"pricePerMessage": None, "currency": "EUR"},
        "n": [None, 1.5],
    }
