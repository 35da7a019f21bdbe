"""Issue 13.9: symlinks are not a way to make maillogs write somewhere else.

A shared state directory is the attack surface: anyone who can write there
can plant ``NAME.lock`` or ``NAME.state.json`` as a link to a file of the user
running the export, or as a FIFO. Both are opened with ``O_NOFOLLOW`` and
``O_NONBLOCK``; a symlink or anything but a regular file is refused (exit 73),
and a lock file with other hard links is not written to.
For ``--output`` a link is the user's own choice: one to an existing file is
written through (that file is replaced, the link kept); a dangling one is
refused, and no directory is ever created through a link.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hardening.conftest import (
    Outcome,
    assert_one_line_error,
    clean_environ,
    invoke,
    run_module,
    write_private,
)

GOOD = '[profiles.ok]\nprovider = "edith"\ntoken = "tok-123456"\n'
VICTIM_TEXT = "precious, not maillogs's\n"


def export(output: Path, *extra: str) -> Outcome:
    return invoke(
        "export", "--profile", "demo-edith", "--since", "2h", "--output", str(output), *extra
    )


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "victim.txt"
    path.parent.mkdir()
    path.write_text(VICTIM_TEXT, encoding="utf-8")
    return path


def check_refused(outcome: Outcome, *words: str) -> None:
    assert outcome.code == 73, outcome.output
    assert_one_line_error(outcome)
    for word in words:
        assert word in outcome.stderr, outcome.stderr


@pytest.mark.parametrize("planted", ["default.lock", "default.state.json"])
def test_a_planted_state_symlink_is_refused_and_its_target_untouched(
    config_path: Path, tmp_path: Path, victim: Path, planted: str
) -> None:
    write_private(config_path, GOOD)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / planted).symlink_to(victim)
    outcome = export(tmp_path / "out.jsonl", "--since-last")
    check_refused(outcome, str(state / planted), "symbolic link")
    assert victim.read_text(encoding="utf-8") == VICTIM_TEXT
    assert (state / planted).is_symlink()


def test_a_state_symlink_planted_after_the_first_run_is_refused(
    config_path: Path, tmp_path: Path, victim: Path
) -> None:
    write_private(config_path, GOOD)
    assert export(tmp_path / "out.jsonl", "--since-last").code == 0
    state_file = tmp_path / "state" / "default.state.json"
    state_file.unlink()
    state_file.symlink_to(victim)
    check_refused(export(tmp_path / "out.jsonl", "--since-last"), str(state_file))
    assert victim.read_text(encoding="utf-8") == VICTIM_TEXT


@pytest.mark.parametrize("command", ["list", "export"])
def test_output_through_a_dangling_symlink_creates_nothing(
    config_path: Path, tmp_path: Path, command: str
) -> None:
    write_private(config_path, GOOD)
    target = tmp_path / "nowhere" / "deeper" / "out.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    outcome = invoke(command, "--profile", "demo-edith", "--since", "2h", "--output", str(link))
    check_refused(outcome, str(link), "does not exist")
    assert not (tmp_path / "nowhere").exists()
    assert link.is_symlink()


def test_no_directory_is_created_through_a_dangling_directory_link(
    config_path: Path, tmp_path: Path
) -> None:
    write_private(config_path, GOOD)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "dirlink").symlink_to(tmp_path / "missing")
    outcome = export(tmp_path / "out" / "dirlink" / "sub" / "x.jsonl")
    check_refused(outcome, str(tmp_path / "out" / "dirlink"), "symbolic link")
    assert not (tmp_path / "missing").exists()


def test_output_through_a_symlink_to_a_file_replaces_that_file(
    config_path: Path, tmp_path: Path, victim: Path
) -> None:
    """The documented choice: the link is the user's, so it is followed and kept."""
    write_private(config_path, GOOD)
    link = tmp_path / "latest.jsonl"
    link.symlink_to(victim)
    outcome = export(link)
    assert outcome.code == 0, outcome.output
    assert link.is_symlink() and link.resolve() == victim
    assert victim.read_text(encoding="utf-8") != VICTIM_TEXT
    assert '"provider":"edith"' in victim.read_text(encoding="utf-8")


@pytest.mark.parametrize("planted", ["default.lock", "default.state.json"])
def test_a_planted_fifo_is_refused_not_waited_on(tmp_path: Path, planted: str) -> None:
    config = write_private(tmp_path / "config.toml", GOOD)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.mkfifo(state / planted)
    args = ["export", "--profile", "demo-edith", "--since-last", "--output", str(tmp_path / "o")]
    # Opening a FIFO nobody writes to used to block: the subprocess timeout bounds the test.
    outcome = run_module(args, clean_environ(config), timeout=30)
    check_refused(outcome, str(state / planted), "not a regular file")


def test_a_lock_file_hard_linked_to_another_file_is_not_written_through(
    config_path: Path, tmp_path: Path, victim: Path
) -> None:
    write_private(config_path, GOOD)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.link(victim, state / "default.lock")
    outcome = export(tmp_path / "out.jsonl", "--since-last")
    # The lock is the flock on it; only the informational pid is skipped.
    assert outcome.code == 0, outcome.output
    assert victim.read_text(encoding="utf-8") == VICTIM_TEXT
