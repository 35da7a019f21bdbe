"""The lock, the stale-file clean-up, the checkpoint file, the repeat filter."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from maillogs.core.errors import ConfigError, TemporaryFailureError, UsageError
from maillogs.export.checkpoint import Checkpoint, CheckpointStore, check_state_name, state_dir
from maillogs.export.lock import hold_temp_file, remove_stale_temps, state_lock


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
