"""EDITH in the testkit (rows as the documented ``/v1/email/logs`` has them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.testkit import ProviderKit


def row(message_id: str, sent: datetime) -> dict[str, Any]:
    return {
        "refId": message_id,
        "fromAddress": "shop@example.com",
        "recipientAddress": f"{message_id}@example.org",
        "recipientType": "to",
        "subject": "Your order",
        "status": "delivered",
        "opened": False,
        "clicked": False,
        "failedReason": None,
        "createdAt": sent.isoformat().replace("+00:00", "Z"),
        "deliveredDate": None,
        "updatedAt": None,
    }


KIT = ProviderKit(
    name="edith",
    profile="e",
    canary="CANARY-edith-token-3b8d4a21",
    settings={},
    logs_path="/v1/email/logs",
    id_key="refId",
    status_key="status",
    text_field="fromAddress",
    time_field="createdAt",
    overflowing_times=("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"),
    row=row,
    page=lambda rows: {"success": True, "emailLogs": rows, "nextPageToken": None},
)
