from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from maillogs.core.models import RECORD_FIELDS, LogRecord

RecordFactory = Callable[..., LogRecord]
Render = Callable[..., str]


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _tsv_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


def test_csv_has_a_header_and_one_row_per_record(
    render: Render, make_record: RecordFactory
) -> None:
    records = [make_record() for _ in range(3)]
    rows = _csv_rows(render("csv", records))
    assert rows[0] == list(RECORD_FIELDS)
    assert [row[RECORD_FIELDS.index("message_id")] for row in rows[1:]] == [
        r.message_id for r in records
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_no_records_still_gives_the_header(render: Render, fmt: str) -> None:
    assert render(fmt, [], columns=("status", "subject")).splitlines() == [
        "status,subject" if fmt == "csv" else "status\tsubject"
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_columns_are_selected_and_ordered(
    render: Render, make_record: RecordFactory, fmt: str
) -> None:
    out = render(fmt, [make_record(subject="Hi")], columns=("subject", "status"))
    rows = _csv_rows(out) if fmt == "csv" else _tsv_rows(out)
    assert rows == [["subject", "status"], ["Hi", "delivered"]]


def test_cells_match_the_json_values(render: Render, make_record: RecordFactory) -> None:
    record = make_record(
        delivered_at=datetime(2024, 1, 15, 16, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        updated_at=datetime(2024, 1, 15, 10, 31, 2, 250_000, tzinfo=UTC),
        error_code="550",
        campaign_id="c-1",
        opened=True,
        clicked=False,
        price=0.0012,
    )
    header, row = _csv_rows(render("csv", [record]))
    expected = {
        key: "" if value is None else str(value) for key, value in record.to_json_dict().items()
    }
    expected.update(opened="true", clicked="false")
    assert dict(zip(header, row, strict=True)) == expected
    assert expected["submitted_at"] == "2024-01-15T10:30:00Z"
    assert expected["delivered_at"] == "2024-01-15T16:00:00+05:30"


def test_none_is_an_empty_cell_and_flags_are_words(
    render: Render, make_record: RecordFactory
) -> None:
    records = [make_record(opened=True, clicked=None), make_record(opened=False, clicked=True)]
    rows = _csv_rows(render("csv", records, columns=("opened", "clicked", "error_code")))
    assert rows[1:] == [["true", "", ""], ["false", "true", ""]]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\n=1+1"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_neutralises_formulas_in_text(
    render: Render, make_record: RecordFactory, text: str, cell: str
) -> None:
    rows = _csv_rows(render("csv", [make_record(subject=text)], columns=("subject",)))
    assert rows[1] == [cell]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_negative_price_stays_a_number(
    render: Render, make_record: RecordFactory, fmt: str
) -> None:
    out = render(fmt, [make_record(price=-1.5, error_code="-1")], columns=("price", "error_code"))
    assert out.splitlines()[1] == ("-1.5,'-1" if fmt == "csv" else "-1.5\t'-1")


def test_csv_quotes_values_that_need_it(render: Render, make_record: RecordFactory) -> None:
    subject = 'Line one\nline "two", three'
    rows = _csv_rows(render("csv", [make_record(subject=subject)], columns=("subject", "status")))
    assert rows[1] == [subject, "delivered"]


def test_csv_line_breaks_in_values_are_lf(render: Render, make_record: RecordFactory) -> None:
    out = render("csv", [make_record(subject="a\rb\r\nc")], columns=("subject", "status"))
    assert out == 'subject,status\n"a\nb\nc",delivered\n'


def test_tsv_flattens_breaks_and_neutralises_formulas(
    render: Render, make_record: RecordFactory
) -> None:
    record = make_record(subject="a\tb\r\nc\nd\re", error_message="=cmd|' /C calc'!A0")
    out = render("tsv", [record], columns=("subject", "error_message", "status"))
    assert out.splitlines() == [
        "subject\terror_message\tstatus",
        "a b c d e\t'=cmd|' /C calc'!A0\tdelivered",
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_with_raw_adds_a_json_column(render: Render, make_record: RecordFactory, fmt: str) -> None:
    raw = {"id": "abc", "note": "tab\there", "n": 1}
    out = render(fmt, [make_record(raw=raw), make_record()], columns=("status",), with_raw=True)
    rows = _csv_rows(out) if fmt == "csv" else _tsv_rows(out)
    assert rows[0] == ["status", "raw"]
    assert json.loads(rows[1][1]) == raw
    assert rows[2] == ["delivered", ""]
