"""Fixtures for stats/show tests: a sandbox over loopback and a CLI pointed at it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from maillogs.cli.app import app
from maillogs.providers.edith.spec import DEMO_TOKEN as EDITH_TOKEN
from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_API_KEY as KALEYRA_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_SID as KALEYRA_SID
from maillogs.sandbox import Emulator, EmulatorConfig, start_server

PROFILES = "sb-kaleyra,sb-edith,sb-infobip"


@dataclass(frozen=True)
class Sandbox:
    base_url: str
    now: datetime


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    def jsonl(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """The emulator over a real socket; its data ends at the real time (Infobip's
    48-hour retention is measured against the real clock by the adapter)."""
    now = datetime.now(UTC).replace(microsecond=0)
    emulator = Emulator(EmulatorConfig(now=now, records=300))
    server, _thread, base_url = start_server(emulator)
    yield Sandbox(base_url=base_url, now=now)
    server.shutdown()
    server.server_close()


def config_text(base_url: str, kaleyra_timezone: str = "UTC") -> str:
    common = f'base_url = "{base_url}"\nrate_limit_per_minute = 0\n'
    return (
        f'[profiles.sb-kaleyra]\nprovider = "kaleyra"\n{common}timezone = "{kaleyra_timezone}"\n'
        f'sid = "{KALEYRA_SID}"\napi_key = "{KALEYRA_API_KEY}"\n\n'
        f'[profiles.sb-edith]\nprovider = "edith"\n{common}token = "{EDITH_TOKEN}"\n\n'
        f'[profiles.sb-infobip]\nprovider = "infobip"\n{common}api_key = "{INFOBIP_API_KEY}"\n'
        'api_version = "4"\n'
    )


@pytest.fixture
def config_file(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("MAILLOGS_"):
            monkeypatch.delenv(name)
    path = tmp_path / "config.toml"
    path.write_text(config_text(sandbox.base_url), encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(path))
    return path


def invoke(*args: str) -> Outcome:
    """Run ``maillogs ARGS`` in process; errors map to exit codes as in the console script."""
    result = CliRunner().invoke(app, list(args))
    return Outcome(result.exit_code, result.stdout, result.stderr)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
