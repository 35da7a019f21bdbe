"""The archive file: creation, modes, upserts with history, coverage, locks, bad files."""

from __future__ import annotations

import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from maillogs.archive.paths import ARCHIVE_ENV, archive_path
from maillogs.archive.schema import SCHEMA_VERSION
from maillogs.archive.store import (
    Counts,
    add_coverage,
    open_archive,
    to_us,
    transaction,
    upsert,
    writer_lock,
)
from maillogs.core.errors import ArchiveError, ArchiveMissingError, TemporaryFailureError
from maillogs.core.models import LogRecord
from maillogs.core.statuses import Status

SENT = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def record(message_id: str, status: Status, recipient: str | None = "a@x.example") -> LogRecord:
    return LogRecord(
        provider="edith",
        profile="prod",
        message_id=message_id,
        status=status,
        provider_status=status.value,
        sender="s@y.example",
        recipient=recipient,
        recipient_type="to",
        submitted_at=SENT,
    )


def write(path: Path, records: list[LogRecord], seen_us: int) -> Counts:
    conn = open_archive(path, create=True)
    try:
        with transaction(conn, path):
            return upsert(conn, records, seen_us=seen_us)
    finally:
        conn.close()


def test_path_option_then_env_then_data_dir(tmp_path: Path) -> None:
    assert archive_path(tmp_path / "a.db", env={ARCHIVE_ENV: "/elsewhere"}) == tmp_path / "a.db"
    assert archive_path(None, env={ARCHIVE_ENV: "/elsewhere/x.db"}) == Path("/elsewhere/x.db")
    default = archive_path(None, env={ARCHIVE_ENV: " "})
    assert default.name == "archive.sqlite3"
    assert "maillogs" in str(default.parent)


def test_created_private_with_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "archive.sqlite3"
    open_archive(path, create=True).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    conn = open_archive(path, create=False)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {
        "records",
        "history",
        "coverage",
        "sync_state",
        "records_by_profile_status_time",
        "records_by_profile_time",
    } <= names
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reader_never_creates(tmp_path: Path) -> None:
    path = tmp_path / "none" / "archive.sqlite3"
    with pytest.raises(ArchiveMissingError, match=r"no archive at .*run `maillogs sync` first"):
        open_archive(path, create=False)
    assert not path.parent.exists()


def test_reader_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    open_archive(path, create=True).close()
    conn = open_archive(path, create=False)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM records")


def test_upsert_keeps_latest_fields_and_every_status(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    first = write(path, [record("m1", Status.SENT), record("m2", Status.QUEUED, None)], 100)
    assert first == Counts(new=2, changed=0, unchanged=0)
    again = write(path, [record("m1", Status.SENT), record("m2", Status.QUEUED, None)], 200)
    assert again == Counts(new=0, changed=0, unchanged=2)
    later = write(path, [record("m1", Status.DELIVERED), record("m2", Status.QUEUED, None)], 300)
    assert later == Counts(new=0, changed=1, unchanged=1)
    write(path, [record("m1", Status.OPENED)], 400)

    conn = open_archive(path, create=False)
    rows = conn.execute(
        "SELECT message_id, recipient, status, submitted_us, first_seen_us, last_seen_us"
        " FROM records ORDER BY message_id"
    ).fetchall()
    assert rows == [
        ("m1", "a@x.example", "opened", to_us(SENT), 100, 400),
        ("m2", "", "queued", to_us(SENT), 100, 300),
    ]
    history = conn.execute(
        "SELECT message_id, status, first_seen_us FROM history ORDER BY message_id, first_seen_us"
    ).fetchall()
    assert history == [
        ("m1", "sent", 100),
        ("m1", "delivered", 300),
        ("m1", "opened", 400),
        ("m2", "queued", 100),
    ]


def test_microseconds_are_exact_far_from_the_epoch() -> None:
    moment = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    back = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=to_us(moment) or 0)
    assert back == moment


def test_coverage_merges_overlapping_and_touching_intervals(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    conn = open_archive(path, create=True)
    with transaction(conn, path):
        for start, end in ((10, 20), (30, 40), (20, 25), (35, 50), (60, 70), (5, 10)):
            add_coverage(conn, "edith", "prod", start, end)
        add_coverage(conn, "edith", "other", 0, 100)
    got = conn.execute(
        "SELECT start_us, end_us FROM coverage WHERE profile = 'prod' ORDER BY start_us"
    ).fetchall()
    assert got == [(5, 25), (30, 50), (60, 70)]


def test_second_writer_waits_then_gives_up_with_75(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    with (
        writer_lock(path),
        pytest.raises(TemporaryFailureError) as failed,
        writer_lock(path, wait=0.2),
    ):
        pass
    assert failed.value.exit_code == 75
    assert stat.S_IMODE((tmp_path / "a.sqlite3.lock").stat().st_mode) == 0o600


def test_second_writer_gets_the_lock_once_the_first_is_done(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    entered = threading.Event()
    release = threading.Event()

    def first() -> None:
        with writer_lock(path):
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    entered.wait(5)
    threading.Timer(0.2, release.set).start()
    with writer_lock(path, wait=5):
        pass
    thread.join()


def _newer(path: Path) -> None:
    open_archive(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"provider,profile\nedith,prod\n" * 100)


def _corrupt(path: Path) -> None:
    write(path, [record(f"m{i}", Status.SENT) for i in range(50)], 1)
    data = bytearray(path.read_bytes())
    data[16:100] = b"\xff" * 84  # page size, format numbers: garbage after the magic
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes(text)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_newer, "newer maillogs"),
        (_not_sqlite, "not an SQLite database"),
        (_corrupt, "not an SQLite database|corrupt"),
        (_foreign, "not a maillogs archive"),
    ],
)
@pytest.mark.parametrize("create", [True, False])
def test_bad_files_are_refused_and_left_untouched(
    tmp_path: Path, make: object, message: str, create: bool
) -> None:
    path = tmp_path / "a.sqlite3"
    make(path)  # type: ignore[operator]
    for leftover in tmp_path.glob("a.sqlite3-*"):
        leftover.unlink()
    before = path.read_bytes()
    with pytest.raises(ArchiveError, match=message) as refused:
        open_archive(path, create=create)
    assert refused.value.exit_code == 65
    assert str(path) in str(refused.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_every_earlier_version_migrates_forward(tmp_path: Path, version: int) -> None:
    """Version 0 is the empty file a sync killed before its first commit leaves;
    a later version is a file an older maillogs wrote, records and all."""
    from maillogs.archive.schema import APPLICATION_ID, MIGRATIONS, run_script

    path = tmp_path / "a.sqlite3"
    path.touch(mode=0o600)
    if version:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN")
        for step in MIGRATIONS[:version]:
            step(conn)
        run_script(conn, f"PRAGMA application_id = {APPLICATION_ID}")
        run_script(conn, f"PRAGMA user_version = {version}")
        upsert(conn, [record("Old-1", Status.SENT)], seen_us=1)
        conn.execute("COMMIT")
        conn.close()
    else:
        with pytest.raises(ArchiveMissingError):
            open_archive(path, create=False)
    assert write(path, [record("m1", Status.SENT)], 1) == Counts(new=1)
    conn = open_archive(path, create=False)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    kept = [row[0] for row in conn.execute("SELECT message_id FROM history ORDER BY message_id")]
    assert kept == (["Old-1", "m1"] if version else ["m1"])
