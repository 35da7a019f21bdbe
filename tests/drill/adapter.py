"""Stubmail's adapter: one cursor walk over ``/stub/{account}/logs``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.fetch.http import Params
from maillogs.providers.base import (
    Adapter,
    Capabilities,
    PendingPage,
    Plan,
    parse_iso_time,
    text_or_none,
)


class StubAdapter(Adapter):
    """The drill's provider: every filter is applied locally."""

    name = "stubmail"
    capabilities: ClassVar[Capabilities] = Capabilities(
        native={},
        local=("every filter",),
        unsupported=(),
        pagination="offset cursor",
        page_size="100",
        rate_limit="none",
        retention="3 days",
    )
    status_coverage: ClassVar[dict[str, frozenset[Status]]] = {
        "delivered": frozenset({Status.DELIVERED}),
        "bounced": frozenset({Status.BOUNCED}),
    }

    auth_hint = "the profile's token"

    @staticmethod
    def error_text(body: Any) -> str | None:
        return str(body.get("error")) if isinstance(body, dict) else None

    @classmethod
    def auth_headers(cls, profile: Any) -> dict[str, str]:
        return {"Authorization": f"Token {profile.setting('token')}"}

    def plan(self, query: Query, warn: Callable[[str], None]) -> Plan:
        plan = self.new_plan(query)
        path = f"/stub/{self.profile.setting('account')}/logs"
        params: Params = [
            (name, moment.isoformat())
            for name, moment in (("from", query.since), ("to", query.until))
            if moment is not None
        ]
        plan.requests = [(path, params)]
        plan.streams = [lambda: self._walk(path, params)]
        return plan

    def _walk(self, path: str, params: Params) -> Iterator[PendingPage]:
        def page_params(cursor: str | None) -> Params:
            return [*params, *([("cursor", cursor)] if cursor else [])]

        for rows in self.walk_cursor(
            path,
            page_params,
            rows_key="rows",
            next_token=lambda body: body.get("next"),
            row_key=lambda row: row.get("id") if isinstance(row, dict) else repr(row),
        ):
            yield self.pending(rows, lambda row: [self._record(row)])

    def _record(self, row: dict[str, Any]) -> Any:
        native = str(row["status"])
        return self.record(
            row,
            message_id=str(row["id"]),
            status=Status.DELIVERED if native == "delivered" else Status.BOUNCED,
            provider_status=native,
            sender=text_or_none(row.get("from")),
            recipient=text_or_none(row.get("to")),
            recipient_type=None,
            subject=text_or_none(row.get("subject")),
            submitted_at=parse_iso_time(row.get("at")),
        )
