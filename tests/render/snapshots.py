"""The rendered `list` table and `stats` table and chart at 60, 80 and 120 columns,
from fixed data, so that width regressions show up as diffs of the files in
``tests/render/snapshots/``.

Regenerate (after a deliberate change; review the diff before committing)::

    uv run python -m tests.render.snapshots
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from maillogs.core.models import LogRecord
from maillogs.core.statuses import Status
from maillogs.render import default_columns, open_renderer
from maillogs.render.stats import write_stats
from maillogs.reports.stats.aggregate import LOGS, StatsRow
from maillogs.reports.stats.compute import StatsResult
from maillogs.reports.stats.periods import Grouping

DIRECTORY = Path(__file__).parent / "snapshots"
WIDTHS = (60, 80, 120)
NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")

# One record per provider's id style: Kaleyra's long ids decide the widths.
_RECORDS = (
    ("kaleyra", "demo-kaleyra", "929d27f6-1e37-4545-b3ca-a2fe907b3124:1", "delivered", None),
    ("edith", "demo-edith", "01M92BFCMNCKP9F3M9C8MF5XF3", "opened", None),
    (
        "infobip",
        "demo-infobip",
        "6gnvk5w7l4igmbvjfatdpoam",
        "blocked",
        "Recipient address rejected",
    ),
    ("edith", "demo-edith", "01M92AN38DYD5XVWR752M3GJEP", "bounced", "554 5.7.1 Message rejected"),
    ("infobip", "demo-infobip", "x5wa7mfx4k5bosbs2gtuqpat", "delivered", None),
    ("kaleyra", "demo-kaleyra", "b51e2c0a-7a7e-4c55-9a51-8d1f3c2e9d10:2", "deferred", None),
)


def records() -> list[LogRecord]:
    return [
        LogRecord(
            provider=provider,
            profile=profile,
            message_id=message_id,
            status=Status(status),
            provider_status=status.upper(),
            sender="no-reply@acme.test",
            recipient=f"user.{n}@example.org",
            subject=f"Invoice INV-2505{n} is available",
            submitted_at=NOW - timedelta(minutes=37 * n + 3),
            error_message=error,
            recipient_type=None,
            delivered_at=None,
            updated_at=None,
            error_code=None,
            campaign_id=None,
            opened=None,
            clicked=None,
            price=None,
        )
        for n, (provider, profile, message_id, status, error) in enumerate(_RECORDS)
    ]


def list_table(width: int) -> str:
    out = io.StringIO()
    columns = default_columns("table", multi_profile=True)
    with open_renderer("table", out, columns=columns, width=width, tz=ROME, now=NOW) as renderer:
        renderer.write_many(records())
    return out.getvalue() + f"# stderr: {renderer.fit_note()}\n"


def stats_result() -> StatsResult:
    rows = []
    start = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)  # midnight in Rome
    for day in range(7):
        begin = start + timedelta(days=day)
        counts = {
            Status.QUEUED.value: day % 3,
            Status.SENT.value: 2 + day % 2,
            Status.DELIVERED.value: 40 + 7 * day,
            Status.OPENED.value: 11 + day,
            Status.BOUNCED.value: 3 + day % 4,
            Status.BLOCKED.value: day % 2,
            Status.FAILED.value: 1,
            Status.COMPLAINED.value: 1 if day == 4 else 0,
            Status.UNSUBSCRIBED.value: 1 if day == 2 else 0,
        }
        if day == 6:  # today, until 10:30 in Rome
            counts = {key: value // 4 for key, value in counts.items()}
        rows.append(
            StatsRow(
                group=begin,
                period_end=begin + timedelta(days=1),
                profile=None,
                source=LOGS,
                counts=counts,
                total=sum(counts.values()),
            )
        )
    return StatsResult(
        rows=rows,
        grouping=Grouping.DAY,
        tz=ROME,
        since=start,
        until=NOW,
        sources={},
        notes=[],
    )


def stats_table(width: int) -> str:
    out = io.StringIO()
    note = write_stats(
        stats_result(), "table", out, per_profile=False, chart=True, color=False, width=width
    )
    return out.getvalue() + f"# stderr: {note}\n"


SNAPSHOTS: dict[str, Callable[[int], str]] = {"list": list_table, "stats": stats_table}


def expected_files() -> dict[Path, str]:
    return {
        DIRECTORY / f"{name}-{width}.txt": render(width)
        for name, render in SNAPSHOTS.items()
        for width in WIDTHS
    }


if __name__ == "__main__":
    DIRECTORY.mkdir(exist_ok=True)
    for path, text in expected_files().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
