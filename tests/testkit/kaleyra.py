"""Kaleyra in the testkit (rows as the documented ``/email/logs`` has them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.testkit import ProviderKit


def row(message_id: str, sent: datetime) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "status": "DELIVERED",
        "description": "Message is delivered.",
        "from_mail": "shop@example.com",
        "to_mail": f"{message_id}@example.org",
        "submitted_at": sent.strftime("%Y-%m-%d %H:%M:%S"),
        "delivered_at": "",
        "sale_price": 0.1,
    }


KIT = ProviderKit(
    name="kaleyra",
    profile="k",
    canary="CANARY-kaleyra-key-7c1f0e9a",
    settings={"sid": "SIDH", "rate_limit_per_minute": 0},
    logs_path="/v1/SIDH/email/logs",
    id_key="message_id",
    status_key="status",
    text_field="from_mail",
    time_field="submitted_at",
    overflowing_times=("0001-01-01 00:00:00", "9999-12-31 23:59:59"),
    row=row,
    page=lambda rows: {"data": rows, "total": len(rows), "limit": "100"},
)
