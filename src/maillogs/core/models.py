"""The normalized log record every provider adapter yields.

The JSON keys are a public, documented contract (``maillogs schema`` prints the
JSON Schema); add keys only at the end and never rename one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Re-exported: the field names live in a module that does not import pydantic.
from maillogs.core.fields import RECORD_FIELDS as RECORD_FIELDS
from maillogs.core.statuses import Status

RecipientType = Literal["to", "cc", "bcc"]
# Whom a record's status speaks for (see LogRecord.status_scope).
StatusScope = Literal["recipient", "message"]


class LogRecord(BaseModel):
    """One message to one recipient, as reported by one provider account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(description="the provider, as `maillogs providers` names it")
    profile: str = Field(description="the maillogs profile the record came from")
    message_id: str = Field(description="the provider's id for the message")
    status: Status = Field(description="canonical status")
    provider_status: str | None = Field(description="the provider's own status value")
    sender: str | None = Field(description="from address")
    recipient: str | None = Field(description="one recipient address")
    recipient_type: RecipientType | None = Field(
        description="to, cc or bcc; null when the provider does not say"
    )
    subject: str | None = None
    submitted_at: datetime | None = Field(
        default=None, description="when the provider accepted it (RFC 3339 with offset)"
    )
    delivered_at: datetime | None = None
    updated_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    campaign_id: str | None = None
    opened: bool | None = None
    clicked: bool | None = None
    price: float | None = Field(
        default=None,
        description="what the provider charged; a Kaleyra row's sale_price is split evenly "
        "across its addresses, so the records of a message add up to it",
    )
    status_scope: StatusScope = Field(
        default="recipient",
        description="recipient: status, times and error are this recipient's own; message: the "
        "provider reported them once for a message to several recipients (a Kaleyra row listing "
        "several addresses), so this recipient's own state may differ (`maillogs show` asks)",
    )
    raw: dict[str, Any] | None = Field(
        default=None, description="the provider's raw record, only with --raw"
    )

    def to_json_dict(self, *, with_raw: bool = False) -> dict[str, Any]:
        """Plain JSON-ready dict, keys in the documented order."""
        return self.model_dump(mode="json", exclude=None if with_raw else {"raw"})


def status_label(status: Status, scope: StatusScope) -> str:
    """``delivered``, or ``delivered (message)`` when the provider reported the
    status for a whole message rather than for this recipient."""
    return status.value if scope == "recipient" else f"{status.value} (message)"
