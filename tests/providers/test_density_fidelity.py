"""The density cut (fetch/density.py) against small, test-writer-style mocks.

A typical respx mock answers by ``pageToken``/``cursor`` alone: page 1 with a
few rows and a token, page 2 with none. Such a walk must cost exactly those
two requests and give each row once, wherever its rows are dated.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import respx

from maillogs.core.query import Query
from tests.providers.helpers import run_query
from tests.providers.test_edith import LOGS, NOW, _body, _row
from tests.support import make_profile


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
