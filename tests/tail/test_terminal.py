"""On a terminal, tail prints rows one at a time under one header, in fixed columns."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.ptyrun import run_on_pty
from tests.tail.conftest import tail_env


def test_rows_line_up_under_one_header_as_they_come(tmp_path: Path) -> None:
    env = tail_env(tmp_path / "none.toml", {"COLUMNS": "100", "TERM": "xterm-256color"})
    code, shown = run_on_pty(
        ["tail", "-p", "demo-edith", "-n", "3", "--count", "2", "--interval", "1s"],
        env,
        columns=100,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert code == 0
    lines = [line for line in shown.splitlines() if line.strip()]
    header, rule, *rows = lines
    assert header.split()[:2] == ["message_id", "submitted_at"]  # the list table's columns
    assert set(rule.strip()) == {"─"}
    assert len(rows) == 5  # the last 3, then 2 new: no header repeated, nothing redrawn
    status_column = header.index("status")
    for row in rows:
        assert row[status_column - 2 : status_column] == "  ", row  # the column gap
        assert row[status_column] != " ", row
