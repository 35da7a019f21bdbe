"""Parsing of the dates, date-times, durations and ranges users type.

All results are timezone-aware. Intervals are half-open, ``[since, until)``:
``--since`` is inclusive, ``--until`` exclusive, and a bare date given as an
upper bound means "through the end of that day".
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DURATION = re.compile(r"^\s*(\d{1,6})\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Instants are later shifted by days and weeks (provider windows, day boundaries
# in the account's zone); keeping them far inside datetime's range means that
# arithmetic can never overflow. No email log predates 1970.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def parse_duration(text: str) -> timedelta:
    """Read ``90m``, ``48h``, ``7d``, ``2w`` (also ``30s``).

    Raises:
        ValueError: when ``text`` is not such a duration.
    """
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r}; use e.g. 90m, 48h, 7d or 2w")
    amount, unit = int(match.group(1)), match.group(2).lower()
    return timedelta(seconds=amount * _UNIT_SECONDS[unit])


def _start_of_day(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def parse_instant(text: str, *, tz: tzinfo, now: datetime, upper: bool = False) -> datetime:
    """Read one point in time.

    Accepts ``YYYY-MM-DD`` (midnight in ``tz``; with ``upper`` the next
    midnight, so the whole day is included), ISO date-times with or without an
    offset (naive ones are read in ``tz``), relative durations (``7d`` means
    seven days before ``now``) and the words ``now``, ``today``, ``yesterday``.

    Raises:
        ValueError: with a message that shows the accepted forms, or when the
            instant lies outside ``EARLIEST``..``LATEST``.
    """
    try:
        moment = _parse_instant(text, tz=tz, now=now, upper=upper)
        if EARLIEST <= moment <= LATEST:
            return moment
    except OverflowError:
        pass
    raise ValueError(f"{text!r} is out of range; use a time between 1970 and 9998")


def _parse_instant(text: str, *, tz: tzinfo, now: datetime, upper: bool) -> datetime:
    value = text.strip()
    lowered = value.lower()
    if lowered == "now":
        return now
    if lowered in ("today", "yesterday"):
        day = now.astimezone(tz).date() - timedelta(days=1 if lowered == "yesterday" else 0)
        return _start_of_day(day + timedelta(days=1 if upper else 0), tz)
    if _DURATION.match(value):
        return now - parse_duration(value)
    if _DATE_ONLY.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"invalid date {text!r}") from None
        return _start_of_day(day + timedelta(days=1 if upper else 0), tz)
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(
            f"invalid date/time {text!r}; use YYYY-MM-DD, an ISO date-time "
            "(2024-01-15T10:30, optionally with an offset) or a duration such as 48h"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def parse_range(text: str, *, tz: tzinfo, now: datetime) -> tuple[datetime, datetime | None]:
    """Read ``--range``: ``24h``/``7d`` (up to now), ``today``, ``yesterday``,
    or ``START..END`` (either side may be empty; END is read as an upper bound).

    Returns:
        ``(since, until)`` where ``until`` is None for "up to now".

    Raises:
        ValueError: when the range cannot be read or is empty.
    """
    value = text.strip()
    lowered = value.lower()
    if lowered in ("today", "yesterday"):
        since = parse_instant(lowered, tz=tz, now=now)
        if lowered == "today":
            return since, None
        return since, parse_instant(lowered, tz=tz, now=now, upper=True)
    if ".." in value:
        left, _, right = value.partition("..")
        if not left.strip():
            raise ValueError(f"range {text!r} needs a start, e.g. 2024-01-01..2024-01-31")
        since = parse_instant(left, tz=tz, now=now)
        if not right.strip():
            return since, None
        until = parse_instant(right, tz=tz, now=now, upper=True)
        if until <= since:
            raise ValueError(f"range {text!r} ends before it starts")
        return since, until
    if _DURATION.match(value):
        return now - parse_duration(value), None
    raise ValueError(f"invalid range {text!r}; use 24h, 7d, today, yesterday or START..END")


def local_zone_name() -> str | None:
    """The IANA name of the local zone, when it can be found.

    ``datetime.now().astimezone()`` only gives today's fixed offset, which
    would put day boundaries an hour off across a daylight-saving change.
    """
    from_env = os.environ.get("TZ", "").lstrip(":")
    if from_env.startswith("/"):
        # A zone file (TZ=:/etc/localtime): named by where it lives.
        return _zone_of_file(Path(from_env))
    if from_env:
        # TZ decides the process's zone even when it is a POSIX rule such as
        # JST-9, which names no IANA zone: then /etc/localtime does not apply,
        # and the caller falls back to the current offset, which honours TZ.
        return from_env if _is_zone_name(from_env) else None
    return _zone_of_file(Path("/etc/localtime"))


def _zone_of_file(path: Path) -> str | None:
    """``Europe/Rome`` for ``/usr/share/zoneinfo/Europe/Rome`` or a link to it."""
    try:
        target = path.resolve()
    except OSError:
        return None
    if "zoneinfo" not in target.parts:
        return None
    parts = target.parts
    name = "/".join(parts[len(parts) - parts[::-1].index("zoneinfo") :])
    return name if _is_zone_name(name) else None


def _is_zone_name(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
