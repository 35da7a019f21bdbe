"""The fast JSON path writes exactly the bytes the JSON renderers write.

Records with awkward values go through the archive's own ``upsert``; each is
then rendered twice: as a ``LogRecord`` through ``JsonLinesRenderer`` (the
ordinary path) and as the text SQLite builds (``json_objects``).
"""

from __future__ import annotations

import io
import math
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from maillogs.archive.jsonrows import json_objects
from maillogs.archive.offline import open_reader, read_records
from maillogs.archive.store import open_archive, transaction, upsert
from maillogs.core.fields import RECORD_FIELDS
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.render.jsonfmt import JsonLinesRenderer, terminal_safe

PRICES = [None, 0.0, -0.0, 0.02, 0.1 + 0.2, 1e-9, 1.5e-05, 1e16, 123456789.125, math.inf, -math.inf]
TEXTS = [
    "".join(map(chr, range(0x20))),
    '"quoted" \\ back/slash',
    "caf\u00e9 \U0001f600 \u4e2d\u6587",
    "\x7f\x85\x9b[31m \u2028\u2029 \u202e\u2066 \ufeff",
    "",
    None,
]
TIMES = [
    None,
    datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 0, 7, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
    datetime(2, 1, 1, tzinfo=UTC) + timedelta(microseconds=123_456),
    datetime(9998, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
]


def _records() -> list[LogRecord]:
    records = []
    for n in range(max(len(PRICES), len(TEXTS), len(TIMES)) * 3):
        records.append(
            LogRecord(
                provider=("kaleyra", "edith", "infobip")[n % 3],
                profile="p",
                message_id=f"m{n}",
                status=list(Status)[n % len(Status)],
                provider_status=TEXTS[n % len(TEXTS)],
                sender=TEXTS[(n + 1) % len(TEXTS)],
                recipient=None if n % 4 == 0 else f"r{n}@example.com",
                recipient_type=(None, "to", "cc", "bcc")[n % 4],
                subject=TEXTS[(n + 2) % len(TEXTS)],
                submitted_at=TIMES[n % len(TIMES)],
                delivered_at=TIMES[(n + 1) % len(TIMES)],
                updated_at=TIMES[(n + 2) % len(TIMES)],
                error_code=TEXTS[(n + 3) % len(TEXTS)],
                error_message=TEXTS[(n + 4) % len(TEXTS)],
                campaign_id=TEXTS[(n + 5) % len(TEXTS)],
                opened=(None, True, False)[n % 3],
                clicked=(None, True, False)[(n + 1) % 3],
                price=PRICES[n % len(PRICES)],
                status_scope=("recipient", "message")[n % 2],
            )
        )
    return records


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("jsonrows") / "archive.sqlite3"
    writer = open_archive(path, create=True)
    with transaction(writer, path):
        upsert(writer, _records(), seen_us=1)
    writer.close()
    reader = open_reader(path)
    yield reader
    reader.close()


@pytest.mark.parametrize(
    "columns",
    [
        RECORD_FIELDS,
        ("price", "status", "submitted_at", "recipient"),
        ("recipient", "opened", "clicked", "delivered_at"),
        ("message_id", "price"),
        ("price",),
        tuple(reversed(RECORD_FIELDS)),
    ],
    ids=str,
)
def test_fast_json_is_the_renderers_json(
    archive: sqlite3.Connection, columns: tuple[str, ...]
) -> None:
    rendered = io.StringIO()
    with JsonLinesRenderer(rendered, columns=columns, with_raw=False) as renderer:
        for record in read_records(archive, Query(), ["p"]):
            renderer.write(record)
    texts = json_objects(archive, Query(), ["p"], columns)
    fast = [terminal_safe(text) for text in texts]
    assert fast == rendered.getvalue().splitlines()
    assert len(fast) == len(_records())
