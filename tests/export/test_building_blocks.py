"""The lock, the stale-file clean-up, the checkpoint file, the progress line, the repeat filter."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from maillogs.core.errors import ConfigError, TemporaryFailureError, UsageError
from maillogs.export.checkpoint import Checkpoint, CheckpointStore, check_state_name, state_dir
from maillogs.export.lock import hold_temp_file, remove_stale_temps, state_lock
from maillogs.export.progress import Progress


def test_a_held_state_lock_refuses_a_second_run_with_exit_75(tmp_path: Path) -> None:
    with state_lock(tmp_path, "nightly"):
        with pytest.raises(TemporaryFailureError) as refused, state_lock(tmp_path, "nightly"):
            pass
        with state_lock(tmp_path, "weekly"):
            pass

    assert refused.value.exit_code == 75
    assert f"pid {os.getpid()}" in str(refused.value)
    # Released when the run ends: the next run gets it.
    with state_lock(tmp_path, "nightly"):
        pass


def test_only_abandoned_temp_files_of_this_output_are_removed(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text("kept\n")
    abandoned = tmp_path / ".out.jsonl.k1ll3d_1.tmp"
    live = tmp_path / ".out.jsonl.w0rk1ng2.tmp"
    other_output = tmp_path / ".out.jsonl.1.abcdefgh.tmp"
    young = tmp_path / ".out.jsonl.justnow3.tmp"
    for path in (abandoned, live, other_output, young):
        path.write_text("partial")
    started = time.time()
    for path in (abandoned, live, other_output):
        os.utime(path, (started - 60, started - 60))
    os.utime(young, (started + 1, started + 1))
    writer = os.open(live, os.O_RDWR)
    try:
        hold_temp_file(writer)
        removed = remove_stale_temps(output, older_than=started)
    finally:
        os.close(writer)

    assert removed == [abandoned]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (output, live, other_output, young)
    )


def test_checkpoints_of_other_profiles_survive_a_commit(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "state", "nightly")
    first = Checkpoint(until=datetime(2024, 5, 1, tzinfo=UTC), output="a.jsonl", records=3)
    second = Checkpoint(until=datetime(2024, 5, 2, tzinfo=UTC), output="b.jsonl", records=0)

    assert store.load() == {}
    store.commit({"prod": first, "eu": first})
    store.commit({"prod": second})

    assert CheckpointStore(tmp_path / "state", "nightly").load() == {"prod": second, "eu": first}


def test_a_damaged_state_file_is_a_config_error_saying_how_to_recover(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path, "nightly")
    store.path.write_text('{"profiles": {"prod": {"until": "yesterday"}}}')

    with pytest.raises(ConfigError, match="delete it") as damaged:
        store.load()

    assert damaged.value.exit_code == 78


def test_state_names_cannot_escape_the_state_directory() -> None:
    assert check_state_name("nightly-eu_2") == "nightly-eu_2"
    for bad in ("../etc", "a/b", ".hidden", ""):
        with pytest.raises(UsageError):
            check_state_name(bad)


def test_state_dir_follows_the_environment(tmp_path: Path) -> None:
    assert state_dir({"MAILLOGS_STATE_DIR": str(tmp_path)}) == tmp_path
    assert state_dir({}).name == "maillogs"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_redraws_at_most_four_times_a_second_and_erases_itself() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(stream, enabled=True, clock=clock)

    for records in range(1, 101):
        clock.now += 0.01  # one second of work in all
        progress.update(records, requests=records // 50)
    drawn = stream.getvalue().count("\r\x1b[K")
    progress.close()

    assert drawn == 4
    assert stream.getvalue().endswith("\r\x1b[K")
    last_line = stream.getvalue().split("\r\x1b[K")[-2]
    assert last_line.startswith("exporting: 76 records, 1 requests")
    assert "records/s" in last_line


def test_progress_estimates_the_time_left_only_when_the_work_is_known() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(stream, enabled=True, clock=clock)
    clock.now += 10
    progress.update(500, 5, done=0.25)  # a quarter in 10 s: about 30 s to go
    clock.now += 1
    progress.update(600, 6)  # EDITH or Infobip in the mix: no total, no guess

    first, second = stream.getvalue().split("\r\x1b[K")[1:]
    assert first.endswith("0:10, about 0:30 left")
    assert second.endswith("0:11")


def test_progress_is_silent_when_disabled() -> None:
    stream = io.StringIO()
    progress = Progress(stream, enabled=False)

    progress.update(10, 1)
    progress.close()

    assert stream.getvalue() == ""
