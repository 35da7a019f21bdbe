"""``maillogs profiles check``: one request per profile, ✓/✗ with the reason,
the worst exit code; offered at the end of ``profiles add`` on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx

from tests.ux.conftest import read_until, run

FIXTURES = Path(__file__).parents[1] / "fixtures"
INFOBIP = "https://acct.api.infobip.com"


@pytest.fixture
def infobip_profile(isolated_env: Path) -> None:
    isolated_env.write_text(
        f'[profiles.ib]\nprovider = "infobip"\nbase_url = "{INFOBIP}"\n'
        'api_key = "CANARY-CHECK-KEY-777"\n',
        encoding="utf-8",
    )


def test_the_demo_profiles_pass_with_one_request_each() -> None:
    code, out, err = run("profiles", "check", "demo")
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["✓", "demo-kaleyra"],
        ["✓", "demo-edith"],
        ["✓", "demo-infobip"],
    ]
    assert all("answered (1 request," in line for line in lines)


@pytest.mark.usefixtures("infobip_profile")
def test_refused_credentials_are_a_cross_with_the_reason_and_exit_77() -> None:
    body = json.loads((FIXTURES / "infobip_v4_401.json").read_text(encoding="utf-8"))
    with respx.mock:
        route = respx.get(f"{INFOBIP}/email/4/logs").mock(
            return_value=httpx.Response(401, json=body)
        )
        code, out, _ = run("profiles", "check", "ib,demo-edith")
    assert route.call_count == 1
    assert code == 77
    failed, passed = out.splitlines()
    assert failed.startswith("✗ ib ") and "(exit 77)" in failed and "401" in failed
    assert "CANARY-CHECK-KEY-777" not in out
    assert passed.startswith("✓ demo-edith")


@pytest.mark.usefixtures("infobip_profile")
def test_without_names_every_config_profile_is_checked_and_the_worst_code_wins() -> None:
    with respx.mock:
        respx.get(f"{INFOBIP}/email/4/logs").mock(side_effect=httpx.ConnectError("refused"))
        code, out, _ = run("profiles", "check")
    (line,) = out.splitlines()
    assert line.startswith("✗ ib ")
    assert code in (69, 75)  # unreachable: the same code `list` would give
    assert f"(exit {code})" in line


def test_an_unknown_profile_is_78_and_the_others_still_run() -> None:
    code, out, _ = run("profiles", "check", "nope", "demo-edith")
    assert code == 78
    assert out.splitlines()[0].startswith("✗ nope ")
    assert out.splitlines()[1].startswith("✓ demo-edith")


def test_profiles_add_on_a_terminal_offers_the_check(tmp_path: Path, isolated_env: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")},
        "MAILLOGS_CONFIG": str(isolated_env),
        "MAILLOGS_STATE_DIR": str(tmp_path / "state"),
        "MAILLOGS_RETRY_SECONDS": "0.2",
        "NO_COLOR": "1",
    }
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        # A closed loopback port: the check runs and fails at once.
        [
            sys.executable,
            "-m",
            "maillogs",
            "profiles",
            "add",
            "local",
            "--provider",
            "edith",
            "--base-url",
            "http://127.0.0.1:9",
            "--token",
            "t0ken",
        ],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = read_until(leader, b"Check it now with one request?")
    os.write(leader, b"y\n")
    seen += read_until(leader, None)
    os.close(leader)
    assert process.wait(timeout=30) == 0  # the profile is saved either way
    text = seen.decode("utf-8", "replace")
    assert "saved profile 'local'" in text
    assert "✗ local" in text and "edith" in text
    assert "maillogs profiles check local" in text
