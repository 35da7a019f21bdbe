"""Opening the archive, and writing records, coverage and checkpoints into it.

Every failure to use the file is one :class:`ArchiveError` line naming the path
(exit 65) or, for a reader, :class:`ArchiveMissingError` (exit 66). A file that
is not SQLite, is corrupt, or was written by a newer maillogs is refused before
anything is written to it: never overwritten, never "repaired".

Writes come in batches: the batch's keys already archived are read with a few
``SELECT ... IN (...)`` by message id, compared in Python, and the batch is
written with one prepared ``executemany`` per kind (insert, update, seen again).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maillogs.archive.schema import APPLICATION_ID, SCHEMA_VERSION, migrate
from maillogs.core.errors import ArchiveError, ArchiveMissingError, TemporaryFailureError
from maillogs.core.fields import RECORD_FIELDS
from maillogs.core.fileio import PRIVATE_FILE_MODE, private_dir

if TYPE_CHECKING:
    from maillogs.core.models import LogRecord

__all__ = [
    "ArchiveError",
    "ArchiveMissingError",
    "Counts",
    "add_coverage",
    "open_archive",
    "set_checkpoint",
    "upsert",
]

SQLITE_MAGIC = b"SQLite format 3\x00"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
# How long a second writer (sync, prune) waits for the first before exit 75.
WRITER_WAIT_SECONDS = 2.0
# How long a statement waits for SQLite's own lock (a checkpoint of the WAL,
# a reader finishing) before failing.
BUSY_TIMEOUT_MS = 30_000

# The archive's key, then every other LogRecord field in the record's own order
# (times as *_us), then raw: a field added to LogRecord fails here loudly until
# the schema and record_row have it too.
KEY_COLUMNS = ("provider", "profile", "message_id", "recipient")
RECORD_COLUMNS = (
    *KEY_COLUMNS,
    *(
        name.removesuffix("_at") + "_us" if name.endswith("_at") else name
        for name in RECORD_FIELDS
        if name not in KEY_COLUMNS
    ),
    "raw",
)
# What makes a record "changed" on re-sync: everything but the key and raw
# (raw is the provider's text, kept only with --raw; its absence is no change).
_COMPARED = RECORD_COLUMNS[4:-1]
_STATUS = RECORD_COLUMNS.index("status")
_SUBMITTED = RECORD_COLUMNS.index("submitted_us")
_RAW = RECORD_COLUMNS.index("raw")
# Message ids looked up per SELECT (SQLite allows 32,766 parameters).
_LOOKUP_IDS = 500

_FIND_COLUMNS = ", ".join(("rowid", "message_id", "recipient", "first_seen_us", *_COMPARED))
_FIND = f"SELECT {_FIND_COLUMNS} FROM records WHERE provider = ? AND profile = ? AND message_id IN ({{}})"  # noqa: E501, S608
_INSERT = "INSERT INTO records({}, first_seen_us, last_seen_us) VALUES ({})".format(  # noqa: S608
    ", ".join(RECORD_COLUMNS), ", ".join("?" * (len(RECORD_COLUMNS) + 2))
)
_UPDATE = "UPDATE records SET {}, raw = coalesce(?, raw), last_seen_us = ? WHERE rowid = ?".format(  # noqa: S608
    ", ".join(f"{column} = ?" for column in _COMPARED)
)
_SEEN_AGAIN = "UPDATE records SET last_seen_us = ?, raw = coalesce(?, raw) WHERE rowid = ?"
_STATUS_SEEN = "INSERT OR IGNORE INTO status_changes VALUES (?, ?, ?, ?, ?, ?)"


@dataclass
class Counts:
    """What an upsert did: keys never seen before, keys whose fields changed,
    keys seen again as they were."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        """Add ``other``'s counts to these."""
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged


def to_us(moment: datetime | None) -> int | None:
    """Microseconds since the epoch (UTC), exactly: no float on the way."""
    return None if moment is None else (moment - EPOCH) // ONE_US


def now_us() -> int:
    """The wall clock in microseconds since the epoch."""
    return to_us(datetime.now(UTC)) or 0


def record_row(record: LogRecord, *, keep_raw: bool = False) -> tuple[Any, ...]:
    """``record`` as a row of ``RECORD_COLUMNS``: fields read directly, no
    serialisation (this runs once per record of a sync)."""
    return (
        record.provider,
        record.profile,
        record.message_id,
        record.recipient or "",
        record.status.value,
        record.provider_status,
        record.sender,
        record.recipient_type,
        record.subject,
        to_us(record.submitted_at),
        to_us(record.delivered_at),
        to_us(record.updated_at),
        record.error_code,
        record.error_message,
        record.campaign_id,
        record.opened,
        record.clicked,
        record.price,
        record.status_scope,
        json.dumps(record.raw, ensure_ascii=False, separators=(",", ":"))
        if keep_raw and record.raw is not None
        else None,
    )


def upsert(
    conn: sqlite3.Connection, records: Iterable[LogRecord], *, seen_us: int, keep_raw: bool = False
) -> Counts:
    """Write ``records`` into the caller's transaction; see :func:`upsert_rows`."""
    return upsert_rows(conn, [record_row(r, keep_raw=keep_raw) for r in records], seen_us=seen_us)


def upsert_rows(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], *, seen_us: int) -> Counts:
    """Insert or update rows of ``RECORD_COLUMNS``; record status changes.

    Runs inside the caller's transaction: the caller commits them together with
    the coverage and checkpoint they belong to. The rows already archived are
    looked up by message id (a few SELECTs per batch) and compared here, so a
    new row costs one INSERT and an unchanged one a one-column UPDATE.

    Args:
        conn: A connection from :func:`open_archive` with ``create=True``.
        rows: Rows built by :func:`record_row`.
        seen_us: This sync's wall clock (first/last seen, status change times).

    Returns:
        How many keys were new, changed and unchanged.
    """
    # One row per key, the last one given (an address that is both to and cc).
    latest = {row[:4]: row for row in rows}
    archived = _archived(conn, latest)
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    seen_again: list[tuple[Any, ...]] = []
    statuses: list[tuple[Any, ...]] = []
    for key, row in latest.items():
        found = archived.get(key)
        if found is None:
            inserts.append((*row, seen_us, seen_us))
            continue
        rowid, first_seen, fields = found
        if fields == row[4:-1]:
            seen_again.append((seen_us, row[_RAW], rowid))
            continue
        updates.append((*row[4:-1], row[_RAW], seen_us, rowid))
        old_status = fields[_STATUS - 4]
        if old_status != row[_STATUS]:
            statuses.append((*key, old_status, first_seen))
            statuses.append((*key, row[_STATUS], seen_us))
    if inserts:
        # Oldest first: appended rows fill the time index's pages instead of splitting them.
        inserts.sort(key=_submitted_order)
        conn.executemany(_INSERT, inserts)
    if updates:
        conn.executemany(_UPDATE, updates)
    if seen_again:
        conn.executemany(_SEEN_AGAIN, seen_again)
    if statuses:
        conn.executemany(_STATUS_SEEN, statuses)
    return Counts(new=len(inserts), changed=len(updates), unchanged=len(seen_again))


def _submitted_order(row: tuple[Any, ...]) -> int:
    submitted: int | None = row[_SUBMITTED]
    return -1 if submitted is None else submitted


def _archived(
    conn: sqlite3.Connection, keys: Iterable[tuple[Any, ...]]
) -> dict[tuple[Any, ...], tuple[int, int, tuple[Any, ...]]]:
    """key -> (rowid, first_seen_us, compared fields) of the keys already archived."""
    ids: dict[tuple[str, str], set[str]] = {}
    for provider, profile, message_id, _ in keys:
        ids.setdefault((provider, profile), set()).add(message_id)
    found: dict[tuple[Any, ...], tuple[int, int, tuple[Any, ...]]] = {}
    for (provider, profile), wanted in ids.items():
        listed = list(wanted)
        for at in range(0, len(listed), _LOOKUP_IDS):
            chunk = listed[at : at + _LOOKUP_IDS]
            sql = _FIND.format(", ".join("?" * len(chunk)))
            for rowid, message_id, recipient, first_seen, *fields in conn.execute(
                sql, (provider, profile, *chunk)
            ):
                found[provider, profile, message_id, recipient] = (rowid, first_seen, tuple(fields))
    return found


def add_coverage(
    conn: sqlite3.Connection, provider: str, profile: str, start_us: int, end_us: int
) -> None:
    """Mark ``[start_us, end_us)`` as synced, merged with the intervals it
    overlaps or touches (inside the caller's transaction)."""
    if end_us <= start_us:
        return
    args = (provider, profile, end_us, start_us)
    low, high = conn.execute(
        "SELECT min(start_us), max(end_us) FROM coverage"
        " WHERE provider = ? AND profile = ? AND start_us <= ? AND end_us >= ?",
        args,
    ).fetchone()
    if low is not None:
        start_us, end_us = min(start_us, low), max(end_us, high)
        conn.execute(
            "DELETE FROM coverage"
            " WHERE provider = ? AND profile = ? AND start_us <= ? AND end_us >= ?",
            args,
        )
    conn.execute("INSERT INTO coverage VALUES (?, ?, ?, ?)", (provider, profile, start_us, end_us))


def set_checkpoint(
    conn: sqlite3.Connection,
    provider: str,
    profile: str,
    *,
    checkpoint_us: int,
    sync_us: int,
    counts: Counts,
) -> None:
    """Record that ``profile`` is synced up to ``checkpoint_us`` (in the caller's
    transaction, with the records that make it true)."""
    conn.execute(
        # Never backwards: a backfill (--since before the checkpoint) ends its
        # early slices before the point an earlier run already reached.
        "INSERT INTO sync_state VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (provider, profile) DO UPDATE SET"
        " checkpoint_us = max(coalesce(checkpoint_us, 0), excluded.checkpoint_us),"
        " last_sync_us = excluded.last_sync_us, last_new = excluded.last_new,"
        " last_changed = excluded.last_changed, last_unchanged = excluded.last_unchanged",
        (provider, profile, checkpoint_us, sync_us, counts.new, counts.changed, counts.unchanged),
    )


def checkpoints(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """(provider, profile) -> the instant (µs) its records are synced up to."""
    rows = conn.execute(
        "SELECT provider, profile, checkpoint_us FROM sync_state WHERE checkpoint_us IS NOT NULL"
    )
    return {(provider, profile): us for provider, profile, us in rows}


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed whole, or rolled back."""
    with database_errors(path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


@contextlib.contextmanager
def database_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's errors into one line naming the archive."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"archive {path}: {_describe(exc)}") from None


def _describe(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "not a database" in text:
        return "not an SQLite database (file untouched)"
    if "malformed" in text or "corrupt" in text:
        return "the file is corrupt (file untouched; restore a backup or move it away)"
    return text


def open_archive(path: Path, *, create: bool) -> sqlite3.Connection:
    """Open the archive at ``path``.

    Args:
        path: The archive file (see :func:`maillogs.archive.paths.archive_path`).
        create: ``True`` for writers: create the file (0600, in a 0700 directory
            when that is created too) and migrate it to the current schema.
            ``False`` for readers: open read-only; nothing is created or migrated.

    Returns:
        An autocommit connection (``isolation_level=None``): writers use
        :func:`transaction`.

    Raises:
        ArchiveMissingError: ``create=False`` and there is no archive yet (exit 66).
        ArchiveError: Not SQLite, corrupt, not maillogs', or written by a newer
            maillogs (exit 65); the file is left as it was.
    """
    if create:
        _create_file(path)
    elif not path.exists() or _is_empty(path):
        raise ArchiveMissingError(f"no archive at {path}: run `maillogs sync` first")
    _check_header(path)
    with database_errors(path):
        conn = _connect(path, create=create)
        try:
            version = _check_version(conn, path, create=create)
            if create:
                conn.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL loses no committed transaction when the
                # process dies, only (at worst) the last ones on a power cut.
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA temp_store = MEMORY")
                migrate(conn, version)
        except BaseException:
            conn.close()
            raise
    return conn


def _create_file(path: Path) -> None:
    private_dir(path.parent)  # OutputError (exit 73) when it cannot be made
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    except OSError as exc:
        raise ArchiveError(f"cannot create archive {path}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)  # whatever the umask
    finally:
        os.close(fd)


def _is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLite opens it for writing."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except IsADirectoryError:
        raise ArchiveError(f"archive {path} is a directory, not a file") from None
    except OSError as exc:
        raise ArchiveError(f"cannot read archive {path}: {exc.strerror or exc}") from None
    if head and head != SQLITE_MAGIC:
        raise ArchiveError(f"{path} is not an SQLite database (file untouched)")


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    if create:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    else:
        uri = path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _check_version(conn: sqlite3.Connection, path: Path, *, create: bool) -> int:
    """The file's schema version, once it is known to be ours and not too new."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id: int = conn.execute("PRAGMA application_id").fetchone()[0]
    tables: int = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ArchiveError(
            f"archive {path} has schema version {version}, written by a newer maillogs "
            f"(this one knows up to {SCHEMA_VERSION}); upgrade maillogs (file untouched)"
        )
    if (version and app_id != APPLICATION_ID) or (not version and tables):
        raise ArchiveError(
            f"{path} is an SQLite database but not a maillogs archive (file untouched)"
        )
    if not create and version == 0:
        raise ArchiveMissingError(f"no archive at {path}: run `maillogs sync` first")
    if not create and version < SCHEMA_VERSION:
        raise ArchiveError(
            f"archive {path} has schema version {version}; run `maillogs sync` to upgrade it"
        )
    return version


@contextlib.contextmanager
def writer_lock(path: Path, wait: float = WRITER_WAIT_SECONDS) -> Iterator[None]:
    """Hold the archive's writer lock (``PATH.lock``, flock), waiting up to
    ``wait`` seconds for another sync or prune to finish.

    Raises:
        TemporaryFailureError: Still held by another run after ``wait`` (exit 75).
    """
    if path.is_dir():
        raise ArchiveError(f"archive {path} is a directory, not a file")
    lock_path = path.with_name(path.name + ".lock")
    private_dir(path.parent)
    try:
        fd = os.open(
            lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, PRIVATE_FILE_MODE
        )
    except OSError as exc:
        raise ArchiveError(f"cannot create lock file {lock_path}: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TemporaryFailureError(
                        f"another maillogs sync or prune is writing {path}; try again later"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the flock
