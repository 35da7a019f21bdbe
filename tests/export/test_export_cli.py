"""``maillogs export`` end to end, in subprocesses, as cron would run it."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import signal
import stat
import subprocess
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


def wait_for_temp(
    workspace: Workspace,
    output: Path,
    process: subprocess.Popen[str],
    *,
    written: bool = False,
    known: frozenset[Path] = frozenset(),
) -> bool:
    """Block until ``process`` has opened a temporary file of its own (not one of
    ``known``, left by earlier runs) and, if ``written``, put bytes in it.

    False if the process ended first. The minute is a hang guard for a loaded
    machine's start-up, not a timing check.
    """
    end = time.monotonic() + 60
    while process.poll() is None:
        assert time.monotonic() < end, "the export never started writing"
        for temp in set(workspace.temp_files(output)) - known:
            with contextlib.suppress(FileNotFoundError):
                if not written or temp.stat().st_size > 0:
                    return True
        time.sleep(0.01)
    return False


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
    # One kill during start-up (before any lock or file exists), one as the
    # temporary file opens, the others at random moments after records were
    # written to it: each point is chosen from what the run has done so far,
    # not from a fixed delay, so a slow or a fast machine kills the same phase.
    kill_points = [("startup", 0.05), ("opened", rng.uniform(0.0, 0.3))] + [
        ("writing", rng.uniform(0.0, 0.2)) for _ in range(2)
    ]

    for phase, delay in kill_points:
        for _attempt in range(ATTEMPTS_TO_KILL):
            if kill_export_at(workspace, export, output, phase, delay):
                break
            # The run finished before its kill point (a fast machine, or this
            # process descheduled on a loaded one): that shows nothing about
            # kills, so put the previous file back and try the point again.
            output.write_bytes(previous)
            (workspace.state / "default.state.json").unlink(missing_ok=True)
        else:
            raise AssertionError(f"every run finished before the kill ({phase})")

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


# Runs of export per kill point until one is still running at its kill.
ATTEMPTS_TO_KILL = 3


def kill_export_at(
    workspace: Workspace, export: tuple[str, ...], output: Path, phase: str, delay: float
) -> bool:
    """Start ``export`` and SIGKILL it ``delay`` seconds after ``phase`` began:
    "startup" (the process started), "opened" (its temporary file exists) or
    "writing" (records are in it). False if the run finished before the kill."""
    known = frozenset(workspace.temp_files(output))
    process = workspace.start(*export)
    try:
        reached = phase == "startup" or wait_for_temp(
            workspace, output, process, written=phase == "writing", known=known
        )
        if reached:
            time.sleep(delay)
    finally:
        # Also on a failed wait, so no export outlives the test.
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        return False
    assert process.returncode == -signal.SIGKILL, stderr
    return True


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
        assert wait_for_temp(workspace, first_out, first), "the first run ended early"
        started = time.monotonic()
        second = workspace.run(
            "export", "-p", "demo", "-o", str(second_out), "--since-last", "--state", "nightly"
        )
        refused_after = time.monotonic() - started
        # Another state name is another job: it does not wait for this one.
        started = time.monotonic()
        other = workspace.run(
            "export", "-p", "demo", "-o", str(second_out), "--since-last", "--state", "other"
        )
        other_took = time.monotonic() - started
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
    # A whole export of the demo is the machine's pace: a refusal must not take
    # much longer, however loaded the machine is.
    assert refused_after < max(5, 3 * other_took), "the second run should not wait for the lock"
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
