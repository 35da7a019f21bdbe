"""The ``offline`` section of ``benchmarks/run.py``: queries over a large archive.

Builds archives of ``sizes`` records through the archive's own ``upsert_rows``
(the path ``maillogs sync`` writes with), spread over 90 days and three
profiles, then times the installed ``maillogs`` console script as a user runs
it (a fresh process each time, start-up included).

    uv run python benchmarks/run.py --only offline
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from maillogs.archive.store import (
    RECORD_COLUMNS,
    add_coverage,
    open_archive,
    set_checkpoint,
    to_us,
    transaction,
    upsert_rows,
    Counts,
)

DAYS = 90
CHUNK = 50_000
PROFILES = (("kaleyra", "prod-kaleyra"), ("edith", "prod-edith"), ("infobip", "prod-infobip"))
# (status, provider_status, weight): roughly what a sending domain sees.
STATUSES = (
    ("delivered", "DELIVERED", 70),
    ("opened", "OPEN", 12),
    ("bounced", "BOUNCE", 6),
    ("blocked", "BLOCKED", 3),
    ("deferred", "DEFERRED", 3),
    ("failed", "FAILED", 2),
    ("queued", "ACCEPTED", 3),
    ("clicked", "CLICK", 1),
)
SENDERS = ("news@shop.example", "billing@acme.test", "alerts@shop.example", "no-reply@acme.test")
SUBJECTS = ("Your invoice", "Password reset request", "Weekly digest", "Order shipped")
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "example.org", "example.net")


def rows(count: int, now: datetime, seed: int = 15) -> Iterator[tuple[Any, ...]]:
    """``count`` archive rows of ``RECORD_COLUMNS``, newest within ``DAYS`` of ``now``."""
    rng = random.Random(seed)
    weights = [w for _, _, w in STATUSES]
    span_us = DAYS * 86_400_000_000
    end_us = to_us(now) or 0
    for n in range(count):
        provider, profile = PROFILES[n % len(PROFILES)]
        status, native, _ = rng.choices(STATUSES, weights)[0]
        sent = end_us - rng.randrange(span_us)
        failed = status in ("bounced", "blocked", "failed")
        yield (
            provider,
            profile,
            f"{n:08x}-{rng.getrandbits(64):016x}",
            f"user{rng.randrange(200_000)}@{rng.choice(DOMAINS)}",
            "to" if provider == "edith" else None,
            status,
            native,
            rng.choice(SENDERS),
            rng.choice(SUBJECTS) if provider != "infobip" else None,
            sent,
            sent + 4_000_000 if status in ("delivered", "opened", "clicked") else None,
            sent + 9_000_000,
            "550" if failed else None,
            "550 5.1.1 mailbox unavailable" if failed else None,
            f"campaign-{n % 7}" if n % 3 else None,
            int(status in ("opened", "clicked")) if provider == "edith" else None,
            int(status == "clicked") if provider == "edith" else None,
            0.00085 if provider == "infobip" else None,
            "recipient",
            None,
        )


def build(path: Path, count: int, now: datetime, progress: Callable[[int], None]) -> None:
    """An archive of ``count`` records at ``path``, covered for ``DAYS`` up to ``now``."""
    assert len(next(rows(1, now))) == len(RECORD_COLUMNS)
    conn = open_archive(path, create=True)
    try:
        batch: list[tuple[Any, ...]] = []
        done = 0
        for row in rows(count, now):
            batch.append(row)
            if len(batch) == CHUNK:
                with transaction(conn, path):
                    upsert_rows(conn, batch, seen_us=to_us(now) or 0)
                done += len(batch)
                batch = []
                progress(done)
        with transaction(conn, path):
            if batch:
                upsert_rows(conn, batch, seen_us=to_us(now) or 0)
            start = to_us(now - timedelta(days=DAYS)) or 0
            for provider, profile in PROFILES:
                add_coverage(conn, provider, profile, start, to_us(now) or 0)
                set_checkpoint(
                    conn,
                    provider,
                    profile,
                    checkpoint_us=to_us(now) or 0,
                    sync_us=to_us(now) or 0,
                    counts=Counts(),
                )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def now_utc() -> datetime:
    return datetime.now(UTC)
