"""The SQL of every common filter selects exactly what the live filters let through.

The archive is a real SQLite file written by the archive's own ``upsert``; the
oracle is the live path itself: ``Query.matches``, then each provider adapter's
``select_native_groups`` (Infobip's REJECTED/UNDELIVERABLE/PENDING groups).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from maillogs.archive.offline import open_reader, read_records
from maillogs.archive.query import select
from maillogs.archive.store import open_archive, transaction, upsert
from maillogs.core.models import LogRecord
from maillogs.core.query import Query, build_query
from maillogs.core.statuses import Status
from maillogs.engine import open_adapters
from maillogs.profiles.demo import builtin_profiles
from maillogs.providers.base import Adapter, PendingPage
from maillogs.sandbox.transport import demo_transport

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PROFILES = ("prod", "Backup")

# Native values per provider, including the odd spellings a provider may send.
PROVIDER_STATUSES = {
    "kaleyra": [
        ("BOUNCE", Status.BOUNCED),
        ("DELIVERED", Status.DELIVERED),
        (None, Status.UNKNOWN),
    ],
    "edith": [("spam", Status.COMPLAINED), ("queued", Status.QUEUED), ("opened", Status.OPENED)],
    "infobip": [
        ("REJECTED/REJECTED_NOT_ENOUGH_CREDITS", Status.FAILED),
        ("rejected /REJECTED_DESTINATION", Status.BLOCKED),
        ("UNDELIVERABLE/UNDELIVERABLE_NOT_DELIVERED", Status.BLOCKED),
        (" undeliverable/x", Status.BOUNCED),
        ("PENDING/PENDING_ENROUTE", Status.SENT),
        ("PENDING_ACCEPTED", Status.QUEUED),
        ("ACCEPTED", Status.QUEUED),
        ("EXPIRED/EXPIRED_UNKNOWN", Status.EXPIRED),
    ],
}
SENDERS = ["News@Shop.Example", " alerts@shop.example ", "ÉLODIE@Ünï.Example", None, ""]
RECIPIENTS = [
    "Bob@Example.COM",
    "bob@example.com.evil",
    " x@sub.example.com\t",
    "ß@Straße.de",
    "\u212a@Example.com",  # KELVIN SIGN: lower-cases to an ASCII k
    "b_b%@example.com",
    None,
]


def _records() -> list[LogRecord]:
    combos = itertools.product(
        PROFILES, PROVIDER_STATUSES.items(), range(len(SENDERS)), range(len(RECIPIENTS))
    )
    records = []
    for n, (profile, (provider, natives), s, r) in enumerate(combos):
        native, status = natives[n % len(natives)]
        # Every third record undated; the others spread over 10 days, some sharing an instant.
        submitted = None if n % 7 == 3 else NOW - timedelta(hours=(n * 5) % 240, microseconds=n % 3)
        records.append(
            LogRecord(
                provider=provider,
                profile=profile,
                message_id=("MSG-ß" if n % 11 == 0 else "msg-") + str(n // 2),
                status=status,
                provider_status=native,
                sender=SENDERS[s],
                recipient=RECIPIENTS[r],
                recipient_type=(None, "to", "cc", "bcc")[n % 4],
                submitted_at=submitted,
            )
        )
    return records


RECORDS = _records()
POSITION = {id(record): i for i, record in enumerate(RECORDS)}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("archive") / "archive.sqlite3"
    conn = open_archive(path, create=True)
    with transaction(conn, path):
        upsert(conn, RECORDS, seen_us=1)
    conn.close()
    reader = open_reader(path)
    yield reader
    reader.close()


@pytest.fixture(scope="module")
def adapters() -> Iterator[dict[str, Adapter]]:
    with open_adapters(builtin_profiles(), demo_transport=demo_transport, now=NOW) as opened:
        yield {adapter.spec().name: adapter for adapter in opened}


def _live(query: Query, adapters: dict[str, Adapter], profiles: tuple[str, ...]) -> list[LogRecord]:
    """What the live path lets through, in the archive's order (newest first, undated last)."""
    kept = []
    for provider, adapter in adapters.items():
        mine = [r for r in RECORDS if r.provider == provider and r.profile in profiles]
        matching = [r for r in mine if query.matches(r)]
        page = PendingPage(len(matching), lambda matching=matching: matching)
        streams = adapter.select_native_groups(
            [lambda page=page: iter([page])], query, adapter.new_plan(query)
        )
        kept.extend(record for stream in streams for pending in stream() for record in pending())
    # Within a profile and instant as archived (the order upsert got them);
    # then profiles in the order asked; newest first.
    kept.sort(key=lambda r: POSITION[id(r)])
    kept.sort(key=lambda r: profiles.index(r.profile))
    kept.sort(key=lambda r: r.submitted_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return kept[: query.limit] if query.limit is not None else kept


ZONE = ZoneInfo("Asia/Kolkata")
QUERIES = [
    {},
    {"statuses": ["bounced"]},
    {"statuses": ["rejected"]},
    {"statuses": ["undeliverable"]},
    {"statuses": ["pending"]},
    {"statuses": ["rejected", "bounce"]},
    {"statuses": ["pending,expired", "unknown"]},
    {"statuses": ["spam", "Delayed", "accepted"]},
    {"sender": "@shop.example"},
    {"sender": "@SHOP.EXAMPLE", "statuses": ["undeliverable"]},
    {"sender": "élodie@ünï.example"},
    {"recipient": "bob@example.com"},
    {"recipient": "@example.com"},
    {"recipient": "@STRAßE.DE"},
    {"recipient": "k@example.com"},
    {"recipient": "b_b%@EXAMPLE.com"},
    {"recipient": "x@sub.example.com"},
    {"recipient": "@straße.de"},
    {"since": "2026-03-05", "until": "2026-03-08"},
    {"since": "3d"},
    {"until": "2026-03-09T10:00"},
    {"range_": "2026-03-02..2026-03-04"},
    {"recipient_type": "cc"},
    {"message_id": "MSG-SS0"},
    {"message_id": "msg-ß0"},
    {"message_id": "MSG-5"},
    {"statuses": ["blocked"], "recipient": "@example.com", "since": "8d", "recipient_type": "to"},
]


# Characters LIKE treats as wildcards, in a wanted address or id: they match nothing here.
MATCHING_NOTHING = [{"recipient": "bXb%@example.com"}, {"message_id": "MSG-_0"}]


@pytest.mark.parametrize("options", QUERIES + MATCHING_NOTHING, ids=str)
@pytest.mark.parametrize("limit", [None, 7])
@pytest.mark.parametrize("profiles", [PROFILES, ("Backup",)])
def test_sql_selects_what_the_live_filters_let_through(
    archive: sqlite3.Connection,
    adapters: dict[str, Adapter],
    options: dict[str, object],
    limit: int | None,
    profiles: tuple[str, ...],
) -> None:
    query = build_query(**options, limit=limit, tz=ZONE, now=NOW)  # type: ignore[arg-type]
    got = list(read_records(archive, query, profiles))
    assert got == _live(query, adapters, profiles)


def test_the_oracle_is_not_trivial(adapters: dict[str, Adapter]) -> None:
    # Each filter above keeps some records and drops others, or the equality proves little.
    for options in QUERIES[1:]:
        query = build_query(**options, tz=ZONE, now=NOW)  # type: ignore[arg-type]
        kept = len(_live(query, adapters, PROFILES))
        assert 0 < kept < len(RECORDS), options


def test_values_are_bound_not_formatted() -> None:
    # No blanks: --from/--to refuse what cannot be an address.
    evil = "x');DROP/**/TABLE/**/records;--@example.com"
    query = build_query(
        statuses=["bounced"],
        sender=evil,
        recipient="@example.com",
        message_id=evil,
        since="2026-03-01",
        tz=UTC,
        now=NOW,
    )
    statement = select(query, "prod'", ["message_id"])
    assert "DROP" not in statement.text
    assert "example" not in statement.text
    assert "prod'" not in statement.text
    assert evil in statement.params


def test_undated_records_come_last_and_only_without_a_range(
    archive: sqlite3.Connection, tmp_path: Path
) -> None:
    everything = list(read_records(archive, Query(), PROFILES))
    dates = [r.submitted_at for r in everything]
    first_undated = dates.index(None)
    assert all(d is None for d in dates[first_undated:])
    assert all(d is not None for d in dates[:first_undated])
    bounded = list(read_records(archive, Query(since=NOW - timedelta(days=30)), PROFILES))
    assert len(bounded) == first_undated


@pytest.mark.parametrize("limit", [None, 100])
@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        (Query(message_id="Msg-1"), ("records_by_message_id", "non_ascii_message_id")),
        (Query(recipient=" Bob@Example.com"), ("records_by_recipient", "non_ascii_recipient")),
    ],
)
def test_an_id_or_address_is_looked_up_not_scanned(
    archive: sqlite3.Connection, query: Query, indexes: tuple[str, str], limit: int | None
) -> None:
    """`show --offline ID` or `list --offline --to ADDRESS` on a year of mail:
    records come from the value's indexes, never from a walk over every record
    of the profile."""
    statement = select(replace(query, limit=limit), "prod", ["message_id"])
    plan = [
        row[3] for row in archive.execute(f"EXPLAIN QUERY PLAN {statement.text}", statement.params)
    ]
    ascii_rows, other_rows = indexes
    assert any(f"INDEX {ascii_rows} (<expr>=?)" in step for step in plan)
    assert any(f"INDEX records_with_{other_rows} (profile=?)" in step for step in plan)
    assert not any(step.startswith("SCAN") or "records_by_profile" in step for step in plan)
