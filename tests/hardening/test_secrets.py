"""Promise 1: a secret never appears in stdout, stderr, --debug traces, exports,
state files or tracebacks — for every command and every error path.

Canary secrets sit in the config file and in the environment. Every command
runs against respx answers that succeed, refuse the credentials, fail, send
broken data, echo the key back in their error bodies and rows, and redirect;
afterwards no output and no file under ``tmp_path`` except the config itself
may hold a canary.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from maillogs import engine
from tests.hardening.conftest import (
    CANARIES,
    EDITH_TOKEN,
    ENV_CANARY,
    INFOBIP_KEY,
    KALEYRA_KEY,
    canary_config,
    clean_environ,
    invoke,
    run_module,
    sandbox,
    write_private,
)
from tests.testkit import KITS

SENT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
# What each provider echoes back: the credential it was sent (profile e takes its
# token from the environment), twice, so that a cut at any length can split one.
SENT_SECRET = {name: kit.canary for name, kit in KITS.items()} | {"edith": ENV_CANARY}


def echo(provider: str) -> str:
    return f"{SENT_SECRET[provider]} and again {SENT_SECRET[provider]}"


def good_page(provider: str) -> dict[str, Any]:
    """One valid row whose text fields are clean (the canaries must come from elsewhere)."""
    if provider == "kaleyra":
        row = {
            "message_id": "k-1",
            "status": "BOUNCE",
            "to_mail": "a@example.org",
            "from_mail": "s@example.com",
            "submitted_at": SENT.strftime("%Y-%m-%d %H:%M:%S"),
            "description": "mailbox full",
        }
        return {"data": [row], "total": 1, "limit": "100"}
    if provider == "edith":
        row = {
            "refId": "e-1",
            "status": "bounced",
            "recipientAddress": "a@example.org",
            "createdAt": SENT.isoformat().replace("+00:00", "Z"),
        }
        return {"emailLogs": [row], "nextPageToken": None}
    row = {
        "messageId": "i-1",
        "destination": "a@example.org",
        "sentAt": SENT.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "status": {"groupName": "UNDELIVERABLE", "name": "UNDELIVERABLE_NOT_DELIVERED"},
        "error": {"id": 4, "name": "EC_MAILBOX_FULL", "description": "mailbox full"},
    }
    return {"results": [row], "cursor": {"nextCursor": None}}


def echoing_error(provider: str) -> dict[str, Any]:
    """An error body in the provider's own format that echoes the credential."""
    text = echo(provider)
    if provider == "kaleyra":
        return {"data": [], "error": {"message": f"invalid key {text}"}}
    if provider == "edith":
        return {"success": False, "error": f"bad token {text}", "details": text}
    return {"requestError": {"serviceException": {"messageId": "X", "text": text}}}


# name -> answer factory; each answer is given to every request of every provider.
SCENARIOS: dict[str, Callable[[str], httpx.Response]] = {
    "success": lambda p: httpx.Response(200, json=good_page(p)),
    "auth refused, key echoed": lambda p: httpx.Response(401, json=echoing_error(p)),
    "forbidden": lambda p: httpx.Response(403, json=echoing_error(p)),
    "bad request, key echoed": lambda p: httpx.Response(400, json=echoing_error(p)),
    "not found": lambda p: httpx.Response(404, json=echoing_error(p)),
    "always 503": lambda p: httpx.Response(503, json=echoing_error(p)),
    "429 with retry-after": lambda p: httpx.Response(
        429, headers={"Retry-After": "0"}, json=echoing_error(p)
    ),
    "truncated json with key": lambda p: httpx.Response(200, content=f'{{"x": "{echo(p)}'.encode()),
    "malformed row echoing key": lambda p: httpx.Response(
        200,
        json={
            "data": [{"message_id": echo(p), "submitted_at": echo(p)}],
            "total": 1,
            "emailLogs": [{"refId": echo(p), "createdAt": echo(p)}],
            "results": [{"messageId": echo(p), "sentAt": echo(p)}],
        },
    ),
    "non-numeric total echoing key": lambda p: httpx.Response(
        200, json={"data": [], "total": echo(p)}
    ),
    "redirect to another host": lambda p: httpx.Response(
        302, headers={"Location": f"https://evil.example/steal?k={echo(p)}"}
    ),
    "connection refused": lambda p: httpx.Response(599),  # replaced by a side effect below
}

COMMANDS: list[list[str]] = [
    *(["list", "--profile", "k,e,i", "--format", fmt] for fmt in ("table", "json", "jsonl")),
    ["list", "--profile", "k,e,i", "--format", "csv", "--raw"],
    ["list", "--profile", "k,e,i", "--format", "tsv", "--raw", "--debug"],
    ["list", "--profile", "k,e,i", "--explain", "--debug"],
    ["list", "--profile", "k,e,i", "--all", "--format", "jsonl", "--debug"],
    ["export", "--profile", "k,e,i", "--output", "{tmp}/out/export.jsonl", "--since-last"],
    ["export", "--profile", "k,e,i", "--output", "{tmp}/out/export.csv", "--debug", "-v"],
    ["stats", "--profile", "k,e,i", "--format", "json", "--source", "logs", "--debug"],
    ["stats", "--profile", "k", "--format", "csv", "--debug"],
    ["show", "--profile", "k,e,i", "--format", "json", "--debug", "k-1", "e-1", "i-1"],
]
LOCAL_COMMANDS: list[list[str]] = [
    ["profiles", "list"],
    ["profiles", "list", "--format", "json"],
    *(["profiles", "show", name] for name in ("k", "e", "i")),
    *(["profiles", "show", name, "--format", "json"] for name in ("k", "e", "i")),
    ["statuses"],
    ["statuses", "--json"],
    ["providers", "--json"],
    ["schema"],
]


def assert_no_canary(text: str, where: str) -> None:
    for canary in CANARIES:
        assert canary not in text, f"{canary} leaked in {where}:\n{text[-3000:]}"
    # Every canary starts so: this also catches a secret cut short by truncation.
    assert "CANARY-" not in text, f"part of a secret leaked in {where}:\n{text[-3000:]}"


def assert_no_canary_in_files(root: Path, config: Path) -> int:
    """Every file under ``root`` but the config itself; returns how many were read."""
    checked = 0
    for path in root.rglob("*"):
        if path.is_file() and path != config:
            assert_no_canary(path.read_text(errors="replace"), str(path))
            checked += 1
    return checked


@pytest.fixture
def env_canary(canary_config_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The environment overrides the file: profile e's token now comes from here.
    monkeypatch.setenv("MAILLOGS_E_TOKEN", ENV_CANARY)
    return canary_config_path


@pytest.fixture
def mocked(request: pytest.FixtureRequest) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def route_all(mock: respx.MockRouter, scenario: str) -> None:
    answer = SCENARIOS[scenario]
    for provider, kit in KITS.items():
        route = mock.get(url__startswith=kit.base_url)
        if scenario == "connection refused":
            route.mock(side_effect=httpx.ConnectError(f"refused {echo(provider)}"))
        else:
            route.mock(return_value=answer(provider))
    mock.get(url__startswith="https://evil.example").mock(return_value=httpx.Response(200))


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_command_prints_a_secret(
    env_canary: Path, tmp_path: Path, mocked: respx.MockRouter, scenario: str
) -> None:
    route_all(mocked, scenario)
    for command in COMMANDS:
        args = [arg.replace("{tmp}", str(tmp_path)) for arg in command]
        outcome = invoke(*args)
        where = f"{scenario}: {' '.join(command)} (exit {outcome.code})"
        assert "Traceback" not in outcome.output or "--debug" in args, where
        assert outcome.code != 70, f"{where}\n{outcome.stderr}"
        assert_no_canary(outcome.stdout, f"stdout of {where}")
        assert_no_canary(outcome.stderr, f"stderr of {where}")
    assert_no_canary_in_files(tmp_path, env_canary)
    # The evil host never saw a request: a redirect off-origin is refused outright.
    evil = [call for call in mocked.calls if call.request.url.host == "evil.example"]
    assert evil == []


@pytest.mark.parametrize("command", LOCAL_COMMANDS, ids=" ".join)
def test_local_commands_mask_secrets(env_canary: Path, command: list[str]) -> None:
    outcome = invoke(*command)
    assert outcome.code == 0, outcome.output
    assert_no_canary(outcome.output, " ".join(command))


def test_profiles_show_names_the_env_source_without_the_value(env_canary: Path) -> None:
    outcome = invoke("profiles", "show", "e", "--format", "json")
    assert outcome.code == 0
    assert "MAILLOGS_E_TOKEN" in outcome.stdout
    assert_no_canary(outcome.stdout, "profiles show e")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("error", [RuntimeError, KeyError, ValueError, OSError])
def test_an_unexpected_exception_shows_its_type_only(
    env_canary: Path, monkeypatch: pytest.MonkeyPatch, debug: bool, error: type[Exception]
) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise error(f"something broke near {KALEYRA_KEY} {ENV_CANARY} {EDITH_TOKEN}")

    monkeypatch.setattr(engine, "fetch_records", explode)
    outcome = invoke("list", "--profile", "k,e,i", *(["--debug"] if debug else []))
    assert outcome.code == 70
    assert f"internal error ({error.__name__})" in outcome.stderr
    assert_no_canary(outcome.output, "internal error")
    if debug:
        # The traceback is there for the bug report, with the secrets scrubbed.
        assert "Traceback" in outcome.stderr
        assert "something broke near **** **** ****" in outcome.stderr
    else:
        assert "Traceback" not in outcome.output
        assert "something broke" not in outcome.output


def test_a_config_error_never_repeats_the_secret(config_path: Path) -> None:
    config_path.parent.mkdir()
    config_path.write_text(
        f'[profiles.x]\nprovider = "kaleyra"\nsid = "S"\napi_key = "{KALEYRA_KEY}\\u0007"\n'
        f'[profiles.y]\nprovider = "edith"\ntoken = "{EDITH_TOKEN}"\nbogus = "{INFOBIP_KEY}"\n'
    )
    config_path.chmod(0o600)
    for profile in ("x", "y"):
        outcome = invoke("list", "--profile", profile)
        assert outcome.code == 78, outcome.output
        assert_no_canary(outcome.output, f"config error of {profile}")


def test_the_debug_trace_logs_requests_with_secrets_redacted(
    env_canary: Path, mocked: respx.MockRouter
) -> None:
    route_all(mocked, "success")
    outcome = invoke("list", "--profile", "k,e,i", "--debug", "--format", "json")
    assert outcome.code == 0, outcome.output
    assert "debug: GET" in outcome.stderr
    assert_no_canary(outcome.output, "--debug")
    # The headers really carried the canaries (so the test above means something).
    sent = {name: call.request.headers for name, call in _calls_by_host(mocked).items()}
    assert sent["kaleyra.hardening.test"]["api-key"] == KALEYRA_KEY
    assert sent["edith.hardening.test"]["authorization"] == f"Bearer {ENV_CANARY}"
    assert sent["infobip.hardening.test"]["authorization"] == f"App {INFOBIP_KEY}"
    assert json.loads(outcome.stdout)


def _calls_by_host(mock: respx.MockRouter) -> dict[str, Any]:
    return {call.request.url.host: call for call in mock.calls}


def test_refused_canaries_stay_secret_in_a_real_process(tmp_path: Path) -> None:
    # The loopback sandbox knows only its demo credentials: every canary is refused.
    with sandbox() as box:
        config = write_private(
            tmp_path / "config.toml",
            canary_config(kaleyra=box.base_url, edith=box.base_url, infobip=box.base_url),
        )
        env = clean_environ(config, MAILLOGS_E_TOKEN=ENV_CANARY)
        outcomes = [
            run_module(["list", "--profile", "k,e,i", "--debug"], env),
            run_module(["stats", "--profile", "e", "--debug"], env),
        ]
    for outcome in outcomes:
        assert outcome.code == 77, outcome.stderr
        assert "debug: GET" in outcome.stderr
        assert_no_canary(outcome.output, "a real process")
