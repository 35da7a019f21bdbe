"""Mail arriving while the emulator runs, and requests read out of order (jitter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from maillogs.cli.commands.sandbox import sandbox_app
from maillogs.sandbox import Arrivals, FaultPlan, parse_arrivals
from tests.sandbox.helpers import EDITH, KALEYRA, KALEYRA_LOGS, NOW, FakeClock


def kaleyra_page(client: httpx.Client, page: int, limit: int = 10) -> dict[str, Any]:
    params = {"page": str(page), "limit": str(limit)}
    body: dict[str, Any] = client.get(KALEYRA_LOGS, params=params, headers=KALEYRA).json()
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [row["message_id"] for row in body["data"]]


def test_mail_arriving_with_each_request_lands_on_top_and_pushes_rows_down(
    make_client: Callable[..., httpx.Client],
) -> None:
    client = make_client(records=100, arrivals=Arrivals(3))
    first = kaleyra_page(client, 1)
    assert first["total"] == 103  # three arrived as the request was read
    again = kaleyra_page(client, 1)
    assert again["total"] == 106
    # The three new rows are newest, on top; every older row moved down three places.
    assert ids(again)[3:] == ids(first)[:7]
    newest = again["data"][0]["submitted_at"]
    assert newest >= NOW.strftime("%Y-%m-%d %H:%M:%S")
    assert client.emulator.arrived == 6  # type: ignore[attr-defined]


def test_mail_arrives_with_the_emulators_clock(
    make_client: Callable[..., httpx.Client], clock: FakeClock
) -> None:
    client = make_client(records=100, arrivals=Arrivals(10, every_ms=50))
    assert kaleyra_page(client, 1)["total"] == 100
    clock.now += 0.12  # two intervals
    assert kaleyra_page(client, 1)["total"] == 120
    # Every provider gets its arrivals: EDITH's last minute holds the 20 new rows.
    params = {"pageSize": "50", "startCreatedAt": "2024-05-10T11:59:59Z"}
    edith = client.get("/v1/email/logs", params=params, headers=EDITH).json()
    assert edith["totalCount"] - 1 <= 20 <= edith["totalCount"]


def test_jitter_holds_each_request_its_own_time_before_the_data_is_read(
    make_client: Callable[..., httpx.Client],
) -> None:
    waits: list[float] = []
    client = make_client(records=100, faults=FaultPlan(jitter_ms=200, seed=1), sleep=waits.append)
    for page in (1, 2, 1):
        kaleyra_page(client, page)
    assert waits[0] == waits[2]  # the same request always waits the same
    assert waits[0] != waits[1]
    assert all(0 <= wait <= 0.2 for wait in waits)


def test_no_jitter_no_wait(make_client: Callable[..., httpx.Client]) -> None:
    waits: list[float] = []
    client = make_client(records=100, sleep=waits.append)
    kaleyra_page(client, 1)
    assert waits == []


def test_arrival_specs() -> None:
    assert parse_arrivals("10/50ms") == Arrivals(10, 50.0)
    assert parse_arrivals(" 3/request ") == Arrivals(3)
    assert parse_arrivals("") is None


@pytest.mark.parametrize("spec", ["ten/50ms", "10/50", "10/0ms", "10", "-1/request"])
def test_bad_arrival_specs_say_what_is_expected(spec: str) -> None:
    with pytest.raises(ValueError, match="expected N/request or N/Tms"):
        parse_arrivals(spec)


def test_bad_arrivals_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(sandbox_app, ["serve", "--port", "0", "--arrivals", "lots"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--arrivals" in lines[0]


@pytest.mark.parametrize(
    ("spec", "says"),
    [("99999999999/1ms", "0 to 10,000"), ("10/0.5ms", "at least 1 ms")],
)
def test_arrivals_the_emulator_cannot_build_are_refused(spec: str, says: str) -> None:
    # 99,999,999,999 records a millisecond overflowed in every request's handler.
    with pytest.raises(ValueError, match=says):
        parse_arrivals(spec)
