"""``maillogs profiles check``: does each profile reach its provider?

Like ``gh auth status``: one cheap request per profile, through the same
engine, adapters and HTTP client as ``list`` (so it proves the base URL, the
credentials, the account zone and the TLS set-up the real commands will use),
and the reason when it fails. The request asks for one record of the last
hour: small for every provider (one page of one row), inside every
provider's retention and date-range limits, and refused with the same error
as any query when the key is wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from maillogs.core.errors import MaillogsError
from maillogs.core.query import Query
from maillogs.engine import fetch_records, make_plans, open_adapters
from maillogs.fetch.http import CommandRetryBudget

if TYPE_CHECKING:
    import httpx

    from maillogs.profiles.model import Profile

CHECK_WINDOW: Final = timedelta(hours=1)
"""How far back the check asks: any record will do, none is fine too."""

CHECK_RETRY_SECONDS: Final = 10.0
"""Retrying one check may take this long: a check should answer soon, and
"still failing after 10 s" is an answer (the real commands retry longer)."""


@dataclass(frozen=True)
class CheckResult:
    """How one profile's check went.

    Attributes:
        profile: The profile name.
        provider: Its provider's registry name ("" when the profile could not be read).
        error: Why it failed; None when the provider answered.
        requests: Requests sent.
        seconds: Wall time of the check.
    """

    profile: str
    provider: str
    error: MaillogsError | None
    requests: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when it worked, else the exit code of its error."""
        return 0 if self.error is None else self.error.exit_code


def check_profiles(
    names: list[str],
    *,
    load: Callable[[str], Profile],
    now: datetime,
    demo_transport: Callable[[], httpx.BaseTransport] | None = None,
    transport_factory: Callable[[Profile], httpx.BaseTransport | None] | None = None,
    debug: Callable[[str], None] | None = None,
) -> Iterator[CheckResult]:
    """Check each profile in turn, yielding as each finishes.

    Args:
        names: Profile names, as given.
        load: Resolves one name to its profile (raising ConfigError when it cannot).
        now: The end of the window asked for.
        demo_transport: Serves the built-in demo profiles (the in-process sandbox).
        transport_factory: The HTTP transport per profile (tests).
        debug: Receives request traces (secrets redacted).

    Yields:
        One result per name, in order.
    """
    for name in names:
        started = time.monotonic()
        try:
            profile = load(name)
        except MaillogsError as error:
            yield CheckResult(name, "", error, seconds=time.monotonic() - started)
            continue
        requests = 0
        failure: MaillogsError | None = None
        try:
            with open_adapters(
                [profile],
                debug=debug,
                now=now,
                transport_factory=transport_factory,
                demo_transport=demo_transport,
                command_budget=CommandRetryBudget(CHECK_RETRY_SECONDS),
            ) as adapters:
                try:
                    query = Query(since=now - CHECK_WINDOW, until=now, limit=1)
                    plans = make_plans(adapters, query, _ignore)
                    with closing(fetch_records(plans, query, concurrency=1)) as records:
                        next(records, None)
                finally:
                    requests = sum(adapter.http.request_count for adapter in adapters)
        except MaillogsError as error:
            failure = error
        yield CheckResult(
            name, profile.provider, failure, requests, seconds=time.monotonic() - started
        )


def _ignore(_message: str) -> None:
    """Warnings about the query (a retention) say nothing about the profile."""


def worst_exit_code(results: list[CheckResult]) -> int:
    """The highest exit code among the failures, 0 when every check passed.

    Higher codes are the ones a person must act on (78 configuration, 77
    credentials) rather than wait out (75 temporary, 69 unavailable).
    """
    return max((result.exit_code for result in results), default=0)
