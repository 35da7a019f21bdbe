"""A client-side request spacer that keeps us under a provider's published rate,
shared by every client of one process that talks to the same account."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


class RateLimiter:
    """Spaces requests evenly: at most ``per_minute`` requests in any minute.

    Even spacing (rather than bursts) is deliberate: providers such as Infobip
    count requests per rolling minute, and a steady pace never trips them even
    when several threads share one limiter.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = _interval(per_minute)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: float | None = None

    def acquire(self) -> float:
        """Block until the caller may send; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def tighten(self, per_minute: float) -> None:
        """Keep to ``per_minute`` too, when it is stricter than the current pace."""
        interval = _interval(per_minute)
        with self._lock:
            self.interval = max(self.interval, interval)


def _interval(per_minute: float) -> float:
    if per_minute <= 0:
        raise ValueError("per_minute must be positive")
    return 60.0 / per_minute


def account_key(base_url: str, credentials: Iterable[str]) -> str:
    """A digest that names one provider account (base URL + credentials).

    Only the digest is kept, so the registry of shared paces never holds the
    secret as a readable key (nothing to leak through a repr or a debug dump).
    """
    digest = hashlib.sha256(base_url.rstrip("/").encode())
    for part in credentials:
        digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass
class _Shared:
    limiter: RateLimiter
    users: int


class SharedPaces:
    """One :class:`RateLimiter` per account for the clients open at once.

    A provider such as Infobip counts requests per *account*: two profiles of
    one run that use the same account (e.g. a v1 and a v4 profile, or two
    names for one key) must share one pace, or together they send twice the
    allowed rate. When their limits differ, the strictest one holds. A pace
    lives while some client uses it; clients measuring time with different
    clocks (tests) cannot share a schedule and get separate ones.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paces: dict[tuple[str, object, object], _Shared] = {}

    def checkout(
        self,
        account: str,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RateLimiter:
        """The pace of ``account`` (from :func:`account_key`), at most ``per_minute``.

        Give it back with :meth:`release` when the client closes.
        """
        key = (account, clock, sleep)
        with self._lock:
            shared = self._paces.get(key)
            if shared is None:
                shared = self._paces[key] = _Shared(
                    RateLimiter(per_minute, clock=clock, sleep=sleep), 0
                )
            else:
                shared.limiter.tighten(per_minute)
            shared.users += 1
            return shared.limiter

    def release(self, limiter: RateLimiter) -> None:
        """One client no longer uses ``limiter``; the last one forgets it."""
        with self._lock:
            for key, shared in self._paces.items():
                if shared.limiter is limiter:
                    shared.users -= 1
                    if shared.users <= 0:
                        del self._paces[key]
                    return

    def __len__(self) -> int:
        with self._lock:
            return len(self._paces)


# The process-wide registry HttpClient uses.
SHARED_PACES = SharedPaces()
