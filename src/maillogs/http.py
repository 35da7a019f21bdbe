"""The only module that talks HTTP: client factory, auth headers, retries,
rate limiting, redirects and redaction of secrets.

Every provider call is an idempotent GET, so transient failures (connection
errors, timeouts, 429, 500, 502, 503, 504, truncated bodies) are retried with
full-jitter exponential backoff, honouring ``Retry-After``, inside a bounded
total time. Anything that leaves this module has had every secret replaced by
``****``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from maillogs import __version__
from maillogs.errors import (
    AuthError,
    NotFoundError,
    ProviderDataError,
    ProviderUnavailableError,
    TemporaryFailureError,
)
from maillogs.jsonbody import decode_json
from maillogs.ratelimit import RateLimiter

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
SNIPPET_CHARS = 120
# Fetches of the same URL that may come back as broken JSON before we give up (65).
MALFORMED_TRIES = 3

Params = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up with exit code 75."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    total_seconds: float = 90.0


class ProviderRequestError(ProviderUnavailableError):
    """The provider refused the request (a 4xx other than auth/404/429).

    Adapters catch it to recognise documented, recoverable refusals (EDITH's
    expired page token); otherwise it reaches the user as exit 69.
    """

    def __init__(self, message: str, *, status: int, body: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class _Transient(Exception):
    """Internal: one attempt failed in a way worth retrying."""

    def __init__(
        self,
        reason: str,
        retry_after: float | None = None,
        give_up_with: Exception | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        # What to raise instead of a temporary failure once retries run out.
        self.give_up_with = give_up_with


@dataclass(frozen=True)
class Endpoint:
    """Who we are talking to, for messages and redaction."""

    provider_title: str
    profile: str
    base_url: str
    headers: Mapping[str, str]
    secrets: tuple[str, ...]
    # Extracts the provider's own error text from a parsed error body.
    error_text: Callable[[Any], str | None]
    # What to check when credentials are refused (named keys, env vars).
    auth_hint: str
    # True for a 2xx body that still reports a failure (EDITH's "success": false):
    # treated as a refusal, not as an empty answer.
    reports_failure: Callable[[Any], bool] | None = None


class HttpClient:
    """A retrying, rate-limited, secret-redacting JSON GET client for one profile."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit_per_minute: float | None = None,
        debug: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.endpoint = endpoint
        self.retry = retry or RetryPolicy()
        self._debug = debug
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._limiter = (
            RateLimiter(rate_limit_per_minute, clock=clock, sleep=sleep)
            if rate_limit_per_minute
            else None
        )
        self._client = httpx.Client(
            base_url=endpoint.base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": f"maillogs/{__version__}"},
        )
        self.request_count = 0

    @property
    def paced(self) -> bool:
        """Whether requests are spaced out to stay under a rate limit."""
        return self._limiter is not None

    def close(self) -> None:
        """Release pooled connections."""
        self._client.close()

    def redact(self, text: str) -> str:
        """Replace every secret of this profile in ``text`` by ``****``."""
        for secret in self.endpoint.secrets:
            text = text.replace(secret, "****")
        return text

    def excerpt(self, value: Any, limit: int = SNIPPET_CHARS) -> str:
        """At most ``limit`` characters of ``str(value)``, safe to print.

        Redacted before it is cut: cutting first could leave the start of a
        secret that no longer matches it whole.
        """
        return self.redact(str(value))[:limit]

    def describe(self, path: str, params: Params) -> str:
        """The full URL of a request, safe to print (secrets redacted)."""
        url = self._client.build_request("GET", path, params=list(params)).url
        return self.redact(str(url))

    def get_json(self, path: str, params: Params = ()) -> Any:
        """GET ``path`` and return the parsed JSON body of a 2xx answer.

        Raises:
            AuthError: 401/403.
            NotFoundError: 404.
            ProviderRequestError: other 4xx, or a 2xx body that reports a failure.
            ProviderDataError: a 2xx body that is still not JSON when fetched again.
            TemporaryFailureError: transient failures outlasting the retry policy.
        """
        deadline = self._clock() + self.retry.total_seconds
        attempt = 0
        malformed = 0
        while True:
            attempt += 1
            try:
                response = self._attempt(path, params)
                try:
                    body = decode_json(response.content)
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                    # RecursionError: nesting deeper than the parser's stack allows.
                    # A truncated body is usually a dropped transfer: worth one more
                    # try; if it persists the user gets the URL and a snippet (65).
                    malformed += 1
                    data_error = self._data_error(path, params, response)
                    if malformed >= MALFORMED_TRIES:
                        raise data_error from None
                    raise _Transient(
                        "the response body was not valid JSON", give_up_with=data_error
                    ) from None
                if self.endpoint.reports_failure and self.endpoint.reports_failure(body):
                    raise self._refusal(path, params, response)
                return body
            except _Transient as failure:
                delay = self._backoff(attempt, failure.retry_after)
                out_of_time = self._clock() + delay > deadline
                if attempt >= self.retry.max_attempts or out_of_time:
                    if failure.give_up_with is not None:
                        raise failure.give_up_with from None
                    raise TemporaryFailureError(
                        f"{self.endpoint.provider_title} (profile {self.endpoint.profile!r}) "
                        f"still failing after {attempt} attempt(s): {failure.reason} "
                        f"[{self.describe(path, params)}]"
                    ) from None
                self._log(f"retrying in {delay:.2f}s after: {failure.reason}")
                self._sleep(delay)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        # Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^n)].
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        delay: float = self._jitter() * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _attempt(self, path: str, params: Params) -> httpx.Response:
        """One request: a 2xx response, or _Transient, or a refusal error."""
        if self._limiter:
            self._limiter.acquire()
        response = self._send(path, params)
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Transient(
                f"HTTP {status}{self._provider_says(response)}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if 200 <= status < 300:
            return response
        raise self._refusal(path, params, response)

    def _send(self, path: str, params: Params) -> httpx.Response:
        url: str | httpx.URL = path
        query: Params | None = params
        origin = _origin(self._client.base_url)
        for _ in range(MAX_REDIRECTS + 1):
            started = self._clock()
            try:
                response = self._client.get(
                    url,
                    params=list(query) if query is not None else None,
                    headers=dict(self.endpoint.headers),
                )
            except httpx.TimeoutException:
                raise _Transient("the request timed out") from None
            except httpx.TransportError as exc:
                raise _Transient(f"connection problem ({type(exc).__name__})") from None
            self.request_count += 1
            self._log(
                f"GET {self.redact(str(response.request.url))} -> {response.status_code} "
                f"({(self._clock() - started) * 1000:.0f} ms)"
            )
            if not response.is_redirect:
                return response
            target = response.next_request.url if response.next_request else None
            if target is None or _origin(target) != origin:
                # Never send the provider's credentials to another host.
                raise ProviderUnavailableError(
                    f"{self.endpoint.provider_title} redirected to another host "
                    f"({target.host if target else 'unknown'}); not following it with "
                    f"credentials. Check base_url of profile {self.endpoint.profile!r}."
                )
            url, query = target, None
        raise ProviderUnavailableError(
            f"{self.endpoint.provider_title}: too many redirects for {self.describe(path, params)}"
        )

    def _refusal(self, path: str, params: Params, response: httpx.Response) -> Exception:
        title, profile = self.endpoint.provider_title, self.endpoint.profile
        says = self._provider_says(response)
        status = response.status_code
        if status in (401, 403):
            return AuthError(
                f"{title} refused the credentials of profile {profile!r} "
                f"(HTTP {status}{says}); check {self.endpoint.auth_hint}"
            )
        if status == 404:
            return NotFoundError(
                f"{title}: not found (HTTP 404{says}) [{self.describe(path, params)}]"
            )
        return ProviderRequestError(
            f"{title} refused the request (HTTP {status}{says}) [{self.describe(path, params)}]",
            status=status,
            body=_parse_or_none(response.content),
        )

    def _provider_says(self, response: httpx.Response) -> str:
        body = _parse_or_none(response.content)
        try:
            text = self.endpoint.error_text(body) if body is not None else None
        except (TypeError, ValueError, AttributeError, KeyError):
            # An error body of an unexpected shape must not hide the error itself:
            # the status code still says what happened.
            text = None
        return f": {self.redact(str(text))}" if text else ""

    def _data_error(self, path: str, params: Params, response: httpx.Response) -> ProviderDataError:
        snippet = response.content[:SNIPPET_CHARS].decode("utf-8", "replace")
        snippet = self.redact(" ".join(snippet.split()))
        return ProviderDataError(
            f"{self.endpoint.provider_title} sent data that is not valid JSON from "
            f"{self.describe(path, params)}: {snippet!r}"
        )

    def _log(self, message: str) -> None:
        if self._debug:
            self._debug(self.redact(message))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _parse_or_none(content: bytes) -> Any:
    try:
        return decode_json(content)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
