"""Promises 7 and 10: private files, and configuration errors that say what to fix.

Files run in a real process started under ``umask 000``: the config, exports
and state files must still be 0600 and the directories maillogs creates 0700.
A config error is exit 78 with one line naming the file, the profile and the
problem, whatever the command.
"""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.conftest import (
    Outcome,
    assert_one_line_error,
    clean_environ,
    invoke,
    run_module,
    write_private,
)


def run_with_umask_000(args: list[str], env: dict[str, str]) -> Outcome:
    command = 'umask 000; exec "$0" -m maillogs "$@"'
    done = subprocess.run(
        ["bash", "-c", command, sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_everything_written_is_private_under_umask_000(tmp_path: Path) -> None:
    config = tmp_path / "new-config-dir" / "config.toml"
    state = tmp_path / "new-state-dir"
    env = clean_environ(config, MAILLOGS_STATE_DIR=str(state))

    added = run_with_umask_000(
        ["profiles", "add", "mine", "--provider", "edith", "--token", "tok-secret-1"], env
    )
    assert added.code == 0, added.stderr
    listed = run_with_umask_000(
        ["list", "--profile", "demo", "--limit", "3", "--output", str(tmp_path / "o/a/x.csv")],
        env,
    )
    assert listed.code == 0, listed.stderr
    exported = run_with_umask_000(
        [
            "export",
            "--profile",
            "demo",
            "--since-last",
            "--since",
            "2h",
            "--output",
            str(tmp_path / "e/b/export.jsonl"),
        ],
        env,
    )
    assert exported.code == 0, exported.stderr

    files = [config, tmp_path / "o/a/x.csv", tmp_path / "e/b/export.jsonl"]
    files += [p for p in state.rglob("*") if p.is_file()]
    assert any(p.is_relative_to(state) for p in files), "export wrote no state file"
    for path in files:
        assert mode(path) == 0o600, f"{path}: {mode(path):o}"
    created_dirs = [config.parent, tmp_path / "o", tmp_path / "o/a", tmp_path / "e"]
    created_dirs += [tmp_path / "e/b", state, *(p for p in state.rglob("*") if p.is_dir())]
    for directory in created_dirs:
        assert mode(directory) == 0o700, f"{directory}: {mode(directory):o}"


@pytest.mark.parametrize("bits", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_a_config_readable_by_others_gets_a_warning(config_path: Path, bits: int) -> None:
    write_private(config_path, '[profiles.x]\nprovider = "edith"\ntoken = "tok-123456"\n')
    config_path.chmod(bits)
    outcome = invoke("profiles", "list")
    assert outcome.code == 0
    warning = outcome.stderr.strip()
    assert warning.startswith("maillogs: warning: ")
    assert str(config_path) in warning and "chmod 600" in warning


def test_a_private_config_gets_no_warning(config_path: Path) -> None:
    write_private(config_path, '[profiles.x]\nprovider = "edith"\ntoken = "tok-123456"\n')
    assert invoke("profiles", "list").stderr == ""


def test_rewriting_the_config_makes_it_private_again(config_path: Path) -> None:
    write_private(config_path, '[profiles.x]\nprovider = "edith"\ntoken = "tok-123456"\n')
    config_path.chmod(0o666)
    assert invoke("profiles", "set-default", "x").code == 0
    assert mode(config_path) == 0o600


GOOD = '[profiles.ok]\nprovider = "edith"\ntoken = "tok-123456"\n'
# (description, file content, the profile named, words the message must hold)
BROKEN_CONFIGS = [
    ("bad toml", 'default_profile = "p\n[profiles.p]\n', "p", ["not valid TOML", "line 1"]),
    ("not utf-8", '[profiles.p]\nprovider = "\xff"\n', "p", ["not valid TOML", "UTF-8"]),
    ("nul byte", '[profiles.p]\nprovider = "edith"\x00\n', "p", ["not valid TOML"]),
    ("unknown provider", '[profiles.p]\nprovider = "mailgun"\n', "p", ["'p'", "mailgun"]),
    ("no provider", '[profiles.p]\ntoken = "tok-123456"\n', "p", ["'p'", "missing provider"]),
    (
        "missing key",
        '[profiles.p]\nprovider = "kaleyra"\nsid = "S1"\n',
        "p",
        ["'p'", "missing api_key", "MAILLOGS_P_API_KEY"],
    ),
    (
        "missing base_url",
        '[profiles.p]\nprovider = "infobip"\napi_key = "k-123456"\n',
        "p",
        ["'p'", "missing base_url"],
    ),
    (
        "unknown key",
        '[profiles.p]\nprovider = "edith"\ntoken = "tok-123456"\ntokn = "x"\n',
        "p",
        ["'p'", "unknown key 'tokn'"],
    ),
    (
        "wrong type",
        '[profiles.p]\nprovider = "edith"\ntoken = "tok-123456"\ntimeout = "soon"\n',
        "p",
        ["'p'", "timeout must be a number"],
    ),
    (
        "bad base_url",
        '[profiles.p]\nprovider = "edith"\ntoken = "tok-123456"\nbase_url = "ftp://x"\n',
        "p",
        ["'p'", "base_url"],
    ),
    (
        "bad timezone",
        '[profiles.p]\nprovider = "edith"\ntoken = "tok-123456"\ntimezone = "Mars/Base"\n',
        "p",
        ["'p'", "Mars/Base"],
    ),
    ("profile not a table", "profiles = 5\n", "p", ["profiles must be tables"]),
    ("unknown profile", GOOD, "nope", ["unknown profile 'nope'", "ok"]),
    ("dangling default", 'default_profile = "gone"\n' + GOOD, None, ["'gone'"]),
    ("no default", GOOD, None, ["no profile selected", "default_profile"]),
]
COMMANDS = [
    ["list"],
    ["list", "--explain"],
    ["export", "--output", "{tmp}/x.jsonl"],
    ["stats"],
    ["show", "some-id"],
]


@pytest.mark.parametrize(
    ("content", "profile", "words"),
    [(c, p, w) for _, c, p, w in BROKEN_CONFIGS],
    ids=[d for d, *_ in BROKEN_CONFIGS],
)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_config_errors_are_exit_78_naming_file_profile_and_problem(
    config_path: Path,
    tmp_path: Path,
    command: list[str],
    content: str,
    profile: str | None,
    words: list[str],
) -> None:
    config_path.parent.mkdir(mode=0o700)
    config_path.write_bytes(content.encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    config_path.chmod(0o600)
    selection = ["--profile", profile] if profile else []
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in command]
    outcome = invoke(*args[:1], *selection, *args[1:])
    assert outcome.code == 78, outcome.output
    assert_one_line_error(outcome)
    assert str(config_path) in outcome.stderr
    for word in words:
        assert word in outcome.stderr, outcome.stderr


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("MAILLOGS_P_TIMEOUT", "abc", ["MAILLOGS_P_TIMEOUT", "timeout must be a number"]),
        ("MAILLOGS_EDITH_BASE_URL", "not a url", ["MAILLOGS_EDITH_BASE_URL", "base_url"]),
        ("MAILLOGS_P_TOKEN", "bad\ttoken", ["MAILLOGS_P_TOKEN", "control or non-ASCII"]),
        ("MAILLOGS_RETRY_SECONDS", "soon", ["MAILLOGS_RETRY_SECONDS"]),
    ],
)
def test_bad_environment_overrides_are_exit_78(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    words: list[str],
) -> None:
    write_private(config_path, '[profiles.p]\nprovider = "edith"\ntoken = "tok-123456"\n')
    monkeypatch.setenv(variable, value)
    outcome = invoke("list", "--profile", "p")
    assert outcome.code == 78, outcome.output
    assert_one_line_error(outcome)
    for word in words:
        assert word in outcome.stderr


def test_a_config_path_that_is_a_directory(tmp_path: Path) -> None:
    outcome = run_module(["list", "--profile", "p"], clean_environ(tmp_path))
    assert outcome.code == 78
    assert_one_line_error(outcome)
    assert str(tmp_path) in outcome.stderr
