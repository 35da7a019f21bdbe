"""HttpClient: retries, Retry-After, redirects, redaction, error mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from maillogs.core.errors import (
    AuthError,
    NotFoundError,
    ProviderDataError,
    ProviderUnavailableError,
    TemporaryFailureError,
)
from maillogs.fetch.http import (
    CommandRetryBudget,
    Endpoint,
    HttpClient,
    ProviderRequestError,
    RetryPolicy,
    parse_retry_after,
)

BASE = "https://api.example.test"
SECRET = "CANARY-SECRET-9f8e7d"


class FakeClock:
    """Virtual time: sleeping advances the clock instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(clock: FakeClock, **kwargs: Any) -> HttpClient:
    endpoint = Endpoint(
        provider_title="Example",
        profile="prod",
        base_url=BASE,
        headers={"api-key": SECRET},
        secrets=(SECRET,),
        error_text=lambda body: body.get("message") if isinstance(body, dict) else None,
        auth_hint="the api_key",
    )
    return HttpClient(
        endpoint,
        sleep=clock.sleep,
        clock=clock.clock,
        jitter=lambda: 1.0,
        retry=kwargs.pop("retry", RetryPolicy(max_attempts=5, base_delay=1, total_seconds=100)),
        **kwargs,
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_then_succeed(status: int) -> None:
    clock = FakeClock()
    with respx.mock:
        route = respx.get(f"{BASE}/logs").mock(
            side_effect=[
                httpx.Response(status),
                httpx.Response(status),
                httpx.Response(200, json={"ok": 1}),
            ]
        )
        assert make_client(clock).get_json("/logs") == {"ok": 1}
    assert route.call_count == 3
    assert clock.sleeps == [1.0, 2.0]  # exponential: base * 2^n (jitter pinned to 1)


def test_connection_errors_and_timeouts_are_retried() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            side_effect=[
                httpx.ConnectError("boom"),
                httpx.ReadTimeout("slow"),
                httpx.Response(200, json=[]),
            ]
        )
        assert make_client(clock).get_json("/logs") == []


def test_retry_after_seconds_is_honoured() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "7"}),
                httpx.Response(200, json={}),
            ]
        )
        make_client(clock).get_json("/logs")
    assert clock.sleeps == [7.0]


def test_retry_after_http_date_is_honoured() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now=now) == 30.0
    assert parse_retry_after("garbage") is None


@pytest.mark.parametrize("status", [400, 404, 401, 403, 422])
def test_other_client_errors_are_never_retried(status: int) -> None:
    clock = FakeClock()
    with respx.mock:
        route = respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(status, json={"message": "no"})
        )
        with pytest.raises((AuthError, NotFoundError, ProviderRequestError)):
            make_client(clock).get_json("/logs")
    assert route.call_count == 1 and clock.sleeps == []


def test_always_failing_server_ends_as_temporary_failure_within_budget() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=100, base_delay=1, max_delay=8, total_seconds=30)
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(return_value=httpx.Response(503))
        with pytest.raises(TemporaryFailureError) as caught:
            make_client(clock, retry=policy).get_json("/logs")
    assert clock.now <= 30
    assert caught.value.exit_code == 75
    assert "HTTP 503" in str(caught.value)


def test_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=5, total_seconds=10)
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(429, headers={"Retry-After": "3600"})
        )
        with pytest.raises(TemporaryFailureError):
            make_client(clock, retry=policy).get_json("/logs")
    assert clock.sleeps == []


def test_persistent_malformed_json_is_a_data_error_with_snippet() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(200, content=b'{"data": [{"trunc')
        )
        with pytest.raises(ProviderDataError) as caught:
            make_client(clock).get_json("/logs", [("page", "1")])
    message = str(caught.value)
    assert caught.value.exit_code == 65
    assert f"{BASE}/logs?page=1" in message and '{"data": [{"trunc' in message


def test_html_error_page_from_a_proxy_is_a_data_error() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(200, content=b"<html><body>Gateway</body></html>")
        )
        with pytest.raises(ProviderDataError, match="not valid JSON"):
            make_client(clock).get_json("/logs")


def test_a_single_truncated_body_is_fetched_again() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            side_effect=[
                httpx.Response(200, content=b'{"da'),
                httpx.Response(200, json={"data": []}),
            ]
        )
        assert make_client(clock).get_json("/logs") == {"data": []}


def test_cross_origin_redirect_is_not_followed_with_credentials() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(302, headers={"Location": "https://evil.test/steal"})
        )
        evil = respx.get("https://evil.test/steal").mock(return_value=httpx.Response(200, json={}))
        with pytest.raises(ProviderUnavailableError, match="another host"):
            make_client(clock).get_json("/logs")
    assert not evil.called


def test_same_origin_redirect_keeps_auth() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(301, headers={"Location": f"{BASE}/v2/logs"})
        )
        moved = respx.get(f"{BASE}/v2/logs").mock(
            return_value=httpx.Response(200, json={"ok": True})
        )
        assert make_client(clock).get_json("/logs") == {"ok": True}
    assert moved.calls.last.request.headers["api-key"] == SECRET


def test_secrets_are_redacted_from_errors_and_debug_logs() -> None:
    clock = FakeClock()
    log: list[str] = []
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(400, json={"message": f"bad key {SECRET}"})
        )
        with pytest.raises(ProviderRequestError) as caught:
            make_client(clock, debug=log.append).get_json("/logs", [("key", SECRET)])
    assert SECRET not in str(caught.value)
    assert log and all(SECRET not in line for line in log)
    assert "****" in str(caught.value)


def test_rate_limit_spaces_requests() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(return_value=httpx.Response(200, json={}))
        client = make_client(clock, rate_limit_per_minute=60)
        for _ in range(3):
            client.get_json("/logs")
    assert clock.sleeps == [1.0, 1.0]


def always_429_without_retry_after(clock: FakeClock, policy: RetryPolicy) -> tuple[Any, list[str]]:
    """Infobip's answer to a second job on the same account: 429, no Retry-After."""
    warnings: list[str] = []
    with respx.mock:
        route = respx.get(f"{BASE}/logs").mock(return_value=httpx.Response(429))
        client = make_client(clock, retry=policy, warn=warnings.append)
        with pytest.raises(TemporaryFailureError) as caught:
            client.get_json("/logs")
    assert "HTTP 429" in str(caught.value)
    return route, warnings


def test_a_429_without_retry_after_is_retried_for_a_whole_rate_limit_window() -> None:
    # Issue 12 item 4: six attempts gave up after 15.5 s, inside Infobip's minute.
    clock = FakeClock()
    route, warnings = always_429_without_retry_after(clock, RetryPolicy())
    # Jitter pinned to 1: 0.5, 1, 2, 4, 8, 16, then the 20 s cap.
    assert clock.sleeps == [0.5, 1, 2, 4, 8, 16, 20, 20]
    # The last try came after the window had passed since the first 429.
    assert clock.now >= RetryPolicy().rate_limit_window
    assert route.call_count == 9
    assert len(warnings) == 1
    assert "429" in warnings[0] and "60 s" in warnings[0]


def test_a_429_window_still_ends_with_the_retry_budget() -> None:
    clock = FakeClock()
    policy = RetryPolicy(total_seconds=30)
    always_429_without_retry_after(clock, policy)
    assert clock.now <= 30


def test_a_429_without_retry_after_recovers_past_six_attempts() -> None:
    clock = FakeClock()
    with respx.mock:
        respx.get(f"{BASE}/logs").mock(
            side_effect=[httpx.Response(429)] * 8 + [httpx.Response(200, json={"ok": 1})]
        )
        assert make_client(clock, retry=RetryPolicy()).get_json("/logs") == {"ok": 1}
    assert len(clock.sleeps) == 8


def test_a_429_with_retry_after_keeps_the_attempt_limit() -> None:
    # The server says when to come back: its word, not the 60 s window, applies.
    clock = FakeClock()
    with respx.mock:
        route = respx.get(f"{BASE}/logs").mock(
            return_value=httpx.Response(429, headers={"Retry-After": "1"})
        )
        with pytest.raises(TemporaryFailureError):
            make_client(clock, retry=RetryPolicy(max_attempts=3)).get_json("/logs")
    assert route.call_count == 3


@pytest.mark.parametrize(
    "proxy",
    ["ftp://user:PROXY-PASS@proxy.test", "http://user:PROXY-PASS@proxy.test:bad"],
    ids=["unknown scheme", "bad port"],
)
def test_an_unusable_proxy_from_the_environment_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    # httpx reads HTTPS_PROXY when the client is built: a ValueError there was
    # exit 70 (internal error), and the paced client kept its share of the
    # account's pace for the rest of the process.
    from maillogs.core.errors import ConfigError
    from maillogs.fetch.ratelimit import SHARED_PACES

    monkeypatch.setenv("HTTPS_PROXY", proxy)
    before = len(SHARED_PACES)
    with pytest.raises(ConfigError) as raised:
        make_client(FakeClock(), rate_limit_per_minute=60)
    message = str(raised.value)
    assert "HTTPS_PROXY" in message
    assert "PROXY-PASS" not in message and SECRET not in message
    assert len(SHARED_PACES) == before


def test_the_command_retry_budget_is_shared_by_every_request_of_a_command() -> None:
    # Each request alone may retry for 100 s; together they may spend 10 s.
    # A walk whose pages keep failing and recovering would otherwise retry
    # page after page without end.
    clock = FakeClock()
    policy = RetryPolicy(
        max_attempts=50, base_delay=1, max_delay=4, total_seconds=100,
        command_budget=CommandRetryBudget(10),
    )  # fmt: skip
    with respx.mock:
        route = respx.get(f"{BASE}/logs").mock(return_value=httpx.Response(503))
        first, second = make_client(clock, retry=policy), make_client(clock, retry=policy)
        for client in (first, second):
            with pytest.raises(TemporaryFailureError, match="command's 10 s retry budget is spent"):
                client.get_json("/logs")
        assert sum(clock.sleeps) <= 10
        tries = route.call_count
        # The budget is spent: the next failure is the last, whichever client meets it.
        with pytest.raises(TemporaryFailureError, match="after 1 attempt"):
            first.get_json("/logs")
    assert route.call_count == tries + 1


def test_a_retried_attempt_in_progress_spends_the_command_budget() -> None:
    # A retry that takes long (a slow answer) counts as much as a backoff wait.
    clock = FakeClock()
    budget = CommandRetryBudget(30)
    answers = iter([httpx.Response(503), httpx.Response(200, json={"ok": 1})])

    def slow_second_answer(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer.status_code == 200:
            clock.now += 7  # the retried attempt took 7 s
        return answer

    with respx.mock:
        respx.get(f"{BASE}/logs").mock(side_effect=slow_second_answer)
        client = make_client(clock, retry=RetryPolicy(base_delay=1, command_budget=budget))
        assert client.get_json("/logs") == {"ok": 1}
    assert budget.left() == pytest.approx(30 - 1 - 7)
