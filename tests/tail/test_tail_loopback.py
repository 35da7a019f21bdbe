"""``maillogs tail`` against ``maillogs sandbox serve --live`` over loopback."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tests.integration.harness import MAILLOGS, run_cli
from tests.tail.conftest import PROFILES, LiveSite, Printed, run_tail, start_live

SECOND = timedelta(seconds=1)
# Fewer records than this between a profile's first and newest printed one and
# a run shows nothing about losing records.
ENOUGH_TO_JUDGE = 10
# Runs of tail until one shows enough: on a loaded machine a run can spend most
# of its seconds starting up and backing off, which is no fault of the
# follower, while a record lost or printed twice fails on the first run.
RUNS_TO_JUDGE = 3
# The order a message's states come in: a status printed later must rank higher.
LIFECYCLE = {
    "queued": 0,
    "sent": 1,
    "deferred": 1,
    "delivered": 2,
    "bounced": 2,
    "blocked": 2,
    "failed": 2,
    "expired": 2,
    "opened": 3,
    "complained": 4,
    "unsubscribed": 4,
    "clicked": 4,
}


def key(record: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return (record["provider"], record["profile"], record["message_id"], record["recipient"])


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_once_each_in_lifecycle_order(printed: Printed) -> None:
    seen = Counter((*key(record), record["status"]) for record in printed.records)
    twice = [item for item, n in seen.items() if n > 1]
    assert not twice, f"printed twice: {twice[:3]}"
    ranks: dict[tuple[str, str, str, str | None], int] = {}
    for record in printed.records:
        rank = LIFECYCLE[record["status"]]
        assert rank > ranks.get(key(record), -1), f"status went backwards: {record}"
        ranks[key(record)] = rank


def assert_nothing_lost(site: LiveSite, printed: Printed) -> None:
    """Every record submitted while tail surely polled its profile was printed,
    at least once: after the first new record printed from the profile, and
    before the newest (a run ended by --timeout prints its polls whole)."""
    expected = records_tail_surely_saw(site, printed)
    assert len(expected) >= ENOUGH_TO_JUDGE, "too few records to judge"
    missing = expected - {key(r) for r in printed.records}
    assert not missing, (
        f"{len(missing)} of {len(expected)} records never printed: {list(missing)[:3]}"
    )


def records_tail_surely_saw(
    site: LiveSite, printed: Printed
) -> set[tuple[str, str, str, str | None]]:
    """The keys of the records submitted between the first new record ``printed``
    from each profile and its newest, as ``list`` reads them afterwards."""
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    for record in printed.records:
        moment, profile = when(record["submitted_at"]), record["profile"]
        last[profile] = max(last.get(profile, moment), moment)
        if LIFECYCLE[record["status"]] < 2:  # arrived while tail ran, not a change
            first[profile] = min(first.get(profile, moment), moment)
    if not first:
        return set()
    since = min(first.values())
    listed = run_cli(
        site.config, "list", "-p", PROFILES, "--since", since.isoformat(), "--all", "-f", "jsonl"
    )
    assert listed.code == 0, listed.describe()
    return {
        key(r)
        for r in _json_lines(listed.stdout)
        # A second's margin: a record may become visible a moment after it is
        # submitted, so the first one printed can be older than some read with
        # the window tail started from (times may also have whole seconds).
        if r["profile"] in first
        and first[r["profile"]] + SECOND < when(r["submitted_at"]) < last[r["profile"]] - SECOND
    }


def _json_lines(text: str) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in text.splitlines() if line]


def tail_until_enough(
    site: LiveSite,
    *args: str,
    enough: Callable[[Printed], bool],
    env: dict[str, str] | None = None,
) -> Printed:
    """``run_tail`` up to RUNS_TO_JUDGE times, until a run is ``enough`` to judge;
    every run must print each record once, in lifecycle order, with no error."""
    for _run in range(RUNS_TO_JUDGE):
        printed = run_tail(site.config, *args, env=env)
        assert printed.code == 0, printed.stderr
        assert_once_each_in_lifecycle_order(printed)
        if enough(printed) and len(records_tail_surely_saw(site, printed)) >= ENOUGH_TO_JUDGE:
            break
    return printed


def test_new_records_and_status_changes_print_once_each_in_order_as_they_come(
    live_site: LiveSite,
) -> None:
    printed = tail_until_enough(
        live_site,
        *("-p", PROFILES, "--lines", "0", "--interval", "0.3s", "--timeout", "5s"),
        enough=lambda printed: len(printed.records) > 30 and status_changed(printed),
    )
    assert len(printed.records) > 30
    # Status changes arrive as they happen: some message printed queued/sent, then its outcome.
    assert status_changed(printed), "no status change was followed"
    # Each line was flushed as it was printed: read long before the process ended.
    assert printed.running_when_read[0]
    assert printed.read_at[-1] - printed.read_at[0] > 2
    # In the providers' time order within each poll; never far out of it overall.
    assert_nothing_lost(live_site, printed)


def status_changed(printed: Printed) -> bool:
    changed = Counter(key(record) for record in printed.records)
    return any(n > 1 for n in changed.values())


def test_faults_mid_tail_lose_nothing_and_print_nothing_twice(tmp_path: Any) -> None:
    faulty = start_live(tmp_path, "--faults", "503=0.2,drop=0.1,429ra=0.05,500=0.1")
    try:
        # Retries give up fast, so whole polls fail and the follower's back-off is exercised.
        printed = tail_until_enough(
            faulty,
            *("-p", PROFILES, "--lines", "0", "--interval", "0.3s", "--timeout", "6s"),
            env={"MAILLOGS_RETRY_SECONDS": "0.2"},
            enough=lambda printed: printed.stderr != "",
        )
        warnings = printed.stderr.splitlines()
        assert warnings, "no poll failed: the faults did not reach the follower"
        assert all(line.startswith("maillogs: warning: ") for line in warnings), warnings
        assert all("still following" in line for line in warnings if "429" not in line)
        assert_nothing_lost(faulty, printed)
    finally:
        faulty.process.send_signal(signal.SIGINT)
        faulty.process.wait(10)


def test_count_exits_0_after_n_records_beyond_the_initial_lines(live_site: LiveSite) -> None:
    printed = run_tail(
        live_site.config,
        *("-p", "edith", "--lines", "2", "--interval", "0.3s", "--count", "3"),
    )
    assert printed.code == 0, printed.stderr
    assert len(printed.records) == 5
    # The initial lines are the newest already there, oldest first.
    assert printed.records[0]["submitted_at"] <= printed.records[1]["submitted_at"]


def test_timeout_exits_1_when_nothing_matching_arrived(live_site: LiveSite) -> None:
    started = time.monotonic()
    printed = run_tail(
        live_site.config,
        *("-p", "edith", "--message-id", "01J000000000000000000NOPE0", "--status", "delivered"),
        *("--lines", "0", "--interval", "0.3s", "--count", "1", "--timeout", "1s"),
    )
    assert printed.code == 1, printed.stderr
    assert printed.records == []
    assert printed.stderr == ""
    assert time.monotonic() - started < 30  # a hang guard, not a timing assertion


def test_ctrl_c_ends_quietly_with_130(live_site: LiveSite) -> None:
    process = subprocess.Popen(
        [*MAILLOGS, "tail", "-p", "edith", "--format", "jsonl", "--interval", "0.3s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=live_site.env(),
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # following for sure
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stderr == ""


def test_refused_credentials_exit_77(live_site: LiveSite) -> None:
    printed = run_tail(live_site.config, "-p", "edith-badkey", "--interval", "0.3s")
    assert printed.code == 77
    assert printed.stderr.startswith("maillogs: ")
    assert len(printed.stderr.splitlines()) == 1


def test_time_options_and_json_are_usage_errors(live_site: LiveSite) -> None:
    for args in (["--since", "1h"], ["--format", "json"], ["--interval", "soon"]):
        result = run_cli(live_site.config, "tail", "-p", "edith", *args)
        assert result.code == 2, result.describe()
        assert len(result.stderr.splitlines()) == 1


def test_the_demo_profiles_are_live_under_tail(tmp_path: Any) -> None:
    # No config, no account: the built-in demo profiles, whose mail arrives as tail runs.
    printed = run_tail(
        tmp_path / "none.toml",
        *("-p", "demo-edith", "--lines", "0", "--interval", "1s", "--count", "2"),
        *("--timeout", "60s"),
    )
    assert printed.code == 0, printed.stderr
    assert [record["profile"] for record in printed.records] == ["demo-edith", "demo-edith"]
