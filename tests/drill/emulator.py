"""The sandbox's stubmail API: ``GET /stub/{account}/logs``, newest first, offset cursor."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from maillogs.sandbox.dataset import Dataset, Record, from_us, to_us
from maillogs.sandbox.protocol import Request, SandboxResponse, json_response
from tests.drill.spec import DEMO_ACCOUNT, DEMO_TOKEN

if TYPE_CHECKING:
    from maillogs.sandbox.app import EmulatorConfig


class StubApi:
    """Stubmail's log API over one synthetic dataset."""

    def __init__(self, dataset: Dataset, page: int) -> None:
        self.dataset = dataset
        self.page = page

    def handle(self, request: Request) -> SandboxResponse:
        if request.headers.get("authorization") != f"Token {DEMO_TOKEN}":
            return json_response(401, {"error": "bad token"})
        if request.path != f"/stub/{DEMO_ACCOUNT}/logs":
            return json_response(404, {"error": "no such account"})
        since, until = (_micros(request.first(name)) for name in ("from", "to"))
        first, end = self.dataset.index_range(since, until)
        offset = int(request.first("cursor") or 0)
        newest = end - 1 - offset
        indices = range(newest, max(first, newest - self.page + 1) - 1, -1)
        rows = [_row(self.dataset.record(index)) for index in indices]
        more = newest - len(rows) >= first
        return json_response(200, {"rows": rows, "next": str(offset + len(rows)) if more else None})

    def error(self, request: Request, status: int) -> SandboxResponse:
        del request
        return json_response(status, {"error": f"injected {status}"})


def _micros(text: str | None) -> int | None:
    return None if text is None else to_us(datetime.fromisoformat(text))


def _row(record: Record) -> dict[str, Any]:
    return {
        "id": f"stub-{record.index}",
        "from": record.sender,
        "to": record.recipients[0],
        "subject": record.subject,
        "status": record.outcome,
        "at": from_us(record.created_us).isoformat(),
    }


def build(dataset: Dataset, config: EmulatorConfig) -> StubApi:
    """The sandbox's view of stubmail (see ``SandboxSpec.emulator_path``)."""
    return StubApi(dataset, config.knob("stubmail_page", int))
