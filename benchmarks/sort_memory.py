"""Memory that `list --sort` holds at its bound: MAX_SORTED_RECORDS records.

Run by hand: ``uv run python benchmarks/sort_memory.py``. Builds that many
records like the demo's (every text field filled, distinct strings, as
providers send them), sorts them by two keys as ``--sort recipient,-submitted_at``
does, and prints the traced peak and the time the sort took.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from maillogs.core.models import LogRecord
from maillogs.core.sorting import MAX_SORTED_RECORDS, parse_sort, sort_records
from maillogs.core.statuses import Status


def records(count: int) -> list[LogRecord]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = list(Status)
    return [
        LogRecord(
            provider="edith",
            profile="prod-edith",
            message_id=f"01JC3BBW8S9YGX2VNKG5M{n:08d}",
            status=statuses[n % len(statuses)],
            provider_status=statuses[n % len(statuses)].value,
            sender=f"alerts{n % 7}@shop.example",
            recipient=f"person.{n}@example{n % 13}.net",
            recipient_type="to",
            subject=f"Your order #{n} has shipped",
            submitted_at=start + timedelta(seconds=n),
            delivered_at=start + timedelta(seconds=n + 3),
            updated_at=start + timedelta(seconds=n + 5),
            error_code=None if n % 5 else "550",
            error_message=None if n % 5 else f"5.1.1 mailbox person.{n} unknown",
            campaign_id=f"camp-{n % 40}",
        )
        for n in range(count)
    ]


def main() -> None:
    tracemalloc.start()
    held = records(MAX_SORTED_RECORDS)
    started = time.perf_counter()
    ordered = list(sort_records(iter(held), parse_sort("recipient,-submitted_at")))
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    assert len(ordered) == MAX_SORTED_RECORDS
    print(f"{MAX_SORTED_RECORDS:,} records: peak {peak / 2**20:.0f} MiB, sort {seconds:.2f} s")


if __name__ == "__main__":
    main()
