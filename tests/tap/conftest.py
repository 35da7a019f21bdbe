"""A sandbox on loopback whose clock the test moves, and the tap and a real
Singer target as the user runs them: console scripts in subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from maillogs.providers.edith.spec import DEMO_TOKEN as EDITH_TOKEN
from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_API_KEY as KALEYRA_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_SID as KALEYRA_SID
from maillogs.sandbox import Arrivals, Emulator, EmulatorConfig, start_server

SECRETS = (KALEYRA_API_KEY, EDITH_TOKEN, INFOBIP_API_KEY)
# New mail per provider for each second the sandbox's clock is moved on.
ARRIVING_PER_SECOND = 3
TAP = str(Path(sys.executable).with_name("tap-maillogs"))
MAILLOGS = str(Path(sys.executable).with_name("maillogs"))
# target-jsonl pins singer-python 5.8 and jsonschema 2.6; singer-sdk needs
# jsonschema >= 4.16: the two cannot share one environment, so the target
# runs from its own tool environment, as Meltano installs each plugin apart.
TARGET_JSONL = (
    *("tool", "run", "--quiet", "--python", sys.executable),
    *("--from", "target-jsonl==0.1.4", "target-jsonl"),
)


@dataclass
class Clock:
    """The sandbox's clock: arrivals happen only when the test moves it."""

    now: float = field(default_factory=lambda: datetime.now(UTC).timestamp())

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Sandbox:
    base_url: str
    now: datetime
    clock: Clock

    def inline_profiles(self) -> list[dict[str, Any]]:
        """The three sandbox accounts, written out in the tap's settings."""
        common = {"base_url": self.base_url, "rate_limit_per_minute": 0}
        return [
            {"name": "sb-kaleyra", "provider": "kaleyra", "sid": KALEYRA_SID}
            | {"api_key": KALEYRA_API_KEY, **common},
            {"name": "sb-edith", "provider": "edith", "token": EDITH_TOKEN, **common},
            {"name": "sb-infobip", "provider": "infobip", "api_key": INFOBIP_API_KEY, **common},
        ]

    def maillogs_config(self) -> str:
        """The same accounts as a maillogs config file, for `maillogs list`."""
        lines = []
        for profile in self.inline_profiles():
            lines.append(f"[profiles.{profile['name']}]")
            lines.extend(
                f"{key} = {json.dumps(value)}" for key, value in profile.items() if key != "name"
            )
        return "\n".join(lines) + "\n"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock()
    emulator = Emulator(
        EmulatorConfig(
            now=now,
            records=120,
            clock=clock,
            arrivals=Arrivals(ARRIVING_PER_SECOND, every_ms=1000),
        )
    )
    server, _thread, base_url = start_server(emulator)
    yield Sandbox(base_url=base_url, now=now, clock=clock)
    server.shutdown()
    server.server_close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The environment without the developer's maillogs or tap settings."""
    for name in list(os.environ):
        if name.startswith(("MAILLOGS_", "TAP_MAILLOGS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(tmp_path / "no-config.toml"))
    return dict(os.environ)


@dataclass(frozen=True)
class Run:
    code: int
    messages: list[dict[str, Any]]
    stdout: str
    stderr: str

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [message for message in self.messages if message["type"] == kind]


def run_tap(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TAP, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        input=stdin,
        timeout=120,
        check=False,
    )


def parse_messages(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line as a Singer message (a line that is not one fails)."""
    messages = [json.loads(line) for line in stdout.splitlines()]
    assert all(message["type"] in ("SCHEMA", "RECORD", "STATE") for message in messages)
    return messages


def uv() -> list[str]:
    """The uv running this test session (`uv run pytest`), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        pytest.fail("uv is needed to run target-jsonl in its own tool environment")
    return [found]


def pipe_to_target(
    tap_args: list[str], *, env: dict[str, str], workdir: Path, name: str
) -> tuple[Run, list[dict[str, Any]], dict[str, Any]]:
    """``tap-maillogs ARGS | target-jsonl``, a shell pipeline as a user types
    it, with ``tee`` keeping the tap's stdout for the message checks.

    Returns:
        The tap's run, the records target-jsonl wrote, and the state it emitted.
    """
    out_dir = workdir / name
    out_dir.mkdir()
    target_config = workdir / f"{name}-target.json"
    target_config.write_text(
        json.dumps({"destination_path": str(out_dir), "do_timestamp_file": False})
    )
    files = {part: workdir / f"{name}.{part}" for part in ("tap-out", "tap-err", "state")}
    # The tap's exit code lands in a file: with pipefail alone a failing
    # target would hide it, and the target's own must be 0 as well.
    script = (
        '{ "$0" "$@" 2>"$TAP_ERR"; echo $? >"$TAP_CODE"; } | tee "$TAP_OUT" '
        '| "$UV" $TARGET --config "$TARGET_CONFIG" >"$STATE"'
    )
    result = subprocess.run(
        ["bash", "-c", script, TAP, *tap_args],
        capture_output=True,
        text=True,
        env={
            **env,
            "TAP_ERR": str(files["tap-err"]),
            "TAP_CODE": str(workdir / f"{name}.tap-code"),
            "TAP_OUT": str(files["tap-out"]),
            "UV": uv()[0],
            "TARGET": " ".join(TARGET_JSONL),
            "TARGET_CONFIG": str(target_config),
            "STATE": str(files["state"]),
        },
        cwd=workdir,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = out_dir / "email_logs.jsonl"
    lines = written.read_text().splitlines() if written.exists() else []
    stdout = files["tap-out"].read_text()
    run = Run(
        int((workdir / f"{name}.tap-code").read_text()),
        parse_messages(stdout),
        stdout,
        files["tap-err"].read_text(),
    )
    state = json.loads(files["state"].read_text().splitlines()[-1])
    return run, [json.loads(line) for line in lines], state
