"""What the archive covers of an asked range, in the one line a profile gets."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from maillogs.archive.offline import coverage_gaps, open_reader
from maillogs.archive.store import add_coverage, open_archive, to_us, transaction

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def us(moment: datetime) -> int:
    return to_us(moment) or 0


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "archive.sqlite3"
    writer = open_archive(path, create=True)
    with transaction(writer, path):
        # "full": synced up to a minute ago; "holes": four stretches, the last ended 2 days ago.
        add_coverage(writer, "edith", "full", us(NOW - 10 * DAY), us(NOW - timedelta(minutes=1)))
        for first in (9, 7, 5, 3):
            add_coverage(
                writer, "edith", "holes", us(NOW - first * DAY), us(NOW - (first - 1) * DAY)
            )
    writer.close()
    with closing(open_reader(path)) as reader:
        yield reader


def test_a_range_synced_whole_says_nothing(archive: sqlite3.Connection) -> None:
    # Up to now: a sync a minute ago covers it (the minutes since are not worth a line).
    assert coverage_gaps(archive, ["full"], NOW - 5 * DAY, None, NOW) == []
    assert coverage_gaps(archive, ["full"], NOW - 5 * DAY, NOW - DAY, NOW) == []
    # No start asks for whatever the archive holds.
    assert coverage_gaps(archive, ["holes"], None, None, NOW) == []


def test_gaps_name_what_is_covered(archive: sqlite3.Connection) -> None:
    (line,) = coverage_gaps(archive, ["holes"], NOW - 8 * DAY, None, NOW)
    assert line == (
        "profile 'holes': of 2026-03-02T12:00:00Z..now the archive covers only "
        "2026-03-03T12:00:00Z..2026-03-04T12:00:00Z, "
        "2026-03-05T12:00:00Z..2026-03-06T12:00:00Z, "
        "2026-03-07T12:00:00Z..2026-03-08T12:00:00Z"
    )
    (line,) = coverage_gaps(archive, ["holes"], NOW - 10 * DAY, NOW - DAY, NOW)
    assert line.endswith("2026-03-05T12:00:00Z..2026-03-06T12:00:00Z and 1 more")
    assert coverage_gaps(archive, ["full"], NOW - 20 * DAY, None, NOW) == [
        "profile 'full': of 2026-02-18T12:00:00Z..now the archive covers only "
        "2026-02-28T12:00:00Z..2026-03-10T11:59:00Z"
    ]


def test_a_profile_with_nothing_in_the_range(archive: sqlite3.Connection) -> None:
    assert coverage_gaps(archive, ["full", "holes"], NOW - 30 * DAY, NOW - 20 * DAY, NOW) == [
        f"profile {name!r}: the archive covers nothing of "
        "2026-02-08T12:00:00Z..2026-02-18T12:00:00Z; run `maillogs sync`"
        for name in ("full", "holes")
    ]
