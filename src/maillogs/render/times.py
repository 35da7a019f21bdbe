"""How times read in tables: local wall-clock time, or "3h ago".

Machine formats never use these: they keep RFC 3339 with the offset (see
``LogRecord.to_json_dict``), so scripts see the same instant whatever the zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

# Past this age "ago" stops helping: the date is shown instead.
RELATIVE_DAYS = 30
_UNITS = ((86_400, "d"), (3_600, "h"), (60, "m"), (1, "s"))


def local_time(value: datetime, tz: tzinfo) -> str:
    """``2026-12-05 07:56:49``: the wall-clock time in ``tz`` (named in the header)."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def utc_stamp(value: datetime) -> str:
    """``2026-12-05 07:56:49Z``: a UTC instant for a message line, to the second
    (as ``archive info`` prints them), not ``isoformat()``'s microseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def zone_label(tz: tzinfo, at: datetime) -> str:
    """A short name for ``tz`` at ``at``: ``CET``, ``UTC``, ``+0530``."""
    local = at.astimezone(tz)
    return local.strftime("%Z") or local.strftime("%z")


def relative_time(value: datetime, now: datetime, tz: tzinfo) -> str:
    """``45s ago``, ``3h ago``, ``2d ago``; ``in 5m`` for a clock ahead of ours;
    the local date past ``RELATIVE_DAYS``."""
    seconds = int((now - value).total_seconds())
    if abs(seconds) < 1:
        return "just now"
    if abs(seconds) >= RELATIVE_DAYS * 86_400:
        return value.astimezone(tz).strftime("%Y-%m-%d")
    size, unit = next((size, unit) for size, unit in _UNITS if abs(seconds) >= size)
    amount = abs(seconds) // size
    return f"{amount}{unit} ago" if seconds > 0 else f"in {amount}{unit}"
