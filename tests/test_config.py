"""Profiles, environment overrides, selection, config errors and atomic file writes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maillogs import profiles as config
from maillogs.core.errors import ConfigError, OutputError, UsageError
from maillogs.core.fileio import atomic_write_bytes, atomic_writer, private_dir
from maillogs.profiles.model import Profile
from maillogs.profiles.resolve import resolve_profiles
from maillogs.providers.registry import PROVIDERS

CANARY = "CANARY-SECRET-1234567890"

BASIC = f"""
default_profile = "prod"

[profiles.prod]
provider = "kaleyra"
sid = "SID-1"
api_key = "{CANARY}"
timezone = "Asia/Kolkata"

[profiles.prod-eu]
provider = "edith"
token = "file-token-abcdef"

[profiles.ib]
provider = "infobip"
base_url = "https://xyz.api.infobip.com/"
api_key = "ib-key-0123456789"
rate_limit_per_minute = 60
timeout = 12.5
"""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop any MAILLOGS_* variable of the developer's shell."""
    for name in list(os.environ):
        if name.startswith("MAILLOGS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> Path:
    """A config path announced through MAILLOGS_CONFIG (the file does not exist yet)."""
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("MAILLOGS_CONFIG", str(path))
    return path


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def umask_zero() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------- fileio


def test_atomic_write_creates_private_file_and_dirs_even_with_umask_zero(
    tmp_path: Path, umask_zero: None
) -> None:
    target = tmp_path / "a" / "b" / "state.json"
    atomic_write_bytes(target, b"{}")
    assert target.read_bytes() == b"{}"
    assert mode_of(target) == 0o600
    assert mode_of(tmp_path / "a") == 0o700
    assert mode_of(tmp_path / "a" / "b") == 0o700
    assert sorted(p.name for p in target.parent.iterdir()) == ["state.json"]


def test_atomic_writer_replaces_and_tightens_mode(tmp_path: Path, umask_zero: None) -> None:
    tmp_path.chmod(0o755)
    target = write(tmp_path / "out.csv", "old\n", mode=0o666)
    with atomic_writer(target) as handle:
        handle.write("new\n")
    assert target.read_text() == "new\n"
    assert mode_of(target) == 0o600
    # An existing directory the user chose (say, for an export) keeps its mode.
    assert mode_of(tmp_path) == 0o755


def test_atomic_writer_honours_explicit_mode(tmp_path: Path, umask_zero: None) -> None:
    target = tmp_path / "export.csv"
    with atomic_writer(target, 0o644, text=False) as handle:
        handle.write(b"a,b\n")
    assert mode_of(target) == 0o644


def test_failed_write_leaves_previous_file_and_no_temp(tmp_path: Path) -> None:
    target = write(tmp_path / "config.toml", "keep = true\n")

    def write_half_then_fail() -> None:
        with atomic_writer(target) as handle:
            handle.write("half a fi")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_half_then_fail()
    assert target.read_text() == "keep = true\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_unwritable_directory_is_an_output_error(tmp_path: Path) -> None:
    blocker = write(tmp_path / "not-a-dir", "")
    with pytest.raises(OutputError) as info:
        atomic_write_bytes(blocker / "sub" / "file", b"x")
    message = str(info.value)
    assert str(blocker / "sub") in message
    assert "\n" not in message


def test_private_dir_is_mkdir_p(tmp_path: Path, umask_zero: None) -> None:
    created = private_dir(tmp_path / "x" / "y")
    assert created.is_dir()
    assert mode_of(tmp_path / "x") == 0o700
    assert private_dir(created) == created


# ----------------------------------------------------------------- path and reading


def test_config_path_from_env_or_platform_dir(tmp_path: Path) -> None:
    assert config.config_path({"MAILLOGS_CONFIG": str(tmp_path / "c.toml")}) == tmp_path / "c.toml"
    default = config.config_path({})
    assert default.name == "config.toml"
    assert "maillogs" in default.parts


def test_resolve_reads_every_field(cfg: Path) -> None:
    write(cfg, BASIC)
    [prod, eu, ib] = resolve_profiles(["prod,prod-eu", "ib"])
    assert prod.provider == "kaleyra"
    assert prod.base_url == "https://api.kaleyra.io"
    assert prod.timezone == "Asia/Kolkata"
    assert str(prod.tz) == "Asia/Kolkata"
    assert dict(prod.settings) == {"sid": "SID-1", "api_key": CANARY}
    assert prod.rate_limit_per_minute is None
    assert prod.timeout == 30
    assert prod.demo is False
    assert eu.settings["token"] == "file-token-abcdef"
    assert eu.base_url == "https://api.sparrowmailer.com"
    assert ib.base_url == "https://xyz.api.infobip.com"
    assert ib.setting("api_version") == "4"
    assert ib.rate_limit_per_minute == 60
    assert ib.timeout == 12.5


def test_profile_repr_and_secrets(cfg: Path) -> None:
    write(cfg, BASIC)
    [prod] = resolve_profiles(["prod"])
    assert CANARY not in repr(prod)
    assert CANARY not in str(prod)
    assert CANARY not in repr(prod.settings)
    assert "****7890" in repr(prod)
    assert "SID-1" in repr(prod)
    assert prod.secrets == (CANARY,)
    assert hash(prod) == hash(resolve_profiles(["prod"])[0])
    with pytest.raises(ConfigError, match="no setting 'token'"):
        prod.setting("token")


def test_mask_secret_never_reveals_much_of_a_short_secret() -> None:
    assert config.mask_secret(CANARY) == "****7890"
    assert config.mask_secret("short-key") == "****"


# ----------------------------------------------------------------- environment


def test_env_precedence_profile_then_provider_then_file(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(cfg, BASIC)
    monkeypatch.setenv("MAILLOGS_EDITH_TOKEN", "provider-token")
    assert resolve_profiles(["prod-eu"])[0].settings["token"] == "provider-token"
    monkeypatch.setenv("MAILLOGS_PROD_EU_TOKEN", "profile-token")
    assert resolve_profiles(["prod-eu"])[0].settings["token"] == "profile-token"
    # An empty variable counts as unset (the way cron files "unset" things).
    monkeypatch.setenv("MAILLOGS_PROD_EU_TOKEN", "")
    assert resolve_profiles(["prod-eu"])[0].settings["token"] == "provider-token"


def test_env_overrides_common_keys(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(cfg, BASIC)
    monkeypatch.setenv("MAILLOGS_IB_RATE_LIMIT_PER_MINUTE", "0")
    monkeypatch.setenv("MAILLOGS_IB_TIMEOUT", "5")
    monkeypatch.setenv("MAILLOGS_INFOBIP_TIMEZONE", "Europe/Zagreb")
    monkeypatch.setenv("MAILLOGS_INFOBIP_BASE_URL", "http://127.0.0.1:8025")
    [ib] = resolve_profiles(["ib"])
    assert ib.rate_limit_per_minute == 0
    assert ib.timeout == 5
    assert ib.timezone == "Europe/Zagreb"
    assert ib.base_url == "http://127.0.0.1:8025"


def test_env_can_supply_a_secret_missing_from_the_file(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(cfg, '[profiles.cron]\nprovider = "edith"\n')
    monkeypatch.setenv("MAILLOGS_CRON_TOKEN", "from-env")
    assert resolve_profiles(["cron"])[0].settings["token"] == "from-env"


def test_env_var_names() -> None:
    names = config.env_var_names("prod-eu", "kaleyra")
    assert names.index("MAILLOGS_PROD_EU_API_KEY") < names.index("MAILLOGS_KALEYRA_API_KEY")
    assert {"MAILLOGS_PROD_EU_SID", "MAILLOGS_PROD_EU_TIMEZONE", "MAILLOGS_KALEYRA_SID"} <= set(
        names
    )
    assert "MAILLOGS_EDITH_TOKEN" in config.env_var_names("x", "edith")
    assert "MAILLOGS_INFOBIP_API_VERSION" in config.env_var_names("x", "infobip")
    same = config.env_var_names("edith", "edith")
    assert len(same) == len(set(same))


def test_bad_env_number_names_the_variable(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(cfg, BASIC)
    monkeypatch.setenv("MAILLOGS_PROD_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match=r"MAILLOGS_PROD_TIMEOUT.*timeout must be a number"):
        resolve_profiles(["prod"])


# ----------------------------------------------------------------- selection


def test_selection_dedups_keeping_order(cfg: Path) -> None:
    write(cfg, BASIC)
    names = [p.name for p in resolve_profiles([" ib , prod", "prod,ib", "prod-eu"])]
    assert names == ["ib", "prod", "prod-eu"]


def test_maillogs_profile_env_then_default(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(cfg, BASIC)
    assert [p.name for p in resolve_profiles(None)] == ["prod"]
    monkeypatch.setenv("MAILLOGS_PROFILE", "ib,prod-eu")
    assert [p.name for p in resolve_profiles(None)] == ["ib", "prod-eu"]
    assert [p.name for p in resolve_profiles([])] == ["ib", "prod-eu"]
    # --profile wins over the environment.
    assert [p.name for p in resolve_profiles(["prod"])] == ["prod"]


def test_empty_profile_option_is_a_usage_error(cfg: Path) -> None:
    with pytest.raises(UsageError, match="--profile needs a profile name"):
        resolve_profiles([" , "])


def test_demo_expands_without_a_config_file(cfg: Path) -> None:
    profiles = resolve_profiles(["demo", "demo-edith"])
    assert [p.name for p in profiles] == ["demo-kaleyra", "demo-edith", "demo-infobip"]
    assert not cfg.exists()
    by_provider = {p.provider: p for p in profiles}
    assert all(p.demo for p in profiles)
    # Paced as a real account of each provider is: the demo takes the production path.
    assert {p.provider: p.rate_limit_per_minute for p in profiles} == {
        "kaleyra": None,
        "edith": None,
        "infobip": 120,
    }
    assert all(p.base_url == "http://sandbox.invalid" for p in profiles)
    assert dict(by_provider["kaleyra"].settings) == {
        "sid": "DEMO-SID",
        "api_key": "demo-kaleyra-key",
    }
    assert by_provider["edith"].settings["token"] == "demo-edith-token"
    assert dict(by_provider["infobip"].settings) == {
        "api_key": "demo-infobip-key",
        "api_version": "4",
    }


def test_demo_ignores_env_overrides_and_a_broken_file(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(cfg, "this is not toml")
    monkeypatch.setenv("MAILLOGS_KALEYRA_API_KEY", "real-key")
    [kaleyra] = resolve_profiles(["demo-kaleyra"])
    assert kaleyra.settings["api_key"] == "demo-kaleyra-key"


def test_demo_profiles_cover_the_registry_and_mirror_the_sandbox() -> None:
    assert {p.provider for p in config.builtin_profiles()} == set(PROVIDERS)
    # One source now: the spec's demo settings are what the sandbox's snippet offers.
    credentials = pytest.importorskip("maillogs.sandbox.credentials")
    source = credentials.config_snippet("http://127.0.0.1:1")
    for profile in config.builtin_profiles():
        for key in profile.spec.required_keys:
            assert f'"{profile.settings[key]}"' in source, (profile.name, key)


def test_default_profile_may_be_demo(cfg: Path) -> None:
    write(cfg, 'default_profile = "demo"\n')
    assert len(resolve_profiles(None)) == len(PROVIDERS)


# ----------------------------------------------------------------- errors


def test_nothing_configured(cfg: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_profiles(None)
    message = str(info.value)
    assert "no profile configured" in message
    assert "maillogs profiles add NAME --provider" in message
    assert "--profile demo" in message


def test_file_without_default(cfg: Path) -> None:
    write(cfg, '[profiles.a]\nprovider = "edith"\ntoken = "t"\n')
    with pytest.raises(ConfigError, match=r"sets no default_profile.*set-default.*profiles: a"):
        resolve_profiles(None)


def test_unknown_profile_lists_known_ones(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(cfg, BASIC)
    monkeypatch.setenv("MAILLOGS_PROFILE", "nope")
    with pytest.raises(ConfigError) as info:
        resolve_profiles(None)
    message = str(info.value)
    assert "'nope'" in message
    assert "MAILLOGS_PROFILE" in message
    assert str(cfg) in message
    assert "prod, prod-eu, ib, demo" in message


def test_unknown_profile_without_file(cfg: Path) -> None:
    with pytest.raises(ConfigError, match=r"does not exist.*profiles add prod"):
        resolve_profiles(["prod"])


def test_unknown_profile_in_an_existing_file_says_how_to_add_it(cfg: Path) -> None:
    write(cfg, BASIC)
    with pytest.raises(ConfigError, match=r"not in config file.*profiles add staging --provider"):
        resolve_profiles(["staging"])


def test_bad_toml_reports_line_and_column(cfg: Path) -> None:
    write(cfg, '[profiles.a]\nprovider = "edith"\ntoken = \n')
    with pytest.raises(ConfigError) as info:
        resolve_profiles(["a"])
    message = str(info.value)
    assert str(cfg) in message
    assert "line 3" in message
    assert "column" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'provider = "sendgrid"',
            "profile 'p': unknown provider 'sendgrid'; choose from: kaleyra, edith, infobip",
        ),
        ('token = "t"', "profile 'p': missing provider"),
        (
            'provider = "kaleyra"\nsid = "s"',
            'missing api_key; add api_key = "..." under [profiles.p] '
            "or set MAILLOGS_P_API_KEY (or MAILLOGS_KALEYRA_API_KEY)",
        ),
        ('provider = "infobip"\napi_key = "k"', "missing base_url"),
        (
            'provider = "edith"\ntoken = "t"\ntimezone = "Mars/Olympus"',
            "unknown timezone 'Mars/Olympus'",
        ),
        ('provider = "edith"\ntoken = "t"\ntimeout = "30"', "timeout must be a number"),
        ('provider = "edith"\ntoken = "t"\ntimeout = 0', "timeout must be a positive number"),
        (
            'provider = "edith"\ntoken = "t"\nrate_limit_per_minute = -1',
            "rate_limit_per_minute must be a number >= 0",
        ),
        ('provider = "edith"\ntoken = ["t"]', "token must be a string"),
        (
            'provider = "edith"\ntoken = "t"\nbase_url = "ftp://x"',
            "base_url must be an http(s) URL",
        ),
        ('provider = "kaleyra"\ntoken = "t"', "unknown key 'token' for a Kaleyra profile"),
        (
            'provider = "infobip"\nbase_url = "https://x.io"\napi_key = "k"\napi_version = "3"',
            "api_version must be one of 1, 4, got '3'",
        ),
    ],
)
def test_invalid_profiles(cfg: Path, body: str, expected: str) -> None:
    write(cfg, f"[profiles.p]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        resolve_profiles(["p"])
    message = str(info.value)
    assert expected in message
    assert str(cfg) in message
    assert "\n" not in message


def test_type_errors_never_echo_a_secret(cfg: Path) -> None:
    write(cfg, '[profiles.p]\nprovider = "edith"\ntoken = 1234567890.5\n')
    with pytest.raises(ConfigError) as info:
        resolve_profiles(["p"])
    assert "1234567890" not in str(info.value)


def test_integer_provider_values_are_accepted(cfg: Path) -> None:
    write(
        cfg,
        '[profiles.p]\nprovider = "infobip"\nbase_url = "https://x.io"\n'
        'api_key = "k"\napi_version = 1\n',
    )
    assert resolve_profiles(["p"])[0].setting("api_version") == "1"


def test_api_version_may_be_written_with_a_v(cfg: Path) -> None:
    write(
        cfg,
        '[profiles.p]\nprovider = "infobip"\nbase_url = "https://x.io"\n'
        'api_key = "k"\napi_version = "V4"\n',
    )
    assert resolve_profiles(["p"])[0].setting("api_version") == "4"


@pytest.mark.parametrize("name", ["demo", "demo-kaleyra", "Demo-mine"])
def test_file_may_not_define_builtin_names(cfg: Path, name: str) -> None:
    write(cfg, f'[profiles.{name}]\nprovider = "edith"\ntoken = "t"\n')
    with pytest.raises(ConfigError, match="reserved for the built-in demo profiles"):
        resolve_profiles(["anything"])


def test_malformed_structure(cfg: Path) -> None:
    write(cfg, "default_profile = 3\n")
    with pytest.raises(ConfigError, match="default_profile must be a profile name"):
        resolve_profiles(None)
    write(cfg, 'profiles = "x"\n')
    with pytest.raises(ConfigError, match=r"profiles must be tables like \[profiles.NAME\]"):
        resolve_profiles(None)


def test_group_readable_file_warns(cfg: Path) -> None:
    write(cfg, BASIC, mode=0o640)
    warnings: list[str] = []
    resolve_profiles(["prod"], warn=warnings.append)
    assert len(warnings) == 1
    assert str(cfg) in warnings[0]
    assert "chmod 600" in warnings[0]
    cfg.chmod(0o600)
    warnings.clear()
    resolve_profiles(["prod"], warn=warnings.append)
    assert warnings == []


def test_default_warning_goes_to_stderr(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(cfg, BASIC, mode=0o604)
    resolve_profiles(["prod"])
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "accessible by other users" in captured.err


# ----------------------------------------------------------------- describe / list


def test_describe_reports_sources_and_missing_values(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(cfg, '[profiles.cron]\nprovider = "kaleyra"\nsid = "S"\n')
    monkeypatch.setenv("MAILLOGS_KALEYRA_TIMEZONE", "Asia/Kolkata")
    description = config.describe_profile("cron")
    by_key = {info.key: info for info in description.settings}
    assert by_key["sid"].source == "file"
    assert by_key["base_url"].source == "default"
    assert by_key["timezone"].source == "env"
    assert by_key["timezone"].env_var == "MAILLOGS_KALEYRA_TIMEZONE"
    assert by_key["api_key"].source == "missing"
    assert by_key["api_key"].env_vars == ("MAILLOGS_CRON_API_KEY", "MAILLOGS_KALEYRA_API_KEY")
    assert "MAILLOGS_CRON_API_KEY" in description.env_vars


def test_list_profiles_marks_default_and_builtins(cfg: Path) -> None:
    write(cfg, BASIC)
    summaries = config.list_profiles()
    assert [s.name for s in summaries if not s.builtin] == ["prod", "prod-eu", "ib"]
    assert [s.name for s in summaries if s.is_default] == ["prod"]
    assert {s.name for s in summaries if s.builtin} == {
        "demo-kaleyra",
        "demo-edith",
        "demo-infobip",
    }


# ----------------------------------------------------------------- writing


def test_save_profile_is_private_even_with_umask_zero(cfg: Path, umask_zero: None) -> None:
    config.save_profile("a", "edith", settings={"token": "t"})
    assert mode_of(cfg) == 0o600
    assert mode_of(cfg.parent) == 0o700


def test_writes_preserve_other_profiles_and_top_level_keys(cfg: Path) -> None:
    write(cfg, 'future_setting = "kept"\n' + BASIC)
    config.save_profile(
        "new", "infobip", base_url="https://n.api.infobip.com", settings={"api_key": "k"}
    )
    config.set_default("new")
    assert config.remove_profile("prod-eu") is False
    text = cfg.read_text()
    assert 'future_setting = "kept"' in text
    assert CANARY in text
    assert "prod-eu" not in text
    loaded = config.read_config()
    assert loaded.default_profile == "new"
    assert list(loaded.profiles) == ["prod", "ib", "new"]


def test_removing_the_default_clears_it(cfg: Path) -> None:
    write(cfg, BASIC)
    assert config.remove_profile("prod") is True
    assert config.read_config().default_profile is None


def test_save_refuses_existing_without_overwrite(cfg: Path) -> None:
    write(cfg, BASIC)
    with pytest.raises(ConfigError, match="already exists"):
        config.save_profile("prod", "edith", settings={"token": "t"})
    config.save_profile("prod", "edith", settings={"token": "t"}, overwrite=True)
    assert resolve_profiles(["prod"])[0].provider == "edith"


def test_save_validates(cfg: Path) -> None:
    # Bad values come from the command line (`profiles add`): usage errors, exit 2.
    with pytest.raises(UsageError, match="reserved"):
        config.save_profile("demo-x", "edith", settings={"token": "t"})
    with pytest.raises(UsageError, match="'sid' is not a EDITH setting"):
        config.save_profile("a", "edith", settings={"sid": "t"})
    with pytest.raises(UsageError, match="has no default base_url"):
        config.save_profile("a", "infobip", settings={"api_key": "k"})
    with pytest.raises(UsageError, match="token is empty"):
        config.save_profile("a", "edith", settings={"token": "   "})
    # Nothing is saved that every later command would refuse.
    with pytest.raises(UsageError, match="api_version must be one of 1, 4, got '7'"):
        config.save_profile(
            "a",
            "infobip",
            base_url="https://x.api.infobip.com",
            settings={"api_key": "k", "api_version": "7"},
        )
    with pytest.raises(ConfigError, match="unknown provider"):
        config.save_profile("a", "nope")
    assert not cfg.exists()
    config.save_profile(
        "a",
        "infobip",
        base_url="https://x.api.infobip.com",
        settings={"api_key": "k", "api_version": "v1"},
    )
    assert 'api_version = "1"' in cfg.read_text()


def test_failed_serialisation_keeps_the_old_file(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(cfg, BASIC)

    def broken_dump(data: Any, handle: Any) -> None:
        handle.write(b"default_profile = ")
        raise ValueError("cannot serialise")

    monkeypatch.setattr("tomli_w.dump", broken_dump)
    with pytest.raises(ValueError, match="cannot serialise"):
        config.save_profile("b", "edith", settings={"token": "t"})
    assert cfg.read_text() == BASIC
    assert [p.name for p in cfg.parent.iterdir()] == ["config.toml"]


def test_save_refuses_to_clobber_invalid_toml(cfg: Path) -> None:
    write(cfg, "not = = toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.save_profile("a", "edith", settings={"token": "t"})
    assert cfg.read_text() == "not = = toml"


def test_set_default_unknown_profile(cfg: Path) -> None:
    write(cfg, BASIC)
    with pytest.raises(ConfigError, match="unknown profile 'zzz'"):
        config.set_default("zzz")
    config.set_default("demo-edith")
    assert [p.name for p in resolve_profiles(None)] == ["demo-edith"]


def test_profile_can_be_built_directly() -> None:
    profile = Profile(
        name="x",
        provider="edith",
        base_url="http://h",
        timezone="UTC",
        settings={"token": CANARY},
        rate_limit_per_minute=None,
        timeout=1,
    )
    assert CANARY not in repr(profile)
    assert profile.settings == {"token": CANARY}


def test_bare_host_base_url_gets_https() -> None:
    # Infobip's portal shows the account's base URL as a bare host.
    assert config.check_base_url("xyz123.api.infobip.com/") == "https://xyz123.api.infobip.com"
    with pytest.raises(ValueError, match="http"):
        config.check_base_url("ftp://example.com")


@pytest.mark.parametrize(("version", "expected"), [("4", 120.0), ("v1", 60.0)])
def test_infobip_default_rate_limit_follows_the_api_version(
    cfg: Path, version: str, expected: float
) -> None:
    write(
        cfg,
        '[profiles.ib]\nprovider = "infobip"\nbase_url = "https://x.api.infobip.com"\n'
        f'api_key = "k"\napi_version = "{version}"\n',
    )
    (profile,) = resolve_profiles(["ib"])
    assert profile.rate_limit_per_minute == expected
    # `profiles show` tells the limit that is used, not "(none)".
    shown = {s.key: s for s in config.describe_profile("ib").settings}["rate_limit_per_minute"]
    assert (shown.value, shown.source) == (str(int(expected)), "default")
