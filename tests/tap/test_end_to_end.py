"""``tap-maillogs | target-jsonl`` against ``maillogs sandbox`` on loopback:
the records a warehouse gets are the ones ``maillogs list --all`` shows, a
second run with the state brings only what is new (or inside the lookback),
and every stdout line is a valid Singer message, free of secrets."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
from typer.testing import CliRunner

from maillogs.cli.app import app
from tests.tap.conftest import (
    ARRIVING_PER_SECOND,
    MAILLOGS,
    SECRETS,
    Run,
    Sandbox,
    parse_messages,
    pipe_to_target,
    run_tap,
)

PROFILES = ("sb-kaleyra", "sb-edith", "sb-infobip")
LOOKBACK = timedelta(hours=1)


def maillogs_list_all(sandbox: Sandbox, tmp_path: Path, since: datetime) -> list[dict[str, Any]]:
    config = tmp_path / "maillogs.toml"
    config.write_text(sandbox.maillogs_config())
    config.chmod(0o600)
    result = CliRunner().invoke(
        app,
        [
            "list",
            "--all",
            "--since",
            since.isoformat(),
            "--format",
            "jsonl",
            "-p",
            ",".join(PROFILES),
        ],
        env={"MAILLOGS_CONFIG": str(config)},
    )
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def as_bag(records: list[dict[str, Any]]) -> Counter[str]:
    return Counter(json.dumps(record, sort_keys=True) for record in records)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def bookmarks(state: dict[str, Any]) -> dict[str, datetime]:
    partitions = state["bookmarks"]["email_logs"]["partitions"]
    return {
        partition["context"]["profile"]: instant(partition["replication_key_value"])
        for partition in partitions
        if "replication_key_value" in partition
    }


def check_messages(run: Run) -> None:
    """What any Singer target relies on, message by message."""
    assert run.code == 0, run.stderr
    types = [message["type"] for message in run.messages]
    assert types.index("SCHEMA") < types.index("RECORD")
    assert types[-1] == "STATE"
    schema = run.of_type("SCHEMA")[0]["schema"]
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for record in run.of_type("RECORD"):
        validator.validate(record["record"])
    # A STATE message once each profile is done, not only at the very end.
    states = run.of_type("STATE")
    for profile in PROFILES:
        first = next(i for i, s in enumerate(states) if profile in bookmarks(s["value"]))
        assert first < len(states) - 1 or profile == PROFILES[-1]
    # The logs went to stderr, and no credential went anywhere.
    assert "tap-maillogs" in run.stderr
    for secret in SECRETS:
        assert secret not in run.stdout
        assert secret not in run.stderr


def test_first_run_writes_what_list_all_shows_then_only_new_records(
    sandbox: Sandbox, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    start = sandbox.now - timedelta(days=2)
    settings = {
        "profiles": sandbox.inline_profiles(),
        "start_date": start.isoformat(),
        "lookback": "1h",
    }
    config = tmp_path / "tap.json"
    config.write_text(json.dumps(settings))
    # Debug logging shows every request: still no credential in it.
    env = {**clean_env, "TAP_MAILLOGS_LOGLEVEL": "DEBUG"}

    first, written, state = pipe_to_target(
        ["--config", str(config)], env=env, workdir=tmp_path, name="first"
    )
    check_messages(first)
    assert f"GET {sandbox.base_url}/" in first.stderr  # the request log was on
    listed = maillogs_list_all(sandbox, tmp_path, since=start)
    assert len(listed) > 100
    assert as_bag(written) == as_bag(listed)
    # Each profile's bookmark is its newest record.
    for profile in PROFILES:
        newest = max(instant(r["submitted_at"]) for r in listed if r["profile"] == profile)
        assert bookmarks(state)[profile] == newest

    # New mail arrives; the second run starts at each bookmark less the lookback.
    sandbox.clock.now += 2
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state))
    second, written_again, _ = pipe_to_target(
        ["--config", str(config), "--state", str(state_file)],
        env=env,
        workdir=tmp_path,
        name="second",
    )
    check_messages(second)
    now_listed = maillogs_list_all(sandbox, tmp_path, since=start)
    arrived = as_bag(now_listed) - as_bag(listed)
    assert sum(arrived.values()) == 2 * ARRIVING_PER_SECOND * len(PROFILES)
    expected = [
        record
        for record in now_listed
        if instant(record["submitted_at"]) >= bookmarks(state)[record["profile"]] - LOOKBACK
    ]
    assert as_bag(written_again) == as_bag(expected)
    assert not arrived - as_bag(written_again)
    assert len(written_again) < len(written) / 2


def test_a_failing_profile_ends_the_run_with_one_line_and_keeps_the_finished_ones_state(
    sandbox: Sandbox, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    profiles = sandbox.inline_profiles()[:2]
    wrong = "not-the-edith-token-0123456789"
    profiles[1]["token"] = wrong
    config = tmp_path / "tap.json"
    config.write_text(json.dumps({"profiles": profiles}))
    result = run_tap("--config", str(config), env=clean_env, cwd=tmp_path)
    assert result.returncode == 77  # maillogs' exit code for refused credentials
    assert "Traceback" not in result.stderr
    assert wrong not in result.stderr + result.stdout
    # The SDK says which stream failed; the cause is one line, naming the profile.
    causes = [line for line in result.stderr.splitlines() if "ERROR" in line and "token" in line]
    assert len(causes) == 1
    assert "sb-edith" in causes[0]
    # What a scheduler keeps from this run: the finished profile's bookmark,
    # none for the one that failed (its next run starts where it did).
    states = [m["value"] for m in parse_messages(result.stdout) if m["type"] == "STATE"]
    assert set(bookmarks(states[-1])) == {"sb-kaleyra"}


def test_settings_from_the_environment_and_a_config_error(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    env = {**clean_env, "TAP_MAILLOGS_PROFILES": '["demo-edith"]', "TAP_MAILLOGS_STATUS": "bounced"}
    result = run_tap("--config", "ENV", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records = [m["record"] for m in parse_messages(result.stdout) if m["type"] == "RECORD"]
    assert records
    assert {(r["profile"], r["status"]) for r in records} == {("demo-edith", "bounced")}

    env["TAP_MAILLOGS_PROFILES"] = '["nowhere"]'
    result = run_tap("--config", "ENV", env=env, cwd=tmp_path)
    assert result.returncode == 78
    assert "Traceback" not in result.stderr
    assert "unknown profile 'nowhere'" in result.stderr or "'nowhere'" in result.stderr
    assert result.stdout == "" or all(m["type"] != "RECORD" for m in parse_messages(result.stdout))


def test_discover_needs_no_account_and_declares_the_maillogs_schema(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    config = tmp_path / "tap.json"
    config.write_text(json.dumps({"profiles": ["an-account-not-configured-here"]}))
    result = run_tap("--config", str(config), "--discover", env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)["streams"]
    assert entry["tap_stream_id"] == "email_logs"
    assert entry["key_properties"] == ["provider", "profile", "message_id", "recipient"]
    assert entry["replication_key"] == "submitted_at"
    printed = subprocess.run([MAILLOGS, "schema"], capture_output=True, text=True, check=True)
    assert entry["schema"] == without_references(json.loads(printed.stdout))


def without_references(schema: dict[str, Any]) -> dict[str, Any]:
    """``maillogs schema`` as a Singer SCHEMA can carry it: each ``$ref``
    written out (the field's own keys first) and no ``default: null``."""
    definitions = schema.pop("$defs")
    for name, field in schema["properties"].items():
        if "$ref" in field:
            target = definitions[field.pop("$ref").rsplit("/", 1)[1]]
            field = {**target, **field}
        schema["properties"][name] = {
            key: value for key, value in field.items() if (key, value) != ("default", None)
        }
    return schema
