"""Run an adapter end to end (planning, paging, local filtering) in tests."""

from __future__ import annotations

from datetime import datetime

from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.engine import Repeats, fetch_records, make_plans, open_adapters
from maillogs.profiles.model import Profile


def run_query(
    profile: Profile,
    query: Query,
    *,
    now: datetime,
    warnings: list[str] | None = None,
    concurrency: int = 1,
    repeats: Repeats | None = None,
) -> list[LogRecord]:
    sink = warnings if warnings is not None else []
    with open_adapters([profile], now=now, keep_raw=True) as adapters:
        plans = make_plans(adapters, query, sink.append)
        return list(fetch_records(plans, query, concurrency=concurrency, repeats=repeats))
