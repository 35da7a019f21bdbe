"""Which record fields an output shows, and in which order."""

from __future__ import annotations

from collections.abc import Sequence

from maillogs.core.errors import UsageError
from maillogs.core.fields import RECORD_FIELDS
from maillogs.render.fit import REQUIRED

# What a person at a terminal asks first: which message (an id to copy into
# `show`), when it was sent, what happened, to whom, and why it failed.
DEFAULT_TABLE_COLUMNS: tuple[str, ...] = (
    "message_id",
    "submitted_at",
    "status",
    "recipient",
    "sender",
    "subject",
    "error_message",
)

# Which columns a narrow terminal hides first (the lowest rank). Ids, times and
# statuses are required: cut or hidden they would answer nothing.
COLUMN_RANKS: dict[str, int] = {
    "message_id": REQUIRED,
    "submitted_at": REQUIRED,
    "status": REQUIRED,
    "recipient": 60,
    "error_message": 50,
    "profile": 40,
    "sender": 30,
    "subject": 20,
}
OTHER_RANK = 10
# Prose still says something when cut: it ends in an ellipsis first. Addresses
# keep their start when cut, so they come next; both before a column is hidden.
PROSE_COLUMNS = frozenset({"subject", "error_message", "provider_status", "campaign_id"})
CUTTABLE_COLUMNS = PROSE_COLUMNS | {"recipient", "sender"}


def default_columns(fmt: str, multi_profile: bool) -> tuple[str, ...]:
    """Columns shown when the user gives no ``--columns``.

    Machine formats carry every field; the table adds ``profile`` only when records
    from several profiles are mixed, since otherwise it is the same on every row.
    """
    if fmt != "table":
        return RECORD_FIELDS
    if multi_profile:
        return ("profile", *DEFAULT_TABLE_COLUMNS)
    return DEFAULT_TABLE_COLUMNS


def parse_columns(spec: str | None, *, default: Sequence[str]) -> tuple[str, ...]:
    """Read a ``--columns`` value such as ``"status, Recipient,subject"``.

    Names are matched case-insensitively against ``RECORD_FIELDS`` and kept in the
    order given. ``None`` means ``default``.

    Raises:
        UsageError: for an empty list, an unknown name or a repeated name.
    """
    if spec is None:
        return tuple(default)
    names = [part.strip().lower() for part in spec.split(",")]
    names = [name for name in names if name]
    if not names:
        raise UsageError(f"--columns is empty; choose from: {', '.join(RECORD_FIELDS)}")
    unknown = [name for name in names if name not in RECORD_FIELDS]
    if unknown:
        raise UsageError(
            f"unknown column {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(RECORD_FIELDS)}"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UsageError(f"column listed more than once: {', '.join(repeated)}")
    return tuple(names)
