"""``maillogs archive info`` and ``prune``: what the archive holds, and removing the old."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from maillogs.archive.store import EPOCH, database_errors, transaction


def from_us(us: int | None) -> datetime | None:
    """The inverse of :func:`maillogs.archive.store.to_us`, exactly."""
    return None if us is None else EPOCH + timedelta(microseconds=us)


def iso(us: int | None) -> str | None:
    """An archive time as RFC 3339 UTC (``2026-01-02T03:04:05.678901Z``), or None."""
    moment = from_us(us)
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


@dataclass
class ProfileInfo:
    """What the archive holds for one profile."""

    provider: str
    profile: str
    records: int = 0
    first_submitted_us: int | None = None
    last_submitted_us: int | None = None
    covered: list[tuple[int, int]] = field(default_factory=list)
    checkpoint_us: int | None = None
    last_sync_us: int | None = None
    last_counts: tuple[int, int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``--format json`` object."""
        return {
            "provider": self.provider,
            "profile": self.profile,
            "records": self.records,
            "first_submitted_at": iso(self.first_submitted_us),
            "last_submitted_at": iso(self.last_submitted_us),
            "covered": [{"start": iso(start), "end": iso(end)} for start, end in self.covered],
            "checkpoint": iso(self.checkpoint_us),
            "last_sync": iso(self.last_sync_us),
            "last_sync_counts": None
            if self.last_counts is None
            else dict(zip(("new", "changed", "unchanged"), self.last_counts, strict=True)),
        }


@dataclass
class ArchiveInfo:
    """The whole archive: file, schema and per-profile contents."""

    path: Path
    size_bytes: int
    schema_version: int
    profiles: list[ProfileInfo]

    def to_json(self) -> dict[str, Any]:
        """The ``--format json`` document."""
        return {
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "schema_version": self.schema_version,
            "profiles": [p.to_json() for p in self.profiles],
        }


def file_size(path: Path) -> int:
    """The archive's bytes on disk, its write-ahead log included."""
    total = 0
    for part in (path, path.with_name(path.name + "-wal")):
        if part.exists():
            total += part.stat().st_size
    return total


def archive_info(conn: sqlite3.Connection, path: Path) -> ArchiveInfo:
    """Everything ``maillogs archive info`` shows."""
    with database_errors(path):
        profiles: dict[tuple[str, str], ProfileInfo] = {}

        def entry(provider: str, profile: str) -> ProfileInfo:
            return profiles.setdefault((provider, profile), ProfileInfo(provider, profile))

        for provider, profile, count, first, last in conn.execute(
            "SELECT provider, profile, count(*), min(submitted_us), max(submitted_us)"
            " FROM records GROUP BY provider, profile"
        ):
            info = entry(provider, profile)
            info.records, info.first_submitted_us, info.last_submitted_us = count, first, last
        for provider, profile, start, end in conn.execute(
            "SELECT provider, profile, start_us, end_us FROM coverage"
            " ORDER BY provider, profile, start_us"
        ):
            entry(provider, profile).covered.append((start, end))
        for provider, profile, checkpoint, last_sync, new, changed, unchanged in conn.execute(
            "SELECT * FROM sync_state"
        ):
            info = entry(provider, profile)
            info.checkpoint_us, info.last_sync_us = checkpoint, last_sync
            info.last_counts = (new, changed, unchanged)
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return ArchiveInfo(
        path=path,
        size_bytes=file_size(path),
        schema_version=version,
        profiles=[profiles[key] for key in sorted(profiles, key=lambda k: (k[1], k[0]))],
    )


def _profile_clause(profiles: Sequence[str]) -> tuple[str, list[str]]:
    if not profiles:
        return "", []
    return f" AND profile IN ({', '.join('?' * len(profiles))})", list(profiles)


def count_prunable(conn: sqlite3.Connection, before_us: int, profiles: Sequence[str]) -> int:
    """How many records :func:`prune` would delete."""
    clause, args = _profile_clause(profiles)
    sql = f"SELECT count(*) FROM records WHERE submitted_us < ?{clause}"  # noqa: S608 - placeholders
    count: int = conn.execute(sql, [before_us, *args]).fetchone()[0]
    return count


def prune(conn: sqlite3.Connection, path: Path, before_us: int, profiles: Sequence[str]) -> int:
    """Delete records submitted before ``before_us`` (of ``profiles``, else all),
    their status history and the coverage before that instant; then VACUUM.

    Records without a submission time are kept: nothing says they are old.

    Returns:
        The number of records deleted.
    """
    clause, args = _profile_clause(profiles)
    params = [before_us, *args]
    with transaction(conn, path):
        old_keys = f"SELECT provider, profile, message_id, recipient FROM records WHERE submitted_us < ?{clause}"  # noqa: E501, S608 - placeholders only
        conn.execute(
            f"DELETE FROM status_changes WHERE (provider, profile, message_id, recipient) IN ({old_keys})",  # noqa: E501, S608
            params,
        )
        deleted = conn.execute(
            f"DELETE FROM records WHERE submitted_us < ?{clause}",  # noqa: S608 - placeholders
            params,
        ).rowcount
        conn.execute(f"DELETE FROM coverage WHERE end_us <= ?{clause}", params)  # noqa: S608
        conn.execute(
            f"UPDATE coverage SET start_us = ? WHERE start_us < ?{clause}",  # noqa: S608
            [before_us, *params],
        )
    with database_errors(path):
        conn.execute("VACUUM")
    return deleted


def describe(info: ArchiveInfo) -> list[str]:
    """``archive info`` for a person: a few lines per profile."""
    lines = [f"{info.path} ({_size(info.size_bytes)}, schema version {info.schema_version})"]
    if not info.profiles:
        lines.append("  empty: run `maillogs sync`")
    for p in info.profiles:
        span = ""
        if p.first_submitted_us is not None:
            span = f", submitted {_short(p.first_submitted_us)} .. {_short(p.last_submitted_us)}"
        lines.append(f"{p.profile} ({p.provider}): {p.records} records{span}")
        covered = ", ".join(f"{_short(s)} .. {_short(e)}" for s, e in p.covered) or "nothing"
        lines.append(f"  covered: {covered}")
        if p.last_sync_us is not None and p.last_counts is not None:
            new, changed, unchanged = p.last_counts
            lines.append(
                f"  last sync: {_short(p.last_sync_us)} "
                f"({new} new, {changed} changed, {unchanged} unchanged)"
            )
    return lines


def _short(us: int | None) -> str:
    moment = from_us(us)
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
