"""Live mail: records that arrive in real time and change status as time passes.

``sandbox serve --live RATE`` (and the demo profiles under ``maillogs tail``)
let ``RATE`` records per second arrive at every provider, each created at the
moment it arrives on the emulator's clock. A live record then moves through
its states as that clock passes, as mail does at a real provider:

- handed on, not yet answered (the provider's ``pending_outcome``: Kaleyra
  ACCEPTED, EDITH sent, Infobip PENDING) until its delivery or bounce, up to
  30 s after it was created;
- delivered or bounced (its outcome);
- for mail that gets opened: delivered until the first open, opened until the
  first click, then clicked; opens come up to ``LIVE_OPEN_DELAY_US`` (see
  dataset.py) after delivery and clicks up to ``LIVE_CLICK_DELAY_US`` after an
  open ("minutes later"), so every change happens within ``tail``'s default
  10-minute overlap window.

Everything stays a pure function of ``(seed, provider, index, clock)``: the
same seed gives the same arrivals at the same moments after start.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from maillogs.sandbox.dataset import Record
from maillogs.sandbox.faults import Arrivals

# Arrivals are spaced on a millisecond grid (see Arrivals): at most 1,000 a second.
MAX_RATE: Final = 1000.0
# Outcomes whose record, once delivered, waits for its first open (and, for
# "clicked", its first click) before it says so: the shared words of the
# providers' sandbox vocabularies (see SandboxSpec.outcomes).
_NEEDS_OPEN: Final = frozenset({"opened", "clicked", "spam", "unsubscribed"})
_DELIVERED: Final = "delivered"
_OPENED: Final = "opened"


@dataclass(frozen=True)
class LiveFeed:
    """``rate`` records a second per provider from ``start_us`` on, seen through ``clock``.

    Args:
        rate: records per second per provider (0 < rate <= 1000).
        start_us: when the first arrival slot begins (epoch microseconds).
        clock: epoch seconds; the emulator's clock, so tests can drive it.
    """

    rate: float
    start_us: int
    clock: Callable[[], float]

    def __post_init__(self) -> None:
        if not (0 < self.rate <= MAX_RATE and math.isfinite(self.rate)):
            raise ValueError(f"--live needs a rate above 0 and at most {MAX_RATE:g} a second")

    @property
    def step_us(self) -> float:
        return 1_000_000 / self.rate

    def arrivals(self) -> Arrivals:
        """One record every ``1/rate`` s: arrival ``k`` is due ``(k + 1) / rate`` s in."""
        return Arrivals(1, 1000.0 / self.rate)

    def created_us(self, arrival: int, jitter: float) -> int:
        """Creation time of arrival ``arrival`` (0-based), ``|jitter| < 0.5``: inside
        its slot, so before the moment it becomes due and never before its predecessor."""
        return self.start_us + int((arrival + 0.5 + jitter) * self.step_us)

    def now_us(self) -> int:
        return int(self.clock() * 1_000_000)

    def as_seen(self, record: Record, pending_outcome: str) -> Record:
        """``record`` as its provider reports it now: only what has happened yet."""
        now = self.now_us()
        if record.done_us is not None and record.done_us > now and pending_outcome:
            return replace(
                record,
                outcome=pending_outcome,
                done_us=None,
                updated_us=record.created_us,
                error_code="",
                error_message="",
                opens=(),
                clicks=(),
            )
        opens = tuple(event for event in record.opens if event.at_us <= now)
        clicks = tuple(event for event in record.clicks if event.at_us <= now)
        if len(opens) == len(record.opens) and len(clicks) == len(record.clicks):
            return record
        outcome = record.outcome
        if outcome in _NEEDS_OPEN and not opens:
            outcome = _DELIVERED
        elif outcome == "clicked" and not clicks:
            outcome = _OPENED
        changed = outcome != record.outcome
        return replace(
            record,
            outcome=outcome,
            opens=opens,
            clicks=clicks,
            updated_us=max(
                record.created_us, record.done_us or 0, *(e.at_us for e in opens + clicks)
            ),
            # A complaint's or unsubscription's reason belongs to that later event.
            error_code="" if changed else record.error_code,
            error_message="" if changed else record.error_message,
        )
