"""An isolated config and state directory for every test of the terminal experience."""

from __future__ import annotations

import os
import select
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillogs.cli.app import app

CONFIG = (
    'default_profile = "demo-edith"\n\n[profiles.prod]\nprovider = "kaleyra"\n'
    'sid = "SID9"\napi_key = "CANARY-UX-KEY-424242"\ntimezone = "UTC"\n'
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("MAILLOGS_CONFIG", str(config))
    monkeypatch.setenv("MAILLOGS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MAILLOGS_RETRY_SECONDS", "0.2")
    monkeypatch.chdir(tmp_path)
    for name in ("MAILLOGS_PROFILE", "NO_COLOR", "MAILLOGS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return config


def run(*args: str) -> tuple[int, str, str]:
    """``maillogs ARGS`` in process: exit code, stdout, stderr."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def read_until(fd: int, marker: bytes | None, timeout: float = 60) -> bytes:
    """Read the terminal until ``marker`` shows (None: until the other side closes).

    ``timeout`` is a hang guard, generous for a loaded machine's start-up.
    """
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (marker is None or marker not in seen):
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        seen += chunk
    return seen
