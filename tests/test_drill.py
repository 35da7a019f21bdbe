"""The drill of issue 14: a fourth provider is one folder plus one registry line.

``tests/drill/`` holds a throw-away provider, stubmail (spec, adapter,
emulator). Registered at run time, it must work through every command that
asks about providers — ``providers``, ``profiles add``, ``list`` over the
built-in demo and over the sandbox on loopback — without a single file
outside its folder knowing about it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import drill

ROOT = Path(__file__).resolve().parent.parent


def maillogs(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point, stubmail registered, in a fresh interpreter."""
    env = {**os.environ, "MAILLOGS_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", drill.CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env=env,
    )


@pytest.fixture
def registered() -> Iterator[None]:
    drill.register()
    try:
        yield
    finally:
        drill.unregister()


def records(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_providers_and_statuses_list_the_new_provider(tmp_path: Path) -> None:
    providers = maillogs(tmp_path / "config.toml", "providers")
    assert providers.returncode == 0, providers.stderr
    assert "Stubmail" in providers.stdout
    statuses = maillogs(tmp_path / "config.toml", "statuses")
    assert statuses.returncode == 0, statuses.stderr
    assert "stubmail" in statuses.stdout.lower()


def test_profiles_add_takes_the_new_providers_keys_from_its_spec(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    added = maillogs(
        config,
        "profiles",
        "add",
        "mine",
        "--provider",
        "stubmail",
        "--base-url",
        "https://stub.example",
        "--account",
        "acme",
        "--token",
        "SECRET-STUB-TOKEN-0001",
    )
    assert added.returncode == 0, added.stderr
    text = config.read_text()
    assert 'provider = "stubmail"' in text
    assert 'account = "acme"' in text
    assert "SECRET-STUB-TOKEN-0001" not in added.stdout + added.stderr
    shown = maillogs(config, "profiles", "show", "mine", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert "SECRET-STUB-TOKEN-0001" not in shown.stdout


def test_the_demo_serves_the_new_provider(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    alone = maillogs(config, "list", "--profile", "demo-stubmail", "--limit", "7", "-f", "jsonl")
    assert alone.returncode == 0, alone.stderr
    rows = records(alone.stdout)
    assert len(rows) == 7
    assert {row["provider"] for row in rows} == {"stubmail"}
    assert {row["status"] for row in rows} <= {"delivered", "bounced"}
    every = maillogs(config, "list", "--profile", "demo", "--since", "12h", "--all", "-f", "jsonl")
    assert every.returncode == 0, every.stderr
    assert "stubmail" in {row["provider"] for row in records(every.stdout)}


def test_the_sandbox_serves_the_new_provider_on_loopback(tmp_path: Path, registered: None) -> None:
    from maillogs.sandbox import Emulator, EmulatorConfig, config_snippet, start_server

    server, thread, base_url = start_server(Emulator(EmulatorConfig(records=300)))
    try:
        config = tmp_path / "config.toml"
        config.write_text(config_snippet(base_url))
        assert "[profiles.sandbox-stubmail]" in config.read_text()
        listed = maillogs(
            config, "list", "--profile", "sandbox-stubmail", "--limit", "150", "-f", "jsonl"
        )
        assert listed.returncode == 0, listed.stderr
        rows = records(listed.stdout)
        # 150 rows take two pages of 100: the cursor walk went on.
        assert len(rows) == 150
        assert len({row["message_id"] for row in rows}) == 150
        found = maillogs(config, "show", str(rows[3]["message_id"]), "-p", "sandbox-stubmail")
        assert found.returncode == 0, found.stderr
        assert str(rows[3]["message_id"]) in found.stdout
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_wrong_token_is_an_auth_failure_with_the_documented_exit_code(
    tmp_path: Path, registered: None
) -> None:
    from maillogs.sandbox import Emulator, EmulatorConfig, config_snippet, start_server

    server, thread, base_url = start_server(Emulator(EmulatorConfig(records=50)))
    try:
        config = tmp_path / "config.toml"
        config.write_text(
            config_snippet(base_url).replace(drill.SPEC.demo_settings["token"], "nope")
        )
        listed = maillogs(config, "list", "--profile", "sandbox-stubmail", "--limit", "5")
        assert listed.returncode == 77, listed.stderr
        assert "Traceback" not in listed.stderr
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_sandbox_offers_the_new_providers_knob(tmp_path: Path, registered: None) -> None:
    from maillogs.sandbox import Emulator, EmulatorConfig
    from maillogs.sandbox.protocol import Request

    shown = maillogs(tmp_path / "config.toml", "sandbox", "serve", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "--stubmail-page N" in shown.stdout
    assert "Rows on a full Stubmail page." in shown.stdout
    # The knob reaches the emulator: a full page holds that many rows.
    emulator = Emulator(EmulatorConfig(records=50, stubmail_page=7))
    headers = {"authorization": f"Token {drill.SPEC.demo_settings['token']}"}
    path = f"/stub/{drill.SPEC.demo_settings['account']}/logs"
    answer = emulator.stubmail.handle(Request("GET", path, [], headers))
    assert len(json.loads(answer.body)["rows"]) == 7
