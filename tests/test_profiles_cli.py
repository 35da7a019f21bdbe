"""``maillogs profiles`` end to end through Typer's CliRunner."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillogs.cli.commands import profiles as profiles_cmd
from maillogs.cli.commands.profiles import profiles_app
from maillogs.core.errors import MaillogsError

CANARY = "CANARY-SECRET-1234567890"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run(*args: str, input: str | None = None) -> Outcome:
    """Invoke the sub-app and map maillogs errors to exit codes like the top-level handler."""
    result = CliRunner().invoke(profiles_app, list(args), input=input)
    err = result.stderr
    code = result.exit_code
    if isinstance(result.exception, MaillogsError):
        code = result.exception.exit_code
        err += f"maillogs: error: {result.exception}\n"
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(code, result.stdout, err)


@pytest.fixture(autouse=True)
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("MAILLOGS_"):
            monkeypatch.delenv(name)
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("MAILLOGS_CONFIG", str(path))
    return path


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profiles_cmd, "_stdin_is_terminal", lambda: True)


@pytest.fixture
def umask_zero() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def load(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text())


def test_round_trip(cfg: Path) -> None:
    added = run(
        "add", "prod", "--provider", "kaleyra", "--sid", "S1", "--api-key", CANARY,
        "--timezone", "Asia/Kolkata",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "as the default" in added.err
    added = run(
        "add", "ib", "--provider", "infobip", "--base-url", "https://x.api.infobip.com",
        "--api-key", "ib-key-0123456789", "--api-version", "1", "--rate-limit", "60",
        "--timezone", "Europe/Zagreb",
    )  # fmt: skip
    assert added.code == 0, added.err

    listed = json.loads(run("list", "--format", "json").out)
    by_name = {row["name"]: row for row in listed}
    assert by_name["prod"]["default"] is True
    assert by_name["ib"] == {
        "name": "ib",
        "provider": "infobip",
        "base_url": "https://x.api.infobip.com",
        "timezone": "Europe/Zagreb",
        "default": False,
        "builtin": False,
    }
    assert by_name["demo-edith"]["builtin"] is True

    shown = json.loads(run("show", "ib", "--format", "json").out)
    settings = {s["key"]: s for s in shown["settings"]}
    assert settings["api_version"]["value"] == "1"
    assert settings["rate_limit_per_minute"]["value"] == "60"

    assert run("set-default", "ib").code == 0
    assert load(cfg)["default_profile"] == "ib"

    removed = run("remove", "ib", "--yes")
    assert removed.code == 0
    assert "it was the default" in removed.err
    assert list(load(cfg)["profiles"]) == ["prod"]  # type: ignore[call-overload]


def test_file_and_dir_are_private_even_with_umask_zero(cfg: Path, umask_zero: None) -> None:
    assert run("add", "a", "--provider", "edith", "--token", "t").code == 0
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert stat.S_IMODE(cfg.parent.stat().st_mode) == 0o700


def test_show_never_prints_the_secret(cfg: Path) -> None:
    added = run(
        "add", "prod", "--provider", "kaleyra", "--sid", "S1", "--api-key", CANARY,
        "--timezone", "UTC",
    )  # fmt: skip
    assert CANARY not in added.out + added.err
    for fmt in ("table", "json"):
        shown = run("show", "prod", "--format", fmt)
        assert shown.code == 0
        assert CANARY not in shown.out + shown.err
        assert "****7890" in shown.out
    listed = run("list", "--format", "table")
    assert CANARY not in listed.out + listed.err


def test_show_names_sources_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    run("add", "prod-eu", "--provider", "edith", "--token", "file-token-000000")
    monkeypatch.setenv("MAILLOGS_PROD_EU_TOKEN", CANARY)
    shown = run("show", "prod-eu", "--format", "table")
    assert "env MAILLOGS_PROD_EU_TOKEN" in shown.out
    assert "MAILLOGS_EDITH_TOKEN" in shown.out
    assert CANARY not in shown.out
    assert "****7890" in shown.out
    data = json.loads(run("show", "prod-eu").out)  # piped: json by default
    token = next(s for s in data["settings"] if s["key"] == "token")
    assert token == {
        "key": "token",
        "value": "****7890",
        "secret": True,
        "source": "env",
        "env_var": "MAILLOGS_PROD_EU_TOKEN",
    }


def test_show_builtin() -> None:
    data = json.loads(run("show", "demo-edith").out)
    assert data["builtin"] is True
    assert {s["source"] for s in data["settings"]} == {"built-in"}
    assert "demo-edith-token" not in json.dumps(data)
    assert run("show", "demo").code == 2


def test_secret_flag_prints_history_hint() -> None:
    added = run("add", "ib-prod", "--provider", "edith", "--token", "tok-123456789012")
    hints = [line for line in added.err.splitlines() if line.startswith("hint:")]
    assert len(hints) == 1
    assert "--token" in hints[0]
    assert "MAILLOGS_IB_PROD_TOKEN" in hints[0]
    quiet = run("add", "other", "--provider", "kaleyra", "--sid", "S")
    assert quiet.code == 2  # not a terminal, api key missing


def test_missing_values_off_a_terminal_are_usage_errors(cfg: Path) -> None:
    no_provider = run("add", "a")
    assert no_provider.code == 2
    assert "missing --provider" in no_provider.err
    no_key = run("add", "a", "--provider", "kaleyra", "--sid", "S", "--timezone", "UTC")
    assert no_key.code == 2
    assert "missing --api-key" in no_key.err
    assert "MAILLOGS_A_API_KEY" in no_key.err
    no_url = run("add", "a", "--provider", "infobip", "--api-key", "k")
    assert no_url.code == 2
    assert "missing --base-url" in no_url.err
    assert not cfg.exists()


EDITH = ["--provider", "edith", "--token", "t"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--provider", "kaleyra", "--sid", "S", "--api-key", "k", "--token", "t"],
            "--token does not apply to Kaleyra",
        ),
        ([*EDITH, "--api-version", "4"], "--api-version does not apply to EDITH"),
        ([*EDITH, "--set", "region=eu"], "--set region=VALUE does not apply"),
        ([*EDITH, "--set", "oops"], "--set expects KEY=VALUE"),
        (["--provider", "mailgun"], "--provider: unknown provider 'mailgun'"),
        ([*EDITH, "--timezone", "Mars/X"], "--timezone: unknown timezone"),
        ([*EDITH, "--base-url", "ftp://api.x"], "--base-url: base_url must be"),
        ([*EDITH, "--rate-limit", "-1"], "--rate-limit: rate_limit"),
    ],
)
def test_invalid_add_arguments(cfg: Path, args: list[str], expected: str) -> None:
    outcome = run("add", "a", *args)
    assert outcome.code == 2
    assert expected in outcome.err
    assert not cfg.exists()


@pytest.mark.parametrize("name", ["demo", "demo-x", "bad,name", "-x"])
def test_reserved_or_invalid_names(name: str) -> None:
    outcome = run("add", "--provider", "edith", "--token", "t", "--", name)
    assert outcome.code == 2


def test_existing_profile_needs_force(cfg: Path) -> None:
    run("add", "a", "--provider", "edith", "--token", "t")
    kaleyra = ["--provider", "kaleyra", "--sid", "S", "--api-key", "k", "--timezone", "UTC"]
    again = run("add", "a", *kaleyra)
    assert again.code == 2
    assert "--force" in again.err
    forced = run("add", "a", *kaleyra, "--force")
    assert forced.code == 0
    assert load(cfg)["profiles"] == {
        "a": {"provider": "kaleyra", "timezone": "UTC", "sid": "S", "api_key": "k"}
    }


def test_secret_from_environment_is_not_stored(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLOGS_KALEYRA_API_KEY", CANARY)
    added = run("add", "cron", "--provider", "kaleyra", "--sid", "S", "--timezone", "UTC")
    assert added.code == 0, added.err
    assert "read from $MAILLOGS_KALEYRA_API_KEY" in added.err
    assert CANARY not in cfg.read_text()


def test_prompts_on_a_terminal(cfg: Path, terminal: None) -> None:
    added = run("add", "p", input=f"nope\nkaleyra\nAsia/Kolkata\nS9\n{CANARY}\n")
    assert added.code == 0, added.err
    assert "unknown provider 'nope'" in added.err
    assert CANARY not in added.out + added.err
    assert load(cfg)["profiles"] == {
        "p": {"provider": "kaleyra", "timezone": "Asia/Kolkata", "sid": "S9", "api_key": CANARY}
    }
    assert "hint:" not in added.err


def test_prompts_for_base_url_without_default(cfg: Path, terminal: None) -> None:
    added = run("add", "p", "--provider", "infobip", input="https://x.api.infobip.com/\nkey\n")
    assert added.code == 0, added.err
    assert load(cfg)["profiles"] == {
        "p": {"provider": "infobip", "base_url": "https://x.api.infobip.com", "api_key": "key"}
    }


def test_default_flag_and_first_profile_default(cfg: Path) -> None:
    run("add", "a", "--provider", "edith", "--token", "t")
    run("add", "b", "--provider", "edith", "--token", "t")
    assert load(cfg)["default_profile"] == "a"
    run("add", "c", "--provider", "edith", "--token", "t", "--default")
    assert load(cfg)["default_profile"] == "c"


def test_remove_needs_confirmation(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("add", "a", "--provider", "edith", "--token", "t")
    refused = run("remove", "a")
    assert refused.code == 2
    assert "--yes" in refused.err
    monkeypatch.setattr(profiles_cmd, "_stdin_is_terminal", lambda: True)
    declined = run("remove", "a", input="n\n")
    assert declined.code == 1
    assert "a" in load(cfg)["profiles"]  # type: ignore[operator]
    accepted = run("remove", "a", input="y\n")
    assert accepted.code == 0
    assert "profiles" not in load(cfg)


def test_remove_errors() -> None:
    assert run("remove", "demo-edith", "--yes").code == 2
    unknown = run("remove", "ghost", "--yes")
    assert unknown.code == 78
    assert "unknown profile 'ghost'" in unknown.err


def test_list_without_config_shows_builtins_in_table() -> None:
    listed = run("list", "--format", "table")
    assert listed.code == 0
    for name in ("demo-kaleyra", "demo-edith", "demo-infobip"):
        assert name in listed.out
    assert "built-in" in listed.out
    assert "\x1b[" not in listed.out


def test_config_errors_exit_78(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text("[profiles.a\n")
    outcome = run("list")
    assert outcome.code == 78
    assert "not valid TOML" in outcome.err


def test_group_readable_config_warns(cfg: Path) -> None:
    run("add", "a", "--provider", "edith", "--token", "t")
    cfg.chmod(0o644)
    listed = run("list")
    assert listed.code == 0
    assert "chmod 600" in listed.err
    json.loads(listed.out)


def test_list_masks_credentials_a_hand_written_base_url_carries(cfg: Path) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text(
        '[profiles.ib]\nprovider = "infobip"\napi_key = "k"\n'
        f'base_url = "https://ops:{CANARY}@x.api.infobip.com"\n\n'
        '[profiles.ib2]\nprovider = "infobip"\napi_key = "k"\n'
        f'base_url = "https://x.api.infobip.com/?apikey={CANARY}"\n\n'
        '[profiles.ib3]\nprovider = "infobip"\napi_key = "k"\n'
        f'base_url = "{CANARY}@x.api.infobip.com"\n'
    )
    cfg.chmod(0o600)
    for fmt in ("table", "json"):
        outcome = run("list", "--format", fmt)
        assert outcome.code == 0
        assert CANARY not in outcome.out + outcome.err
    urls = {p["name"]: p["base_url"] for p in json.loads(run("list", "--format", "json").out)}
    assert urls["ib"] == "https://****@x.api.infobip.com"
    assert urls["ib2"] == "https://x.api.infobip.com/?****"
    assert urls["ib3"] == "https://****@x.api.infobip.com"  # a bare host, a token as user


def test_add_refuses_bad_values_as_usage_errors(cfg: Path) -> None:
    for args in (
        ("--provider", "edith", "--token", "   "),
        ("--provider", "infobip", "--base-url", "x.api.infobip.com", "--api-key", "k",
         "--set", "api_version=7"),
    ):  # fmt: skip
        outcome = run("add", "p", *args)
        assert outcome.code == 2, outcome
    assert not cfg.exists()
