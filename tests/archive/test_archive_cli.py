"""``maillogs sync --profile demo`` (the in-process emulator) and ``maillogs archive
path|info|prune`` end to end: what a user sees, exit codes, bad files."""

from __future__ import annotations

import json
import os
import pty
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillogs.cli.app import app
from tests.archive.helpers import EPOCH
from tests.ptyrun import run_on_pty

runner = CliRunner()
PRUNE = [sys.executable, "-m", "maillogs", "archive", "prune"]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLOGS_CONFIG", str(tmp_path / "none.toml"))
    for name in ("MAILLOGS_PROFILE", "MAILLOGS_ARCHIVE", "MAILLOGS_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo sync, shared: the module's tests copy it before changing it."""
    path = tmp_path_factory.mktemp("demo") / "archive.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")}
    env["MAILLOGS_CONFIG"] = str(path.parent / "none.toml")
    done = subprocess.run(
        [sys.executable, "-m", "maillogs", "sync", "--profile", "demo", "--archive", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return path


def copy_of(archive: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.sqlite3"
    source = sqlite3.connect(archive)
    dest = sqlite3.connect(target)
    source.backup(dest)
    source.close()
    dest.close()
    return target


def info(path: Path) -> dict[str, object]:
    code, out, err = run("archive", "info", "--archive", str(path), "--format", "json")
    assert code == 0, err
    return dict(json.loads(out))


def test_demo_sync_fills_every_demo_profile(demo_archive: Path) -> None:
    shown = info(demo_archive)
    assert shown["schema_version"] == 2
    assert shown["path"] == str(demo_archive)
    assert isinstance(shown["size_bytes"], int) and shown["size_bytes"] > 0
    profiles = {p["profile"]: p for p in shown["profiles"]}  # type: ignore[attr-defined]
    assert set(profiles) == {"demo-kaleyra", "demo-edith", "demo-infobip"}
    for entry in profiles.values():
        assert entry["records"] > 0
        assert entry["first_submitted_at"] < entry["last_submitted_at"]
        assert len(entry["covered"]) == 1
        assert entry["covered"][0]["end"] == entry["checkpoint"] == entry["last_sync"]
        assert entry["last_sync_counts"]["new"] == entry["records"]


def test_resync_of_the_demo_reports_everything_unchanged(
    demo_archive: Path, tmp_path: Path
) -> None:
    path = copy_of(demo_archive, tmp_path)
    code, _, err = run("sync", "--profile", "demo", "--archive", str(path), "-v")
    assert code == 0, err
    lines = err.splitlines()
    assert len(lines) == 3, err
    for line in lines:
        assert " 0 new, 0 changed, " in line, line


def test_table_info_names_each_profile(demo_archive: Path) -> None:
    code, out, _ = run("archive", "info", "--archive", str(demo_archive))
    assert code == 0
    assert out.startswith(f"{demo_archive} (")
    assert "schema version 2" in out
    for name in ("demo-kaleyra (kaleyra)", "demo-edith (edith)", "demo-infobip (infobip)"):
        assert name in out


def test_archive_path_option_env_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("archive", "path", "--archive", str(tmp_path / "x.db"))[1] == f"{tmp_path}/x.db\n"
    monkeypatch.setenv("MAILLOGS_ARCHIVE", str(tmp_path / "env.db"))
    assert run("archive", "path")[1] == f"{tmp_path}/env.db\n"
    monkeypatch.delenv("MAILLOGS_ARCHIVE")
    assert run("archive", "path")[1].endswith("/maillogs/archive.sqlite3\n")


def test_info_without_an_archive_exits_66_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "archive.sqlite3"
    code, out, err = run("archive", "info", "--archive", str(path))
    assert (code, out) == (66, "")
    assert err == f"maillogs: no archive at {path}: run `maillogs sync` first\n"
    assert not path.parent.exists()


@pytest.mark.parametrize("command", [["sync", "--profile", "demo"], ["archive", "info"]])
def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "archive.sqlite3"
    path.write_bytes(b"message_id,status\n" + b"x,delivered\n" * 500)
    before = path.read_bytes()
    code, out, err = run(*command, "--archive", str(path))
    assert (code, out) == (65, "")
    assert err == f"maillogs: {path} is not an SQLite database (file untouched)\n"
    assert path.read_bytes() == before


def test_prune_refuses_without_yes_when_not_at_a_terminal(
    demo_archive: Path, tmp_path: Path
) -> None:
    path = copy_of(demo_archive, tmp_path)
    code, _, err = run("archive", "prune", "--before", "2d", "--archive", str(path))
    assert code == 2
    assert "--yes" in err
    assert sum(p["records"] for p in info(path)["profiles"]) == sum(  # type: ignore[attr-defined]
        p["records"]
        for p in info(demo_archive)["profiles"]  # type: ignore[attr-defined]
    )


def test_prune_deletes_old_records_history_and_coverage(demo_archive: Path, tmp_path: Path) -> None:
    path = copy_of(demo_archive, tmp_path)
    conn = sqlite3.connect(path)
    before_us = conn.execute(
        "SELECT submitted_us FROM records WHERE profile = 'demo-edith'"
        " ORDER BY submitted_us LIMIT 1 OFFSET 100"
    ).fetchone()[0]
    kept_elsewhere = conn.execute(
        "SELECT count(*) FROM records WHERE profile != 'demo-edith'"
    ).fetchone()[0]
    conn.close()
    cutoff = (EPOCH + timedelta(microseconds=before_us)).isoformat()
    code, _, err = run(
        "archive", "prune", "--before", cutoff, "--profile", "demo-edith", "--yes",
        "--archive", str(path),
    )  # fmt: skip
    assert code == 0, err
    conn = sqlite3.connect(path)
    oldest, edith = conn.execute(
        "SELECT min(submitted_us), count(*) FROM records WHERE profile = 'demo-edith'"
    ).fetchone()
    others = conn.execute("SELECT count(*) FROM records WHERE profile != 'demo-edith'").fetchone()[
        0
    ]
    starts = dict(conn.execute("SELECT profile, min(start_us) FROM coverage GROUP BY profile"))
    orphans = conn.execute(
        "SELECT count(*) FROM status_changes AS c WHERE NOT EXISTS (SELECT 1 FROM records AS r"
        " WHERE r.provider = c.provider AND r.profile = c.profile"
        " AND r.message_id = c.message_id AND r.recipient = c.recipient)"
    ).fetchone()[0]
    conn.close()
    assert oldest == before_us
    assert edith > 0
    assert others == kept_elsewhere
    assert starts["demo-edith"] == before_us
    assert starts["demo-kaleyra"] < before_us
    assert orphans == 0


def test_prune_asks_on_a_terminal(demo_archive: Path, tmp_path: Path) -> None:
    path = copy_of(demo_archive, tmp_path)
    total = sum(p["records"] for p in info(path)["profiles"])  # type: ignore[attr-defined]
    for answer, code, left in ((b"n\n", 1, total), (b"y\n", 0, 0)):
        leader, follower = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")}
        process = subprocess.Popen(
            [*PRUNE, "--before", "now", "--archive", str(path)],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=env,
        )
        os.close(follower)
        shown = b""
        while b"[y/N]" not in shown:
            shown += os.read(leader, 4096)
        assert f"Delete {total} records submitted before ".encode() in shown
        os.write(leader, answer)
        assert process.wait(timeout=60) == code
        os.close(leader)
        assert sum(p["records"] for p in info(path)["profiles"]) == left  # type: ignore[attr-defined]


def test_quiet_and_verbose_together_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = run("sync", "-q", "-v", "--profile", "demo", "--archive", str(tmp_path / "a"))
    assert code == 2
    assert not (tmp_path / "a").exists()


def test_a_directory_as_archive_is_refused_without_leaving_a_lock_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "dir"
    target.mkdir()
    code, _, err = run("sync", "--profile", "demo", "--archive", str(target))
    assert code == 65
    assert err == f"maillogs: archive {target} is a directory, not a file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]


def test_prune_names_the_cutoff_to_the_second_in_utc(demo_archive: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")}
    code, shown = run_on_pty(
        ["archive", "prune", "--before", "2000-01-01", "--yes", "--archive", str(demo_archive)],
        env,
    )
    assert code == 0, shown
    assert shown == "No records submitted before 2000-01-01 00:00:00Z.\r\n"


def test_prune_profile_reads_names_as_offline_does(demo_archive: Path, tmp_path: Path) -> None:
    path = copy_of(demo_archive, tmp_path)
    code, _, err = run(
        "archive", "prune", "--before", "now", "-p", "nosuch", "--yes", "--archive", str(path)
    )
    assert code == 2
    assert err.startswith("maillogs: profile 'nosuch' not in the archive ")
    code, _, err = run(
        "archive", "prune", "--before", "now", "-p", "demo", "--yes", "--archive", str(path)
    )
    assert code == 0, err
    assert sum(p["records"] for p in info(path)["profiles"]) == 0  # type: ignore[attr-defined]


def test_sync_at_a_terminal_says_what_it_did_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")}
    env["MAILLOGS_CONFIG"] = str(tmp_path / "none.toml")
    path = tmp_path / "a.sqlite3"
    args = ["sync", "-p", "demo-edith", "--since", "1d", "--archive", str(path)]
    code, shown = run_on_pty(args, env, columns=200)
    assert code == 0, shown
    last = shown.splitlines()[-1]
    assert re.search(rf"Synced 1 profile into {path}: \d+ new, 0 changed, 0 unchanged\.$", last)
