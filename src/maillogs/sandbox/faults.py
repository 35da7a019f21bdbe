"""Deterministic fault injection: which request fails, and how.

Whether request number ``n`` fails depends only on ``(seed, n)``, never on
timing or thread order, so a failing run can be replayed. Tests that need an
exact fault on an exact request use ``script`` instead of rates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

# 429 answers without Retry-After (as Infobip documents); 429ra adds
# "Retry-After: 1". 502/503 come from the "gateway" in front of the API.
FAULT_KINDS: Final = ("429", "429ra", "500", "502", "503", "drop", "malformed", "expire")

GRAMMAR: Final = (
    "a comma-separated list of KIND=PROBABILITY, KIND one of "
    + ", ".join(FAULT_KINDS)
    + ", PROBABILITY a number from 0 to 1, each kind at most once, the total at most 1 "
    "(e.g. '429=0.1,503=0.05,drop=0.02')"
)


@dataclass(frozen=True)
class FaultPlan:
    """Which faults to inject.

    Args:
        rates: probability of each fault kind per request; they exclude each
            other, so their sum is at most 1.
        latency_ms: added to every request, faulty or not.
        seed: the draws for request ``n`` depend on ``(seed, n)`` only.
        script: exact faults for exact request numbers (1-based), overriding
            the rates; ``"ok"`` forces a request through.
        jitter_ms: each request waits up to this long more *before* the
            emulator reads its data, so requests sent together are answered
            out of order and see the data (and its arrivals) at different
            moments, as over a real network. The wait depends on the request
            itself (method, path, query) and the seed, never on timing, so the
            same request always waits the same.
    """

    rates: Mapping[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    seed: int = 0
    script: Mapping[int, str] = field(default_factory=dict)
    jitter_ms: float = 0.0

    def __post_init__(self) -> None:
        for kind, rate in self.rates.items():
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; expected {GRAMMAR}")
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"probability of {kind} must be between 0 and 1, got {rate}")
        if sum(self.rates.values()) > 1.0 + 1e-9:
            raise ValueError("fault probabilities add up to more than 1")
        for number, kind in self.script.items():
            if kind != "ok" and kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r} scripted for request {number}")
        if self.latency_ms < 0:
            raise ValueError("latency must not be negative")
        if not self.jitter_ms >= 0:
            raise ValueError("jitter must not be negative")

    def jitter_s(self, method: str, path: str, query: Sequence[tuple[str, str]]) -> float:
        """Seconds request ``method path?query`` waits before it is read (see ``jitter_ms``)."""
        if not self.jitter_ms:
            return 0.0
        digest = hashlib.blake2b(
            f"{self.seed}/{method}/{path}/{sorted(query)}".encode(), digest_size=8
        ).digest()
        return int.from_bytes(digest, "big") / 2**64 * self.jitter_ms / 1000

    def decide(self, number: int) -> str | None:
        """The fault for request ``number`` (1-based), or ``None``."""
        scripted = self.script.get(number)
        if scripted is not None:
            return None if scripted == "ok" else scripted
        if not self.rates:
            return None
        digest = hashlib.blake2b(f"{self.seed}/{number}".encode(), digest_size=8).digest()
        draw = int.from_bytes(digest, "big") / 2**64
        cumulative = 0.0
        for kind in FAULT_KINDS:
            cumulative += self.rates.get(kind, 0.0)
            if draw < cumulative:
                return kind
        return None


def parse_faults(
    spec: str, *, latency_ms: float = 0.0, seed: int = 0, jitter_ms: float = 0.0
) -> FaultPlan:
    """Parse a ``--faults`` spec such as ``"429=0.1,503=0.05,drop=0.02"``.

    An empty spec means no faults.

    Raises:
        ValueError: with a message that says what is wrong and what is expected.
    """
    rates: dict[str, float] = {}
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            if spec.strip():
                raise ValueError(f"empty item in fault spec {spec!r}; expected {GRAMMAR}")
            continue
        kind, sep, value = (part.strip() for part in item.partition("="))
        if not sep:
            raise ValueError(f"fault {item!r} has no '=PROBABILITY'; expected {GRAMMAR}")
        kind = kind.lower()
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected {GRAMMAR}")
        if kind in rates:
            raise ValueError(f"fault kind {kind!r} given twice")
        try:
            rate = float(value)
        except ValueError:
            raise ValueError(f"probability of {kind} is not a number: {value!r}") from None
        if rate != rate or not 0.0 <= rate <= 1.0:
            raise ValueError(f"probability of {kind} must be between 0 and 1, got {value!r}")
        rates[kind] = rate
    return FaultPlan(rates=rates, latency_ms=latency_ms, seed=seed, jitter_ms=jitter_ms)


# Records that may arrive at one step: the emulator builds each one, so a
# larger burst only exhausts its memory.
MAX_ARRIVING: Final = 10_000


@dataclass(frozen=True)
class Arrivals:
    """New mail arriving while the emulator runs: ``count`` records per provider
    every ``every_ms`` milliseconds of the emulator's clock, or, when
    ``every_ms`` is ``None``, with every request read (before its answer is
    computed), which makes a test's arrivals independent of timing.
    """

    count: int
    every_ms: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.count <= MAX_ARRIVING:
            raise ValueError(f"the number of arriving records must be 0 to {MAX_ARRIVING:,}")
        if self.every_ms is not None and not self.every_ms >= 1:
            raise ValueError("the arrival interval must be at least 1 ms")

    def due(self, elapsed_s: float, requests: int) -> int:
        """How many records have arrived ``elapsed_s`` seconds and ``requests`` requests in."""
        if self.every_ms is None:
            return self.count * requests
        return self.count * int(elapsed_s * 1000 // self.every_ms)


ARRIVALS_GRAMMAR: Final = "N/request or N/Tms, e.g. '10/50ms' (10 new records every 50 ms)"


def parse_arrivals(spec: str) -> Arrivals | None:
    """Parse an ``--arrivals`` spec such as ``"10/50ms"`` or ``"3/request"``; empty means none.

    Raises:
        ValueError: saying what is wrong and what is expected.
    """
    if not spec.strip():
        return None
    count_text, sep, every = (part.strip().lower() for part in spec.partition("/"))
    if not sep or not count_text.isdigit():
        raise ValueError(f"invalid arrivals {spec!r}; expected {ARRIVALS_GRAMMAR}")
    if every in ("request", "req"):
        return Arrivals(int(count_text))
    try:
        interval = float(every.removesuffix("ms"))
    except ValueError:
        interval = -1.0
    if not every.endswith("ms") or not interval > 0:
        raise ValueError(f"invalid arrivals {spec!r}; expected {ARRIVALS_GRAMMAR}")
    return Arrivals(int(count_text), interval)
