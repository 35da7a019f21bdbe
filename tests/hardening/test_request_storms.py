"""A lying server cannot make maillogs flood it with requests.

Each server below lies about how much there is: a ``total`` of a million or a
billion with nothing behind it, empty pages with fresh tokens, the same rows
under ever new page numbers or cursors. Before, `list --all` sent 10,000
requests for the first and tens of thousands a minute for the others; now an
empty page ends a walk, a walk whose pages bring nothing new stops with exit
65, and the requests counted here stay within what the records could need
(plus the pages fetched ahead at the default ``--concurrency 8``). Every
server also refuses with HTTP 400 after ``STORM`` requests, so a regression
fails the test at once instead of running it for minutes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.hardening.conftest import (
    ScriptedServer,
    assert_one_line_error,
    canary_config,
    invoke,
    write_private,
)

STORM = 200
CONCURRENCY = 8
Answer = Callable[[int, str], tuple[int, dict[str, str], bytes]]


def recent(seconds: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=seconds)


def kaleyra_rows(count: int) -> list[dict[str, Any]]:
    stamp = recent(600).strftime("%Y-%m-%d %H:%M:%S")
    return [
        {
            "message_id": f"msg-{index}:1",
            "status": "DELIVERED",
            "from_mail": "a@shop.example",
            "to_mail": f"user{index}@example.org",
            "submitted_at": stamp,
            "delivered_at": "",
        }
        for index in range(count)
    ]


def edith_rows(count: int) -> list[dict[str, Any]]:
    stamp = recent(600).isoformat().replace("+00:00", "Z")
    return [
        {"refId": f"ref-{i}", "recipientAddress": f"u{i}@example.org", "createdAt": stamp}
        for i in range(count)
    ]


def infobip_rows(count: int) -> list[dict[str, Any]]:
    stamp = recent(600).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return [{"messageId": f"ib-{i}", "sentAt": stamp} for i in range(count)]


def bounded(answer: Answer) -> Answer:
    """``answer``, until a storm: then a refusal that ends the run."""

    def reply(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        if number > STORM:
            return 400, {"Content-Type": "application/json"}, b'{"error": "request storm"}'
        return answer(number, path)

    return reply


def json_body(payload: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()


def page_number(path: str) -> int:
    return int(parse_qs(urlsplit(path).query)["page"][0])


def run_against(config_path: Path, answer: Answer, *args: str) -> tuple[Any, int]:
    with ScriptedServer(bounded(answer)) as server:
        base = server.base_url
        write_private(config_path, canary_config(kaleyra=base, edith=base, infobip=base))
        outcome = invoke(*args, "--format", "jsonl")
    return outcome, len(server.seen)


def test_a_kaleyra_total_of_a_million_with_empty_pages_costs_a_few_requests(
    config_path: Path,
) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        rows = kaleyra_rows(100) if page_number(path) == 1 else []
        return json_body({"data": rows, "error": {}, "total": 1_000_000, "limit": "100"})

    outcome, requests = run_against(config_path, answer, "list", "-p", "k", "--all")
    assert outcome.code == 0, outcome.stderr
    assert len(outcome.stdout.splitlines()) == 100
    # Page 1, then the pages fetched together before the empty one was read.
    assert requests <= 1 + CONCURRENCY


def test_an_empty_kaleyra_page_1_ends_the_walk_whatever_its_total(config_path: Path) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return json_body({"data": [], "error": {}, "total": 1_000_000, "limit": "100"})

    outcome, requests = run_against(config_path, answer, "list", "-p", "k", "--all")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == ""
    assert requests == 1


def test_a_kaleyra_total_of_a_billion_under_the_default_limit_costs_two_requests(
    config_path: Path,
) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        rows = kaleyra_rows(3) if page_number(path) == 1 else []
        return json_body({"data": rows, "error": {}, "total": 10**9, "limit": "100"})

    outcome, requests = run_against(config_path, answer, "list", "-p", "k")
    assert outcome.code == 0, outcome.stderr
    assert len(outcome.stdout.splitlines()) == 3
    assert requests == 2  # page 1, and the empty page 2 that ends the walk


def test_kaleyra_pages_of_the_same_rows_stop_with_exit_65(config_path: Path) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return json_body({"data": kaleyra_rows(100), "error": {}, "total": 10**9, "limit": "100"})

    outcome, requests = run_against(config_path, answer, "list", "-p", "k", "--all")
    assert outcome.code == 65
    assert_one_line_error(outcome)
    assert "Kaleyra's pagination makes no progress" in outcome.stderr
    # Page 1, five pages of nothing new, and the pages fetched ahead meanwhile.
    assert requests <= 6 + CONCURRENCY


def test_edith_empty_pages_with_fresh_tokens_end_the_walk(config_path: Path) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        token = f"fresh-token-{number}"
        return json_body({"success": True, "emailLogs": [], "nextPageToken": token})

    outcome, requests = run_against(config_path, answer, "list", "-p", "e", "--all")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == ""
    assert requests == 1  # the default 7 days are one window


def test_edith_pages_of_the_same_rows_with_fresh_tokens_stop_with_exit_65(
    config_path: Path,
) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        token = f"fresh-token-{number}"
        return json_body({"success": True, "emailLogs": edith_rows(50), "nextPageToken": token})

    outcome, requests = run_against(config_path, answer, "list", "-p", "e", "--all")
    assert outcome.code == 65
    assert_one_line_error(outcome)
    assert "EDITH's pagination makes no progress: 5 pages" in outcome.stderr
    # The first page, the newest piece's first page (the density cut's probe:
    # the same rows again, so the cut is not trusted), then five of the same
    # rows on the one chain. Before, every piece walked at once stopped on its
    # own: up to 49 requests.
    assert requests <= 2 + 5


def test_infobip_cursors_over_the_same_rows_stop_with_exit_65(config_path: Path) -> None:
    def answer(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        cursor = {"limit": 1000, "nextCursor": f"cursor-{number}"}
        return json_body({"results": infobip_rows(20), "cursor": cursor})

    # Five hours: one 6-hour window, one cursor walk.
    outcome, requests = run_against(
        config_path, answer, "list", "-p", "i", "--all", "--since", "5h"
    )
    assert outcome.code == 65
    assert_one_line_error(outcome)
    assert "Infobip's pagination makes no progress" in outcome.stderr
    assert requests == 6
