"""Standing advice (Infobip's 48 hours) shows once per config, again with -v,
and never when the range stays inside the retention."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ux.conftest import read_until, run

RETENTION = "Infobip keeps email logs for 48 hours"
LIST = ("list", "-p", "demo-infobip", "--limit", "1", "--format", "jsonl")


def test_the_retention_warning_shows_once_per_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(*LIST, "--since", "7d")[2]
    second = run(*LIST, "--since", "7d")[2]
    again = run(*LIST, "--since", "7d", "-v")[2]

    assert first.count(RETENTION) == 1 and "'demo-infobip'" in first
    assert RETENTION not in second
    assert RETENTION in again

    # Another config has not seen it yet.
    other = tmp_path / "other.toml"
    other.write_text("", encoding="utf-8")
    other.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(other))
    assert RETENTION in run(*LIST, "--since", "7d")[2]


@pytest.mark.parametrize("since", ["48h", "2d", "90m"])
def test_a_range_inside_the_retention_never_warns(since: str) -> None:
    code, _, err = run(*LIST, "--since", since, "-v")
    assert code == 0
    assert err == ""


def test_an_unwritable_state_dir_still_shows_the_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("MAILLOGS_STATE_DIR", str(blocker / "state"))
    for _ in range(2):
        code, _, err = run(*LIST, "--since", "7d")
        assert code == 0
        assert RETENTION in err


def test_stats_notes_on_a_terminal_show_once(tmp_path: Path, isolated_env: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")},
        "MAILLOGS_CONFIG": str(isolated_env),
        "MAILLOGS_STATE_DIR": str(tmp_path / "state"),
        "COLUMNS": "120",
    }

    def stats_on_a_terminal(*extra: str) -> str:
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "maillogs", "stats", "-p", "demo-kaleyra,demo-edith", *extra],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env=env,
        )
        os.close(follower)
        seen = read_until(leader, None)
        os.close(leader)
        assert process.wait(timeout=30) == 0
        return seen.decode("utf-8", "replace")

    note = "every profile is counted from logs"
    assert note in stats_on_a_terminal()
    assert note not in stats_on_a_terminal()
    assert note in stats_on_a_terminal("--verbose")
