"""The one request loop: adapters -> page streams -> local filters -> merge.

Commands call ``open_adapters`` and ``fetch_records``; they never see HTTP or
provider fields. Records stream through: nothing here holds more than the
pages the concurrency window has in flight.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from maillogs.core.defaults import DEFAULT_CONCURRENCY
from maillogs.core.errors import ConfigError, UsageError
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.fetch.concurrency import run_ordered
from maillogs.fetch.http import MAX_RESPONSE_BYTES, CommandRetryBudget, HttpClient, RetryPolicy
from maillogs.fetch.paging import RecentKeys
from maillogs.providers.base import Adapter, Plan, adapter_class
from maillogs.providers.registry import PROVIDERS, get_spec

if TYPE_CHECKING:
    import httpx

    from maillogs.profiles.model import Profile

# Caps the total time spent retrying one request (default: RetryPolicy's 90 s),
# e.g. so a cron job gives up sooner and lets its wrapper retry later.
RETRY_SECONDS_ENV = "MAILLOGS_RETRY_SECONDS"
# Caps the time the whole command spends retrying, summed over its requests
# (default 600 s): a server that keeps failing and recovering cannot stretch a
# walk for hours.
COMMAND_RETRY_SECONDS_ENV = "MAILLOGS_COMMAND_RETRY_SECONDS"
DEFAULT_COMMAND_RETRY_SECONDS = 600.0
# Caps the decoded size of one answer in MB (default 64), e.g. lower for a
# small machine.
RESPONSE_CAP_ENV = "MAILLOGS_MAX_RESPONSE_MB"
# Up to this many records (e.g. list's default 100, plus one to detect "more"),
# a page or window rarely needs a successor: fetch one at a time.
SEQUENTIAL_LIMIT = 500
# Each running page stream fetches ahead of the reader until its unread pages
# hold this many rows: twenty 50-row EDITH pages, one 1,000-row Infobip page.
READ_AHEAD_ROWS = 1000
_OLDEST = datetime.min.replace(tzinfo=UTC)
Warn = Callable[[str], None]


def retry_policy(env: Mapping[str, str] = os.environ) -> RetryPolicy:
    """One command's retry policy: ``$MAILLOGS_RETRY_SECONDS`` per request and
    ``$MAILLOGS_COMMAND_RETRY_SECONDS`` for the command, when set.

    Raises:
        ConfigError: when a variable is not a non-negative number.
    """
    per_request = _seconds_from(env, RETRY_SECONDS_ENV, RetryPolicy.total_seconds)
    return RetryPolicy(total_seconds=per_request, command_budget=command_retry_budget(env))


def command_retry_budget(env: Mapping[str, str] = os.environ) -> CommandRetryBudget:
    """A fresh budget for one command: ``$MAILLOGS_COMMAND_RETRY_SECONDS``, else 600 s.

    Raises:
        ConfigError: when the variable is not a non-negative number.
    """
    return CommandRetryBudget(
        _seconds_from(env, COMMAND_RETRY_SECONDS_ENV, DEFAULT_COMMAND_RETRY_SECONDS)
    )


def _seconds_from(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < math.inf:
        raise ConfigError(f"{name}={value!r} is not a number of seconds")
    return seconds


def response_cap(env: Mapping[str, str] = os.environ) -> int:
    """The most bytes one decoded answer may hold: ``$MAILLOGS_MAX_RESPONSE_MB``
    when set, else 64 MB.

    Raises:
        ConfigError: when the variable is not a positive number.
    """
    value = env.get(RESPONSE_CAP_ENV, "").strip()
    if not value:
        return MAX_RESPONSE_BYTES
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = 0.0
    if not 0 < megabytes < 2**40:
        raise ConfigError(f"{RESPONSE_CAP_ENV}={value!r} is not a positive number of MB")
    return int(megabytes * 2**20)


@contextmanager
def open_adapters(
    profiles: Sequence[Profile],
    *,
    debug: Warn | None = None,
    warn: Warn | None = None,
    keep_raw: bool = False,
    now: datetime | None = None,
    transport_factory: Callable[[Profile], httpx.BaseTransport | None] | None = None,
    demo_transport: Callable[[], httpx.BaseTransport] | None = None,
    command_budget: CommandRetryBudget | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[list[Adapter]]:
    """Build one adapter (and HTTP client) per profile; close them afterwards.

    ``demo_transport`` serves the built-in demo profiles (the caller passes the
    sandbox's: the request loop does not know the emulator).

    ``warn`` receives the clients' warnings (a rate limit met), the first only:
    one line per command however many profiles meet it. Every client shares
    one retry budget: ``command_budget`` when a command opens its profiles in
    several calls, else a fresh one. ``clock`` and ``sleep`` pace and back off
    the requests (a follower under test passes fake ones).
    """
    shared_demo: httpx.BaseTransport | None = None

    def transport_for(profile: Profile) -> httpx.BaseTransport | None:
        nonlocal shared_demo
        if transport_factory is not None:
            return transport_factory(profile)
        if profile.demo:
            if demo_transport is None:
                raise ConfigError(
                    f"profile {profile.name!r} is a demo profile: no sandbox to serve it"
                )
            # One emulator for all demo profiles of a run: they share its clock.
            shared_demo = shared_demo or demo_transport()
            return shared_demo
        return None

    adapters: list[Adapter] = []
    retry = retry_policy()
    if command_budget is not None:
        retry = replace(retry, command_budget=command_budget)
    cap = response_cap()
    warn_once = first_only(warn) if warn else None
    try:
        for profile in profiles:
            adapter_type = adapter_class(get_spec(profile.provider))
            http = HttpClient(
                adapter_type.endpoint(profile),
                transport=transport_for(profile),
                timeout=profile.timeout,
                request_deadline=profile.request_deadline,
                max_response_bytes=cap,
                retry=retry,
                rate_limit_per_minute=profile.rate_limit_per_minute,
                debug=debug,
                warn=warn_once,
                clock=clock,
                sleep=sleep,
            )
            adapters.append(adapter_type(profile, http, now=now, keep_raw=keep_raw))
        yield adapters
    finally:
        for adapter in adapters:
            adapter.http.close()


def first_only(warn: Warn) -> Warn:
    """``warn``, passing on its first message only (page workers call it concurrently)."""
    lock = threading.Lock()
    warned = False

    def once(message: str) -> None:
        nonlocal warned
        with lock:
            first, warned = not warned, True
        if first:
            warn(message)

    return once


def check_supported(adapters: Sequence[Adapter], query: Query) -> None:
    """Refuse a filter some selected provider cannot honour at all.

    Raises:
        UsageError: naming the profiles that cannot and the providers that can.
    """
    check_capabilities([(a.profile.name, type(a)) for a in adapters], query)


def check_capabilities(profiles: Sequence[tuple[str, type[Adapter]]], query: Query) -> None:
    """:func:`check_supported` for (profile name, adapter class) pairs (the
    archive's offline queries have no adapters).

    Raises:
        UsageError: naming the profiles that cannot and the providers that can.
    """
    for used in query.filters_used():
        refusing = [(name, cls) for name, cls in profiles if used in cls.capabilities.unsupported]
        if not refusing:
            continue
        able = [
            spec.title
            for spec in PROVIDERS.values()
            if used not in adapter_class(spec).capabilities.unsupported
        ]
        names = ", ".join(f"{name} ({cls.spec().title})" for name, cls in refusing)
        raise UsageError(f"--{used} is not supported by {names}; it works with: {', '.join(able)}")


def make_plans(adapters: Sequence[Adapter], query: Query, warn: Warn) -> list[Plan]:
    """Check the query against every adapter, then plan each (sends nothing).

    An adapter whose provider never reports any status asked for is not asked
    to plan: its plan is the empty one ``new_plan`` makes, with a note saying why.
    """
    check_supported(adapters, query)
    return [
        adapter.plan(query, warn) if adapter.can_match(query) else adapter.new_plan(query)
        for adapter in adapters
    ]


def _newest_first(record: LogRecord) -> datetime:
    return record.submitted_at or _OLDEST


def merge_newest_first(streams: Sequence[Iterator[LogRecord]]) -> Iterator[LogRecord]:
    """Merge record streams that are each newest first into one, newest first."""
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=_newest_first, reverse=True)


@dataclass
class Repeats:
    """How many records the walks passed on twice (dropped by ``fetch_records``)."""

    count: int = 0


def plan_records(
    plan: Plan, query: Query, concurrency: int, repeats: Repeats
) -> Iterator[LogRecord]:
    """Every record of one plan that matches ``query``, in provider order, once.

    Within one walk a record can only come twice through paging: mail that
    arrives during a Kaleyra walk pushes rows from one page onto the next, so
    the copy follows the original within a few records (EDITH restarts and
    window edges are de-duplicated where they happen). The last 10,000 keys
    catch those: a walk would have to see 10,000 new messages between two
    pages for a repeat to slip through.
    """
    read_ahead = READ_AHEAD_ROWS
    if query.limit is not None:
        # Fetching ahead more than the records asked for could need spends
        # requests (and rate limit) on pages nobody reads: the running walks
        # share the limit (EDITH's pieces, say, are eight walks at once).
        if plan.page_rows:
            concurrency = min(concurrency, -(-query.limit // plan.page_rows) + 1)
        read_ahead = max(1, min(read_ahead, query.limit // max(1, concurrency)))
    pages = run_ordered(plan.streams, concurrency, weigh=len, read_ahead=read_ahead)
    recent = RecentKeys()
    # Closed here, in the reading thread, however this generator ends (a page
    # that cannot be read raises out of this loop, not out of run_ordered):
    # left to the garbage collector, it could be finalized in a page worker,
    # which would then wait for itself to finish.
    with closing(pages):
        for pending in pages:
            # Checked against earlier pages only: one page never repeats itself
            # (a Kaleyra row may list one address twice, as its docs' do).
            page_keys = []
            for record in pending():
                if not query.matches(record):
                    continue
                # One plan is one profile: the message, recipient and type say
                # which record it is. Their hash is the key: a small int, whatever
                # the length of ids (a false repeat has a ~1e-15 chance per
                # record). The first copy passed on is the one kept.
                key = hash((record.message_id, record.recipient, record.recipient_type))
                if key in recent:
                    repeats.count += 1
                    continue
                page_keys.append(key)
                yield record
            recent.remember(page_keys)


def fetch_records(
    plans: Sequence[Plan],
    query: Query,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    repeats: Repeats | None = None,
) -> Generator[LogRecord, None, None]:
    """Matching records of every plan, merged newest first, up to ``query.limit``.

    A record a walk passes on twice (pages shifted by mail arriving during the
    walk) comes once; ``repeats`` counts the copies dropped. With a small limit
    the pages are fetched one at a time: running ahead would spend requests
    (and rate limit) on pages nobody reads. A caller that stops reading early
    closes the generator before the adapters: that stops the page workers,
    which would otherwise still be using the HTTP clients.
    """
    if query.limit is not None and query.limit <= SEQUENTIAL_LIMIT:
        concurrency = 1
    repeats = repeats if repeats is not None else Repeats()
    streams = [plan_records(plan, query, concurrency, repeats) for plan in plans]
    merged = merge_newest_first(streams)
    yield from itertools.islice(merged, query.limit) if query.limit is not None else merged
