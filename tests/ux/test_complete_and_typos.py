"""Completion of option values, "did you mean" for typos, and addresses that
cannot match anything refused (exit 2, one line)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from maillogs.cli.app import app
from tests.ux.conftest import run


def complete(line: str) -> list[str]:
    """What bash completion offers for the last word of ``line``."""
    words = line.split(" ")
    result = CliRunner().invoke(
        app,
        [],
        prog_name="maillogs",
        env={
            "_MAILLOGS_COMPLETE": "complete_bash",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
    )
    return result.stdout.split()


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("maillogs list --status bou", ["bounced", "bounce", "bounces"]),
        (
            "maillogs list --status bounced,fa",
            ["bounced,failed", "bounced,fail", "bounced,failure"],
        ),
        ("maillogs list --profile p", ["prod"]),
        ("maillogs list -p prod,demo-e", ["prod,demo-edith"]),
        ("maillogs list -f j", ["json", "jsonl"]),
        ("maillogs show -f ", ["table", "json", "jsonl"]),
        ("maillogs export --format c", ["csv"]),
        ("maillogs stats --by w", ["week"]),
        ("maillogs stats --source n", ["native"]),
        ("maillogs list --tz Europe/Rom", ["Europe/Rome"]),
        ("maillogs list --recipient-type b", ["bcc"]),
        ("maillogs profiles show demo-k", ["demo-kaleyra"]),
        ("maillogs profiles remove pr", ["prod"]),
    ],
)
def test_values_complete(line: str, offered: list[str]) -> None:
    assert complete(line) == offered


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("lsit",), "No such command 'lsit'. Did you mean 'list'?"),
        (("profiles", "shwo", "x"), "No such command 'shwo'. Did you mean 'show'?"),
        (
            ("list", "--status", "bouncd"),
            "--status: unknown status 'bouncd'; did you mean 'bounced'?",
        ),
        (("list", "-f", "jsnl"), "--format: unknown format 'jsnl'; did you mean 'jsonl'?"),
        (("stats", "--by", "dya"), "--by: unknown grouping 'dya'; did you mean 'day'?"),
        (
            ("stats", "--source", "nativ"),
            "--source: unknown source 'nativ'; did you mean 'native'?",
        ),
        (
            ("list", "--tz", "Europe/Rom"),
            "--tz: unknown time zone 'Europe/Rom'; did you mean 'Europe/Rome'?",
        ),
        (("list", "--to", "notanemail"), "--to: 'notanemail' is not an email address; use name@"),
        (("list", "--to", "example.com"), "did you mean '@example.com'?"),
        (
            ("list", "--from", "a b@example.com"),
            "--from: 'a b@example.com' is not an email address",
        ),
        (("list", "--from", "@"), "--from: '@' is not an email address"),
        (("list", "--to", "x@example.com."), "--to: 'x@example.com.' is not an email address"),
    ],
)
def test_typos_are_usage_errors_with_a_suggestion(args: tuple[str, ...], expected: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("maillogs: ")
    assert expected in err


def test_an_unknown_profile_names_the_closest_one() -> None:
    code, _, err = run("list", "-p", "demo-edht")
    assert code == 78  # an unknown profile is a configuration problem (README "Exit codes")
    assert "did you mean 'demo-edith'?" in err


@pytest.mark.parametrize("address", ["ivan.12@example.net", "@example.net", "IVAN.12@EXAMPLE.NET"])
def test_documented_address_forms_are_accepted(address: str) -> None:
    code, _, err = run("list", "-p", "demo-edith", "--to", address, "--limit", "1")
    assert code == 0, err
    assert err == ""
