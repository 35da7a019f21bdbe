"""Integration harness: the real CLI against ``maillogs sandbox serve`` over loopback.

Both sides are separate processes, exactly as a user runs them: the server is
``python -m maillogs sandbox serve --port P ...`` and every test runs
``python -m maillogs list ...`` with ``MAILLOGS_CONFIG`` pointing at a
config.toml whose profiles name that port. Expectations come from
:mod:`tests.integration.reference` (the sandbox's dataset rebuilt in process).
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from maillogs.providers.registry import PROVIDERS, ProviderSpec
from tests.integration.reference import Reference, Row

# `python -m maillogs` when the package has a __main__, else the console script's entry point.
if importlib.util.find_spec("maillogs.__main__") is not None:
    MAILLOGS = (sys.executable, "-m", "maillogs")
else:  # pragma: no cover - only while __main__.py is missing
    MAILLOGS = (sys.executable, "-c", "from maillogs.cli.app import run; run()")

SERVER_READY_SECONDS = 60.0  # generous: other jobs may load the machine
SERVER_STOP_SECONDS = 5.0
CLI_TIMEOUT_SECONDS = 120.0  # a hang guard, not a timing assertion
MAIN_RECORDS = 2500  # >> every page size: Kaleyra 25 pages, EDITH 50 pages in 2 windows
MAIN_SEED = 11
# Infobip walks in 6-hour windows over 47 hours of data: 10,000 records put
# ~1,280 in each window, so v4 must follow a cursor and v1 (no pagination,
# 1,000 rows at most) must split every window in time to return them all.
BIG_RECORDS = 10_000
BIG_SEED = 5
BAD_KEY = "wrong-key-0000"


@dataclass(frozen=True)
class ServerSpec:
    """Arguments of one ``sandbox serve``."""

    records: int
    seed: int
    faults: str = ""
    latency_ms: float = 0.0


@dataclass
class Sandbox:
    """A running ``maillogs sandbox serve`` subprocess."""

    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class CliResult:
    """One finished ``maillogs`` run."""

    args: Sequence[str]
    code: int
    stdout: str
    stderr: str
    seconds: float

    def rows(self) -> list[Row]:
        """The JSON Lines output, in output order."""
        return [Row.from_output(json.loads(line)) for line in self.stdout.splitlines() if line]

    def describe(self) -> str:
        return (
            f"maillogs {' '.join(self.args)} -> exit {self.code} after {self.seconds:.1f} s\n"
            f"stderr:\n{self.stderr[-3000:]}"
        )


@dataclass
class Site:
    """A sandbox, a config file with profiles for it, and its reference data."""

    sandbox: Sandbox
    config: Path
    ref: Reference

    def run(self, *args: str, env: dict[str, str] | None = None) -> CliResult:
        return run_cli(self.config, *args, env=env)

    def since_all(self) -> str:
        """A ``--since`` before the oldest record (10 days of data; EDITH needs it explicit)."""
        return iso(self.ref.now - timedelta(days=10, hours=1))

    def full_range(self, profile: str) -> list[str]:
        # EDITH without --since means the last 7 days: ask for all 10 days of data.
        # Infobip without --since means its 48-hour retention, which holds all of its data.
        return ["--since", self.since_all()] if profile == "edith" else []


def iso(moment: datetime) -> str:
    return moment.isoformat()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(config: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any MAILLOGS_* setting, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")}
    env.update({"MAILLOGS_CONFIG": str(config), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
    # Notices and checkpoints stay beside the config, not in the user's state dir.
    env["MAILLOGS_STATE_DIR"] = str(config.parent / "state")
    env.update(extra or {})
    return env


def run_cli(config: Path, *args: str, env: dict[str, str] | None = None) -> CliResult:
    started = time.monotonic()
    completed = subprocess.run(
        [*MAILLOGS, *args],
        env=cli_env(config, env),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )
    elapsed = time.monotonic() - started
    return CliResult(args, completed.returncode, completed.stdout, completed.stderr, elapsed)


def sandbox_profiles() -> Iterator[tuple[str, ProviderSpec, dict[str, str]]]:
    """(profile name, spec, settings) for every provider the sandbox emulates
    and every choice of its choice keys (``infobip4``, ``infobip1``), with the
    sandbox's demo credentials."""
    for spec in PROVIDERS.values():
        if spec.sandbox is None:
            continue
        variants: list[tuple[str, dict[str, str]]] = [("", {})]
        for key, choices in spec.key_choices.items():
            variants = [
                (f"{suffix}{choice}", {**chosen, key: choice})
                for suffix, chosen in variants
                for choice in reversed(choices)  # the newest version first
            ]
        for suffix, chosen in variants:
            yield f"{spec.name}{suffix}", spec, {**spec.demo_settings, **chosen}


def _toml_value(spec: ProviderSpec, key: str, value: str) -> str:
    # A version number is written bare (api_version = 4), as people write it.
    return value if key in spec.key_choices and value.isdigit() else f'"{value}"'


def write_config(path: Path, base_url: str, *, timeout: float | None = None) -> Path:
    """Profiles for every provider and API version, plus one with a wrong key each."""
    extra = "" if timeout is None else f"timeout = {timeout}\n"
    common = f'base_url = "{base_url}"\nrate_limit_per_minute = 0\n{extra}'
    blocks = []
    for badkey in (False, True):
        for name, spec, settings in sandbox_profiles():
            if badkey:
                settings = {**settings, **dict.fromkeys(spec.secret_keys, BAD_KEY)}
            lines = [f"{key} = {_toml_value(spec, key, v)}" for key, v in settings.items()]
            suffix = "-badkey" if badkey else ""
            blocks.append(
                f'[profiles.{name}{suffix}]\nprovider = "{spec.name}"\n{common}'
                + "\n".join(lines)
                + "\n"
            )
    # 0600 from the start: maillogs warns about config files others can read.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(blocks))
    return path


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C (SIGINT) as a user would, then kill if it does not stop."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(SERVER_STOP_SECONDS)


class SandboxPool:
    """Starts sandbox servers (several at once, to save time) and stops them all at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running: list[Sandbox] = []

    def start(self, *specs: ServerSpec) -> list[Sandbox]:
        pending = {index: spec for index, spec in enumerate(specs)}
        started: dict[int, Sandbox] = {}
        for _attempt in range(3):  # a port taken between free_port() and bind: try another
            launched = {index: self._launch(spec) for index, spec in pending.items()}
            for index, sandbox in launched.items():
                if self._wait_ready(sandbox):
                    started[index] = sandbox
                    del pending[index]
            if not pending:
                return [started[index] for index in range(len(specs))]
        raise AssertionError(f"sandbox servers did not start: {list(pending.values())}")

    def _launch(self, spec: ServerSpec) -> Sandbox:
        port = free_port()
        log = self.directory / f"sandbox-{port}.log"
        args = [
            *MAILLOGS,
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--records",
            str(spec.records),
            "--seed",
            str(spec.seed),
            "--verbose",
        ]
        if spec.faults:
            args += ["--faults", spec.faults]
        if spec.latency_ms:
            args += ["--latency", str(spec.latency_ms)]
        with log.open("wb") as handle:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=cli_env(self.directory / "unused.toml"),
            )
        sandbox = Sandbox(spec, port, process, log)
        self.running.append(sandbox)
        return sandbox

    @staticmethod
    def _wait_ready(sandbox: Sandbox) -> bool:
        deadline = time.monotonic() + SERVER_READY_SECONDS
        while time.monotonic() < deadline:
            if sandbox.process.poll() is not None:
                if sandbox.process.returncode == 69:  # port taken: the caller retries
                    return False
                raise AssertionError(
                    f"sandbox exited with {sandbox.process.returncode}:\n"
                    + sandbox.log.read_text(errors="replace")
                )
            if _port_open(sandbox.port):
                return True
            time.sleep(0.05)
        raise AssertionError(
            f"sandbox on port {sandbox.port} not ready after {SERVER_READY_SECONDS}s"
        )

    def close(self) -> None:
        for sandbox in self.running:
            stop_server(sandbox.process)


def make_site(pool: SandboxPool, sandbox: Sandbox, **config: float) -> Site:
    path = pool.directory / f"config-{sandbox.port}.toml"
    write_config(path, sandbox.base_url, **config)
    ref = Reference.of_server(sandbox.base_url, sandbox.spec.records, sandbox.spec.seed)
    return Site(sandbox, path, ref)


def assert_same_records(actual: Sequence[Row], expected: Counter[Row], *, context: str) -> None:
    """Nothing lost, nothing duplicated, nothing wrong: the multisets are equal."""
    got = Counter(actual)
    missing, extra = expected - got, got - expected
    if missing or extra:
        keys = Counter(row.key for row in actual)
        duplicated = [key for key, n in keys.items() if n > 1]
        raise AssertionError(
            f"{context}\nexpected {sum(expected.values())} records, got {len(actual)}: "
            f"{sum(missing.values())} missing (e.g. {sorted(missing)[:3]}), "
            f"{sum(extra.values())} unexpected (e.g. {sorted(extra)[:3]}), "
            f"{len(duplicated)} keys printed twice (e.g. {duplicated[:3]})"
        )


def assert_newest_first(rows: Sequence[Row], *, context: str) -> None:
    times = [row.submitted_at for row in rows]
    for position, (newer, older) in enumerate(itertools.pairwise(times)):
        assert newer >= older, f"{context}: record {position + 1} is older than the next one"
