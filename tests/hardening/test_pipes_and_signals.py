"""Promises 2 and 9: stdout is pure data when piped; a closed pipe and Ctrl-C end quietly.

Colour is decided by the terminal, not by environment variables that try to
force it: when stdout is not a TTY (or ``NO_COLOR`` is set) nothing but data
is written, whatever ``FORCE_COLOR``, ``CLICOLOR_FORCE`` or ``TERM`` say.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from maillogs.sandbox import FaultPlan
from tests.hardening.conftest import (
    clean_environ,
    run_module,
    sandbox,
    sandbox_config,
    write_private,
)
from tests.ptyrun import run_on_pty

COLOUR_FORCING = {"FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "TERM": "xterm-256color"}
ESCAPES = ("\x1b", "\x9b")


def parses_as(fmt: str, text: str) -> int:
    """Parse ``text`` in ``fmt`` and return how many records it holds."""
    if fmt == "json":
        return len(json.loads(text))
    if fmt == "jsonl":
        return len([json.loads(line) for line in text.splitlines()])
    if fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
        assert len({len(row) for row in rows}) == 1  # every row has every column
        return len(rows) - 1
    # table: one line per record under a header and a rule.
    return len(text.splitlines()) - 2


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv", None])
def test_piped_stdout_is_pure_data_even_when_colour_is_forced(tmp_path: Path, fmt: str) -> None:
    env = clean_environ(tmp_path / "none.toml", **COLOUR_FORCING)
    formats = [] if fmt is None else ["--format", fmt]
    outcome = run_module(
        ["list", "--profile", "demo", "--limit", "25", "--since", "7d", *formats], env
    )
    assert outcome.code == 0, outcome.stderr
    assert parses_as(fmt or "jsonl", outcome.stdout) == 25  # piped default: jsonl
    for escape in ESCAPES:
        assert escape not in outcome.stdout
        assert escape not in outcome.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["statuses"],
        ["statuses", "--json"],
        ["providers"],
        ["profiles", "list"],
        ["profiles", "show", "demo-edith"],
        ["schema"],
        ["stats", "--profile", "demo", "--format", "table"],
        ["list", "--profile", "demo", "--explain"],
        ["--help"],
        ["list", "--help"],
        ["list", "--bogus"],
    ],
    ids=" ".join,
)
def test_other_commands_print_no_escape_sequences_when_piped(
    tmp_path: Path, args: list[str]
) -> None:
    outcome = run_module(args, clean_environ(tmp_path / "none.toml", **COLOUR_FORCING))
    assert outcome.code in (0, 2), outcome.stderr
    for escape in ESCAPES:
        assert escape not in outcome.output


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout on a pseudo-terminal; returns the exit code and what it showed."""
    return run_on_pty(args, env, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)


def test_no_color_turns_colour_off_on_a_terminal(tmp_path: Path) -> None:
    args = ["list", "--profile", "demo-edith", "--limit", "5", "--since", "7d"]
    base = clean_environ(tmp_path / "none.toml", TERM="xterm-256color", COLUMNS="200")
    code, coloured = run_on_a_terminal(args, base)
    assert code == 0
    assert "\x1b[" in coloured  # on a terminal, statuses are coloured ...
    code, plain = run_on_a_terminal(args, {**base, "NO_COLOR": "1"})
    assert code == 0
    assert "\x1b" not in plain  # ... and NO_COLOR turns that off
    assert "@" in plain


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv"])
def test_head_closing_the_pipe_ends_quietly(tmp_path: Path, fmt: str) -> None:
    env = clean_environ(tmp_path / "none.toml")
    command = (
        f"{sys.executable} -m maillogs list --profile demo --all --format {fmt} | head -1; "
        'echo "exit=${PIPESTATUS[0]}" >&2'
    )
    done = subprocess.run(
        ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr.strip().splitlines()[-1] == "exit=0", done.stderr
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    assert "BrokenPipe" not in done.stderr


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["statuses"],
        ["schema"],
        ["list", "--profile", "demo", "--limit", "3", "--format", "jsonl"],
        ["list", "--profile", "demo", "--explain"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_stdout_that_cannot_be_written_is_exit_73_in_one_line(
    tmp_path: Path, args: list[str], buffered: bool
) -> None:
    env = clean_environ(tmp_path / "none.toml")
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    read_only = tmp_path / "read-only"
    read_only.touch()
    with read_only.open("rb") as stdout:  # a descriptor that refuses writes
        done = subprocess.run(
            [sys.executable, "-m", "maillogs", *args],
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 73, done.stderr
    assert done.stderr.splitlines() == [
        "maillogs: cannot write to standard output: Bad file descriptor"
    ]


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    with sandbox(FaultPlan(latency_ms=500), records=2000) as box:
        config = write_private(tmp_path / "config.toml", sandbox_config(box.base_url))
        process = subprocess.Popen(
            [sys.executable, "-m", "maillogs", "list", "--all", "--profile", "sandbox-edith"],
            env=clean_environ(config),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Interrupt once requests are in flight: the answers take 500 ms each.
        deadline = time.monotonic() + 30
        while box.emulator.request_count == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert box.emulator.request_count > 0
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "maillogs: interrupted"
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    for line in stdout.splitlines():
        json.loads(line)  # whatever was printed before the interrupt is whole
