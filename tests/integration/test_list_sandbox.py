"""``maillogs list`` end to end against a healthy ``sandbox serve``: complete, exact results.

Every case compares the printed records with the sandbox's dataset (see
``reference.py``) as a multiset, so a record lost, printed twice, from the
wrong window or with the wrong status fails the test.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.harness import Site, assert_newest_first, assert_same_records, iso
from tests.integration.reference import ALL_PROFILES

JSONL = ("--all", "--format", "jsonl")
EVERY = ",".join(ALL_PROFILES)


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_list_all_returns_every_record_once_at_any_concurrency(site: Site, profile: str) -> None:
    # 2,500 records: Kaleyra walks 25 pages of 100, EDITH 50 pages of 50 in two
    # 7-day windows (10 days of data), Infobip 8 six-hour windows.
    args = ["list", "--profile", profile, *site.full_range(profile), *JSONL]
    parallel = site.run(*args, "--concurrency", "8")
    sequential = site.run(*args, "--concurrency", "1", "--debug")

    assert parallel.code == 0, parallel.describe()
    assert sequential.code == 0, sequential.describe()
    rows = parallel.rows()
    assert_same_records(rows, site.ref.expect([profile]), context=parallel.describe())
    assert_newest_first(rows, context=profile)
    # Same records, same order, byte for byte, whatever the concurrency.
    assert sequential.stdout == parallel.stdout
    # It really was a multi-request walk: at the documented maximum page sizes
    # (Kaleyra 100, EDITH 50, Infobip 1,000) 2,500 records need at least this many.
    assert sequential.stderr.count(" -> 200 ") >= {"kaleyra": 25, "edith": 50}.get(profile, 3)


@pytest.mark.parametrize("profile", ["infobip4", "infobip1"])
def test_infobip_walk_beyond_one_page_per_window(big_site: Site, profile: str) -> None:
    # ~1,280 records per 6-hour window and 1,000 per answer at most: v4 must
    # follow cursors or cut its range in time, and v1 (no pagination) must
    # split its windows in time; otherwise some of the 10,000 records go missing.
    result = big_site.run("list", "--profile", profile, *JSONL, "--debug")

    assert result.code == 0, result.describe()
    expected = big_site.ref.expect([profile])
    assert sum(expected.values()) == 10_000
    rows = result.rows()
    assert_same_records(rows, expected, context=result.describe())
    assert_newest_first(rows, context=profile)
    # 10,000 records at 1,000 an answer at most: at least ten answers.
    assert result.stderr.count(" -> 200 ") >= 10


FILTERS = {
    "status-bounced": (["--status", "bounced"], lambda row: row.status == "bounced"),
    # Aliases and several statuses at once: blocked covers SUPPRESSED, dropped, policy rejects.
    "status-blocked-or-failed": (
        ["--status", "Suppressed,fail"],
        lambda row: row.status in ("blocked", "failed"),
    ),
    "to-domain": (["--to", "@GMAIL.com"], lambda row: row.recipient.endswith("@gmail.com")),
    "from": (["--from", "news@shop.example"], lambda row: row.sender == "news@shop.example"),
    "status-and-to-domain": (
        ["--status", "delivered", "--to", "@yahoo.com"],
        lambda row: row.status == "delivered" and row.recipient.endswith("@yahoo.com"),
    ),
}


@pytest.mark.parametrize("name", FILTERS)
def test_filters_return_exactly_the_matching_subset(site: Site, name: str) -> None:
    # All four profiles in one run (each adapter translates the filter its own
    # way: native, search + local check, or local only); rows name their profile.
    options, where = FILTERS[name]
    result = site.run("list", "--profile", EVERY, "--since", site.since_all(), *options, *JSONL)

    assert result.code == 0, result.describe()
    for profile in ALL_PROFILES:
        assert site.ref.expect([profile], where), f"no {profile} record for {options}"
    assert_same_records(
        result.rows(), site.ref.expect(ALL_PROFILES, where), context=result.describe()
    )


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_to_one_address_ignores_case(site: Site, profile: str) -> None:
    counts = Counter(row.recipient for row in site.ref.rows(profile))
    address, _ = counts.most_common(1)[0]
    result = site.run(
        "list", "--profile", profile, *site.full_range(profile), "--to", address.upper(), *JSONL
    )

    assert result.code == 0, result.describe()
    expected = site.ref.expect([profile], lambda row: row.recipient == address)
    assert_same_records(result.rows(), expected, context=result.describe())


def test_edith_recipient_type(site: Site) -> None:
    result = site.run(
        "list", "--profile", "edith", *site.full_range("edith"), "--recipient-type", "cc", *JSONL
    )

    assert result.code == 0, result.describe()
    expected = site.ref.expect(["edith"], lambda row: row.recipient_type == "cc")
    assert expected
    assert_same_records(result.rows(), expected, context=result.describe())


def test_recipient_type_elsewhere_is_a_usage_error(site: Site) -> None:
    result = site.run("list", "--profile", "kaleyra,infobip4,infobip1", "--recipient-type", "cc")

    assert result.code == 2, result.describe()
    assert result.stdout == ""
    # The message names the profiles that cannot filter by it and the provider that can.
    for name in ("kaleyra", "infobip4", "infobip1", "EDITH"):
        assert name in result.stderr, result.describe()


@pytest.mark.parametrize(
    ("profiles", "start", "end"),
    [
        # 8 days: EDITH splits it into two windows; odd seconds fall inside Kaleyra's days.
        ("kaleyra,edith", timedelta(days=9, seconds=-1234), timedelta(days=1, seconds=77)),
        # Inside Infobip's 47 hours of data.
        ("infobip4,infobip1", timedelta(hours=40, seconds=-17), timedelta(hours=3, seconds=5)),
    ],
)
def test_since_until_window_is_half_open(
    site: Site, profiles: str, start: timedelta, end: timedelta
) -> None:
    since, until = site.ref.now - start, site.ref.now - end
    result = site.run(
        "list", "--profile", profiles, "--since", iso(since), "--until", iso(until), *JSONL
    )

    assert result.code == 0, result.describe()
    names = profiles.split(",")
    expected = site.ref.expect(names, since=since, until=until)
    for name in names:
        assert sum(site.ref.expect([name], since=since, until=until).values()) > 0
    assert sum(expected.values()) < sum(site.ref.expect(names).values())
    assert_same_records(result.rows(), expected, context=result.describe())


def test_bare_dates_include_the_whole_until_day(site: Site) -> None:
    first = (site.ref.now - timedelta(days=6)).date()
    last = (site.ref.now - timedelta(days=2)).date()
    result = site.run(
        "list",
        "--profile",
        "kaleyra,edith",
        "--since",
        first.isoformat(),
        "--until",
        last.isoformat(),
        "--tz",
        "UTC",
        *JSONL,
    )

    assert result.code == 0, result.describe()
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    expected = site.ref.expect(["kaleyra", "edith"], since=since, until=until)
    assert_same_records(result.rows(), expected, context=result.describe())


def test_several_profiles_merge_into_one_stream_newest_first(site: Site) -> None:
    # -v: the retention notice shows even when an earlier test showed it.
    result = site.run("list", "-v", "--profile", EVERY, "--since", site.since_all(), *JSONL)

    assert result.code == 0, result.describe()
    rows = result.rows()
    assert_same_records(rows, site.ref.expect(ALL_PROFILES), context=result.describe())
    assert_newest_first(rows, context="merged profiles")
    # Asking 10 days of Infobip is allowed, with the retention warning.
    assert "48 hours" in result.stderr


def test_infobip_since_beyond_retention_warns_and_succeeds(site: Site) -> None:
    profiles = ["infobip4", "infobip1"]
    result = site.run("list", "-v", "--profile", ",".join(profiles), "--since", "5d", *JSONL)

    assert result.code == 0, result.describe()
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    for profile in profiles:
        assert any("48 hours" in line and profile in line for line in warnings), result.stderr
    # Everything the sandbox keeps (47 hours) is still returned.
    assert_same_records(result.rows(), site.ref.expect(profiles), context=result.describe())


def test_limit_keeps_the_newest_records_across_profiles(site: Site) -> None:
    result = site.run(
        "list", "--profile", EVERY, "--since", site.since_all(), "--limit", "7", "--format", "jsonl"
    )

    assert result.code == 0, result.describe()
    rows = result.rows()
    every = sorted(site.ref.expect(ALL_PROFILES).elements(), reverse=True)
    # Compared by time: records sent in the same instant may come in any order.
    assert [row.submitted_at for row in rows] == [row.submitted_at for row in every[:7]]
    assert set(rows) <= set(every)


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_message_id_finds_every_recipient_of_that_message(site: Site, profile: str) -> None:
    # A message sent to two recipients (EDITH: two rows with one refId; Kaleyra:
    # one row listing several addresses) when the dataset has one.
    ids = Counter(row.message_id for row in site.ref.rows(profile))
    message_id = max(ids, key=lambda key: (ids[key], key))
    result = site.run(
        "list", "--profile", profile, *site.full_range(profile), "--message-id", message_id, *JSONL
    )

    assert result.code == 0, result.describe()
    expected = site.ref.expect([profile], lambda row: row.message_id == message_id)
    assert_same_records(result.rows(), expected, context=result.describe())
