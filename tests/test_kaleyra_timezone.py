"""A Kaleyra profile must name the account's time zone (issue 12, item 5).

Kaleyra's dates are "according to the time zone of the user account" and its
timestamps carry no zone, so a profile without ``timezone`` silently read every
time, and both range edges, as UTC. ``profiles add`` now asks for the zone on a
terminal and requires ``--timezone`` otherwise; an existing profile without
one warns once per run.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from maillogs import profiles as config
from maillogs.cli.app import app
from maillogs.cli.commands import profiles as profiles_cmd
from maillogs.sandbox import config_snippet
from tests.support import load_fixture

LOGS = "https://api.kaleyra.io/v1/S1/email/logs"
KALEYRA = '[profiles.k]\nprovider = "kaleyra"\nsid = "S1"\napi_key = "CANARY-KEY-00000001"\n'
EDITH = '[profiles.e]\nprovider = "edith"\ntoken = "CANARY-TOKEN-0000001"\n'


@pytest.fixture(autouse=True)
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("MAILLOGS_") or name == "NO_COLOR":
            monkeypatch.delenv(name)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("MAILLOGS_CONFIG", str(path))
    return path


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "has no timezone" in line]


# ---------------------------------------------------------------- profiles add


def test_add_off_a_terminal_requires_the_timezone_flag(cfg: Path) -> None:
    code, _, err = run(
        "profiles", "add", "k", "--provider", "kaleyra", "--sid", "S", "--api-key", "x"
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "missing --timezone" in err and "Asia/Kolkata" in err
    assert not cfg.exists()


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", "right/UTC", "posixrules", " "])
def test_add_refuses_a_zone_that_is_no_iana_name(cfg: Path, zone: str) -> None:
    code, _, err = run(
        "profiles", "add", "k", "--provider", "kaleyra", "--sid", "S", "--api-key", "x",
        "--timezone", zone,
    )  # fmt: skip
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "--timezone" in err
    assert not cfg.exists()


def test_add_stores_the_zone_given(cfg: Path) -> None:
    code, _, err = run(
        "profiles", "add", "k", "--provider", "kaleyra", "--sid", "S", "--api-key", "x",
        "--timezone", "Asia/Kolkata",
    )  # fmt: skip
    assert code == 0, err
    assert tomllib.loads(cfg.read_text())["profiles"]["k"]["timezone"] == "Asia/Kolkata"


def test_add_asks_for_the_zone_on_a_terminal_until_it_is_valid(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profiles_cmd, "_stdin_is_terminal", lambda: True)
    code, _, err = run(
        "profiles", "add", "k", "--provider", "kaleyra", "--sid", "S", "--api-key", "x",
        input="Mars/Olympus\nAsia/Kolkata\n",
    )  # fmt: skip
    assert code == 0, err
    assert "account time zone" in err
    assert "unknown timezone 'Mars/Olympus'" in err
    assert tomllib.loads(cfg.read_text())["profiles"]["k"]["timezone"] == "Asia/Kolkata"


def test_add_leaves_a_zone_the_environment_supplies_out_of_the_file(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILLOGS_K_TIMEZONE", "Asia/Kolkata")
    code, _, err = run(
        "profiles", "add", "k", "--provider", "kaleyra", "--sid", "S", "--api-key", "x"
    )
    assert code == 0, err
    assert "read from $MAILLOGS_K_TIMEZONE" in err
    assert "timezone" not in tomllib.loads(cfg.read_text())["profiles"]["k"]


def test_add_does_not_ask_other_providers_for_a_zone(cfg: Path) -> None:
    code, _, err = run("profiles", "add", "e", "--provider", "edith", "--token", "t")
    assert code == 0, err
    assert "timezone" not in tomllib.loads(cfg.read_text())["profiles"]["e"]


# ---------------------------------------------------------------- existing profiles


def _list_kaleyra() -> tuple[int, str, str]:
    body = load_fixture("kaleyra_logs_date_range.json")
    body.update(total=len(body["data"]), limit="100")  # one page: the documented rows
    with respx.mock:
        respx.get(LOGS).mock(return_value=httpx.Response(200, json=body))
        return run(
            "list", "-p", "k", "--since", "2022-07-21", "--until", "2022-07-22", "--tz", "UTC",
            "--format", "csv", "--columns", "submitted_at",
        )  # fmt: skip


def test_a_profile_without_zone_warns_once_and_keeps_reading_utc(cfg: Path) -> None:
    write(cfg, KALEYRA)
    code, out, err = _list_kaleyra()
    assert code == 0, err
    (line,) = warnings(err)
    assert len(err.strip().splitlines()) == 1
    assert line.startswith("maillogs: warning: profile 'k' (Kaleyra) has no timezone")
    for fix in ('timezone = "Area/City"', "MAILLOGS_K_TIMEZONE", "maillogs profiles add k"):
        assert fix in line
    assert "--timezone" in line
    # Still UTC, as before: the documented 11:52:43 is read as 11:52:43Z.
    assert out.splitlines()[1] == "2022-07-21T11:52:43Z"


def test_the_warning_comes_once_per_run_however_often_profiles_are_resolved(cfg: Path) -> None:
    write(cfg, KALEYRA + EDITH)
    seen: list[str] = []
    for _ in range(3):
        config.resolve_profiles(["k,e"], warn=seen.append)
        config.describe_profile("k", warn=seen.append)
    assert len(warnings("\n".join(seen))) == 1


@pytest.mark.parametrize(
    ("text", "env"),
    [
        (KALEYRA + 'timezone = "Asia/Kolkata"\n', {}),
        (KALEYRA, {"MAILLOGS_K_TIMEZONE": "Asia/Kolkata"}),
        (KALEYRA, {"MAILLOGS_KALEYRA_TIMEZONE": "Asia/Kolkata"}),
    ],
)
def test_a_named_zone_is_used_without_warning(
    cfg: Path, monkeypatch: pytest.MonkeyPatch, text: str, env: dict[str, str]
) -> None:
    write(cfg, text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = _list_kaleyra()
    assert code == 0, err
    assert warnings(err) == []
    # 11:52:43 in Kolkata (UTC+05:30) is 06:22:43Z.
    assert out.splitlines()[1] == "2022-07-21T06:22:43Z"


def test_profiles_show_warns_about_a_missing_zone_too(cfg: Path) -> None:
    write(cfg, KALEYRA)
    code, _, err = run("profiles", "show", "k", "--format", "json")
    assert code == 0
    assert len(warnings(err)) == 1


def test_other_providers_never_warn(cfg: Path) -> None:
    write(cfg, EDITH)
    seen: list[str] = []
    config.resolve_profiles(["e"], warn=seen.append)
    assert seen == []


# ---------------------------------------------------------------- demo and sandbox


def test_the_demo_quick_start_is_warning_free() -> None:
    code, _, err = run("list", "-p", "demo", "--limit", "3", "--format", "jsonl")
    assert code == 0, err
    assert warnings(err) == []
    (kaleyra,) = [p for p in config.builtin_profiles() if p.provider == "kaleyra"]
    assert kaleyra.timezone == "UTC"


def test_the_sandbox_config_snippet_names_the_kaleyra_zone(cfg: Path) -> None:
    write(cfg, config_snippet("http://127.0.0.1:1", "Asia/Kolkata"))
    seen: list[str] = []
    (profile,) = config.resolve_profiles(["sandbox-kaleyra"], warn=seen.append)
    assert profile.timezone == "Asia/Kolkata"
    assert seen == []
