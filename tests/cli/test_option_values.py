"""Option values as a user types them: read as before, and a bad one answered
in maillogs' one-line style (``maillogs: --option: ...``, exit 2), not in
Typer's or pydantic's wording. The values are converted by ``cli/coercion.py``,
not by Typer's pydantic adapters (start-up: see ``tests/test_startup.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillogs.cli.app import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLOGS_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("MAILLOGS_PROFILE", raising=False)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tail", "--count", "x"], "maillogs: --count: 'x' is not a whole number"),
        (["tail", "--count", "0"], "maillogs: --count: '0' is less than 1"),
        (["tail", "--lines", "-1"], "maillogs: --lines: '-1' is less than 0"),
        (["list", "--limit", "ten"], "maillogs: --limit: 'ten' is not a whole number"),
        (["list", "--limit", "1e3"], "maillogs: --limit: '1e3' is not a whole number"),
        (["list", "--concurrency", ""], "maillogs: --concurrency: '' is not a whole number"),
        (["sandbox", "serve", "--port", "70000"], "maillogs: --port: '70000' is more than 65535"),
    ],
)
def test_a_bad_whole_number_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert (code, out, err) == (2, "", message + "\n")


@pytest.mark.parametrize("limit", ["3", " 3", "+3", "3.0", "0003"])
def test_whole_numbers_read_as_they_always_did(limit: str) -> None:
    code, out, err = run("list", "--profile", "demo-edith", "--limit", limit, "--format", "jsonl")
    assert code == 0, err
    assert len(out.splitlines()) == 3


def test_text_repeated_options_and_flags_arrive_unchanged() -> None:
    code, out, err = run(
        "list",
        "--profile",
        "demo-edith",
        "-s",
        "bounced",
        "--status",
        "delivered",
        "--limit",
        "4",
        "--format",
        "json",
        "--tz",
        "UTC",
    )
    assert code == 0, err
    statuses = {row["status"] for row in json.loads(out)}
    assert statuses <= {"bounced", "delivered"}
    assert statuses


def test_a_choice_still_names_its_choices() -> None:
    # Not a plain value: Typer's own conversion answers, as before.
    code, _, err = run("list", "--profile", "demo", "--format", "xml")
    assert code == 2
    assert err.startswith("maillogs: ") and err.count("\n") == 1
    assert "xml" in err
