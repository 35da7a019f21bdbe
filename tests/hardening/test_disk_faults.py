"""Issue 13.8: a disk that refuses writes is exit 73 naming the file, wherever it hits.

Faults come from the kernel, not from mocks: the real program runs in a child
whose file-size limit (``RLIMIT_FSIZE``) makes any write past N bytes fail with
EFBIG ("File too large"), as a full disk fails with ENOSPC. Python ignores the
SIGXFSZ that would otherwise kill it, so the write error reaches maillogs. One
in-process test hands the atomic writer a descriptor on ``/dev/full`` for the
file being written, the literal ENOSPC.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.conftest import (
    Outcome,
    assert_one_line_error,
    clean_environ,
    invoke,
    write_private,
)

GOOD = '[profiles.ok]\nprovider = "edith"\ntoken = "tok-123456"\n'
# A filter no demo record matches: the export file is empty, the state file is not.
NO_MATCH = ["--to", "nobody@nowhere.invalid"]


def run_with_file_limit(args: list[str], env: dict[str, str], limit: int) -> Outcome:
    """``python -m maillogs ARGS`` where no file can grow past ``limit`` bytes."""

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "maillogs", *args],
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=limit_file_size,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def check_cannot_write(outcome: Outcome, path: Path) -> None:
    assert outcome.code == 73, outcome.output
    assert_one_line_error(outcome)
    assert str(path) in outcome.stderr
    assert "File too large" in outcome.stderr or "No space left" in outcome.stderr


def export_args(output: Path) -> list[str]:
    return ["export", "--profile", "demo", "--since-last", "--since", "2h", "--output", str(output)]


def test_a_full_state_directory_is_exit_73_naming_the_state_file(tmp_path: Path) -> None:
    config = write_private(tmp_path / "config.toml", GOOD)
    env = clean_environ(config)
    output = tmp_path / "out.jsonl"
    # The empty export fits; the checkpoint (a few hundred bytes) does not.
    outcome = run_with_file_limit([*export_args(output), *NO_MATCH], env, limit=64)
    check_cannot_write(outcome, tmp_path / "state" / "default.state.json")
    # The output was committed before the checkpoint failed: the next run exports again.
    assert output.exists()
    assert not (tmp_path / "state" / "default.state.json").exists()


def test_a_lock_file_that_cannot_take_the_pid_does_not_stop_the_export(tmp_path: Path) -> None:
    config = write_private(tmp_path / "config.toml", GOOD)
    outcome = run_with_file_limit(
        [*export_args(tmp_path / "out.jsonl"), *NO_MATCH], clean_environ(config), limit=0
    )
    # Not 70 at the lock: the run goes on and fails where data cannot be kept.
    check_cannot_write(outcome, tmp_path / "state" / "default.state.json")


def test_profiles_add_on_a_full_disk_is_exit_73_naming_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    outcome = run_with_file_limit(
        ["profiles", "add", "mine", "--provider", "edith", "--token", "tok-secret-1"],
        clean_environ(config),
        limit=16,
    )
    check_cannot_write(outcome, config)
    assert not config.exists()


@pytest.mark.parametrize("command", ["list", "export"])
def test_an_output_that_fills_the_disk_names_its_path(tmp_path: Path, command: str) -> None:
    config = write_private(tmp_path / "config.toml", GOOD)
    output = tmp_path / "out.jsonl"
    args = ["--profile", "demo", "--since", "7d", "--output", str(output)]
    outcome = run_with_file_limit([command, *args], clean_environ(config), limit=20_000)
    check_cannot_write(outcome, output)
    assert "cannot write to 3" not in outcome.stderr
    assert not output.exists()
    assert not list(tmp_path.glob(".out.jsonl.*")), "temporary file left behind"


def full_disk_for(name_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Temporary files whose name starts with ``name_prefix`` write to /dev/full."""
    real_mkstemp: Callable[..., tuple[int, str]] = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, name = real_mkstemp(*args, **kwargs)
        if Path(name).name.startswith(name_prefix):
            os.close(fd)
            fd = os.open("/dev/full", os.O_WRONLY)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def test_enospc_on_the_state_file_is_exit_73(
    config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_private(config_path, GOOD)
    full_disk_for(".default.state.json.", monkeypatch)
    outcome = invoke(*export_args(tmp_path / "out.jsonl"))
    assert outcome.code == 73, outcome.output
    assert_one_line_error(outcome)
    state = tmp_path / "state" / "default.state.json"
    assert f"cannot write {state}: No space left on device" in outcome.stderr
    assert not list(state.parent.glob("*.tmp"))


def test_enospc_on_the_config_is_exit_73(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_private(config_path, GOOD)
    full_disk_for(".config.toml.", monkeypatch)
    outcome = invoke("profiles", "set-default", "ok")
    assert outcome.code == 73, outcome.output
    assert_one_line_error(outcome)
    assert f"cannot write {config_path}: No space left on device" in outcome.stderr
    assert config_path.read_text(encoding="utf-8") == GOOD
