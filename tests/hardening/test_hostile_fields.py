"""Promise 6: hostile text from a provider is inert in table, CSV and TSV output.

Escape sequences (CSI, OSC 52 clipboard writes, 8-bit C1), line breaks, Rich
markup, bidirectional overrides and spreadsheet formulas arrive in every text
field EDITH returns; the table shows them as plain text on one line, CSV and
TSV keep one row per record with formulas neutralised and no control
characters, and JSON keeps the exact text (escaped).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from maillogs.render.sanitize import FORMULA_PREFIXES
from tests.hardening.conftest import EDITH_LOGS, Outcome, invoke

HARDENING = settings.get_profile("hardening")
CREATED = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")

HOSTILE = [
    "\x1b[31mred\x1b[0m alert",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07clipboard",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m eight-bit CSI",
    "line one\nline two\r\nline three\rend",
    "tab\there\vvt\fff",
    "[bold red]markup[/bold red] [link=https://evil.example]x[/link]",
    ":warning: emoji code",
    '=HYPERLINK("https://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\x1b[0m=cmd|' /C calc'!A0",
    "abc\u202edcba reversed",
    "nul\x00byte and del\x7f",
    "\u2028line separator\u2029paragraph",
]
TEXT_FIELDS = {
    "subject": "subject",
    "fromAddress": "sender",
    "recipientAddress": "recipient",
    "failedReason": "error_message",
    "campaignId": "campaign_id",
    "refId": "message_id",
    "status": "provider_status",
}
CONTROL = {chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hostile_row(index: int, text: str) -> dict[str, Any]:
    row: dict[str, Any] = {field: f"{text} #{index}" for field in TEXT_FIELDS}
    row.update(createdAt=CREATED, recipientType="to")
    return row


def run(rows: list[dict[str, Any]], fmt: str) -> Outcome:
    page = {"emailLogs": rows, "nextPageToken": None}
    with respx.mock(assert_all_mocked=True) as mock:
        mock.get(url__startswith=EDITH_LOGS).mock(return_value=httpx.Response(200, json=page))
        return invoke("list", "--profile", "e", "--all", "--format", fmt, "--columns", COLUMNS)


COLUMNS = ",".join(TEXT_FIELDS.values())


def check_inert_text(text: str, where: str) -> None:
    assert not (set(text) & CONTROL - {"\n"}), f"control character in {where}: {text!r}"
    assert not (set(text) & BIDI), f"bidi override in {where}: {text!r}"


def check_table(out: str, count: int) -> None:
    check_inert_text(out, "table")
    lines = out.splitlines()
    assert len(lines) == count + 2  # header, rule, one line per record
    # Markup is shown, not obeyed (the table is wide enough for it when piped).
    assert any("[bold red]markup" in line for line in lines) or count < len(HOSTILE)


def check_delimited(out: str, fmt: str, count: int) -> list[list[str]]:
    delimiter = "," if fmt == "csv" else "\t"
    if fmt == "tsv":
        # TSV has no quoting: one line per row, and each line splits into every column.
        assert len(out.splitlines()) == count + 1
        rows = [line.split("\t") for line in out.splitlines()]
    else:
        rows = list(csv.reader(io.StringIO(out, newline=""), delimiter=delimiter))
        assert len(rows) == count + 1
    assert all(len(row) == len(TEXT_FIELDS) for row in rows)
    for row in rows[1:]:
        for cell in row:
            # A quoted CSV cell may hold tabs and line feeds; nothing else acts on a terminal.
            check_inert_text(cell.replace("\t", "") if fmt == "csv" else cell, fmt)
            assert not cell or cell[0] not in FORMULA_PREFIXES, cell
    return rows


def test_known_hostile_strings_are_inert_everywhere(canary_config_path: Path) -> None:
    rows = [hostile_row(i, text) for i, text in enumerate(HOSTILE)]
    count = len(rows)

    table = run(rows, "table")
    assert table.code == 0, table.stderr
    check_table(table.stdout, count)
    assert "[bold red]markup[/bold red]" in table.stdout

    for fmt in ("csv", "tsv"):
        outcome = run(rows, fmt)
        assert outcome.code == 0, outcome.stderr
        cells = check_delimited(outcome.stdout, fmt, count)
        subjects = [row[0] for row in cells[1:]]
        assert '\'=HYPERLINK("https://evil.example","click") #8' in subjects
        assert any(s.startswith("'=cmd") for s in subjects)  # hidden behind an escape

    jsonl = run(rows, "jsonl")
    assert jsonl.code == 0
    check_inert_text(jsonl.stdout.replace("\n", ""), "jsonl")
    # splitlines() also splits on U+2028 and NEL: JSON Lines must survive that too.
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert len(records) == count
    # JSON is for programs: the exact text, every character, escaped where JSON must.
    assert sorted(r["subject"] for r in records) == sorted(r["subject"] for r in rows)


@settings(HARDENING, max_examples=40)
@given(
    texts=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_is_inert(canary_config_path: Path, texts: list[str]) -> None:
    rows = [hostile_row(i, text) for i, text in enumerate(texts)]
    table = run(rows, "table")
    assert table.code == 0, table.stderr
    check_inert_text(table.stdout, "table")
    assert len(table.stdout.splitlines()) == len(rows) + 2
    for fmt in ("csv", "tsv"):
        outcome = run(rows, fmt)
        assert outcome.code == 0, outcome.stderr
        check_delimited(outcome.stdout, fmt, len(rows))
    jsonl = run(rows, "jsonl")
    check_inert_text(jsonl.stdout.replace("\n", ""), "jsonl")
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [r["subject"] for r in records] == [r["subject"] for r in rows]
