"""Shared set-up of the hardening suite: canary secrets, isolated config, runners.

Every test here runs with an environment cleaned of ``MAILLOGS_*`` variables and
``MAILLOGS_CONFIG`` pointing into ``tmp_path``, so the user's real config and
secrets can never leak into (or out of) a test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from maillogs.cli.app import app
from maillogs.profiles import secrets as config
from maillogs.sandbox import Emulator, EmulatorConfig, FaultPlan, SandboxServer, config_snippet
from tests.testkit import KITS
from tests.testkit import canary_config as canary_config  # the suite imports it from here

# Derandomized: the same examples on every run and machine, so a failure replays.
settings.register_profile(
    "hardening",
    derandomize=True,
    deadline=None,
    max_examples=60,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Canary secrets (one per provider, from the testkit, plus one only the
# environment holds): distinctive strings no real output could contain by chance.
ENV_CANARY = "CANARY-env-only-5a6b7c8d"
CANARIES = (*(kit.canary for kit in KITS.values()), ENV_CANARY)

# By name, for the tests that script one provider's answers by hand.
KALEYRA_KEY = KITS["kaleyra"].canary
EDITH_TOKEN = KITS["edith"].canary
INFOBIP_KEY = KITS["infobip"].canary
KALEYRA_BASE = KITS["kaleyra"].base_url
EDITH_BASE = KITS["edith"].base_url
INFOBIP_BASE = KITS["infobip"].base_url
KALEYRA_LOGS = KITS["kaleyra"].logs_url
EDITH_LOGS = KITS["edith"].logs_url
INFOBIP_LOGS = KITS["infobip"].logs_url


def clean_environ(config: Path, **extra: str) -> dict[str, str]:
    """os.environ without MAILLOGS_* / colour variables, plus the test's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MAILLOGS_") and key not in ("NO_COLOR", "FORCE_COLOR")
    }
    env.update(
        MAILLOGS_CONFIG=str(config),
        MAILLOGS_STATE_DIR=str(config.parent / "state"),
        MAILLOGS_RETRY_SECONDS="0.5",
    )
    env.update(extra)
    return env


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_module(
    args: list[str],
    env: Mapping[str, str],
    *,
    timeout: float = 30,
    cwd: Path | None = None,
) -> Outcome:
    """``python -m maillogs ARGS`` in a fresh interpreter (stdout/stderr are pipes)."""
    done = subprocess.run(
        [sys.executable, "-m", "maillogs", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    # Secrets resolved by one test (fuzzed ones too) must not redact another's output.
    saved = set(config._SEEN_SECRETS)
    yield
    config._SEEN_SECRETS.clear()
    config._SEEN_SECRETS.update(saved)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated in-process environment; the config file itself is not written yet."""
    for key in list(os.environ):
        if key.startswith("MAILLOGS_") or key in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(key)
    path = tmp_path / "config" / "config.toml"
    monkeypatch.setenv("MAILLOGS_CONFIG", str(path))
    monkeypatch.setenv("MAILLOGS_STATE_DIR", str(tmp_path / "state"))
    # Short, so retried faults give up at once; long enough for one retry to happen.
    monkeypatch.setenv("MAILLOGS_RETRY_SECONDS", "0.1")
    return path


@pytest.fixture
def canary_config_path(config_path: Path) -> Path:
    config_path.parent.mkdir(mode=0o700, exist_ok=True)
    config_path.write_text(canary_config(), encoding="utf-8")
    config_path.chmod(0o600)
    return config_path


_runner = CliRunner()


def invoke(*args: str, input: str | None = None) -> Outcome:
    """Run the CLI in process (``CliRunner``), as the console script would."""
    result = _runner.invoke(app, list(args), input=input)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def assert_one_line_error(outcome: Outcome) -> None:
    """A failure is exactly one ``maillogs:`` line on stderr (warnings aside), no traceback."""
    assert "Traceback" not in outcome.output
    errors = [line for line in outcome.stderr.splitlines() if "warning:" not in line]
    assert len(errors) == 1, outcome.stderr
    assert errors[0].startswith("maillogs: "), outcome.stderr


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class ScriptedServer:
    """A loopback HTTP server answering from a script, recording what it was sent.

    ``answer(number, path)`` returns ``(status, headers, body)`` for request
    ``number`` (1-based); the sandbox cannot send an HTTP-date Retry-After, this can.
    """

    def __init__(self, answer: Callable[[int, str], tuple[int, dict[str, str], bytes]]) -> None:
        self.seen: list[Seen] = []
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with lock:
                    server.seen.append(Seen(self.path, dict(self.headers.items())))
                    number = len(server.seen)
                status, headers, body = answer(number, self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test reads ``seen`` instead."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        # A short poll interval: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@dataclass(frozen=True)
class Sandbox:
    base_url: str
    emulator: Emulator


@contextmanager
def sandbox(
    faults: FaultPlan | None = None, *, now: datetime | None = None, records: int = 300
) -> Iterator[Sandbox]:
    """The emulator over loopback (same ``now``, same data)."""
    emulator = Emulator(EmulatorConfig(records=records, now=now, faults=faults or FaultPlan()))
    server = SandboxServer(emulator)
    # Not start_server(): its default poll interval makes every shutdown take 0.5 s.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield Sandbox(server.base_url, emulator)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def sandbox_config(base_url: str) -> str:
    """The sandbox's own profiles (its demo credentials; Infobip's pacing off, as
    the snippet itself says: the sandbox enforces no rate limit)."""
    return config_snippet(base_url)


def write_private(path: Path, text: str) -> Path:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path
