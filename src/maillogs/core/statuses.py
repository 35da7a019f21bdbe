"""The canonical status vocabulary shared by every provider, and input aliases.

Each provider maps its native values onto these (see ``providers/*``); the
record always keeps the native value too, as ``provider_status``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from maillogs.core.suggest import did_you_mean


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


@dataclass(frozen=True)
class StatusAlias:
    """What one word given to ``--status`` selects.

    ``statuses`` are the canonical statuses it stands for. ``native_group`` is
    set for a word that also names a provider's own status group (Infobip's
    general statuses PENDING, UNDELIVERABLE, REJECTED): a provider that has
    that group selects exactly its records, whichever canonical status each
    was refined to (a REJECTED record is blocked *or* failed); a provider
    without it selects ``statuses``.
    """

    statuses: frozenset[Status]
    native_group: str | None = None


def _only(status: Status) -> StatusAlias:
    return StatusAlias(frozenset({status}))


# Friendly spellings users type, mostly the providers' own words.
STATUS_ALIASES: dict[str, StatusAlias] = {
    "accepted": _only(Status.QUEUED),
    "validated": _only(Status.QUEUED),
    "queue": _only(Status.QUEUED),
    # No outcome yet: accepted or handed on.
    "pending": StatusAlias(frozenset({Status.QUEUED, Status.SENT}), "PENDING"),
    "enroute": _only(Status.SENT),
    "delayed": _only(Status.DEFERRED),
    "defer": _only(Status.DEFERRED),
    "open": _only(Status.OPENED),
    "opens": _only(Status.OPENED),
    "click": _only(Status.CLICKED),
    "clicks": _only(Status.CLICKED),
    "bounce": _only(Status.BOUNCED),
    "bounces": _only(Status.BOUNCED),
    # Not delivered: refused by the recipient's server or dropped before sending.
    "undeliverable": StatusAlias(frozenset({Status.BOUNCED, Status.BLOCKED}), "UNDELIVERABLE"),
    "block": _only(Status.BLOCKED),
    "blocks": _only(Status.BLOCKED),
    "suppressed": _only(Status.BLOCKED),
    # Refused by the provider: by policy or by a system error.
    "rejected": StatusAlias(frozenset({Status.BLOCKED, Status.FAILED}), "REJECTED"),
    "fail": _only(Status.FAILED),
    "failure": _only(Status.FAILED),
    "error": _only(Status.FAILED),
    "spam": _only(Status.COMPLAINED),
    "complaint": _only(Status.COMPLAINED),
    "unsubscribe": _only(Status.UNSUBSCRIBED),
    "unsub": _only(Status.UNSUBSCRIBED),
    "expire": _only(Status.EXPIRED),
}


def parse_status(text: str) -> StatusAlias:
    """Read one user-typed status (canonical name or alias, any case).

    Raises:
        ValueError: naming the accepted values, when ``text`` is neither.
    """
    key = text.strip().lower()
    try:
        return _only(Status(key))
    except ValueError:
        pass
    if key in STATUS_ALIASES:
        return STATUS_ALIASES[key]
    choices = ", ".join(s.value for s in Status)
    hint = did_you_mean(key, [*(s.value for s in Status), *STATUS_ALIASES])
    raise ValueError(f"unknown status {text!r}; {hint}choose from: {choices} (or an alias)")
