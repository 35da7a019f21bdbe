"""Promise 3, from the outside: retries against real sockets, in a real process.

tests/core/test_http.py checks the retry arithmetic with a fake clock; these
run ``python -m maillogs`` against the sandbox (or a scripted loopback server,
for what the sandbox cannot send) and read the ``--debug`` trace, which states
each computed wait. Nothing here measures elapsed time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from maillogs import engine
from maillogs.fetch.http import RetryPolicy
from maillogs.sandbox import FaultPlan, parse_faults
from tests.hardening.conftest import (
    Outcome,
    ScriptedServer,
    assert_one_line_error,
    clean_environ,
    invoke,
    run_module,
    sandbox,
    sandbox_config,
    write_private,
)


def run(
    args: list[str],
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    in_process: bool,
    retry_seconds: str = "0.5",
) -> Outcome:
    """A real process, or (faster, same sockets) the CLI in this one."""
    env = clean_environ(config, MAILLOGS_RETRY_SECONDS=retry_seconds)
    if not in_process:
        return run_module(args, env)
    for key in [k for k in os.environ if k.startswith("MAILLOGS_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("MAILLOGS_"):
            monkeypatch.setenv(key, value)
    return invoke(*args)


WAIT = re.compile(r"retrying in (\d+\.\d+)s after: (.*)")


def waits(outcome: Outcome) -> list[float]:
    return [float(m.group(1)) for m in WAIT.finditer(outcome.stderr)]


def edith_page() -> bytes:
    created = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    row = {"refId": "r-1", "status": "delivered", "recipientAddress": "a@b.c", "createdAt": created}
    return json.dumps({"emailLogs": [row], "nextPageToken": None}).encode()


def edith_profile(tmp_path: Path, base_url: str) -> Path:
    return write_private(
        tmp_path / "config.toml",
        f'[profiles.x]\nprovider = "edith"\nbase_url = "{base_url}"\ntoken = "tok-123456"\n',
    )


def test_retry_after_in_seconds_is_honoured(tmp_path: Path) -> None:
    # The sandbox's "429ra" fault answers 429 with "Retry-After: 1" on request 1.
    with sandbox(FaultPlan(script={1: "429ra"})) as box:
        config = write_private(tmp_path / "config.toml", sandbox_config(box.base_url))
        outcome = run_module(
            ["list", "--profile", "sandbox-edith", "--limit", "3", "--debug"],
            clean_environ(config, MAILLOGS_RETRY_SECONDS="30"),
        )
    assert outcome.code == 0, outcome.stderr
    assert len(outcome.stdout.splitlines()) == 3
    assert waits(outcome) and waits(outcome)[0] >= 1.0


def test_retry_after_as_an_http_date_is_honoured(tmp_path: Path) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        if number == 1:
            when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
            return 503, {"Retry-After": when}, b"<html>busy</html>"
        return 200, {"Content-Type": "application/json"}, edith_page()

    with ScriptedServer(answer) as server:
        config = edith_profile(tmp_path, server.base_url)
        outcome = run_module(
            ["list", "--profile", "x", "--debug"],
            clean_environ(config, MAILLOGS_RETRY_SECONDS="30"),
        )
    assert outcome.code == 0, outcome.stderr
    # The date has whole seconds: 3 s ahead means a wait in (2, 3], less the time
    # the answer took to arrive (a second's room for a loaded machine), never the
    # jitter's 0.5.
    assert len(waits(outcome)) == 1
    assert 1.0 <= waits(outcome)[0] <= 3.0
    assert len(server.seen) == 2


def test_a_retry_after_beyond_the_budget_gives_up_at_once(tmp_path: Path) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return 429, {"Retry-After": "3600"}, b"{}"

    with ScriptedServer(answer) as server:
        config = edith_profile(tmp_path, server.base_url)
        outcome = run_module(
            ["list", "--profile", "x", "--debug"], clean_environ(config, MAILLOGS_RETRY_SECONDS="5")
        )
    assert outcome.code == 75
    assert waits(outcome) == []  # it did not sleep an hour, nor part of it
    assert len(server.seen) == 1
    assert "HTTP 429" in outcome.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("status", "code", "in_process"),
    [
        (400, 69, False),
        (401, 77, True),
        (403, 77, True),
        (404, 69, False),
        (405, 69, True),
        (409, 69, True),
        (410, 69, True),
        (422, 69, True),
    ],
)
def test_other_4xx_are_never_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, code: int, in_process: bool
) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        # Even with an invitation to come back.
        return status, {"Retry-After": "0"}, b'{"success": false, "error": "no"}'

    with ScriptedServer(answer) as server:
        config = edith_profile(tmp_path, server.base_url)
        outcome = run(["list", "--profile", "x"], config, monkeypatch, in_process=in_process)
    assert outcome.code == code
    assert_one_line_error(outcome)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    ("fault", "code", "in_process"),
    [
        ("503", 75, False),
        ("500", 75, True),
        ("429", 75, True),
        ("drop", 75, True),
        ("malformed", 65, True),
    ],
)
def test_a_server_that_always_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, code: int, in_process: bool
) -> None:
    with sandbox(FaultPlan(rates={fault: 1.0})) as box:
        config = write_private(tmp_path / "config.toml", sandbox_config(box.base_url))
        outcome = run(
            ["list", "--profile", "sandbox-kaleyra,sandbox-edith,sandbox-infobip"],
            config,
            monkeypatch,
            in_process=in_process,
            retry_seconds="1",
        )
    assert outcome.code == code, outcome.stderr
    assert_one_line_error(outcome)
    assert outcome.stdout == ""
    if code == 75:
        assert "still failing after" in outcome.stderr


FAULT_MIX = "429=0.08,500=0.04,502=0.04,503=0.05,drop=0.04,malformed=0.04,expire=0.01"
FAULT_SEED = 11


def list_everything(
    base_url: str, config: Path, now: datetime, *, in_process: bool, monkeypatch: pytest.MonkeyPatch
) -> Outcome:
    args = [
        "list",
        "--profile",
        "sandbox-kaleyra,sandbox-edith,sandbox-infobip",
        "--all",
        "--format",
        "jsonl",
        f"--since={(now - timedelta(days=9)).isoformat()}",
        f"--until={(now - timedelta(minutes=1)).isoformat()}",
    ]
    write_private(config, sandbox_config(base_url))
    if not in_process:
        # One page at a time: the faults are drawn by request number, so this
        # run meets exactly the same faults every time.
        args.append("--concurrency=1")
        return run_module(args, clean_environ(config, MAILLOGS_RETRY_SECONDS="60"), timeout=120)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(config))
    return invoke(*args)


@pytest.mark.parametrize("in_process", [False, True], ids=["real process", "many faults"])
def test_injected_faults_lose_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: bool
) -> None:
    """The same query with and without faults gives exactly the same records.

    In a real process the waits are real, so a small dataset, walked one page
    at a time; in process the backoff base is cut to 10 ms (the retry logic is
    unchanged) to afford thousands of records and dozens of faults of every
    kind, with concurrent workers.
    """
    if in_process:
        for key in [k for k in os.environ if k.startswith("MAILLOGS_")]:
            monkeypatch.delenv(key)
        # Concurrent workers interleave their requests differently on every
        # run, so which request meets which fault varies. At 30 % faults, 6
        # attempts all fail for ~1 request in 1,400; 12 attempts, ~1 in 2
        # million: the test is about losing no record, not about giving up.
        fast = RetryPolicy(base_delay=0.01, total_seconds=60, max_attempts=12)
        monkeypatch.setattr(engine, "retry_policy", lambda *args: fast)
    records = 2000 if in_process else 150
    now = datetime.now(UTC).replace(microsecond=0)
    plan = parse_faults(FAULT_MIX, seed=FAULT_SEED)
    results: dict[str, list[str]] = {}
    for label, faults in (("clean", FaultPlan()), ("faulty", plan)):
        with sandbox(faults, now=now, records=records) as box:
            outcome = list_everything(
                box.base_url,
                tmp_path / label / "config.toml",
                now,
                in_process=in_process,
                monkeypatch=monkeypatch,
            )
            requests = box.emulator.request_count
        assert outcome.code == 0, outcome.stderr[-3000:]
        results[label] = sorted(outcome.stdout.splitlines())
    injected = [kind for n in range(1, requests + 1) if (kind := plan.decide(n))]
    assert len(injected) >= (20 if in_process else 3)  # the mix really bit
    assert len(results["clean"]) >= records
    assert results["faulty"] == results["clean"]  # records lost (or doubled): 0


def infobip_profile(tmp_path: Path, base_url: str) -> Path:
    return write_private(
        tmp_path / "config.toml",
        f'[profiles.i]\nprovider = "infobip"\nbase_url = "{base_url}"\n'
        'api_key = "key-123456"\nrate_limit_per_minute = 0\n',
    )


# A rate-limit window of 1 s and millisecond backoff: the logic of the real
# 60 s window, at a speed a test can afford.
FAST_WINDOW = RetryPolicy(base_delay=0.005, max_delay=0.05, total_seconds=30, rate_limit_window=1)


# Ten refusals fit a 10 s window on any machine (they take well under a second
# unloaded); a thousand take longer than a 1 s one on any machine.
@pytest.mark.parametrize(
    ("refusals", "window"), [(10, 10.0), (1000, 1.0)], ids=["recovers", "gives up"]
)
def test_infobip_429s_without_retry_after_are_waited_out_for_a_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusals: int, window: float
) -> None:
    """Issue 12 item 4: a second job on the account gets 429s (no Retry-After)
    for a while; maillogs keeps trying for a whole window, saying so once."""

    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        if number <= refusals:
            return 429, {}, b'{"requestError": {"serviceException": {"text": "Too many requests"}}}'
        return 200, {"Content-Type": "application/json"}, b"{}"

    policy = dataclasses.replace(FAST_WINDOW, rate_limit_window=window)
    monkeypatch.setattr(engine, "retry_policy", lambda *args: policy)
    started = time.monotonic()
    with ScriptedServer(answer) as server:
        config = infobip_profile(tmp_path, server.base_url)
        outcome = run(["list", "--profile", "i"], config, monkeypatch, in_process=True)
    elapsed = time.monotonic() - started
    warnings = [line for line in outcome.stderr.splitlines() if "warning:" in line]
    rate_limited = [line for line in warnings if "429" in line]
    assert len(rate_limited) == 1, outcome.stderr  # one line per command, not per attempt
    assert f"retrying for up to {window:g} s" in rate_limited[0]
    if refusals == 10:
        assert outcome.code == 0, outcome.stderr
        assert len(server.seen) > 10  # past the 6 attempts of other failures
    else:
        assert outcome.code == 75, outcome.stderr
        assert "still failing after" in outcome.stderr.splitlines()[-1]
        assert elapsed >= window


def test_export_of_several_profiles_warns_of_429s_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 4, "one warning line": export opens each profile's client
    on its own, yet two profiles meeting 429s still make one line per command."""
    refused: dict[str, int] = {}

    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        endpoint = path.partition("?")[0]  # one profile per API version
        refused[endpoint] = refused.get(endpoint, 0) + 1
        if refused[endpoint] <= 3:
            return 429, {}, b'{"requestError": {"serviceException": {"text": "Too many requests"}}}'
        return 200, {"Content-Type": "application/json"}, b'{"results": []}'

    monkeypatch.setattr(engine, "retry_policy", lambda *args: FAST_WINDOW)
    with ScriptedServer(answer) as server:
        profile = (
            'provider = "infobip"\nbase_url = "{url}"\napi_key = "key-123456"\n'
            "rate_limit_per_minute = 0\napi_version = {version}\n"
        )
        config = write_private(
            tmp_path / "config.toml",
            "[profiles.a]\n"
            + profile.format(url=server.base_url, version=1)
            + "[profiles.b]\n"
            + profile.format(url=server.base_url, version=4),
        )
        args = ["export", "-p", "a,b", "-o", str(tmp_path / "out.jsonl"), "--since", "1h"]
        outcome = run(args, config, monkeypatch, in_process=True)
    assert outcome.code == 0, outcome.stderr
    assert sorted(refused.values()) == [4, 4]  # both profiles met the 429s
    rate_limited = [line for line in outcome.stderr.splitlines() if "429" in line]
    assert len(rate_limited) == 1, outcome.stderr


def test_the_command_retry_budget_ends_a_command_before_its_requests_budget(
    tmp_path: Path,
) -> None:
    """Issue 13 item 1: the whole command has a retry budget, not only each request."""

    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return 503, {}, b"{}"

    started = time.monotonic()
    with ScriptedServer(answer) as server:
        config = infobip_profile(tmp_path, server.base_url)
        env = clean_environ(config, MAILLOGS_RETRY_SECONDS="60", MAILLOGS_COMMAND_RETRY_SECONDS="1")
        outcome = run_module(["list", "--profile", "i"], env)
    assert outcome.code == 75, outcome.stderr
    assert "the command's 1 s retry budget is spent" in outcome.stderr
    assert time.monotonic() - started < 30  # not the request's 60 s (loaded start-up may be slow)
