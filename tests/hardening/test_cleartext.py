"""Issue 13.6: a token is never sent in clear text unless the profile says so.

A profile whose ``base_url`` is ``http://`` to a host other than loopback is
refused (exit 78, one line naming the profile and the fix) before any request
leaves, unless it sets ``allow_http = true``. Loopback (127.0.0.0/8, ``::1``,
``localhost``) stays allowed: the sandbox and local proxies live there.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx
import pytest
import respx

from tests.hardening.conftest import Outcome, assert_one_line_error, invoke, write_private

EMPTY_PAGE = {"success": True, "emailLogs": [], "nextPageToken": None}
TOKEN = "tok-cleartext-123456"


def profile(base_url: str, extra: str = "") -> str:
    return f'[profiles.p]\nprovider = "edith"\ntoken = "{TOKEN}"\nbase_url = "{base_url}"\n{extra}'


def list_against(base_url: str) -> tuple[Outcome, int]:
    """``list`` with every request to ``base_url`` answered; returns the requests seen."""
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(url__startswith=base_url).mock(
            return_value=httpx.Response(200, json=EMPTY_PAGE)
        )
        outcome = invoke("list", "--profile", "p", "--since", "1h", "--format", "jsonl")
        return outcome, route.call_count


@pytest.mark.parametrize(
    "base_url", ["http://mail.example.test", "http://10.0.0.8:8080/api", "http://[2001:db8::1]"]
)
def test_http_to_another_host_is_refused_before_sending(config_path: Path, base_url: str) -> None:
    write_private(config_path, profile(base_url))
    outcome, requests = list_against(base_url)
    assert outcome.code == 78, outcome.output
    assert_one_line_error(outcome)
    for word in ("'p'", str(config_path), "unencrypted", "https://", "allow_http = true"):
        assert word in outcome.stderr, outcome.stderr
    assert requests == 0
    assert TOKEN not in outcome.output


def test_allow_http_lets_the_profile_use_http(config_path: Path) -> None:
    write_private(config_path, profile("http://mail.example.test", "allow_http = true\n"))
    outcome, requests = list_against("http://mail.example.test")
    assert outcome.code == 0, outcome.output
    assert requests > 0


def test_allow_http_from_the_environment(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_private(config_path, profile("http://mail.example.test"))
    monkeypatch.setenv("MAILLOGS_P_ALLOW_HTTP", "true")
    outcome, requests = list_against("http://mail.example.test")
    assert outcome.code == 0, outcome.output
    assert requests > 0


def test_an_http_base_url_from_the_environment_is_refused_too(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_private(config_path, profile("https://mail.example.test"))
    monkeypatch.setenv("MAILLOGS_P_BASE_URL", "http://mail.example.test")
    outcome, requests = list_against("http://mail.example.test")
    assert outcome.code == 78, outcome.output
    assert requests == 0


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8025", "http://127.3.2.1", "http://[::1]:8025", "http://localhost:8025"],
)
def test_loopback_stays_allowed(config_path: Path, base_url: str) -> None:
    write_private(config_path, profile(base_url))
    outcome, requests = list_against(base_url)
    assert outcome.code == 0, outcome.output
    assert requests > 0


def test_allow_http_must_be_a_boolean(config_path: Path) -> None:
    write_private(config_path, profile("http://mail.example.test", 'allow_http = "yes"\n'))
    outcome = invoke("list", "--profile", "p")
    assert outcome.code == 78, outcome.output
    assert_one_line_error(outcome)
    assert "allow_http must be true or false" in outcome.stderr


def add(*extra: str) -> Outcome:
    return invoke(
        "profiles", "add", "p", "--provider", "edith", "--token", TOKEN,
        "--base-url", "http://mail.example.test", *extra,
    )  # fmt: skip


def test_profiles_add_refuses_http_without_allow_http(config_path: Path) -> None:
    outcome = add()
    assert outcome.code == 2, outcome.output
    assert_one_line_error(outcome)
    assert "'p'" in outcome.stderr and "--set allow_http=true" in outcome.stderr
    assert not config_path.exists()


def test_profiles_add_set_allow_http_saves_and_shows_it(config_path: Path) -> None:
    assert add("--set", "allow_http=true").code == 0
    table = tomllib.loads(config_path.read_text(encoding="utf-8"))["profiles"]["p"]
    assert table["allow_http"] is True
    shown = invoke("profiles", "show", "p", "--format", "json")
    assert shown.code == 0, shown.output
    assert '"allow_http"' in shown.stdout and "true" in shown.stdout
