"""Infobip in the testkit (rows as the documented ``/email/4/logs`` has them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.testkit import ProviderKit


def row(message_id: str, sent: datetime) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "sender": "shop@example.com",
        "destination": f"{message_id}@example.org",
        "sentAt": sent.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "doneAt": sent.strftime("%Y-%m-%dT%H:%M:%S.500+0000"),
        "status": {"groupName": "DELIVERED", "name": "DELIVERED_TO_HANDSET"},
        "error": {"id": 0, "name": "NO_ERROR"},
        "price": {"pricePerMessage": 0.0012, "currency": "EUR"},
    }


KIT = ProviderKit(
    name="infobip",
    profile="i",
    canary="CANARY-infobip-key-91e5d0c4",
    settings={"rate_limit_per_minute": 0},
    logs_path="/email/4/logs",
    id_key="messageId",
    status_key="status",
    text_field="sender",
    time_field="sentAt",
    overflowing_times=("0001-01-01T00:30:00.000+0100", "9999-12-31T23:30:00.000-0100"),
    row=row,
    page=lambda rows: {"results": rows, "cursor": {"nextCursor": None}},
)
