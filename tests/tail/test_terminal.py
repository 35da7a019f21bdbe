"""On a terminal, tail prints rows one at a time under one header, in fixed columns."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

from tests.integration.harness import MAILLOGS
from tests.tail.conftest import tail_env


def test_rows_line_up_under_one_header_as_they_come(tmp_path: Path) -> None:
    env = tail_env(tmp_path / "none.toml", {"COLUMNS": "100", "TERM": "xterm-256color"})
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*MAILLOGS, "tail", "-p", "demo-edith", "-n", "3", "--count", "2", "--interval", "1s"],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    lines = [line for line in b"".join(chunks).decode().splitlines() if line.strip()]
    header, rule, *rows = lines
    assert header.split()[:2] == ["message_id", "submitted_at"]  # the list table's columns
    assert set(rule.strip()) == {"─"}
    assert len(rows) == 5  # the last 3, then 2 new: no header repeated, nothing redrawn
    status_column = header.index("status")
    for row in rows:
        assert row[status_column - 2 : status_column] == "  ", row  # the column gap
        assert row[status_column] != " ", row
