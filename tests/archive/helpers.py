"""What an archive holds, compared with what the sandbox serves."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.integration.reference import Reference

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Key = tuple[str, str, str]  # profile, message id, recipient ('' for none)


def read(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query on the archive, opened read-only."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def archived(path: Path) -> dict[Key, tuple[str, datetime]]:
    """Every archived record: key -> (status, submitted_at)."""
    rows = read(path, "SELECT profile, message_id, recipient, status, submitted_us FROM records")
    return {
        (profile, message_id, recipient): (status, EPOCH + timedelta(microseconds=us))
        for profile, message_id, recipient, status, us in rows
    }


def expected(ref: Reference, profiles: tuple[str, ...]) -> dict[Key, tuple[str, datetime]]:
    """Every record the sandbox serves for ``profiles``, keyed as the archive keys them."""
    return {
        (row.profile, row.message_id, row.recipient or ""): (row.status, row.submitted_at)
        for profile in profiles
        for row in ref.rows(profile)
    }


def coverage(path: Path) -> dict[str, list[tuple[datetime, datetime]]]:
    """profile -> its synced intervals."""
    rows = read(path, "SELECT profile, start_us, end_us FROM coverage ORDER BY profile, start_us")
    covered: dict[str, list[tuple[datetime, datetime]]] = {}
    for profile, start, end in rows:
        covered.setdefault(profile, []).append(
            (EPOCH + timedelta(microseconds=start), EPOCH + timedelta(microseconds=end))
        )
    return covered


def assert_same(
    actual: dict[Key, tuple[str, datetime]], wanted: dict[Key, tuple[str, datetime]]
) -> None:
    missing = sorted(set(wanted) - set(actual))
    extra = sorted(set(actual) - set(wanted))
    wrong = sorted(key for key in set(wanted) & set(actual) if wanted[key] != actual[key])
    assert not (missing or extra or wrong), (
        f"expected {len(wanted)} records, archived {len(actual)}: {len(missing)} missing "
        f"(e.g. {missing[:3]}), {len(extra)} unexpected (e.g. {extra[:3]}), "
        f"{len(wrong)} with other fields (e.g. {[(k, actual[k], wanted[k]) for k in wrong[:3]]})"
    )
