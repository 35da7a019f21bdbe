"""``maillogs sync`` against ``maillogs sandbox serve`` over loopback, as a cron job runs it:
faults absorbed, re-syncs unchanged, SIGKILL at any moment loses nothing, one writer at a time."""

from __future__ import annotations

import random
import re
import stat
import subprocess
import time
from datetime import timedelta
from pathlib import Path

from maillogs.archive.store import writer_lock
from tests.archive.helpers import EPOCH, archived, assert_same, coverage, expected, read
from tests.integration.harness import MAILLOGS, Site, cli_env, iso

PROFILES = ("kaleyra", "edith", "infobip4", "infobip1")
SINCE_ALL = timedelta(days=10, hours=1)  # before the oldest record of every provider


def sync_args(site: Site, archive: Path, *profiles: str) -> list[str]:
    args = ["sync", "--archive", str(archive), "--since", iso(site.ref.now - SINCE_ALL)]
    for profile in profiles:
        args += ["--profile", profile]
    return args


def counts(stderr: str) -> dict[str, tuple[int, int, int]]:
    """profile -> (new, changed, unchanged) from the -v summary lines."""
    found = re.findall(r"maillogs: (\S+): (\d+) new, (\d+) changed, (\d+) unchanged", stderr)
    return {name: (int(new), int(changed), int(same)) for name, new, changed, same in found}


def test_sync_through_faults_then_resync_reports_unchanged(
    faulty_site: Site, tmp_path: Path
) -> None:
    archive = tmp_path / "private" / "archive.sqlite3"
    first = faulty_site.run(*sync_args(faulty_site, archive, *PROFILES), "-v")
    assert first.code == 0, first.describe()
    want = expected(faulty_site.ref, PROFILES)
    assert_same(archived(archive), want)
    per_profile = {name: sum(1 for key in want if key[0] == name) for name in PROFILES}
    assert counts(first.stderr) == {name: (n, 0, 0) for name, n in per_profile.items()}
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700

    # The second run continues from the checkpoints: only the 2-hour lookback, all unchanged.
    again = faulty_site.run("sync", "--archive", str(archive), "-v", *_profiles(PROFILES))
    assert again.code == 0, again.describe()
    recent = {
        name: sum(
            1
            for key, (_, sent) in want.items()
            if key[0] == name and sent >= faulty_site.ref.now - timedelta(hours=2, minutes=5)
        )
        for name in PROFILES
    }
    seen = counts(again.stderr)
    for name in PROFILES:
        new, changed, unchanged = seen[name]
        assert (new, changed) == (0, 0), again.stderr
        assert unchanged >= recent[name] > 0, again.stderr
    assert_same(archived(archive), want)
    # Each profile's coverage is one interval from before its oldest record to the last run.
    covered = coverage(archive)
    assert set(covered) == set(PROFILES)
    for name, intervals in covered.items():
        assert len(intervals) == 1, (name, intervals)
        oldest = min(sent for key, (_, sent) in want.items() if key[0] == name)
        assert intervals[0][0] <= oldest
        assert intervals[0][1] >= faulty_site.ref.now


def _profiles(names: tuple[str, ...]) -> list[str]:
    return [arg for name in names for arg in ("--profile", name)]


def test_sigkill_at_random_moments_then_one_clean_run_has_everything(
    slow_site: Site, tmp_path: Path
) -> None:
    archive = tmp_path / "archive.sqlite3"
    profiles = ("kaleyra", "edith", "infobip4")
    # A run continuing from its checkpoint has little left to do once one got
    # through; re-reading everything (--lookback 11 days) keeps each killed run
    # in the middle of real work: walks, upserts, slice commits.
    args = [*MAILLOGS, *sync_args(slow_site, archive, *profiles), "--lookback", "264h"]
    env = cli_env(slow_site.config)
    chance = random.Random(15)
    kills = attempts = 0
    while kills < 21 and attempts < 40:
        attempts += 1
        process = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(chance.uniform(0.15, 0.75))
        if process.poll() is None:
            process.kill()
            kills += 1
        process.wait(30)
        if archive.exists():
            # Whatever instant it died at, the data reaches at least as far as
            # each checkpoint says: every record before it is in the file.
            _assert_checkpoints_backed(slow_site, archive, profiles)
    assert kills >= 20, f"only {kills} of {attempts} runs were still running when killed"
    final = slow_site.run(*sync_args(slow_site, archive, *profiles))
    assert final.code == 0, final.describe()
    assert_same(archived(archive), expected(slow_site.ref, profiles))


def _assert_checkpoints_backed(site: Site, archive: Path, profiles: tuple[str, ...]) -> None:
    if not read(archive, "PRAGMA user_version")[0][0]:
        return  # killed before its first commit: an empty file, nothing claimed
    marks = dict(read(archive, "SELECT profile, checkpoint_us FROM sync_state"))
    have = archived(archive)
    want = expected(site.ref, profiles)
    for profile, checkpoint_us in marks.items():
        checkpoint = EPOCH + timedelta(microseconds=checkpoint_us)
        missing = [
            key
            for key, (_, sent) in want.items()
            if key[0] == profile and sent < checkpoint and key not in have
        ]
        assert not missing, f"{profile}: checkpoint {checkpoint} ahead of its data: {missing[:3]}"


def test_a_second_sync_waits_then_exits_75(slow_site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "archive.sqlite3"
    with writer_lock(archive):  # as a running sync holds it
        started = time.monotonic()
        second = slow_site.run("sync", "--archive", str(archive), "--profile", "edith")
        waited = time.monotonic() - started
    assert second.code == 75, second.describe()
    assert "another maillogs sync or prune" in second.stderr
    assert second.stderr.count("\n") == 1
    assert waited >= 2.0
    assert not archive.exists()  # it touched nothing


def test_one_failing_profile_does_not_stop_the_others(slow_site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "archive.sqlite3"
    result = slow_site.run(*sync_args(slow_site, archive, "infobip4", "edith-badkey"))
    assert result.code == 77, result.describe()
    assert "edith-badkey" in result.stderr
    assert "wrong-key" not in result.stderr  # the secret itself never appears
    # Everything of the healthy profile is in, up to its checkpoint; nothing of the other.
    assert_same(archived(archive), expected(slow_site.ref, ("infobip4",)))
    assert set(coverage(archive)) == {"infobip4"}
