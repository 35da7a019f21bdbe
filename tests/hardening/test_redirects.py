"""Promise 8: no credential crosses origins, for each provider's auth header style.

Kaleyra sends ``api-key``, EDITH ``Authorization: Bearer``, Infobip
``Authorization: App``. A redirect to another host, port or scheme is refused
(exit 69) before anything is sent there; a redirect within the origin is
followed, with the credentials, because that is where they belong.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from tests.hardening.conftest import (
    EDITH_BASE,
    EDITH_LOGS,
    EDITH_TOKEN,
    INFOBIP_BASE,
    INFOBIP_KEY,
    INFOBIP_LOGS,
    KALEYRA_BASE,
    KALEYRA_KEY,
    KALEYRA_LOGS,
    assert_one_line_error,
    invoke,
)

# profile, logs URL, auth header, its expected value, an empty page
STYLES = {
    "kaleyra": ("k", KALEYRA_BASE, KALEYRA_LOGS, "api-key", KALEYRA_KEY, {"data": [], "total": 0}),
    "edith": ("e", EDITH_BASE, EDITH_LOGS, "authorization", f"Bearer {EDITH_TOKEN}", {}),
    "infobip": ("i", INFOBIP_BASE, INFOBIP_LOGS, "authorization", f"App {INFOBIP_KEY}", {}),
}
# Location -> what the refusal must say happened (issue 13, item 11).
ELSEWHERE = {
    "https://evil.example/logs": "another host (evil.example)",
    # protocol-relative: another host all the same
    "//evil.example/logs": "another host (evil.example)",
    "https://user@evil.example/logs": "another host (evil.example)",
    "{host}:8443/logs": "another port (8443)",  # same host, another port
    "{insecure}/logs": "plain http, a downgrade from https",  # same host
    "https://{hostname}.evil.example/logs": "another host ({hostname}.evil.example)",
}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ELSEWHERE)
@pytest.mark.parametrize("provider", list(STYLES))
def test_a_redirect_off_origin_is_refused(
    canary_config_path: Path, provider: str, target: str, status: int
) -> None:
    profile, base, logs, header, value, _ = STYLES[provider]
    hostname = httpx.URL(base).host
    location = target.format(host=base, insecure=base.replace("https:", "http:"), hostname=hostname)
    with respx.mock(assert_all_mocked=False, assert_all_called=False) as mock:
        origin = mock.get(url__startswith=logs).mock(
            return_value=httpx.Response(status, headers={"Location": location})
        )
        anywhere_else = mock.route().mock(return_value=httpx.Response(200, json={}))
        outcome = invoke("list", "--profile", profile)
    assert outcome.code == 69, outcome.output
    assert_one_line_error(outcome)
    said = ELSEWHERE[target].format(hostname=hostname)
    assert f"redirected to {said}" in outcome.stderr
    # Infobip's windows run concurrently, so several may have been asked already.
    assert origin.call_count >= 1
    assert all(call.request.headers[header] == value for call in origin.calls)
    assert anywhere_else.call_count == 0


@pytest.mark.parametrize("provider", list(STYLES))
def test_a_redirect_within_the_origin_is_followed_with_credentials(
    canary_config_path: Path, provider: str
) -> None:
    profile, base, logs, header, value, empty = STYLES[provider]
    with respx.mock(assert_all_mocked=True) as mock:
        mock.get(url__startswith=logs).mock(
            return_value=httpx.Response(307, headers={"Location": f"{base}/moved"})
        )
        moved = mock.get(url__startswith=f"{base}/moved").mock(
            return_value=httpx.Response(200, json=empty)
        )
        outcome = invoke("list", "--profile", profile)
    assert outcome.code == 0, outcome.output
    assert moved.call_count >= 1
    assert all(call.request.headers[header] == value for call in moved.calls)


def test_a_redirect_loop_ends(canary_config_path: Path) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.get(url__startswith=EDITH_BASE).mock(
            return_value=httpx.Response(302, headers={"Location": f"{EDITH_BASE}/again"})
        )
        outcome = invoke("list", "--profile", "e")
    assert outcome.code == 69
    assert_one_line_error(outcome)
    assert "too many redirects" in outcome.stderr
