"""The public record's field names, in their documented order.

Kept apart from ``models`` (pydantic) so that code which only needs the names
(column choices, the archive's fast JSON path) starts without importing pydantic.
The names are a public contract: add fields only at the end, never rename one.
"""

from __future__ import annotations

# Column order of table/CSV output and of the JSON object keys.
RECORD_FIELDS: tuple[str, ...] = (
    "provider",
    "profile",
    "message_id",
    "status",
    "provider_status",
    "sender",
    "recipient",
    "recipient_type",
    "subject",
    "submitted_at",
    "delivered_at",
    "updated_at",
    "error_code",
    "error_message",
    "campaign_id",
    "opened",
    "clicked",
    "price",
    "status_scope",
)
