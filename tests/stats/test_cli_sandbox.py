"""``maillogs stats`` and ``maillogs show`` end to end, against the sandbox over loopback."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from maillogs.core.statuses import Status
from maillogs.providers.infobip.adapter import InfobipAdapter
from tests.stats.conftest import PROFILES, Sandbox, invoke, iso

pytestmark = pytest.mark.usefixtures("config_file")

STATUS_KEYS = [s.value for s in Status]


def window(sandbox: Sandbox) -> list[str]:
    """A range inside every provider's data, Infobip's 48 hours included."""
    return [
        "--since",
        iso(sandbox.now - timedelta(hours=40)),
        "--until",
        iso(sandbox.now - timedelta(hours=1)),
    ]


def listed(*args: str) -> list[dict[str, object]]:
    outcome = invoke("list", "--all", "--format", "jsonl", *args)
    assert outcome.code == 0, outcome.err
    return outcome.jsonl()


@pytest.mark.parametrize(
    "extra",
    [
        ["--by", "day"],
        ["--by", "hour"],
        ["--by", "week"],
        ["--by", "status"],
        ["--by", "sender"],
        ["--by", "recipient-domain"],
        ["--by", "day", "--status", "bounced,failed"],
        ["--by", "sender", "--to", "@gmail.com"],
    ],
)
def test_stats_totals_equal_list_all_count(sandbox: Sandbox, extra: list[str]) -> None:
    query = ["--profile", PROFILES, "--tz", "UTC", *window(sandbox)]
    stats = invoke("stats", *query, *extra, "--format", "jsonl")
    assert stats.code == 0, stats.err
    records = listed(*query, *(extra[2:]))
    assert records, "the window should hold records"
    assert sum(row["total"] for row in stats.jsonl()) == len(records)
    assert {row["source"] for row in stats.jsonl()} == {"logs"}


def test_status_counts_match_the_listed_records_per_profile(sandbox: Sandbox) -> None:
    query = ["--profile", PROFILES, "--tz", "UTC", *window(sandbox)]
    rows = invoke("stats", *query, "--by", "status", "--per-profile").jsonl()
    records = listed(*query)
    expected = Counter((r["profile"], r["status"]) for r in records)
    got = {(row["profile"], row["group"]): row["total"] for row in rows}
    assert got == dict(expected)
    # Each status row counts only its own status.
    for row in rows:
        assert row[row["group"]] == row["total"]


def test_day_periods_cover_the_range_with_zeros_for_empty_days(sandbox: Sandbox) -> None:
    # Infobip keeps 48 hours: asked for 5 days, its first days are empty, not missing.
    since = (sandbox.now - timedelta(days=4)).date()
    rows = invoke(
        "stats", "--profile", "sb-infobip", "--tz", "UTC", "--since", since.isoformat()
    ).jsonl()
    starts = [row["period_start"] for row in rows]
    assert starts == [f"{since + timedelta(days=n)}T00:00:00Z" for n in range(5)]
    assert rows[0]["total"] == 0
    # Zero for what Infobip logs can carry; null for what they never say (opens).
    logged = {s.value for s in InfobipAdapter.logged_statuses()}
    assert {key: rows[0][key] for key in STATUS_KEYS} == {
        key: 0 if key in logged else None for key in STATUS_KEYS
    }
    assert rows[0]["opened"] is None and rows[0]["open_rate"] is None
    assert rows[0]["delivery_rate"] is None
    assert sum(row["total"] for row in rows) > 0


def test_json_keys_are_stable_and_documented(sandbox: Sandbox) -> None:
    outcome = invoke(
        "stats", "--profile", "sb-edith", *window(sandbox), "--per-profile", "--format", "json"
    )
    assert outcome.code == 0, outcome.err
    rows = json.loads(outcome.out)
    assert list(rows[0]) == [
        "period_start",
        "period_end",
        "partial",
        "profile",
        "source",
        "counts",
        *STATUS_KEYS,
        "total",
        "delivery_rate",
        "bounce_rate",
        "open_rate",
    ]
    row = max(rows, key=lambda r: r["total"])
    delivered = row["delivered"] + row["opened"] + row["clicked"]
    assert row["delivery_rate"] == round(delivered / row["total"], 4)
    assert row["bounce_rate"] == round(row["bounced"] / row["total"], 4)
    assert row["open_rate"] == round((row["opened"] + row["clicked"]) / delivered, 4)


def test_csv_has_a_header_of_group_keys(sandbox: Sandbox) -> None:
    outcome = invoke(
        "stats", "--profile", "sb-kaleyra", *window(sandbox), "--by", "sender", "--format", "csv"
    )
    assert outcome.code == 0, outcome.err
    table = list(csv.DictReader(io.StringIO(outcome.out)))
    assert list(table[0]) == [
        "group",
        "source",
        "counts",
        *STATUS_KEYS,
        "total",
        "delivery_rate",
        "bounce_rate",
        "open_rate",
    ]
    assert all("@" in row["group"] for row in table)


def test_kaleyra_native_stats_count_accepted_messages(sandbox: Sandbox) -> None:
    since = (sandbox.now - timedelta(days=5)).date()
    until = (sandbox.now - timedelta(days=2)).date()
    query = ["--profile", "sb-kaleyra", "--tz", "UTC", "--range", f"{since}..{until}"]
    rows = invoke("stats", *query, "--format", "jsonl").jsonl()
    assert [row["source"] for row in rows] == ["kaleyra-stats"] * 4
    assert {row["counts"] for row in rows} == {"events"}
    # Kaleyra counts messages (ids), where list shows one record per address.
    ids = {str(r["message_id"]) for r in listed(*query)}
    assert sum(row["total"] for row in rows) == len(ids)
    assert all(row["bounced"] is None and row["queued"] == row["total"] for row in rows)
    # The same query counted from logs is a partition of the records.
    logs = invoke("stats", *query, "--source", "logs").jsonl()
    assert {row["source"] for row in logs} == {"logs"}
    assert sum(row["total"] for row in logs) == len(listed(*query))


def test_native_is_refused_for_a_filter_when_insisted_on(sandbox: Sandbox) -> None:
    outcome = invoke(
        "stats", "--profile", "sb-kaleyra", "--status", "bounced", "--source", "native"
    )
    assert outcome.code == 2
    assert "--status need log records" in outcome.err


def test_merged_profiles_never_mix_event_and_message_counts(sandbox: Sandbox) -> None:
    since = (sandbox.now - timedelta(days=1)).date()
    query = ["--profile", "sb-kaleyra,sb-edith", "--tz", "UTC", "--since", str(since)]
    merged = invoke("stats", *query).jsonl()
    assert {row["source"] for row in merged} == {"logs"}
    split = invoke("stats", *query, "--per-profile").jsonl()
    assert {(row["profile"], row["source"]) for row in split} == {
        ("sb-kaleyra", "kaleyra-stats"),
        ("sb-edith", "logs"),
    }


def test_table_has_totals_rates_and_a_chart(sandbox: Sandbox) -> None:
    outcome = invoke(
        "stats", "--profile", PROFILES, *window(sandbox), "--format", "table", "--chart"
    )
    assert outcome.code == 0, outcome.err
    assert "deliv %" in outcome.out
    assert "\ntotal" in outcome.out
    assert "█" in outcome.out
    assert "\x1b[" not in outcome.out  # no colour when not a terminal


def test_table_footnote_marks_event_counts(sandbox: Sandbox) -> None:
    since = (sandbox.now - timedelta(days=3)).date()
    outcome = invoke(
        "stats", "--profile", "sb-kaleyra", "--tz", "UTC", "--since", str(since), "-f", "table"
    )
    assert "count events, not messages" in outcome.out


# ---- show -------------------------------------------------------------------


def test_show_kaleyra_lists_every_recipient(sandbox: Sandbox) -> None:
    records = listed("--profile", "sb-kaleyra", *window(sandbox))
    per_id = Counter(str(r["message_id"]) for r in records)
    message_id = next(m for m, n in per_id.items() if n > 1)
    outcome = invoke("show", message_id, "--profile", PROFILES, "--format", "jsonl")
    assert outcome.code == 0, outcome.err
    (hit,) = outcome.jsonl()
    assert (hit["message_id"], hit["profile"], hit["provider"]) == (
        message_id,
        "sb-kaleyra",
        "kaleyra",
    )
    assert len(hit["recipients"]) == per_id[message_id]
    assert {r["recipient"] for r in hit["recipients"]} == {
        r["recipient"] for r in records if r["message_id"] == message_id
    }
    assert all(record["raw"]["message_id"] == message_id for record in hit["records"])


def test_show_edith_finds_an_old_message_with_its_events(sandbox: Sandbox) -> None:
    # Older than EDITH's undated 7 days: found by stepping back a window.
    since = sandbox.now - timedelta(days=9)
    records = listed(
        "--profile", "sb-edith", "--since", iso(since), "--until", iso(since + timedelta(days=1))
    )
    opened = next(r for r in records if r["opened"])
    outcome = invoke("show", str(opened["message_id"]), "--profile", "sb-edith", "-f", "json")
    assert outcome.code == 0, outcome.err
    (hit,) = json.loads(outcome.out)
    assert hit["provider"] == "edith"
    opens = [e for e in hit["events"] if e["type"] == "open"]
    assert opens
    assert set(opens[0]) == {"type", "time", "recipient", "url", "user_agent", "ip"}
    times = [e["time"] for e in hit["events"]]
    assert times == sorted(times)


def test_show_infobip_has_status_error_and_price(sandbox: Sandbox) -> None:
    record = listed("--profile", "sb-infobip", *window(sandbox))[0]
    outcome = invoke("show", str(record["message_id"]), "--profile", "sb-infobip")
    (hit,) = outcome.jsonl()
    assert set(hit["details"]) == {"status", "error", "price"}
    assert hit["records"][0]["price"] == record["price"]
    assert hit["recipients"][0]["status"] == record["status"]


def test_show_panel_on_a_table(sandbox: Sandbox) -> None:
    record = listed("--profile", "sb-edith", *window(sandbox))[0]
    outcome = invoke("show", str(record["message_id"]), "--profile", "sb-edith", "-f", "table")
    assert outcome.code == 0, outcome.err
    assert str(record["message_id"]) in outcome.out
    assert "recipients" in outcome.out


def test_show_reports_unknown_ids_and_exits_69(sandbox: Sandbox) -> None:
    known = str(listed("--profile", "sb-infobip", *window(sandbox))[0]["message_id"])
    outcome = invoke("show", "no-such-id", known, "--profile", PROFILES, "--format", "jsonl")
    assert outcome.code == 69
    assert [hit["message_id"] for hit in outcome.jsonl()] == [known]
    assert "not found: no-such-id" in outcome.err
    assert known not in outcome.err


def test_show_unknown_id_exit_code_from_the_console_script(config_file: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "maillogs", "show", "no-such-id", "--profile", "sb-edith"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 69
    assert completed.stdout == ""
    assert completed.stderr.startswith("maillogs: message id not found: no-such-id")


def test_show_refuses_csv() -> None:
    outcome = invoke("show", "x", "--profile", "sb-edith", "--format", "csv")
    assert outcome.code == 2


def test_stats_usage_errors() -> None:
    assert invoke("stats", "--profile", "sb-edith", "--by", "month").code == 2
    assert invoke("stats", "--profile", "sb-edith", "--source", "magic").code == 2
    too_many = invoke("stats", "--profile", "sb-edith", "--by", "hour", "--since", "2000-01-01")
    assert too_many.code == 2
    assert "periods" in too_many.err


def test_range_in_days_starts_at_midnight_and_marks_today_partial(sandbox: Sandbox) -> None:
    before = datetime.now(UTC).date()
    outcome = invoke(
        "stats", "--profile", "sb-edith", "--tz", "UTC", "--range", "3d", "--format", "csv"
    )
    after = datetime.now(UTC).date()
    assert outcome.code == 0, outcome.err
    rows = list(csv.DictReader(io.StringIO(outcome.out)))
    # A run across midnight may count from either day.
    assert [row["period_start"] for row in rows] in [
        [f"{today - timedelta(days=n)}T00:00:00Z" for n in (2, 1, 0)] for today in (before, after)
    ]
    # Whole days are whole; today, still under way, says it is not.
    assert [row["partial"] for row in rows] == ["false", "false", "true"]


def test_explicit_ranges_mark_both_cut_ends(sandbox: Sandbox) -> None:
    rows = invoke(
        "stats", "--profile", "sb-edith", "--tz", "UTC", "--by", "day", *window(sandbox)
    ).jsonl()
    assert rows[0]["partial"] is True and rows[-1]["partial"] is True
    assert all(row["partial"] is False for row in rows[1:-1])
