"""Issue 13.10: configuration Python cannot take whole is exit 78, one line.

A config nested past the parser's recursion limit, a "file" that never ends
(``/dev/zero``) or blocks (a FIFO), one too large to be a config, numbers past
Python's int limit, and settings whose size overflows later (a timeout of
1e308 seconds, a pace of one request per 1e300 minutes) must all be reported
as configuration errors naming the file, never as an internal error or a hang.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maillogs.profiles.store import MAX_CONFIG_BYTES
from tests.hardening.conftest import (
    Outcome,
    assert_one_line_error,
    clean_environ,
    invoke,
    run_module,
    write_private,
)

PROFILE = (
    '[profiles.p]\nprovider = "edith"\ntoken = "tok-123456"\nbase_url = "http://127.0.0.1:9"\n'
)


def check_config_error(outcome: Outcome, *words: str) -> None:
    assert outcome.code == 78, outcome.output[-1500:]
    assert_one_line_error(outcome)
    for word in words:
        assert word in outcome.stderr, outcome.stderr


@pytest.mark.parametrize(
    "document",
    [
        "a = " + "[" * 100_000 + "]" * 100_000,
        "a = " + "{ b = " * 50_000 + "1" + " }" * 50_000,
    ],
    ids=["arrays", "inline tables"],
)
def test_deeply_nested_toml(config_path: Path, document: str) -> None:
    write_private(config_path, PROFILE + document + "\n")
    check_config_error(invoke("list", "--profile", "p"), str(config_path), "nested too deeply")


def test_an_integer_past_pythons_limit(config_path: Path) -> None:
    write_private(config_path, PROFILE + "timeout = " + "9" * 5000 + "\n")
    check_config_error(invoke("list", "--profile", "p"), str(config_path), "digits")


def test_a_config_larger_than_the_cap(config_path: Path) -> None:
    padding = "# " + "x" * 78 + "\n"
    write_private(config_path, PROFILE + padding * (MAX_CONFIG_BYTES // len(padding) + 1))
    check_config_error(invoke("profiles", "list"), str(config_path), "larger than 1 MiB")


def test_a_config_just_under_the_cap_is_read(config_path: Path) -> None:
    padding = "# " + "x" * 78 + "\n"
    text = PROFILE + padding * ((MAX_CONFIG_BYTES - len(PROFILE)) // len(padding))
    write_private(config_path, text)
    outcome = invoke("profiles", "list")
    assert outcome.code == 0, outcome.output


def test_config_pointing_at_dev_zero(tmp_path: Path) -> None:
    env = clean_environ(tmp_path / "x.toml", MAILLOGS_CONFIG="/dev/zero")
    # Before the fix this read forever: the subprocess timeout bounds the test.
    outcome = run_module(["list", "--profile", "p"], env, timeout=30)
    check_config_error(outcome, "/dev/zero", "not a regular file")


def test_config_pointing_at_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    # Nobody ever writes to the FIFO: opening it for reading used to block for good.
    outcome = run_module(["profiles", "list"], clean_environ(fifo), timeout=30)
    check_config_error(outcome, str(fifo), "not a regular file")


@pytest.mark.parametrize(
    ("setting", "word"),
    [
        ("timeout = 1e308", "timeout"),
        ("timeout = 86401", "timeout"),
        ("timeout = inf", "timeout"),
        ("timeout = nan", "timeout"),
        ("rate_limit_per_minute = 1e-300", "rate_limit_per_minute"),
        ("rate_limit_per_minute = 0.001", "rate_limit_per_minute"),
        ("rate_limit_per_minute = inf", "rate_limit_per_minute"),
        ("rate_limit_per_minute = -0.5", "rate_limit_per_minute"),
    ],
)
def test_numbers_that_overflow_later_are_refused_up_front(
    config_path: Path, setting: str, word: str
) -> None:
    write_private(config_path, PROFILE + setting + "\n")
    outcome = invoke("list", "--profile", "p", "--since", "1h")
    check_config_error(outcome, str(config_path), "'p'", word)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MAILLOGS_P_TIMEOUT", "1e308"), ("MAILLOGS_P_RATE_LIMIT_PER_MINUTE", "1e-300")],
)
def test_overflowing_numbers_from_the_environment(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    write_private(config_path, PROFILE)
    monkeypatch.setenv(variable, value)
    check_config_error(invoke("list", "--profile", "p", "--since", "1h"), variable)


@pytest.mark.parametrize(("option", "value"), [("--timeout", "1e308"), ("--rate-limit", "1e-300")])
def test_profiles_add_refuses_overflowing_numbers(
    config_path: Path, option: str, value: str
) -> None:
    outcome = invoke("profiles", "add", "q", "--provider", "edith", "--token", "t-1", option, value)
    assert outcome.code == 2, outcome.output
    assert_one_line_error(outcome)
    assert option in outcome.stderr
    assert not config_path.exists()


def test_a_day_long_timeout_and_a_slow_pace_are_still_accepted(config_path: Path) -> None:
    write_private(config_path, PROFILE + "timeout = 86400\nrate_limit_per_minute = 0.01\n")
    outcome = invoke("profiles", "show", "p")
    assert outcome.code == 0, outcome.output
    assert "86400" in outcome.stdout and "0.01" in outcome.stdout


# Numeric options whose size overflowed far from where they were read.


def test_a_limit_past_sys_maxsize_is_a_usage_error(config_path: Path) -> None:
    outcome = invoke("list", "--profile", "demo-edith", "--since", "1h", "--limit", "9" * 23)
    assert outcome.code == 2, outcome.output
    assert_one_line_error(outcome)
    assert "--limit" in outcome.stderr and "--all" in outcome.stderr


def test_a_lookback_reaching_past_1970_starts_there(config_path: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    first = ["export", "--profile", "demo-edith", "--since-last", "--output", str(output)]
    assert invoke(*first, "--since", "1h").code == 0
    # Now from a checkpoint: 999999 weeks before it is before year 1.
    outcome = invoke(*first, "--overwrite", "--lookback", "999999w")
    assert outcome.code == 0, outcome.output
    assert output.read_text(encoding="utf-8").count('"provider":"edith"') > 0
