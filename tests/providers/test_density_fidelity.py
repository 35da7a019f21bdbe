"""The density cut (fetch/density.py) against small, test-writer-style mocks.

A typical respx mock answers by ``pageToken``/``cursor`` alone: page 1 with a
few rows and a token, page 2 with none. Such a walk must cost exactly those
two requests and give each row once, wherever its rows are dated.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from maillogs.core.query import Query
from maillogs.engine import Repeats
from maillogs.providers.infobip.adapter import infobip_time
from tests.providers.helpers import run_query
from tests.providers.test_edith import LOGS, NOW, _body, _row
from tests.support import load_fixture, make_profile


def test_a_short_first_page_with_a_token_is_not_cut_into_pieces() -> None:
    # Rows dated a second before the window's end: the first page "looks"
    # dense (2 rows in 1 s), but a page shorter than pageSize says nothing of
    # density, and a mock that answers by token alone would be asked again
    # for every piece.
    pages = {
        None: _body([_row("a", "2024-01-20T11:59:59Z"), _row("b", "2024-01-20T11:59:59Z")], "t1"),
        "t1": _body([_row("c", "2024-01-20T11:59:58Z")], None),
    }
    with respx.mock:
        route = respx.get(LOGS).mock(
            side_effect=lambda r: httpx.Response(200, json=pages[r.url.params.get("pageToken")])
        )
        records = run_query(make_profile("edith"), Query(since=NOW - timedelta(days=7)), now=NOW)
    assert [r.message_id for r in records] == ["a", "b", "c"]
    assert len(route.calls) == 2


# --- Servers that page a fixed record set the way the documents describe ---
#
# What the documents say of the date bounds, and what is assumed:
# - EDITH: startCreatedAt/endCreatedAt are "RFC3339" dates of a "creation date
#   filter"; nothing on inclusiveness, but the docs' own range example ends at
#   ...T23:59:59Z, so both bounds read as inclusive. Order: not documented;
#   the cut assumes newest first (a first page that is not is walked whole).
# - Infobip v4: "messages sent after" sentSince and "sent before" sentUntil;
#   nothing on the instant itself, so every combination is tried; "the latest
#   50 records are returned" without a limit: newest first.
# The adapters keep each piece's half-open [start, end) locally, so any of
# these servers must give every record exactly once.

EDITH_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")
INFOBIP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


@dataclass
class Server:
    """Pages ``rows`` (newest first) by offset tokens, filtering by the asked dates."""

    rows: list[tuple[datetime, dict[str, Any]]]
    page_size: int
    start_inclusive: bool = True
    end_inclusive: bool = True
    honours_dates: bool = True
    oldest_first: bool = False

    def answer(self, start: datetime, end: datetime, offset: int) -> tuple[list[Any], int | None]:
        def inside(moment: datetime) -> bool:
            if not self.honours_dates:
                return True
            after = moment >= start if self.start_inclusive else moment > start
            before = moment <= end if self.end_inclusive else moment < end
            return after and before

        matching = [row for moment, row in self.rows if inside(moment)]
        if self.oldest_first:
            matching.reverse()
        page = matching[offset : offset + self.page_size]
        following = offset + self.page_size
        return page, following if following < len(matching) else None


def _edith_server(server: Server, calls: list[dict[str, str]]) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        calls.append(params)
        start = datetime.fromisoformat(params["startCreatedAt"])
        end = datetime.fromisoformat(params["endCreatedAt"])
        page, following = server.answer(start, end, int(params.get("pageToken", "0")))
        return httpx.Response(200, json=_body(page, None if following is None else str(following)))

    return respond


def _edith_rows() -> list[tuple[datetime, dict[str, Any]]]:
    # Three recipients in every second of the last 20 minutes of the hour asked
    # for: every piece boundary in that stretch falls on an instant with rows,
    # and rows of one instant span page breaks.
    rows = []
    for second in range(1, 20 * 60 + 1):
        moment = NOW - timedelta(seconds=second)
        for recipient in ("to", "cc", "bcc"):
            row = _row(f"m{second}", moment.isoformat().replace("+00:00", "Z"))
            row["recipientAddress"] = f"{recipient}{second}@example.org"
            rows.append((moment, row))
    return rows


@pytest.mark.parametrize(
    "server",
    [
        pytest.param({}, id="documented-inclusive-bounds"),
        pytest.param({"end_inclusive": False}, id="exclusive-end"),
        pytest.param({"honours_dates": False}, id="ignores-dates"),
        pytest.param({"oldest_first": True}, id="oldest-first"),
    ],
)
def test_edith_pieces_give_every_row_once_with_documented_requests(server: dict[str, Any]) -> None:
    rows = _edith_rows()
    calls: list[dict[str, str]] = []
    repeats = Repeats()
    since = NOW - timedelta(hours=1)
    with respx.mock:
        respx.get(LOGS).mock(side_effect=_edith_server(Server(rows, 50, **server), calls))
        records = run_query(
            make_profile("edith"), Query(since=since), now=NOW, concurrency=8, repeats=repeats
        )
    # Repeats are dropped by the engine too, but counted: the pieces made none.
    assert repeats.count == 0
    keys = [(r.message_id, r.recipient) for r in records]
    assert sorted(keys) == sorted((row["refId"], row["recipientAddress"]) for _, row in rows)
    assert len(set(keys)) == len(keys)
    for params in calls:
        assert set(params) <= {"startCreatedAt", "endCreatedAt", "pageSize", "pageToken"}
        assert EDITH_RFC3339.match(params["startCreatedAt"])
        assert EDITH_RFC3339.match(params["endCreatedAt"])
        start = datetime.fromisoformat(params["startCreatedAt"])
        end = datetime.fromisoformat(params["endCreatedAt"])
        assert since <= start < end <= NOW and end - start <= timedelta(days=7)
        assert params["pageSize"] == "50"
    ranges = sorted(
        {(c["startCreatedAt"], c["endCreatedAt"]) for c in calls if "pageToken" not in c}
    )
    pieces = [r for r in ranges if r != (_edith_time(since), _edith_time(NOW))]
    if server == {}:
        # Cut into pieces that tile [since, cut) with no gap and no overlap,
        # some of whose boundaries fall on an instant with rows.
        assert len(pieces) >= 2
        assert pieces[0][0] == _edith_time(since)
        assert all(older[1] == newer[0] for older, newer in itertools.pairwise(pieces))
        moments = {_edith_time(moment) for moment, _ in rows}
        assert any(end in moments for _, end in pieces)
    # The test's own premise: the walk was cut, or fell back to one chain.
    assert len(calls) >= 3 * 60 * 20 // 50


def _edith_time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


INFOBIP_NOW = datetime(2020, 2, 24, 12, 0, tzinfo=UTC)
INFOBIP_LOGS = "https://xyz123.api.infobip.com/email/4/logs"


def _infobip_rows() -> list[tuple[datetime, dict[str, Any]]]:
    # Three messages in every 7 ms of the last 10 s: piece boundaries fall
    # between and on instants with rows, and one instant's rows span page breaks.
    template = load_fixture("infobip_v4_logs.json")["results"][0]
    rows = []
    for step in range(1, 1430):
        moment = INFOBIP_NOW - timedelta(milliseconds=7 * step)
        for copy_number in range(3):
            row = dict(template, messageId=f"m{step}-{copy_number}")
            row["sentAt"] = infobip_time(moment)
            rows.append((moment, row))
    return rows


def _infobip_server(server: Server, calls: list[dict[str, str]]) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        calls.append(params)
        start, end = _infobip_parse(params["sentSince"]), _infobip_parse(params["sentUntil"])
        page, following = server.answer(start, end, int(params.get("cursor", "0")))
        cursor = {"limit": 1000, "nextCursor": None if following is None else str(following)}
        return httpx.Response(200, json={"results": page, "cursor": cursor})

    return respond


@pytest.mark.parametrize(
    "server",
    [
        pytest.param({}, id="inclusive-bounds"),
        pytest.param({"start_inclusive": False, "end_inclusive": False}, id="after-and-before"),
        pytest.param({"end_inclusive": False}, id="exclusive-end"),
        pytest.param({"honours_dates": False}, id="ignores-dates"),
        pytest.param({"oldest_first": True}, id="oldest-first"),
    ],
)
def test_infobip_v4_pieces_give_every_row_once_with_documented_requests(
    server: dict[str, Any],
) -> None:
    rows = _infobip_rows()
    calls: list[dict[str, str]] = []
    repeats = Repeats()
    since = INFOBIP_NOW - timedelta(minutes=10)
    with respx.mock:
        respx.get(INFOBIP_LOGS).mock(
            side_effect=_infobip_server(Server(rows, 1000, **server), calls)
        )
        records = run_query(
            make_profile("infobip"),
            Query(since=since),
            now=INFOBIP_NOW,
            concurrency=8,
            repeats=repeats,
        )
    assert repeats.count == 0
    ids = [r.message_id for r in records]
    assert sorted(ids) == sorted(row["messageId"] for _, row in rows)
    assert len(set(ids)) == len(ids)
    for params in calls:
        assert set(params) <= {"sentSince", "sentUntil", "limit", "useCursor", "cursor"}
        assert INFOBIP_TIME.match(params["sentSince"]) and INFOBIP_TIME.match(params["sentUntil"])
        assert params["limit"] == "1000" and params["useCursor"] == "true"
    ranges = sorted({(c["sentSince"], c["sentUntil"]) for c in calls if "cursor" not in c})
    pieces = [r for r in ranges if r != (infobip_time(since), infobip_time(INFOBIP_NOW))]
    if server == {}:
        # Pieces tile [since, cut): each newer one asks from 1 ms before the
        # older one's end (the adapter's guard against exclusive bounds).
        assert len(pieces) >= 2
        assert pieces[0][0] == infobip_time(since)
        for older, newer in itertools.pairwise(pieces):
            assert infobip_time(_infobip_parse(newer[0]) + timedelta(milliseconds=1)) == older[1]


def _infobip_parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


@pytest.mark.parametrize(("limit", "requests"), [(None, 2), (2, 1), (4, 2), (100, 2), (1000, 2)])
@pytest.mark.parametrize("provider", ["edith", "infobip"])
def test_a_two_page_token_only_mock_costs_exactly_two_requests(
    provider: str, limit: int | None, requests: int
) -> None:
    # Page 1: three rows at the range's last second and a token; page 2: the
    # end. Whatever the limit (100 is list's default, walked one page at a
    # time; 1,000 runs pages concurrently), no probe and no piece is asked;
    # a limit the first page meets asks for nothing more.
    if provider == "edith":
        now, url, key = NOW, LOGS, "pageToken"
        stamp = _edith_time(NOW - timedelta(seconds=1))
        first = _body([_row(f"m{i}", stamp) for i in range(3)], "t1")
        last = _body([], None)
    else:
        now, url, key = INFOBIP_NOW, INFOBIP_LOGS, "cursor"
        template = load_fixture("infobip_v4_logs.json")["results"][0]
        stamp = infobip_time(INFOBIP_NOW - timedelta(milliseconds=1))
        rows = [dict(template, messageId=f"m{i}", sentAt=stamp) for i in range(3)]
        first = {"results": rows, "cursor": {"limit": 1000, "nextCursor": "t1"}}
        last = {"results": [], "cursor": {"limit": 1000}}
    with respx.mock:
        route = respx.get(url).mock(
            side_effect=lambda r: httpx.Response(200, json=last if key in r.url.params else first)
        )
        records = run_query(
            make_profile(provider),
            Query(since=now - timedelta(hours=1), limit=limit),
            now=now,
            concurrency=8,
        )
    assert sorted(r.message_id for r in records) == ["m0", "m1", "m2"][: limit or 3]
    assert len(route.calls) == requests
