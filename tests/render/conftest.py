"""Shared fixtures: a factory for realistic LogRecords and a render-to-string helper."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from maillogs.core.models import RECORD_FIELDS, LogRecord
from maillogs.core.record_model import LogRecordModel
from maillogs.render import open_renderer


@pytest.fixture
def make_record() -> Callable[..., LogRecord]:
    counter = iter(range(1_000_000))

    def make(**overrides: Any) -> LogRecord:
        n = next(counter)
        fields: dict[str, Any] = {
            "provider": "kaleyra",
            "profile": "prod",
            "message_id": f"msg-{n}",
            "status": "delivered",
            "provider_status": "DELIVERED",
            "sender": "noreply@example.com",
            "recipient": f"user{n}@example.org",
            "recipient_type": "to",
            "subject": f"Invoice {n}",
            "submitted_at": datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
            "delivered_at": None,
            "updated_at": None,
            "error_code": None,
            "error_message": None,
            "campaign_id": None,
            "opened": None,
            "clicked": None,
            "price": None,
        }
        fields.update(overrides)
        # Through the pydantic description, so tests may give statuses and times as text.
        return LogRecord(**dict(LogRecordModel.model_validate(fields)))

    return make


@pytest.fixture
def render() -> Callable[..., str]:
    def run(
        fmt: str,
        records: Iterable[LogRecord],
        *,
        columns: Sequence[str] = RECORD_FIELDS,
        **options: Any,
    ) -> str:
        out = io.StringIO()
        with open_renderer(fmt, out, columns=columns, **options) as renderer:
            renderer.write_many(records)
        return out.getvalue()

    return run
