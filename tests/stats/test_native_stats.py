"""Kaleyra's ``/email/stats`` (respx): pages, metric mapping, and when it is used."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from maillogs.core.errors import ProviderDataError, UsageError
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.engine import open_adapters
from maillogs.render.stats import write_stats
from maillogs.reports.stats.compute import SourceMode, compute_stats, native_refusal
from maillogs.reports.stats.periods import Grouping
from tests.support import load_fixture, make_profile

NOW = datetime(2022, 1, 20, 12, 0, tzinfo=UTC)
STATS = "https://api.kaleyra.io/v1/SID123/email/stats"
LOGS = "https://api.kaleyra.io/v1/SID123/email/logs"


def day_row(day: date, **metrics: Any) -> dict[str, Any]:
    """A day in the documented shape (the doc's own samples have trailing commas)."""
    base = {"blocks": 0, "deferred": 0, "delivered": 0, "opens": 0, "accepted": 0}
    return {"date": day.isoformat(), "stats": [{"metrics": {**base, **metrics}}]}


def body(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": rows, "error": {}}


def run_stats(query: Query, *, grouping: Grouping = Grouping.DAY, **options: Any) -> Any:
    profile = make_profile("kaleyra", timezone=options.pop("timezone", "UTC"))
    with open_adapters([profile], now=NOW) as adapters:
        return compute_stats(
            adapters,
            query,
            grouping=grouping,
            tz=options.pop("tz", UTC),
            now=NOW,
            warn=lambda _m: None,
            concurrency=1,
            **options,
        )


def test_documented_page_is_read_and_mapped() -> None:
    with respx.mock:
        route = respx.get(STATS).mock(
            return_value=httpx.Response(200, json=load_fixture("kaleyra_stats_page.json"))
        )
        profile = make_profile("kaleyra")
        with open_adapters([profile], now=NOW) as (adapter,):
            days = list(adapter.daily_counts(date(2022, 1, 10), date(2022, 1, 12)))
    params = route.calls.last.request.url.params
    assert (params["start_date"], params["end_date"]) == ("2022-01-10", "2022-01-12")
    assert (params["page"], params["limit"]) == ("1", "100")
    assert route.calls.last.request.headers["api-key"] == "CANARY-KALEYRA-KEY-0001"
    (day,) = days
    assert day.day == date(2022, 1, 10)
    assert day.total == 13
    assert dict(day.counts) == {
        "blocked": 0,
        "deferred": 0,
        "delivered": 0,
        "opened": 0,
        "queued": 13,
    }


def test_pages_are_walked_until_a_short_page() -> None:
    first = date(2021, 6, 1)
    days = [first + timedelta(days=n) for n in range(130)]
    pages = {
        "1": body([day_row(d, accepted=1) for d in days[:100]]),
        "2": body([day_row(d, accepted=1) for d in days[100:]]),
    }
    with respx.mock:
        route = respx.get(STATS).mock(
            side_effect=lambda request: httpx.Response(200, json=pages[request.url.params["page"]])
        )
        with open_adapters([make_profile("kaleyra")], now=NOW) as (adapter,):
            got = list(adapter.daily_counts(days[0], days[-1]))
    assert len(got) == 130
    assert [call.request.url.params["page"] for call in route.calls] == ["1", "2"]


def test_a_range_after_now_asks_kaleyra_nothing_and_has_no_counts() -> None:
    future = datetime(2022, 3, 1, tzinfo=UTC)  # a midnight, so the counters may answer
    with respx.mock:
        route = respx.get(STATS).mock(return_value=httpx.Response(200, json=body([])))
        result = run_stats(Query(since=future, until=future + timedelta(days=1)))
    # end_date would have been the day before start_date: Kaleyra refuses that (400).
    assert not route.called
    assert sum(row.total for row in result.rows) == 0


def test_extra_numeric_metrics_keep_their_names() -> None:
    row = day_row(date(2022, 1, 11), accepted=9, delivered=7, opens=3, bounces=2)
    row["stats"].append({"metrics": {"accepted": 1, "clicks": 4, "open_rate": 0.43, "x": "y"}})
    with respx.mock:
        respx.get(STATS).mock(return_value=httpx.Response(200, json=body([row])))
        with open_adapters([make_profile("kaleyra")], now=NOW) as (adapter,):
            (day,) = adapter.daily_counts(date(2022, 1, 11), date(2022, 1, 11))
    assert day.total == 10
    assert day.counts["queued"] == 10
    assert (day.counts["bounces"], day.counts["clicks"]) == (2, 4)
    # A rate cannot be summed over days, and text is no count.
    assert "open_rate" not in day.counts and "x" not in day.counts


def test_unreadable_day_is_a_data_error() -> None:
    with respx.mock:
        respx.get(STATS).mock(return_value=httpx.Response(200, json=body([{"day": "?"}])))
        with (
            open_adapters([make_profile("kaleyra")], now=NOW) as (adapter,),
            pytest.raises(ProviderDataError, match="stats entry"),
        ):
            list(adapter.daily_counts(date(2022, 1, 11), date(2022, 1, 11)))


def test_weeks_sum_days_and_empty_days_are_zero() -> None:
    rows = [
        day_row(date(2022, 1, 10), accepted=13, delivered=10, opens=4),  # Monday
        day_row(date(2022, 1, 11), accepted=9, delivered=8, blocks=1),
        day_row(date(2022, 1, 17), accepted=6, delivered=6, deferred=2),  # next Monday
    ]
    query = Query(since=datetime(2022, 1, 10, tzinfo=UTC), until=datetime(2022, 1, 19, tzinfo=UTC))
    with respx.mock:
        route = respx.get(STATS).mock(return_value=httpx.Response(200, json=body(rows)))
        weekly = run_stats(query, grouping=Grouping.WEEK)
        daily = run_stats(query)
    assert route.calls.last.request.url.params["end_date"] == "2022-01-18"
    assert [(row.total, row.count(Status.DELIVERED)) for row in weekly.rows] == [(22, 18), (6, 6)]
    assert weekly.rows[0].count(Status.BOUNCED) is None
    assert [row.total for row in daily.rows] == [13, 9, 0, 0, 0, 0, 0, 6, 0]
    assert weekly.sources["test-kaleyra"].name == "kaleyra-stats"


def test_days_outside_the_range_are_not_counted() -> None:
    rows = [day_row(date(2022, 1, 9), accepted=50), day_row(date(2022, 1, 10), accepted=1)]
    query = Query(since=datetime(2022, 1, 10, tzinfo=UTC), until=datetime(2022, 1, 11, tzinfo=UTC))
    with respx.mock:
        respx.get(STATS).mock(return_value=httpx.Response(200, json=body(rows)))
        result = run_stats(query)
    assert [row.total for row in result.rows] == [1]


@pytest.mark.parametrize(
    ("query", "grouping", "tz", "reason"),
    [
        (Query(since=datetime(2022, 1, 10, tzinfo=UTC)), Grouping.HOUR, UTC, "--by hour"),
        (
            Query(since=datetime(2022, 1, 10, tzinfo=UTC), statuses=frozenset({Status.BOUNCED})),
            Grouping.DAY,
            UTC,
            "--status need log records",
        ),
        (
            Query(since=datetime(2022, 1, 10, tzinfo=UTC), params=(("search", "x"),)),
            Grouping.DAY,
            UTC,
            "--param",
        ),
        (Query(since=datetime(2022, 1, 10, 9, tzinfo=UTC)), Grouping.DAY, UTC, "start at midnight"),
        (
            Query(
                since=datetime(2022, 1, 10, tzinfo=UTC), until=datetime(2022, 1, 12, 6, tzinfo=UTC)
            ),
            Grouping.DAY,
            UTC,
            "end at midnight",
        ),
        (
            Query(since=datetime(2022, 1, 10, tzinfo=ZoneInfo("Europe/Rome"))),
            Grouping.DAY,
            ZoneInfo("Europe/Rome"),
            "other days than --tz",
        ),
    ],
)
def test_native_rule_refusals(query: Query, grouping: Grouping, tz: Any, reason: str) -> None:
    with open_adapters([make_profile("kaleyra")], now=NOW) as (adapter,):
        refusal = native_refusal(adapter, query, grouping, tz, NOW)
    assert refusal is not None and reason in refusal


def test_native_rule_accepts_whole_days_in_the_account_zone() -> None:
    rome = ZoneInfo("Europe/Rome")
    query = Query(
        since=datetime(2022, 1, 10, tzinfo=rome), until=datetime(2022, 1, 12, tzinfo=rome)
    )
    profile = make_profile("kaleyra", timezone="Europe/Rome")
    with open_adapters([profile], now=NOW) as (adapter,):
        assert native_refusal(adapter, query, Grouping.WEEK, rome, NOW) is None
        # An end in the future is "up to now": today counts so far.
        later = Query(since=query.since, until=datetime(2030, 1, 1, 5, tzinfo=rome))
        assert native_refusal(adapter, later, Grouping.DAY, rome, NOW) is None


def test_unqualified_query_falls_back_to_logs() -> None:
    logs = load_fixture("kaleyra_logs_message_id.json")
    query = Query(since=datetime(2022, 8, 2, 9, tzinfo=UTC), until=datetime(2022, 8, 3, tzinfo=UTC))
    with respx.mock:
        stats_route = respx.get(STATS).mock(return_value=httpx.Response(500))
        respx.get(LOGS).mock(return_value=httpx.Response(200, json=logs))
        result = run_stats(query)
    assert not stats_route.called
    assert [row.total for row in result.rows] == [1]
    assert result.rows[0].count(Status.QUEUED) == 1
    assert result.sources["test-kaleyra"].name == "logs"
    assert any("start at midnight" in note for note in result.notes)


def test_source_native_refuses_with_the_reason() -> None:
    query = Query(since=datetime(2022, 1, 10, tzinfo=UTC))
    with pytest.raises(UsageError, match="--by status needs log records"):
        run_stats(query, grouping=Grouping.STATUS, mode=SourceMode.NATIVE)


def native_table(rows: list[dict[str, Any]], *, chart: bool) -> tuple[Any, str]:
    """Stats for 2022-01-10..11 from Kaleyra's counters ``rows``, and their table."""
    query = Query(since=datetime(2022, 1, 10, tzinfo=UTC), until=datetime(2022, 1, 12, tzinfo=UTC))
    with respx.mock:
        respx.get(STATS).mock(return_value=httpx.Response(200, json=body(rows)))
        result = run_stats(query)
    table = io.StringIO()
    write_stats(result, "table", table, per_profile=False, chart=chart, color=False, width=160)
    return result, table.getvalue()


def test_table_footnote_and_json_mark_event_counts() -> None:
    rows = [day_row(date(2022, 1, 10), accepted=13, delivered=10, opens=4, bounces=1)]
    result, text = native_table(rows, chart=True)
    assert "count events, not messages" in text
    assert "bounces" in text  # the extra metric has its own column
    lines = io.StringIO()
    write_stats(result, "jsonl", lines, per_profile=False, chart=False, color=False)
    first = lines.getvalue().splitlines()[0]
    assert '"source":"kaleyra-stats","counts":"events"' in first
    assert '"bounced":null' in first and '"bounces":1' in first


def test_table_percentages_round_the_exact_rate_once() -> None:
    # 14 of 17 delivered is 82.35...%: rounding to 0.8235 first printed 82.3 %.
    rows = [day_row(date(2022, 1, 10), accepted=17, delivered=14)]
    result, text = native_table(rows, chart=False)
    assert "82.4%" in text and "82.3%" not in text
    assert result.rows[0].rates()["delivery_rate"] == 0.8235  # JSON keeps 4 digits
