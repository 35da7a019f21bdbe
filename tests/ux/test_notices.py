"""Standing advice (Infobip's 48 hours) shows once per config, again with -v,
and never when the range stays inside the retention."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ux.conftest import run

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
