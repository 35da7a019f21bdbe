from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

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
    assert lines[0].split() == ["message_id", "submitted_at", "(UTC)", *DEFAULT_TABLE_COLUMNS[2:]]
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


def test_times_are_local_to_the_zone_named_in_the_header(
    render: Render, make_record: RecordFactory
) -> None:
    records = [
        make_record(submitted_at=datetime(2024, 1, 15, 10, 30, 5, 999, tzinfo=UTC)),
        make_record(submitted_at=datetime(2024, 7, 15, 16, 0, tzinfo=timezone(timedelta(hours=2)))),
    ]
    out = _table(render, records, columns=("submitted_at",), tz=ZoneInfo("Europe/Rome"))
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "submitted_at (CET)"
    # Each time in its own season's offset: CET in January, CEST in July.
    assert lines[2:] == ["2024-01-15 11:30:05", "2024-07-15 16:00:00"]


def test_relative_times_say_how_long_ago(render: Render, make_record: RecordFactory) -> None:
    now = datetime(2024, 1, 15, 13, 30, tzinfo=UTC)
    records = [
        make_record(submitted_at=now - timedelta(hours=3, minutes=5)),
        make_record(submitted_at=now - timedelta(days=2)),
        make_record(submitted_at=now - timedelta(days=90)),
        make_record(submitted_at=now + timedelta(minutes=2)),
    ]
    out = _table(render, records, columns=("submitted_at",), relative=True, now=now)
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "submitted_at"
    assert lines[2:] == ["3h ago", "2d ago", "2023-10-17", "in 2m"]


def test_long_text_gives_way_first(render: Render, make_record: RecordFactory) -> None:
    record = make_record(
        recipient="someone@example.org", subject="word " * 100, error_message="failure " * 50
    )
    out = _table(render, [record], width=120)
    lines = out.splitlines()
    assert all(cell_len(line) <= 120 for line in lines)
    assert lines[2].count("…") == 2
    assert "2024-01-15 10:30:00" in lines[2]
    assert "noreply@example.com" in lines[2]
    assert "someone@example.org" in lines[2]


@pytest.mark.parametrize("width", [40, 60, 80])
def test_narrow_widths_hide_low_ranked_columns_never_cut_ids(
    render: Render, make_record: RecordFactory, width: int
) -> None:
    record = make_record(
        message_id="929d27f6-1e37-4545-b3ca-a2fe907b3124:1",
        subject="word " * 100,
        error_message="failure " * 50,
    )
    out = io.StringIO()
    with open_renderer("table", out, columns=DEFAULT_TABLE_COLUMNS, width=width) as renderer:
        renderer.write(record)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    # Required columns whole, whatever the width (the terminal wraps what is wider).
    assert "929d27f6-1e37-4545-b3ca-a2fe907b3124:1  2024-01-15 10:30:00  delivered" in lines[2]
    note = renderer.fit_note()
    assert note is not None and note.startswith(f"not shown at {width} columns: ")
    assert "subject" in note and "message_id" not in note
    if width >= 80:
        assert all(cell_len(line) <= width for line in lines)


def test_columns_the_user_chose_are_cut_not_hidden(
    render: Render, make_record: RecordFactory
) -> None:
    record = make_record(subject="word " * 100, error_message="failure " * 50)
    out = _table(render, [record], width=60, hide=False)
    assert out.splitlines()[0].split()[-1] == "error_message"


def test_large_results_are_printed_in_chunks_as_one_table(
    render: Render, make_record: RecordFactory
) -> None:
    records = [make_record(message_id=f"id-{n:04d}") for n in range(250)]
    out = _table(render, records, columns=("message_id", "status"))
    lines = out.splitlines()
    assert lines[0].split() == ["message_id", "status"]
    assert [line.split()[0] for line in lines[2:]] == [f"id-{n:04d}" for n in range(250)]


def test_later_chunks_keep_the_layout_of_the_first(
    render: Render, make_record: RecordFactory
) -> None:
    records = [make_record(subject="short") for _ in range(100)]
    records.append(make_record(subject="a considerably longer subject line"))
    lines = _table(render, records, columns=("message_id", "subject")).splitlines()
    assert sum(line.split() == ["message_id", "subject"] for line in lines) == 1
    assert lines[-1].rstrip().endswith("…")


def test_a_longer_id_later_widens_its_column_under_a_new_header(
    render: Render, make_record: RecordFactory
) -> None:
    records = [make_record() for _ in range(100)]
    records.append(make_record(message_id="a-much-longer-message-id-than-before"))
    lines = _table(render, records, columns=("message_id", "subject")).splitlines()
    assert sum(line.split() == ["message_id", "subject"] for line in lines) == 2
    assert lines[-1].startswith("a-much-longer-message-id-than-before ")


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
