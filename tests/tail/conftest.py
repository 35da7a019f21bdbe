"""Live sandboxes for the tail tests: ``maillogs sandbox serve --live`` on loopback,
and ``maillogs tail`` as a real subprocess whose output is read while it runs."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import MAILLOGS, cli_env, free_port, stop_server, write_config

READY_SECONDS = 60.0  # a hang guard: other jobs may load the machine
LIVE_RATE = "4"  # records a second per provider
# Every provider at once; Infobip's v4 (the v1 profile would be the same account twice).
PROFILES = "kaleyra,edith,infobip4"


FAKE_START = 1_800_000_000.0


class FakeTime:
    """One clock for the sandbox, the HTTP clients and the follower; sleeping advances it."""

    def __init__(self) -> None:
        self.now = FAKE_START

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def wall(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


@dataclass
class LiveSite:
    """A running live sandbox and a config file with profiles for it."""

    process: subprocess.Popen[bytes]
    config: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return tail_env(self.config, extra)


def tail_env(config: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    # The sandbox's Kaleyra account is on UTC: say so, or every run warns.
    return cli_env(config, {"MAILLOGS_KALEYRA_TIMEZONE": "UTC", **(extra or {})})


@dataclass
class Printed:
    """One ``tail --format jsonl`` run, read line by line as it ran."""

    code: int
    records: list[dict[str, Any]]
    stderr: str
    # Monotonic time each line was read, and whether the process was still running then.
    read_at: list[float] = field(default_factory=list)
    running_when_read: list[bool] = field(default_factory=list)
    started: float = 0.0


def start_live(directory: Path, *extra: str) -> LiveSite:
    for _attempt in range(3):  # a port taken between free_port() and bind: try another
        port = free_port()
        serve = ["sandbox", "serve", "--port", str(port), "--records", "20", "--seed", "3"]
        with (directory / f"sandbox-{port}.log").open("wb") as log:
            process = subprocess.Popen(
                [*MAILLOGS, *serve, "--live", LIVE_RATE, *extra],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=cli_env(directory / "unused.toml"),
            )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
            except OSError:
                time.sleep(0.05)
                continue
            config = write_config(directory / f"config-{port}.toml", f"http://127.0.0.1:{port}")
            return LiveSite(process, config)
        stop_server(process)
    raise AssertionError("the live sandbox did not start")


def run_tail(config: Path, *args: str, env: dict[str, str] | None = None) -> Printed:
    """``maillogs tail ARGS --format jsonl`` with ``config``, its stdout read line
    by line while it runs."""
    started = time.monotonic()
    environment = tail_env(config, env)
    # Buffered as a user's pipe is: only tail's own flushing may make lines come early.
    environment.pop("PYTHONUNBUFFERED", None)
    process = subprocess.Popen(
        [*MAILLOGS, "tail", "--format", "jsonl", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        text=True,
    )
    printed = Printed(0, [], "", started=started)
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:
        printed.read_at.append(time.monotonic())
        printed.running_when_read.append(process.poll() is None)
        printed.records.append(json.loads(line))
    printed.code = process.wait(120)
    printed.stderr = process.stderr.read()
    return printed


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    site = start_live(tmp_path_factory.mktemp("live"))
    try:
        yield site
    finally:
        stop_server(site.process)
