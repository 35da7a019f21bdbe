"""The only module that talks HTTP: client factory, auth headers, retries,
rate limiting, redirects and redaction of secrets.

Every provider call is an idempotent GET, so transient failures (connection
errors, timeouts, 429, 500, 502, 503, 504, truncated bodies) are retried with
full-jitter exponential backoff, honouring ``Retry-After``, inside a bounded
total time. Each attempt has a total deadline (connect, headers and body), and
each answer a cap on its decoded size, so a hostile or broken server can
neither hang a command nor exhaust its memory. Anything that leaves this
module has had every secret replaced by ``****``.
"""

from __future__ import annotations

import json
import math
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

from maillogs import __version__
from maillogs.core.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    ProviderDataError,
    ProviderUnavailableError,
    TemporaryFailureError,
)
from maillogs.fetch.jsonbody import decode_json
from maillogs.fetch.ratelimit import SHARED_PACES, account_key

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
SNIPPET_CHARS = 120
# The provider's own error text in a message: long enough for a list of
# violations, short enough for one line.
ERROR_TEXT_CHARS = 500
# Without a profile's request_deadline, one attempt (connect, headers and
# body) may take this many times its per-read timeout.
DEADLINE_PER_TIMEOUT = 3
# The decoded size one answer may have: the largest real page (1,000 Infobip v1
# rows) is about 2 MB, so this only stops a runaway or hostile body.
MAX_RESPONSE_BYTES = 64 * 2**20
# Fetches of the same URL that may come back as broken JSON before we give up (65).
MALFORMED_TRIES = 3

Params = Sequence[tuple[str, str]]


class CommandRetryBudget:
    """Seconds one whole command may spend retrying, shared by all its clients.

    Each request has its own budget (``RetryPolicy.total_seconds``), but a
    server that keeps failing and recovering could still make a long walk
    retry page after page for hours. Every backoff wait and every retried
    attempt (the whole of it, an attempt in progress included) spends this
    budget, summed over the command's threads; once it is spent the next
    failure ends the command (exit 75).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._spent = 0.0
        self._lock = threading.Lock()

    def left(self) -> float:
        with self._lock:
            return self.seconds - self._spent

    def spend(self, seconds: float) -> None:
        with self._lock:
            self._spent += max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up with exit code 75."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    # The retry budget of one request: no retry starts, and no attempt runs,
    # past it (the first attempt always has its own request deadline).
    total_seconds: float = 90.0
    # A 429 without Retry-After is retried, attempts notwithstanding, until
    # this long after the first one: Infobip counts requests per account and
    # minute and says nothing of when its window ends. Fits in total_seconds.
    rate_limit_window: float = 60.0
    # Shared by every client of one command; None: only per-request budgets.
    command_budget: CommandRetryBudget | None = None


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
        *,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        # What to raise instead of a temporary failure once retries run out.
        self.give_up_with = give_up_with
        # A 429 that does not say when to come back (see RetryPolicy.rate_limit_window).
        self.rate_limited = rate_limited


@dataclass(frozen=True)
class _Answer:
    """A response whose body has been read (within the size cap)."""

    status: int
    headers: httpx.Headers
    # A bytearray as read: copying 64 MB into bytes would double the peak.
    content: bytes | bytearray


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
        request_deadline: float | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        retry: RetryPolicy | None = None,
        rate_limit_per_minute: float | None = None,
        debug: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.endpoint = endpoint
        self.retry = retry or RetryPolicy()
        self.request_deadline = request_deadline or DEADLINE_PER_TIMEOUT * timeout
        self.max_response_bytes = max_response_bytes
        self._debug = debug
        self._warn = warn
        self._warned_rate_limited = False
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._client = _build_client(endpoint.base_url, transport, timeout)
        _enforce_deadlines(self._client)
        # One pace per account for every client of this process (see SharedPaces),
        # taken once the client exists: a client that could not be built (a bad
        # proxy) would keep a share of the pace that nobody gives back.
        self._limiter = (
            SHARED_PACES.checkout(
                account_key(endpoint.base_url, _credentials(endpoint.headers)),
                rate_limit_per_minute,
                clock=clock,
                sleep=sleep,
            )
            if rate_limit_per_minute
            else None
        )
        self.request_count = 0
        # Why the client is waiting to try again, while it is (for progress displays).
        self.retrying: str | None = None
        self._pace_released = False

    @property
    def paced(self) -> bool:
        """Whether requests are spaced out to stay under a rate limit."""
        return self._limiter is not None

    def close(self) -> None:
        """Release pooled connections and this client's share of the pace."""
        self._client.close()
        if self._limiter is not None and not self._pace_released:
            self._pace_released = True
            SHARED_PACES.release(self._limiter)

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
            ProviderUnavailableError: a redirect elsewhere, an untrusted
                certificate, a host name that does not exist.
            ProviderDataError: a 2xx body that is still not JSON when fetched
                again, or an answer larger than ``max_response_bytes``.
            TemporaryFailureError: transient failures outlasting the retry policy.
        """
        budget_end = self._clock() + self.retry.total_seconds
        attempt = 0
        malformed = 0
        first_429: float | None = None
        while True:
            attempt += 1
            try:
                # The first attempt has its whole deadline however small the
                # budget; a retry ends with the budget, its own and the command's.
                answer = self._attempt(path, params, self._retry_ends_by(attempt, budget_end))
                try:
                    body = decode_json(answer.content)
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                    # RecursionError: nesting deeper than the parser's stack allows.
                    # A truncated body is usually a dropped transfer: worth one more
                    # try; if it persists the user gets the URL and a snippet (65).
                    malformed += 1
                    data_error = self._data_error(path, params, answer.content)
                    if malformed >= MALFORMED_TRIES:
                        raise data_error from None
                    raise _Transient(
                        "the response body was not valid JSON", give_up_with=data_error
                    ) from None
                if self.endpoint.reports_failure and self.endpoint.reports_failure(body):
                    raise self._refusal(path, params, answer)
                return body
            except _Transient as failure:
                now = self._clock()
                patient = False
                if failure.rate_limited:
                    first_429 = now if first_429 is None else first_429
                    patient = now - first_429 < self.retry.rate_limit_window
                    self._warn_rate_limited()
                delay = self._backoff(attempt, failure.retry_after)
                out_of_time = now + delay > budget_end or delay > self._command_left()
                if (attempt >= self.retry.max_attempts and not patient) or out_of_time:
                    if failure.give_up_with is not None:
                        raise failure.give_up_with from None
                    raise TemporaryFailureError(
                        f"{self._who()} still failing after {attempt} attempt(s): "
                        f"{failure.reason}{self._command_spent_note(delay)} "
                        f"[{self.describe(path, params)}]"
                    ) from None
                self._log(f"retrying in {delay:.2f}s after: {failure.reason}")
                # Read by the progress display from its own thread while we wait.
                self.retrying = f"{self.endpoint.provider_title}: {self.redact(failure.reason)}"
                self._spend(delay)
                try:
                    self._sleep(delay)
                finally:
                    self.retrying = None

    def _retry_ends_by(self, attempt: int, budget_end: float) -> float | None:
        """When a retry must be done: its request's budget or the command's,
        whichever ends first; None for a first attempt."""
        if attempt == 1:
            return None
        return min(budget_end, self._clock() + self._command_left())

    def _command_left(self) -> float:
        budget = self.retry.command_budget
        return math.inf if budget is None else budget.left()

    def _command_spent_note(self, delay: float) -> str:
        budget = self.retry.command_budget
        if budget is None or delay <= budget.left():
            return ""
        return f" (the command's {budget.seconds:g} s retry budget is spent)"

    def _spend(self, seconds: float) -> None:
        if self.retry.command_budget is not None:
            self.retry.command_budget.spend(seconds)

    def _who(self) -> str:
        return f"{self.endpoint.provider_title} (profile {self.endpoint.profile!r})"

    def _warn_rate_limited(self) -> None:
        # Once per client: every retry would otherwise add a line.
        if self._warn is None or self._warned_rate_limited:
            return
        self._warned_rate_limited = True
        self._warn(
            f"{self._who()} answers 429 Too Many Requests without saying when to come "
            f"back (another job using the same account?); retrying for up to "
            f"{self.retry.rate_limit_window:g} s"
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        # Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^n)].
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        delay: float = self._jitter() * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _attempt(self, path: str, params: Params, ends_by: float | None) -> _Answer:
        """One request within its deadline, and done by ``ends_by`` (the retry
        budget) when given: a 2xx answer, or _Transient, or a refusal error."""
        started = self._clock()
        try:
            if self._limiter:
                self._limiter.acquire()
            seconds = self.request_deadline
            if ends_by is not None:
                # Measured after the wait for a slot in the pace: that wait spends
                # the budget too.
                seconds = min(seconds, ends_by - self._clock())
            answer = self._send_within(path, params, seconds)
        finally:
            if ends_by is not None:
                self._spend(self._clock() - started)
        status = answer.status
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(answer.headers.get("Retry-After"))
            raise _Transient(
                f"HTTP {status}{self._provider_says(answer)}",
                retry_after=retry_after,
                rate_limited=status == 429 and retry_after is None,
            )
        if 200 <= status < 300:
            return answer
        raise self._refusal(path, params, answer)

    def _send_within(self, path: str, params: Params, seconds: float) -> _Answer:
        """:meth:`_send` with a total deadline; failures worth a retry become _Transient."""
        # Real time, whatever clock the retry logic runs on: sockets time out in it.
        deadline = time.monotonic() + seconds
        token = _DEADLINE.set(deadline)
        try:
            return self._send(path, params)
        except httpx.TimeoutException:
            raise _Transient(self._timeout_reason(seconds, deadline)) from None
        except httpx.DecodingError as exc:
            # A gzip/deflate body that does not inflate: likely a broken transfer,
            # so fetched again; if it persists, it is bad data (65).
            undecodable = ProviderDataError(
                f"{self.endpoint.provider_title} sent a body that cannot be decompressed "
                f"({self.excerpt(exc)}) [{self.describe(path, params)}]"
            )
            raise _Transient(
                "the response body could not be decompressed", give_up_with=undecodable
            ) from None
        except httpx.TransportError as exc:
            permanent = _permanent_reason(exc, self._client.base_url.host)
            if permanent is not None:
                raise ProviderUnavailableError(
                    f"{self._who()}: {permanent} [{self.describe(path, params)}]; "
                    "not retried: check base_url (and SSL_CERT_FILE for a private CA)"
                ) from None
            raise _Transient(f"connection problem ({type(exc).__name__})") from None
        finally:
            _DEADLINE.reset(token)

    def _timeout_reason(self, seconds: float, deadline: float) -> str:
        if time.monotonic() < deadline - DEADLINE_SLACK:
            return "the request timed out"  # one wait on the socket, not the deadline
        if seconds < self.request_deadline:
            return (
                "timed out: no complete answer before the "
                f"{self.retry.total_seconds:g} s retry budget ran out"
            )
        return f"timed out: no complete answer within the {seconds:g} s request deadline"

    def _send(self, path: str, params: Params) -> _Answer:
        """The answer at ``path``, following redirects within the origin."""
        url: str | httpx.URL = path
        query: Params | None = params
        origin = self._client.base_url
        for _ in range(MAX_REDIRECTS + 1):
            started = self._clock()
            request = self._client.build_request(
                "GET",
                url,
                params=list(query) if query is not None else None,
                headers=dict(self.endpoint.headers),
            )
            response = self._client.send(request, stream=True)
            try:
                self.request_count += 1
                if not response.is_redirect:
                    content = self._read_capped(response, path, params)
                    self._log(
                        f"GET {self.redact(str(request.url))} -> {response.status_code} "
                        f"({(self._clock() - started) * 1000:.0f} ms)"
                    )
                    return _Answer(response.status_code, response.headers, content)
                self._log(f"GET {self.redact(str(request.url))} -> {response.status_code}")
                target = response.next_request.url if response.next_request else None
            finally:
                response.close()
            if target is None or _origin(target) != _origin(origin):
                # Never send the provider's credentials to another origin.
                raise ProviderUnavailableError(
                    f"{self.endpoint.provider_title} redirected to "
                    f"{_elsewhere(origin, target)}; not following it with "
                    f"credentials. Check base_url of profile {self.endpoint.profile!r}."
                )
            url, query = target, None
        raise ProviderUnavailableError(
            f"{self.endpoint.provider_title}: too many redirects for {self.describe(path, params)}"
        )

    def _read_capped(self, response: httpx.Response, path: str, params: Params) -> bytearray:
        """The decoded body, or ProviderDataError once it outgrows the cap.

        Counted as it is decompressed, so a small gzip bomb stops as early as a
        huge plain body: memory peaks at the cap plus one inflated chunk.
        """
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.max_response_bytes:
                raise ProviderDataError(
                    f"{self.endpoint.provider_title} sent an answer larger than the "
                    f"{self.max_response_bytes / 2**20:g} MB cap on one response "
                    f"[{self.describe(path, params)}]"
                )
        return body

    def _refusal(self, path: str, params: Params, answer: _Answer) -> Exception:
        title, profile = self.endpoint.provider_title, self.endpoint.profile
        says = self._provider_says(answer)
        status = answer.status
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
            body=_parse_or_none(answer.content),
        )

    def _provider_says(self, answer: _Answer) -> str:
        body = _parse_or_none(answer.content)
        try:
            text = self.endpoint.error_text(body) if body is not None else None
        except (TypeError, ValueError, AttributeError, KeyError):
            # An error body of an unexpected shape must not hide the error itself:
            # the status code still says what happened.
            text = None
        return f": {self.excerpt(text, ERROR_TEXT_CHARS)}" if text else ""

    def _data_error(
        self, path: str, params: Params, content: bytes | bytearray
    ) -> ProviderDataError:
        # Redacted, then cut: cut first, a secret straddling the cut would be
        # shown but for its last characters. The slice only bounds the work: it
        # holds the snippet's characters (4 bytes at most each) and the rest of
        # any secret that starts among them (secrets are ASCII).
        longest = max((len(secret) for secret in self.endpoint.secrets), default=0)
        head = bytes(content[: 4 * SNIPPET_CHARS + longest]).decode("utf-8", "replace")
        snippet = " ".join(self.excerpt(head).split())
        return ProviderDataError(
            f"{self.endpoint.provider_title} sent data that is not valid JSON from "
            f"{self.describe(path, params)}: {snippet!r}"
        )

    def _log(self, message: str) -> None:
        if self._debug:
            self._debug(self.redact(message))


def _build_client(
    base_url: str, transport: httpx.BaseTransport | None, timeout: float
) -> httpx.Client:
    """The httpx client of one profile.

    Raises:
        ConfigError: a proxy from the environment that httpx cannot use. Its
            URL is not repeated: it may hold the proxy's password.
    """
    try:
        return httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": f"maillogs/{__version__}"},
        )
    except (ValueError, httpx.InvalidURL, ImportError) as exc:
        reason = "needs the socksio package" if isinstance(exc, ImportError) else "is not valid"
        raise ConfigError(
            f"the proxy set in the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) {reason}; "
            "fix or unset it"
        ) from None


def _credentials(headers: Mapping[str, str]) -> list[str]:
    """The auth headers as ``name: value`` lines, in a stable order: with the
    base URL, what tells two accounts apart."""
    return sorted(f"{name.lower()}: {value}" for name, value in headers.items())


# The instant (time.monotonic) by which the request this thread is sending
# must be complete. A context variable, because page workers share one client.
_DEADLINE: ContextVar[float | None] = ContextVar("maillogs_request_deadline", default=None)
# A timeout this close to the deadline was the deadline's doing.
DEADLINE_SLACK = 0.05


def _within_deadline(timeout: float | None, expired: type[Exception]) -> float | None:
    """The socket timeout for one step: the per-read one, or less if the
    request deadline is nearer."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the request deadline.

    httpx's timeouts apply to each socket operation, so a server dripping one
    byte a second never trips them; shortening each operation's timeout to
    what is left of the deadline does.
    """

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Opens :class:`_DeadlineStream` connections (connecting within the deadline too)."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _enforce_deadlines(client: httpx.Client) -> None:
    """Route the sockets of ``client``'s own transports (direct and proxied)
    through :class:`_DeadlineBackend`.

    httpx offers no total timeout and no public way to choose httpcore's
    network backend, so this sets the pools' backend attribute; the deadline
    tests fail should a new httpx or httpcore move it. An injected transport
    (the in-process emulator, respx) has no pool and is left alone.
    """
    for transport in (client._transport, *client._mounts.values()):
        pool = getattr(transport, "_pool", None)
        if isinstance(pool, httpcore.ConnectionPool):
            pool._network_backend = _DeadlineBackend(pool._network_backend)


def _permanent_reason(error: BaseException, host: str) -> str | None:
    """Why a connection failed for good (an untrusted certificate, a host name
    that does not exist), or None when a retry may well succeed."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {cause.verify_message or cause.reason}"
        # EAI_AGAIN (a DNS server that did not answer) stays a temporary failure.
        if isinstance(cause, socket.gaierror) and cause.errno in _NO_SUCH_HOST:
            return f"unknown host {host} (the name does not resolve)"
        cause = cause.__cause__ or cause.__context__
    return None


_NO_SUCH_HOST = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


def _elsewhere(origin: httpx.URL, target: httpx.URL | None) -> str:
    """Where a refused redirect pointed, in the words that say what changed."""
    if target is None:
        return "an unknown place"
    scheme, host, port = _origin(target)
    if host != origin.host:
        return f"another host ({host})"
    if scheme != origin.scheme:
        if origin.scheme == "https" and scheme == "http":
            return f"plain http, a downgrade from https ({target.host}:{port})"
        return f"another scheme ({scheme})"
    return f"another port ({port})"


def _parse_or_none(content: bytes | bytearray) -> Any:
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
