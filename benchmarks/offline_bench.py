"""The ``offline`` section of ``benchmarks/run.py``: queries over a large archive.

Builds archives of ``sizes`` records through the archive's own ``upsert_rows``
(the path ``maillogs sync`` writes with), spread over 90 days and three
profiles, then times the installed ``maillogs`` console script as a user runs
it (a fresh process each time, start-up included).

    uv run python benchmarks/run.py --only offline

Targets (issue 15): ``list --offline --status bounced --since 30d --limit 100``
<= 150 ms, ``stats --offline --range 30d --by day`` <= 500 ms, ``list
--offline --all --format jsonl`` >= 100,000 records/s, peak RSS at 1,000,000
records <= 1.25x that at 10,000; bytes per record reported.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from maillogs.archive.store import (
    RECORD_COLUMNS,
    Counts,
    add_coverage,
    open_archive,
    set_checkpoint,
    to_us,
    transaction,
    upsert_rows,
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
    """``count`` archive rows of ``RECORD_COLUMNS`` over the ``DAYS`` before ``now``,
    oldest first (the order in which syncs from cron archive them)."""
    rng = random.Random(seed)
    weights = [w for _, _, w in STATUSES]
    span_us = DAYS * 86_400_000_000
    end_us = to_us(now) or 0
    for n in range(count):
        provider, profile = PROFILES[n % len(PROFILES)]
        status, native, _ = rng.choices(STATUSES, weights)[0]
        # Oldest first, as syncs from cron add them: a few records per second.
        sent = end_us - span_us + n * span_us // count + rng.randrange(1_000_000)
        failed = status in ("bounced", "blocked", "failed")
        engaged = status in ("opened", "clicked")
        fields = {
            "provider": provider,
            "profile": profile,
            "message_id": f"{n:08x}-{rng.getrandbits(64):016x}",
            "recipient": f"user{rng.randrange(200_000)}@{rng.choice(DOMAINS)}",
            "recipient_type": "to" if provider == "edith" else None,
            "status": status,
            "provider_status": native,
            "sender": rng.choice(SENDERS),
            "subject": rng.choice(SUBJECTS) if provider != "infobip" else None,
            "submitted_us": sent,
            "delivered_us": sent + 4_000_000 if status == "delivered" or engaged else None,
            "updated_us": sent + 9_000_000,
            "error_code": "550" if failed else None,
            "error_message": "550 5.1.1 mailbox unavailable" if failed else None,
            "campaign_id": f"campaign-{n % 7}" if n % 3 else None,
            "opened": int(engaged) if provider == "edith" else None,
            "clicked": int(status == "clicked") if provider == "edith" else None,
            "price": 0.00085 if provider == "infobip" else None,
            "status_scope": "recipient",
            "raw": None,
        }
        yield tuple(fields[column] for column in RECORD_COLUMNS)


def build(path: Path, count: int, now: datetime, progress: Callable[[int], None]) -> None:
    """An archive of ``count`` records at ``path``, covered for ``DAYS`` up to ``now``."""
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


def run(
    bench: Any, measure: Callable[..., Any], medians: Callable[..., Any], row: Any, maillogs: str
) -> None:
    """Build the archives, run the measurements, add a row per number to ``bench``."""
    now = datetime.now(UTC)
    large, small = bench.sizes.memory_large, bench.sizes.memory_small
    archives = {}
    for count in (small, large):
        path = bench.scratch / f"archive-{count}.sqlite3"
        print(f"  building a {count}-record archive...", file=sys.stderr, flush=True)
        build(path, count, now, lambda done: None)
        archives[count] = path
    size = archives[large].stat().st_size
    bench.add(
        row(
            f"archive of {large} records: bytes per record",
            "<= 400 (aim)",
            f"{size / large:.0f} B",
            None,
            {"bytes": size},
        )
    )

    def env(count: int) -> dict[str, str]:
        return {
            **os.environ,
            "MAILLOGS_ARCHIVE": str(archives[count]),
            "MAILLOGS_CONFIG": str(bench.scratch / "no-config.toml"),
            "NO_COLOR": "1",
        }

    conn = open_archive(archives[large], create=False)
    middle = conn.execute("SELECT message_id FROM records WHERE rowid = ?", (large // 2,))
    middle_id: str = middle.fetchone()[0]
    conn.close()
    runs = max(5, bench.sizes.startup_runs // 3)
    for args, target in (
        (
            (
                "list",
                "--offline",
                "--status",
                "bounced",
                "--since",
                "30d",
                "--limit",
                "100",
                "--format",
                "jsonl",
            ),
            0.150,
        ),
        (("stats", "--offline", "--range", "30d", "--by", "day", "--format", "jsonl"), 0.500),
        # One message of a million, by id in another case: an index lookup, so
        # start-up plus a few milliseconds (it read every record of the profile
        # before schema version 2).
        (("show", "--offline", middle_id.upper(), "--format", "json"), 0.500),
        (("list", "--offline", "--message-id", middle_id, "--format", "jsonl"), 0.500),
    ):
        seconds, cpu = medians([maillogs, *args], runs, env(large))
        label = " ".join(arg for arg in args[:3] if arg != middle_id.upper())
        bench.add(
            row(
                f"{label} ... over {large} (median of {runs})",
                f"<= {target * 1000:.0f} ms",
                f"{seconds * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms)",
                seconds <= target,
                {"seconds": seconds, "cpu_seconds": cpu},
            )
        )
    every = [maillogs, "list", "--offline", "--all", "--format", "jsonl"]
    peaks = {}
    for count in (small, large):
        result = measure(every, env(count))
        peaks[count] = result.peak_rss_mb
        if count == large:
            rate = count / result.seconds
            bench.add(
                row(
                    f"list --offline --all --format jsonl over {large}",
                    ">= 100000 records/s",
                    f"{rate:,.0f} records/s ({result.seconds:.1f} s; "
                    f"CPU {count / result.cpu_seconds:,.0f} records/s)",
                    rate >= 100_000,
                    {"seconds": result.seconds, "cpu_seconds": result.cpu_seconds},
                )
            )
    ratio = peaks[large] / peaks[small]
    bench.add(
        row(
            f"list --offline --all peak RSS, {large} vs {small}",
            "<= 1.25x",
            f"{peaks[large]:.0f} MB vs {peaks[small]:.0f} MB ({ratio:.2f}x)",
            ratio <= 1.25,
            {"peak_rss_mb": peaks},
        )
    )
