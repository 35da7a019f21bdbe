"""``list --sort``: every format in the asked order, bounded, streaming without it."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import UTC, datetime

import pytest

from maillogs.core import sorting
from maillogs.core.models import LogRecord
from maillogs.core.sorting import SortKey, sort_records
from maillogs.core.statuses import Status
from tests.ux.conftest import run

LIST = ("list", "-p", "demo-edith,demo-kaleyra", "--since", "1d")


def rows(fmt: str, out: str) -> list[dict[str, str]]:
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines()]
    if fmt == "json":
        return list(json.loads(out))
    return list(csv.DictReader(io.StringIO(out), delimiter="\t" if fmt == "tsv" else ","))


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "tsv"])
def test_every_format_follows_the_keys_most_significant_first(fmt: str) -> None:
    code, out, err = run(*LIST, "--all", "--sort", "status,-submitted_at", "-f", fmt)
    assert code == 0, err
    got = rows(fmt, out)
    assert len(got) > 20
    ranks = [list(Status).index(Status(row["status"])) for row in got]
    assert ranks == sorted(ranks)  # statuses in vocabulary order, not alphabetical
    for before, after in itertools.pairwise(got):
        if before["status"] == after["status"]:
            assert before["submitted_at"] >= after["submitted_at"]


def test_with_a_limit_the_newest_n_are_sorted() -> None:
    newest = rows("jsonl", run(*LIST, "--limit", "7")[1])
    code, out, _ = run(*LIST, "--limit", "7", "--sort", "recipient")
    assert code == 0
    shown = rows("jsonl", out)
    assert {r["message_id"] for r in shown} == {r["message_id"] for r in newest}
    assert [r["recipient"].lower() for r in shown] == sorted(r["recipient"].lower() for r in newest)


def test_past_the_bound_one_line_points_at_export(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sorting, "MAX_SORTED_RECORDS", 5)
    code, out, err = run(*LIST, "--all", "--sort", "recipient", "-f", "csv")
    assert code == 2
    assert out == ""
    assert err == (
        "maillogs: --sort holds at most 5 records and more match; narrow the filters, or "
        "write them all with `maillogs export` and sort the file (sort, or jq -s 'sort_by(...)')\n"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("recipent", "--sort: unknown field 'recipent'; did you mean 'recipient'?"),
        ("status,,", "--sort needs field names"),
    ],
)
def test_bad_sort_values_are_usage_errors(value: str, message: str) -> None:
    code, _, err = run(*LIST, "--sort", value)
    assert code == 2
    assert message in err and err.count("\n") == 1


def record(message_id: str, delivered: datetime | None) -> LogRecord:
    return LogRecord(
        provider="edith",
        profile="p",
        message_id=message_id,
        status=Status.DELIVERED,
        provider_status=None,
        sender=None,
        recipient=None,
        recipient_type=None,
        delivered_at=delivered,
    )


@pytest.mark.parametrize("descending", [False, True])
def test_missing_values_sort_last_either_way(descending: bool) -> None:
    early, late = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    records = [record("none", None), record("early", early), record("late", late)]
    ordered = sort_records(records, (SortKey("delivered_at", descending),))
    expected = ["late", "early", "none"] if descending else ["early", "late", "none"]
    assert [r.message_id for r in ordered] == expected
