"""The normalized log record every provider adapter yields.

The JSON keys are a public, documented contract (``maillogs schema`` prints the
JSON Schema, built from ``core/record_model.py``); add keys only at the end and
never rename one.

A record is a ``NamedTuple``, not a pydantic model (issue 17): building one is
a single C-level tuple construction, and a command that fetches and prints a
table never imports pydantic (~90 ms of start-up). Records are typed where
the data comes in instead: each adapter converts every provider value with a
typed helper (``text_or_none`` makes text of anything, ``parse_iso_time`` and
``required_text`` raise on what they cannot read, and ``parse_rows`` turns that
into a data error naming the row). The tests validate every record an adapter
builds against the pydantic description, strictly (``tests/conftest.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, NamedTuple

# Re-exported: the field names live in a module that imports nothing.
from maillogs.core.fields import RECORD_FIELDS as RECORD_FIELDS
from maillogs.core.statuses import Status

RecipientType = Literal["to", "cc", "bcc"]
# Whom a record's status speaks for (see LogRecord.status_scope).
StatusScope = Literal["recipient", "message"]


class LogRecord(NamedTuple):
    """One message to one recipient, as reported by one provider account.

    Field meanings are documented once, in ``core/record_model.py`` (they are
    the JSON Schema's descriptions).
    """

    provider: str
    profile: str
    message_id: str
    status: Status
    provider_status: str | None
    sender: str | None
    recipient: str | None
    recipient_type: RecipientType | None
    subject: str | None = None
    submitted_at: datetime | None = None
    delivered_at: datetime | None = None
    updated_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    campaign_id: str | None = None
    opened: bool | None = None
    clicked: bool | None = None
    price: float | None = None
    status_scope: StatusScope = "recipient"
    raw: dict[str, Any] | None = None

    def to_json_dict(self, *, with_raw: bool = False) -> dict[str, Any]:
        """Plain JSON-ready dict, keys in the documented order (times as RFC 3339
        text, UTC as ``Z``; the status as its name)."""
        from maillogs.core.recordjson import RecordEncoder

        keys = (*RECORD_FIELDS, "raw") if with_raw else RECORD_FIELDS
        return dict(zip(keys, RecordEncoder(keys).values(self), strict=True))


def status_label(status: Status, scope: StatusScope) -> str:
    """``delivered``, or ``delivered (message)`` when the provider reported the
    status for a whole message rather than for this recipient."""
    return status.value if scope == "recipient" else f"{status.value} (message)"
