"""The pydantic description of :class:`~maillogs.core.models.LogRecord`.

The source of the record's JSON Schema (``maillogs schema``, the Singer tap's
stream) and of each field's documented meaning. Records themselves are plain
named tuples (see ``core/models.py``); this model is imported only to describe
them, and by the tests as the oracle that adapters' records satisfy it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from maillogs.core.models import RecipientType, StatusScope
from maillogs.core.statuses import Status


class LogRecordModel(BaseModel):
    """One message to one recipient, as reported by one provider account."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="LogRecord")

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
