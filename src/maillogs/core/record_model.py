"""The pydantic description of :class:`~maillogs.core.models.LogRecord`.

The source of the record's JSON Schema (``maillogs schema``, the Singer tap's
stream) and of each field's documented meaning. Records themselves are plain
named tuples (see ``core/models.py``); this model is built from the tuple's own
fields, types and defaults, so the two cannot drift apart. It is imported only
to describe records, and by the tests as the oracle that adapters' records
satisfy.
"""

from __future__ import annotations

from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from maillogs.core.models import LogRecord

# What each field means, where a name alone does not say it.
DESCRIPTIONS: dict[str, str] = {
    "provider": "the provider, as `maillogs providers` names it",
    "profile": "the maillogs profile the record came from",
    "message_id": "the provider's id for the message",
    "status": "canonical status",
    "provider_status": "the provider's own status value",
    "sender": "from address",
    "recipient": "one recipient address",
    "recipient_type": "to, cc or bcc; null when the provider does not say",
    "submitted_at": "when the provider accepted it (RFC 3339 with offset)",
    "price": "what the provider charged; a Kaleyra row's sale_price is split evenly "
    "across its addresses, so the records of a message add up to it",
    "status_scope": "recipient: status, times and error are this recipient's own; message: "
    "the provider reported them once for a message to several recipients (a Kaleyra row "
    "listing several addresses), so this recipient's own state may differ (`maillogs show` asks)",
    "raw": "the provider's raw record, only with --raw",
}


def _field(name: str) -> Any:
    default = LogRecord._field_defaults.get(name, ...)
    return Field(default, description=DESCRIPTIONS.get(name))


_TYPES = get_type_hints(LogRecord)
_FIELDS: dict[str, Any] = {name: (_TYPES[name], _field(name)) for name in LogRecord._fields}

LogRecordModel: type[BaseModel] = create_model(
    "LogRecordModel",
    __config__=ConfigDict(frozen=True, extra="forbid", title="LogRecord"),
    __doc__="One message to one recipient, as reported by one provider account.",
    **_FIELDS,
)
