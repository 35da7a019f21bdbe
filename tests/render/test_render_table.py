from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rich.cells import cell_len

from maillogs.core.models import LogRecord
from maillogs.render import DEFAULT_TABLE_COLUMNS, default_columns, open_renderer

RecordFactory = Callable[..., LogRecord]
Render = Callable[..., str]

HOSTILE_SUBJECT = (
    "\x1b[31mred\x1b[0m\nsecond line\r\n[bold]x[/bold] :smile: "
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\\x07\x9b2J\u202eevil"
)


def _table(render: Render, records: list[LogRecord], **options: object) -> str:
    options.setdefault("columns", DEFAULT_TABLE_COLUMNS)
    return render("table", records, **options)


def test_empty_result_prints_nothing(render: Render) -> None:
    assert _table(render, []) == ""


def test_rows_appear_under_a_header(render: Render, make_record: RecordFactory) -> None:
    lines = _table(render, [make_record(subject="Hello"), make_record()]).splitlines()
    assert lines[0].split() == list(DEFAULT_TABLE_COLUMNS)
    assert len(lines) == 4
    assert "Hello" in lines[2]


def test_hostile_text_is_inert(render: Render, make_record: RecordFactory) -> None:
    out = _table(
        render,
        [make_record(subject=HOSTILE_SUBJECT, error_message="boom\nagain")],
        columns=("status", "subject", "error_message"),
    )
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\x9b" not in out
    assert "\u202e" not in out
    assert "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 3, "the record must stay on one line"
    assert "red second line [bold]x[/bold] :smile: linkevil" in lines[2]
    assert "boom again" in lines[2]


def test_no_colour_means_no_escape_sequences(render: Render, make_record: RecordFactory) -> None:
    statuses = ["delivered", "bounced", "deferred", "opened", "unknown"]
    out = _table(render, [make_record(status=s) for s in statuses], color=False)
    assert "\x1b" not in out
    assert all(status in out for status in statuses)


def test_colour_marks_statuses(
    render: Render, make_record: RecordFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("COLORTERM", raising=False)
    out = _table(
        render,
        [make_record(status="delivered", subject="\x1b[35mx"), make_record(status="bounced")],
        color=True,
    )
    assert "\x1b[32mdelivered" in out
    assert "\x1b[31mbounced" in out
    assert "\x1b[35m" not in out


def test_times_are_shown_compactly_with_their_offset(
    render: Render, make_record: RecordFactory
) -> None:
    records = [
        make_record(submitted_at=datetime(2024, 1, 15, 10, 30, 5, 999, tzinfo=UTC)),
        make_record(submitted_at=datetime(2024, 1, 15, 16, 0, tzinfo=timezone(timedelta(hours=2)))),
    ]
    out = _table(render, records, columns=("submitted_at",))
    rows = [line.rstrip() for line in out.splitlines()[2:]]
    assert rows == ["2024-01-15 10:30:05Z", "2024-01-15 16:00:00+02:00"]


def test_long_text_gives_way_first(render: Render, make_record: RecordFactory) -> None:
    record = make_record(
        recipient="someone@example.org", subject="word " * 100, error_message="failure " * 50
    )
    out = _table(render, [record], width=120)
    lines = out.splitlines()
    assert all(cell_len(line) <= 120 for line in lines)
    assert lines[2].count("…") == 2
    assert "2024-01-15 10:30:00Z" in lines[2]
    assert "noreply@example.com" in lines[2]
    assert "someone@example.org" in lines[2]


@pytest.mark.parametrize("width", [20, 40, 80])
def test_rows_never_exceed_a_narrow_width(
    render: Render, make_record: RecordFactory, width: int
) -> None:
    record = make_record(subject="word " * 100, error_message="failure " * 50)
    out = _table(render, [record], width=width)
    assert all(cell_len(line) <= width for line in out.splitlines())
    assert len(out.splitlines()) == 3


def test_large_results_are_printed_in_chunks_as_one_table(
    render: Render, make_record: RecordFactory
) -> None:
    records = [make_record(message_id=f"id-{n:04d}") for n in range(250)]
    out = _table(render, records, columns=("message_id", "status"))
    lines = out.splitlines()
    assert lines[0].split() == ["message_id", "status"]
    assert [line.split()[0] for line in lines[2:]] == [f"id-{n:04d}" for n in range(250)]


def test_wider_later_rows_repeat_the_header(render: Render, make_record: RecordFactory) -> None:
    records = [make_record(subject="short") for _ in range(100)]
    records.append(make_record(subject="a considerably longer subject line"))
    lines = _table(render, records, columns=("subject",)).splitlines()
    assert sum(line.split() == ["subject"] for line in lines) == 2
    assert lines[-1].rstrip() == "a considerably longer subject line"


def test_profile_column_for_several_profiles(render: Render, make_record: RecordFactory) -> None:
    records = [make_record(profile="eu"), make_record(profile="us")]
    out = _table(render, records, columns=default_columns("table", multi_profile=True))
    assert out.splitlines()[0].split()[0] == "profile"
    assert [line.split()[0] for line in out.splitlines()[2:]] == ["eu", "us"]


def test_output_starts_before_the_input_ends(make_record: RecordFactory) -> None:
    out = io.StringIO()
    renderer = open_renderer("table", out, columns=("message_id",))
    for _ in range(100):
        renderer.write(make_record())
    assert out.getvalue().count("msg-") == 100
    renderer.close()
