"""The archive's tables, and the forward migrations that bring an older file up
to date.

``PRAGMA user_version`` is the schema version: 0 is a brand-new, empty file;
``MIGRATIONS[n]`` takes a file from version ``n`` to ``n + 1``. A file whose
version is newer than ``SCHEMA_VERSION`` was written by a newer maillogs and is
refused (never downgraded). ``PRAGMA application_id`` marks the file as a
maillogs archive, so another program's SQLite file is refused too rather than
having tables added to it.

Size matters (an archive keeps months of mail). ``records`` is keyed by
(provider, profile, message_id, recipient) but is an ordinary rowid table on
purpose: its two time indexes then carry a small rowid rather than the whole
key (a ``WITHOUT ROWID`` table measured ~760 bytes per record, this one ~400),
and rows are appended in rowid order, so table pages fill up instead of
splitting half-empty as newest-first walks would insert them. The status
history stores a row only for keys whose status ever changed. The ``history``
view puts the implied rows back: a key that never changed was first seen in its
one status when its record was (``records.first_seen_us``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# 'mlgs': marks an archive as maillogs' own (checked before anything is written).
APPLICATION_ID = 0x6D6C6773

SCHEMA_V1 = """
CREATE TABLE records(
    provider TEXT NOT NULL,
    profile TEXT NOT NULL,
    message_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_type TEXT,
    status TEXT NOT NULL,
    provider_status TEXT,
    sender TEXT,
    subject TEXT,
    submitted_us INTEGER,
    delivered_us INTEGER,
    updated_us INTEGER,
    error_code TEXT,
    error_message TEXT,
    campaign_id TEXT,
    opened INTEGER,
    clicked INTEGER,
    price REAL,
    status_scope TEXT NOT NULL,
    raw TEXT,
    first_seen_us INTEGER NOT NULL,
    last_seen_us INTEGER NOT NULL,
    PRIMARY KEY (provider, profile, message_id, recipient)
);
CREATE INDEX records_by_profile_status_time ON records(profile, status, submitted_us);
CREATE INDEX records_by_profile_time ON records(profile, submitted_us);

-- Only keys whose status changed have rows here (all of their statuses).
CREATE TABLE status_changes(
    provider TEXT NOT NULL,
    profile TEXT NOT NULL,
    message_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    status TEXT NOT NULL,
    first_seen_us INTEGER NOT NULL,
    PRIMARY KEY (provider, profile, message_id, recipient, status)
) WITHOUT ROWID;
CREATE VIEW history(provider, profile, message_id, recipient, status, first_seen_us) AS
    SELECT provider, profile, message_id, recipient, status, first_seen_us FROM status_changes
    UNION ALL
    SELECT r.provider, r.profile, r.message_id, r.recipient, r.status, r.first_seen_us
    FROM records AS r
    WHERE NOT EXISTS (
        SELECT 1 FROM status_changes AS c
        WHERE c.provider = r.provider AND c.profile = r.profile
          AND c.message_id = r.message_id AND c.recipient = r.recipient
    );

-- Synced half-open intervals [start_us, end_us), merged: none overlap or touch.
CREATE TABLE coverage(
    provider TEXT NOT NULL,
    profile TEXT NOT NULL,
    start_us INTEGER NOT NULL,
    end_us INTEGER NOT NULL,
    PRIMARY KEY (provider, profile, start_us)
) WITHOUT ROWID;

CREATE TABLE sync_state(
    provider TEXT NOT NULL,
    profile TEXT NOT NULL,
    checkpoint_us INTEGER,
    last_sync_us INTEGER,
    last_new INTEGER,
    last_changed INTEGER,
    last_unchanged INTEGER,
    PRIMARY KEY (provider, profile)
);
"""


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute ``;``-separated statements inside the caller's transaction
    (``executescript`` would commit it first)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _create_v1(conn: sqlite3.Connection) -> None:
    run_script(conn, SCHEMA_V1)


# Version 2: `show --offline ID`, `list --offline --message-id ID` and
# `--to ADDRESS` look the value up instead of reading every record of the
# profile. Both compare as Python does (casefold; strip and lower), which SQLite
# cannot index. For an all-ASCII value SQLite's ``lower`` and ``trim`` are that
# comparison, so an index on them finds every ASCII match; the rare values with
# another character (more bytes than characters) have a small partial index
# each, and Python decides every candidate. query.py repeats these expressions
# word for word: SQLite uses an index on an expression, or a partial index,
# only for a query that states that very expression.
MESSAGE_ID_KEY = "lower(message_id)"
NON_ASCII_MESSAGE_ID = "length(CAST(message_id AS BLOB)) <> length(message_id)"
# What Python's str.strip() removes from an ASCII string.
ASCII_SPACE = (" ", "\t", "\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x1f")
RECIPIENT_KEY = f"lower(trim(recipient, char({', '.join(str(ord(c)) for c in ASCII_SPACE)})))"
NON_ASCII_RECIPIENT = "length(CAST(recipient AS BLOB)) <> length(recipient)"
# The key leaves the profile out (the table row has it): ~13 bytes a record less,
# and an id or address is rarely in more than one profile.
SCHEMA_V2 = f"""
CREATE INDEX records_by_message_id ON records({MESSAGE_ID_KEY});
CREATE INDEX records_with_non_ascii_message_id ON records(profile) WHERE {NON_ASCII_MESSAGE_ID};
CREATE INDEX records_by_recipient ON records({RECIPIENT_KEY});
CREATE INDEX records_with_non_ascii_recipient ON records(profile) WHERE {NON_ASCII_RECIPIENT};
"""


def _add_lookup_indexes(conn: sqlite3.Connection) -> None:
    run_script(conn, SCHEMA_V2)


# MIGRATIONS[n] brings a file from version n to n + 1; append, never edit one.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _create_v1,
    _add_lookup_indexes,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, current: int) -> None:
    """Apply every migration after ``current``, all in one transaction.

    A run killed half-way leaves the file at ``current``: the next one starts over.

    Args:
        conn: An autocommit connection (``isolation_level=None``) holding no transaction.
        current: The file's ``user_version`` (at most ``SCHEMA_VERSION``).
    """
    if current >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in MIGRATIONS[current:]:
            step(conn)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        # PRAGMA takes no bound parameters; the value is our own integer.
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
