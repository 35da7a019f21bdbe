"""``maillogs sandbox serve``: options, errors, the printed profiles and a clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tomllib

import httpx
from typer.testing import CliRunner

from maillogs.cli.commands.sandbox import sandbox_app
from tests.sandbox.helpers import KALEYRA, KALEYRA_LOGS

runner = CliRunner()


def test_bad_fault_spec_is_a_usage_error() -> None:
    result = runner.invoke(sandbox_app, ["serve", "--port", "0", "--faults", "429=2"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--faults" in lines[0]
    assert "between 0 and 1" in lines[0]


def test_unknown_time_zone_is_a_usage_error() -> None:
    result = runner.invoke(sandbox_app, ["serve", "--kaleyra-timezone", "Nowhere/Land"])
    assert result.exit_code == 2
    assert "time zone" in result.stderr


def test_busy_port_exits_69() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(sandbox_app, ["serve", "--port", str(port)])
    assert result.exit_code == 69
    assert result.stderr.count("\n") == 1
    assert f"127.0.0.1:{port}" in result.stderr


def test_serve_prints_profiles_answers_and_stops_cleanly_on_ctrl_c() -> None:
    code = "import sys; from maillogs.cli.commands.sandbox import sandbox_app as a; a(sys.argv[1:])"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", "0", "--records", "50", "--verbose"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        assert "Ctrl-C stops" in process.stderr.readline()
        assert "stdout" in process.stderr.readline()
        # The profiles are data: on stdout, ready for `serve > sandbox.toml`.
        snippet = []
        while not (line := process.stdout.readline()).startswith("rate_limit_per_minute"):
            assert line, "server exited before printing its profiles"
            snippet.append(line)
        snippet.append(line)
        profiles = tomllib.loads("".join(snippet))["profiles"]
        assert set(profiles) == {"sandbox-kaleyra", "sandbox-edith", "sandbox-infobip"}
        assert profiles["sandbox-infobip"]["api_version"] == 4
        # The sandbox enforces no rate limit, so the snippet turns the pacing off.
        assert profiles["sandbox-infobip"]["rate_limit_per_minute"] == 0
        base_url = profiles["sandbox-kaleyra"]["base_url"]
        assert base_url.startswith("http://127.0.0.1:")

        response = httpx.get(base_url + KALEYRA_LOGS, headers=KALEYRA, timeout=5)
        assert response.json()["total"] == 50
        log_line = process.stderr.readline()
        while not log_line.strip():
            log_line = process.stderr.readline()
        assert f"GET {KALEYRA_LOGS} -> 200" in log_line
    finally:
        process.send_signal(signal.SIGINT)
        _out, rest = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in rest


def test_serve_can_enforce_infobip_rate_limit_and_then_keeps_the_client_pace() -> None:
    code = "import sys; from maillogs.cli.commands.sandbox import sandbox_app as a; a(sys.argv[1:])"
    args = ["serve", "--port", "0", "--records", "50", "--infobip-rate-limit"]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        snippet = []
        while "as against production" not in (line := process.stdout.readline()):
            assert line, "server exited before printing its profiles"
            snippet.append(line)
        infobip = tomllib.loads("".join(snippet))["profiles"]["sandbox-infobip"]
        # No `rate_limit_per_minute = 0`: the profile keeps the documented 120/min pace.
        assert "rate_limit_per_minute" not in infobip
        url = infobip["base_url"] + "/email/4/logs"
        headers = {"Authorization": f"App {infobip['api_key']}"}
        with httpx.Client(timeout=5) as client:
            codes = [client.get(url, headers=headers).status_code for _ in range(121)]
        assert codes[:120] == [200] * 120
        assert codes[120] == 429
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert process.returncode == 0
