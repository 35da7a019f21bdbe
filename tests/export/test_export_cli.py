"""``maillogs export`` end to end, in subprocesses, as cron would run it."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import stat
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from maillogs.core.models import RECORD_FIELDS
from maillogs.sandbox import Emulator
from tests.export.helpers import SANDBOX_PROFILES, Workspace, keys, read_jsonl, sandbox_config

Serve = Callable[..., tuple[str, Emulator]]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def wait_for_temp(workspace: Workspace, output: Path, deadline: float = 10.0) -> None:
    """Block until the export has started writing its temporary file."""
    end = time.monotonic() + deadline
    while not workspace.temp_files(output):
        assert time.monotonic() < end, "the export never started writing"
        time.sleep(0.01)


def test_files_are_private_even_under_umask_000(workspace: Workspace) -> None:
    output = workspace.out / "logs.jsonl"

    result = workspace.run("export", "-p", "demo", "-o", str(output), "--since-last", umask=0)

    assert result.returncode == 0, result.stderr
    # Success without a terminal is silent, so cron mails nothing.
    assert result.stderr == ""
    assert result.stdout == ""
    assert mode(output) == 0o600
    assert mode(workspace.state) == 0o700
    assert mode(workspace.state / "default.state.json") == 0o600
    assert mode(workspace.state / "default.lock") == 0o600
    rows = read_jsonl(output)
    assert rows
    assert all(list(row) == list(RECORD_FIELDS) for row in rows)
    assert {row["profile"] for row in rows} == {"demo-kaleyra", "demo-edith", "demo-infobip"}


def test_format_comes_from_the_extension_and_table_is_refused(workspace: Workspace) -> None:
    output = workspace.out / "logs.csv"

    result = workspace.run("export", "-p", "demo-edith", "-o", str(output), "--since", "2h")
    refused = workspace.run("export", "-p", "demo", "-o", str(output), "--format", "table")

    assert result.returncode == 0, result.stderr
    with output.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == RECORD_FIELDS
    assert refused.returncode == 2
    assert "table" in refused.stderr


def test_an_output_that_is_not_a_regular_file_is_exit_73_and_kept(workspace: Workspace) -> None:
    # A FIFO stands in for /dev/null: replacing a device would destroy it.
    fifo = workspace.out / "pipe.jsonl"
    os.mkfifo(fifo)

    result = workspace.run("export", "-p", "demo-edith", "-o", str(fifo), "--since", "2h")

    assert result.returncode == 73
    assert result.stderr.splitlines() == [
        f"maillogs: cannot write {fifo}: not a regular file (a directory, device or pipe); "
        "give the path of a file"
    ]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_json_export_is_one_array(workspace: Workspace) -> None:
    output = workspace.out / "logs.json"

    result = workspace.run("export", "-p", "demo-kaleyra", "-o", str(output), "--since", "1d")

    assert result.returncode == 0, result.stderr
    rows = json.loads(output.read_text(encoding="utf-8"))
    assert isinstance(rows, list)
    assert rows
    assert {row["provider"] for row in rows} == {"kaleyra"}


def test_verbose_prints_one_summary_line_and_quiet_prints_nothing(workspace: Workspace) -> None:
    verbose_out = workspace.out / "verbose.jsonl"
    quiet_out = workspace.out / "quiet.jsonl"

    verbose = workspace.run(
        "export", "-p", "demo", "-o", str(verbose_out), "--since-last", "--state", "job", "-v"
    )
    # 7 days reach past Infobip's 48-hour retention: a warning, silenced by --quiet.
    quiet = workspace.run(
        "export", "-p", "demo-infobip", "-o", str(quiet_out), "--since", "7d", "--quiet"
    )
    warned = workspace.run("export", "-p", "demo-infobip", "-o", str(quiet_out), "--since", "7d")

    assert verbose.returncode == 0, verbose.stderr
    lines = verbose.stderr.splitlines()
    assert len(lines) == 1
    written = len(read_jsonl(verbose_out))
    assert f"exported {written} records" in lines[0]
    assert str(verbose_out) in lines[0]
    assert "demo-kaleyra, demo-edith, demo-infobip" in lines[0]
    assert "checkpoint 'job'" in lines[0]
    assert quiet.returncode == 0
    assert quiet.stderr == ""
    assert warned.returncode == 0
    assert "48 hours" in warned.stderr


def test_sigkill_at_any_moment_keeps_the_previous_file_and_the_rerun_is_complete(
    workspace: Workspace, serve: Serve
) -> None:
    base_url, emulator = serve(latency_ms=120)
    workspace.write_config(sandbox_config(base_url))
    output = workspace.out / "nightly.jsonl"
    previous = b'{"from": "yesterday"}\n'
    output.write_bytes(previous)
    since = (emulator.now - timedelta(days=9)).isoformat()
    export = (
        "export",
        "-p",
        SANDBOX_PROFILES,
        "-o",
        str(output),
        "--since-last",
        "--overwrite",
        "--since",
        since,
    )
    rng = random.Random(20240501)
    # One kill during start-up (before any lock or file exists), the others at
    # random moments while pages are being fetched and written.
    kill_points = [("startup", 0.05)] + [("writing", rng.uniform(0.0, 0.6)) for _ in range(3)]

    for phase, delay in kill_points:
        process = workspace.start(*export)
        if phase == "writing":
            wait_for_temp(workspace, output)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)

        assert process.returncode == -signal.SIGKILL, f"finished before the kill ({phase})"
        assert output.read_bytes() == previous, f"killed {phase} +{delay:.2f}s"
        assert not (workspace.state / "default.state.json").exists()
    assert workspace.temp_files(output), "the kills should have left temporary files"

    rerun = workspace.run(*export)
    reference = workspace.run(
        "list", "-p", SANDBOX_PROFILES, "--all", "--since", since, "--format", "jsonl"
    )

    assert rerun.returncode == 0, rerun.stderr
    assert workspace.temp_files(output) == []
    exported = keys(read_jsonl(output))
    expected = keys([json.loads(line) for line in reference.stdout.splitlines()])
    assert len(exported) == len(set(exported)), "duplicates within one file"
    assert set(exported) == set(expected)
    assert (workspace.state / "default.state.json").exists()


def test_second_run_of_the_same_state_exits_75_at_once(workspace: Workspace, serve: Serve) -> None:
    # Every request stalls for seconds: the first run is still busy, whatever
    # the machine's load, while the others start, run and finish.
    base_url, _ = serve(latency_ms=5000)
    workspace.write_config(sandbox_config(base_url))
    first_out = workspace.out / "first.jsonl"
    second_out = workspace.out / "second.jsonl"
    first = workspace.start(
        "export", "-p", SANDBOX_PROFILES, "-o", str(first_out), "--since-last", "--state", "nightly"
    )
    try:
        wait_for_temp(workspace, first_out)
        started = time.monotonic()
        second = workspace.run(
            "export", "-p", "demo", "-o", str(second_out), "--since-last", "--state", "nightly"
        )
        refused_after = time.monotonic() - started
        # Another state name is another job: it does not wait for this one.
        other = workspace.run(
            "export", "-p", "demo", "-o", str(second_out), "--since-last", "--state", "other"
        )
        assert first.poll() is None, "the first run should still hold the lock"
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    # The killed run's lock died with it: nothing to clean up before the next run.
    after_kill = workspace.run(
        "export", "-p", "demo", "-o", str(first_out), "--since-last", "--state", "nightly"
    )

    assert second.returncode == 75
    assert "another export with state 'nightly' is still running" in second.stderr
    assert refused_after < 5, "the second run should not wait for the lock"
    assert other.returncode == 0, other.stderr
    assert read_jsonl(second_out)
    assert after_kill.returncode == 0, after_kill.stderr
    assert read_jsonl(first_out)


def test_a_failing_profile_commits_nothing_and_is_named(workspace: Workspace, serve: Serve) -> None:
    base_url, _ = serve()
    workspace.write_config(sandbox_config(base_url))
    output = workspace.out / "logs.jsonl"
    state_file = workspace.state / "default.state.json"
    export = ("export", "-p", SANDBOX_PROFILES, "-o", str(output), "--since-last", "--overwrite")
    assert workspace.run(*export).returncode == 0
    before_file, before_state = output.read_bytes(), state_file.read_bytes()

    workspace.write_config(sandbox_config(base_url, infobip_key="revoked-key"))
    result = workspace.run(*export)

    assert result.returncode == 77
    assert "sandbox-infobip" in result.stderr
    assert output.read_bytes() == before_file
    assert state_file.read_bytes() == before_state
    assert workspace.temp_files(output) == []
