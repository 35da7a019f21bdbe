"""``maillogs tail``'s loop: the last N records, then every new record and
status change, once each, until told to stop.

Each poll asks every profile, through the normal engine (its plans, native
filters, paging, retries and rate limits), for the records submitted in the
last ``overlap``: providers index late, so the window re-reads what the last
poll already saw and the :class:`RepeatFilter` drops what was printed. What a
poll finds new is printed in the order of the providers' own timestamps.

Pacing: a profile is polled every ``interval``, or less often when its rate
limit asks: a poll that took ``n`` requests (pages included) waits at least
``n`` request slots (60 / requests a minute) before the next, so following
never takes more of an account's budget than its published limit.

Faults: a poll whose requests still fail after the client's retries (429,
5xx, dropped connections) changes nothing: its records are neither printed
nor remembered, so the next poll, which re-reads the window, brings them.
The profile is retried with a growing back-off; one warning line per outage.
Refused credentials (401/403) end the command (exit 77). A profile that
cannot be read when following begins starts being followed when it answers:
what arrived there meanwhile is taken as already there, not printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from maillogs.core.errors import ProviderDataError, TemporaryFailureError
from maillogs.core.models import LogRecord
from maillogs.engine import fetch_records, make_plans
from maillogs.fetch.http import CommandRetryBudget
from maillogs.follow.repeats import RepeatFilter, record_key

if TYPE_CHECKING:
    from maillogs.core.query import Query
    from maillogs.providers.base import Adapter

# A failing profile is retried after interval x 2^failures, at most this long.
MAX_BACKOFF_S = 300.0
# A profile's outages are reported at most this often: a flaky provider
# that fails every other poll would otherwise fill the screen.
WARN_EVERY_S = 300.0
# The retry budget of one poll (see PollRetryBudget): a poll that keeps
# failing gives up well before the next one is due, rather than hanging.
POLL_RETRY_SECONDS = 60.0
Warn = Callable[[str], None]
_OLDEST = datetime.min.replace(tzinfo=UTC)


class Ending(Enum):
    """Why following stopped (Ctrl-C raises instead)."""

    COUNT = "count"  # --count records printed: exit 0
    TIMEOUT = "timeout"  # --timeout passed: exit 0 if anything arrived, else 1


@dataclass(frozen=True)
class FollowSettings:
    """How to follow: seconds for durations, ``None`` for no limit."""

    interval: float = 10.0
    overlap: float = 600.0
    lines: int = 10
    count: int | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Outcome:
    """How following ended and how many records arrived after the initial lines."""

    ending: Ending
    arrived: int


class PollRetryBudget(CommandRetryBudget):
    """The retry budget of one poll, renewed before the next: a day-long tail
    meets many short outages, and a command-wide budget would run dry."""

    def renew(self) -> None:
        with self._lock:
            self._spent = 0.0


def event_time(record: LogRecord) -> datetime:
    """When the provider says the record's current state happened: its latest timestamp."""
    times = [t for t in (record.submitted_at, record.delivered_at, record.updated_at) if t]
    return max(times, default=_OLDEST)


@dataclass
class _Profile:
    """One profile's polling state."""

    adapter: Adapter
    due: float = 0.0
    # Whether the window as it was when following began has been read: until
    # then, what a poll finds is not new (it is the past the last N stand for).
    baselined: bool = False
    failures: int = 0
    failing_since: float | None = None
    warned_at: float | None = None

    @property
    def slot(self) -> float:
        """Seconds one request takes of the profile's rate limit (0: none published)."""
        per_minute = self.adapter.profile.rate_limit_per_minute
        return 60.0 / per_minute if per_minute else 0.0


class Follower:
    """Follows ``query`` over ``adapters``; ``emit`` prints one record.

    ``clock``/``sleep`` pace the polls (monotonic seconds) and ``wall`` says
    what time it is for the providers' windows: tests pass fake ones.
    """

    def __init__(
        self,
        adapters: Sequence[Adapter],
        query: Query,
        settings: FollowSettings,
        *,
        emit: Callable[[LogRecord], None],
        warn: Warn,
        budget: PollRetryBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.query = query
        self.settings = settings
        self.repeats = RepeatFilter()
        self.polls = 0
        self._profiles = [_Profile(adapter) for adapter in adapters]
        self._emit = emit
        self._warn = warn
        self._plan_warn = _each_once(warn)
        self._budget = budget
        self._clock = clock
        self._sleep = sleep
        self._wall = wall

    def run(self) -> Outcome:
        """Print the initial lines, then follow until ``count`` or ``timeout``."""
        started = self._clock()
        deadline = None if self.settings.timeout is None else started + self.settings.timeout
        self._warn_slow_limits()
        # The window as it is now is the baseline: printed only as the last N.
        for profile in self._profiles:
            self._follow(profile)
        self._print_initial_lines()
        arrived = 0
        while True:
            profile = min(self._profiles, key=lambda p: p.due)
            if not self._wait_until(profile.due, deadline):
                return Outcome(Ending.TIMEOUT, arrived)
            due_now = [p for p in self._profiles if p.due <= self._clock()]
            fresh: list[LogRecord] = []
            for each in due_now:
                fresh.extend(self._follow(each))
            for record in sorted(fresh, key=event_time):
                self._emit(record)
                arrived += 1
                if self.settings.count is not None and arrived >= self.settings.count:
                    return Outcome(Ending.COUNT, arrived)

    def _print_initial_lines(self) -> None:
        lines = self.settings.lines
        if lines <= 0:
            return
        query = replace(self.query, limit=lines)
        adapters = [profile.adapter for profile in self._profiles]
        for adapter in adapters:
            adapter.now = self._wall()
        plans = make_plans(adapters, query, self._plan_warn)
        newest = list(fetch_records(plans, query))
        for record in reversed(newest):
            self._emit(record)
            self.repeats.add(record_key(record), record.submitted_at or _OLDEST)

    def _follow(self, profile: _Profile) -> list[LogRecord]:
        """One poll of ``profile``: its new records, remembered; none if it failed
        (or if it read the profile's baseline)."""
        before = profile.adapter.http.request_count
        polled_at = self._clock()
        try:
            found = self._poll(profile)
        except (TemporaryFailureError, ProviderDataError) as error:
            self._back_off(profile, polled_at, error)
            return []
        if profile.failing_since is not None:
            self._recovered(profile, polled_at)
        profile.due = polled_at + self._pause(profile, profile.adapter.http.request_count - before)
        for record, key in sorted(found, key=lambda pair: pair[0].submitted_at or _OLDEST):
            self.repeats.add(key, record.submitted_at or _OLDEST)
        if not profile.baselined:
            profile.baselined = True
            return []
        return [record for record, _ in found]

    def _poll(self, profile: _Profile) -> list[tuple[LogRecord, int]]:
        """The records of the current window that were not printed, with their keys.

        Nothing is remembered here: a poll that fails half-way must leave the
        filter as it was, so the next poll brings the same records again.
        """
        self.polls += 1
        if self._budget is not None:
            self._budget.renew()
        now = self._wall()
        since = now - timedelta(seconds=self.settings.overlap)
        self.repeats.forget_before(since)
        window = replace(self.query, since=since, until=None, limit=None)
        adapter = profile.adapter
        adapter.now = now
        plans = make_plans([adapter], window, self._plan_warn)
        found: list[tuple[LogRecord, int]] = []
        seen: set[int] = set()
        for record in fetch_records(plans, window):
            key = record_key(record)
            if key not in self.repeats and key not in seen:
                seen.add(key)
                found.append((record, key))
        return found

    def _pause(self, profile: _Profile, requests: int) -> float:
        """Seconds until ``profile``'s next poll after one that sent ``requests``."""
        return max(self.settings.interval, max(requests, 1) * profile.slot)

    def _back_off(self, profile: _Profile, now: float, error: Exception) -> None:
        profile.failures += 1
        delay = min(MAX_BACKOFF_S, self.settings.interval * 2**profile.failures)
        profile.due = now + delay
        if profile.failing_since is not None:
            return
        profile.failing_since = now
        if profile.warned_at is None or now - profile.warned_at >= WARN_EVERY_S:
            profile.warned_at = now
            self._warn(f"{error} — still following; trying again in {delay:g} s")

    def _recovered(self, profile: _Profile, now: float) -> None:
        gone = now - (profile.failing_since or now)
        profile.failures = 0
        profile.failing_since = None
        if gone > self.settings.overlap:
            self._warn(
                f"profile {profile.adapter.profile.name!r} was unreachable for {gone:.0f} s, "
                f"longer than --overlap ({self.settings.overlap:.0f} s): records submitted "
                "then may be missing"
            )

    def _warn_slow_limits(self) -> None:
        for profile in self._profiles:
            if profile.slot > self.settings.interval:
                self._warn(
                    f"profile {profile.adapter.profile.name!r} allows "
                    f"{profile.adapter.profile.rate_limit_per_minute:g} requests a minute: "
                    f"polling it every {profile.slot:g} s at most, not every "
                    f"{self.settings.interval:g} s"
                )

    def _wait_until(self, moment: float, deadline: float | None) -> bool:
        """Sleep until ``moment``; False when ``deadline`` comes first."""
        if deadline is not None and moment > deadline:
            self._sleep(max(0.0, deadline - self._clock()))
            return False
        wait = moment - self._clock()
        if wait > 0:
            self._sleep(wait)
        return True


def _each_once(warn: Warn) -> Warn:
    """``warn``, passing on each distinct message once: a plan's warnings
    (a filter applied locally, say) would otherwise repeat at every poll."""
    said: set[str] = set()

    def once(message: str) -> None:
        if message not in said:
            said.add(message)
            warn(message)

    return once
