"""What a person at a real terminal sees: the status line and the pager,
driven through a pseudo-terminal of fixed width (and never when piped)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ptyrun import run_on_pty

PAGER = "sh -c 'echo PAGED-BY-TEST; cat'"


@dataclass(frozen=True)
class Run:
    terminal: str  # everything written to the pseudo-terminal
    stdout: str  # stdout when it went to a file instead
    stderr: str  # stderr when it went to a file instead


def run(
    tmp_path: Path,
    *args: str,
    stdout_tty: bool = True,
    stderr_tty: bool = True,
    env: dict[str, str] | None = None,
) -> Run:
    """``maillogs ARGS`` with stdout/stderr on an 80-column pty or in files."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NO_COLOR", "PAGER", "MAILLOGS_PAGER", "COLUMNS")
    }
    environ.update(
        TERM="xterm-256color", MAILLOGS_CONFIG=str(tmp_path / "none.toml"), **(env or {})
    )
    out_path, err_path = tmp_path / "stdout", tmp_path / "stderr"
    with out_path.open("w") as out_file, err_path.open("w") as err_file:
        code, terminal = run_on_pty(
            list(args),
            environ,
            stdout=None if stdout_tty else out_file,
            stderr=None if stderr_tty else err_file,
        )
    assert code == 0, terminal
    return Run(
        terminal=terminal,
        stdout=out_path.read_text(),
        stderr=err_path.read_text(),
    )


def test_status_line_on_a_terminal_while_data_goes_to_a_pipe(tmp_path: Path) -> None:
    outcome = run(tmp_path, "list", "--profile", "demo", "--all", stdout_tty=False)
    assert "fetching: " in outcome.terminal
    assert " requests, " in outcome.terminal and " records, 0:0" in outcome.terminal
    # Erased once done (Rich moves up and clears the line), never left behind.
    assert outcome.terminal.endswith("\x1b[2K") or outcome.terminal.rstrip().endswith("\x1b[2K")
    # The data is untouched by it: plain JSON Lines.
    lines = outcome.stdout.splitlines()
    assert len(lines) > 100 and "\x1b" not in outcome.stdout
    assert all(json.loads(line)["message_id"] for line in lines)


def test_status_line_has_no_styling_with_no_color(tmp_path: Path) -> None:
    outcome = run(
        tmp_path, "list", "--profile", "demo", "--all", stdout_tty=False, env={"NO_COLOR": "1"}
    )
    assert "fetching: " in outcome.terminal
    assert "\x1b[2m" not in outcome.terminal  # the spinner's dim style


def test_nothing_on_stderr_when_piped(tmp_path: Path) -> None:
    outcome = run(
        tmp_path, "list", "--all", "--profile", "demo", stdout_tty=False, stderr_tty=False
    )
    assert "fetching" not in outcome.stderr
    assert "\x1b" not in outcome.stderr + outcome.stdout


@pytest.mark.parametrize(
    ("extra", "env", "paged"),
    [
        ([], {"MAILLOGS_PAGER": PAGER, "PAGER": "false"}, True),
        (["--no-pager"], {"PAGER": PAGER}, False),
        ([], {"MAILLOGS_PAGER": "", "PAGER": PAGER}, False),
    ],
    ids=["maillogs-pager-first", "no-pager", "empty-maillogs-pager"],
)
def test_tables_go_through_the_pager_unless_switched_off(
    tmp_path: Path, extra: list[str], env: dict[str, str], paged: bool
) -> None:
    outcome = run(tmp_path, "list", "--profile", "demo-edith", "-n", "30", *extra, env=env)
    assert ("PAGED-BY-TEST" in outcome.terminal) is paged
    # One header, whatever the pager: the table is one table.
    assert outcome.terminal.count("message_id") == 1
    assert "submitted_at" in outcome.terminal
