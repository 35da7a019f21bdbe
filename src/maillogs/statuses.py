"""The canonical status vocabulary shared by every provider, and input aliases.

Each provider maps its native values onto these (see ``providers/*``); the
record always keeps the native value too, as ``provider_status``.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Canonical delivery status, lower case, stable across releases."""

    QUEUED = "queued"
    SENT = "sent"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    BLOCKED = "blocked"
    FAILED = "failed"
    COMPLAINED = "complained"
    UNSUBSCRIBED = "unsubscribed"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


STATUS_MEANINGS: dict[Status, str] = {
    Status.QUEUED: "accepted, not yet handed on",
    Status.SENT: "handed to the receiving side, no outcome yet",
    Status.DEFERRED: "temporary failure, being retried",
    Status.DELIVERED: "accepted by the recipient's server",
    Status.OPENED: "the recipient opened it",
    Status.CLICKED: "the recipient clicked a link",
    Status.BOUNCED: "refused by the recipient's server",
    Status.BLOCKED: "refused before sending (sender domain, suppression list, policy)",
    Status.FAILED: "could not be processed",
    Status.COMPLAINED: "marked as spam",
    Status.UNSUBSCRIBED: "the recipient unsubscribed",
    Status.EXPIRED: "the provider gave up",
    Status.UNKNOWN: "anything the provider reported that maillogs cannot map",
}

# Friendly spellings users type, mostly the providers' own words.
STATUS_ALIASES: dict[str, Status] = {
    "accepted": Status.QUEUED,
    "validated": Status.QUEUED,
    "queue": Status.QUEUED,
    "pending": Status.SENT,
    "enroute": Status.SENT,
    "delayed": Status.DEFERRED,
    "defer": Status.DEFERRED,
    "open": Status.OPENED,
    "opens": Status.OPENED,
    "click": Status.CLICKED,
    "clicks": Status.CLICKED,
    "bounce": Status.BOUNCED,
    "bounces": Status.BOUNCED,
    "undeliverable": Status.BOUNCED,
    "block": Status.BLOCKED,
    "blocks": Status.BLOCKED,
    "suppressed": Status.BLOCKED,
    "rejected": Status.BLOCKED,
    "fail": Status.FAILED,
    "failure": Status.FAILED,
    "error": Status.FAILED,
    "spam": Status.COMPLAINED,
    "complaint": Status.COMPLAINED,
    "unsubscribe": Status.UNSUBSCRIBED,
    "unsub": Status.UNSUBSCRIBED,
    "expire": Status.EXPIRED,
}


def parse_status(text: str) -> Status:
    """Read one user-typed status (canonical name or alias, any case).

    Raises:
        ValueError: naming the accepted values, when ``text`` is neither.
    """
    key = text.strip().lower()
    try:
        return Status(key)
    except ValueError:
        pass
    if key in STATUS_ALIASES:
        return STATUS_ALIASES[key]
    choices = ", ".join(s.value for s in Status)
    raise ValueError(f"unknown status {text!r}; choose from: {choices} (or an alias)")
