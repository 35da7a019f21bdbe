"""The common filter model every provider adapter translates.

A ``Query`` is what the user asked for, provider-neutral. Adapters push what
they can to the provider (to fetch less); the engine then applies
``Query.matches`` to every record, so a record that does not match is never
returned, whatever a provider's own filters really do.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from maillogs.core.addresses import check_address
from maillogs.core.errors import UsageError
from maillogs.core.statuses import Status, StatusAlias, parse_status
from maillogs.core.timeparse import parse_instant, parse_range

if TYPE_CHECKING:
    from maillogs.core.models import LogRecord

RECIPIENT_TYPES = ("to", "cc", "bcc")


@dataclass(frozen=True)
class Query:
    """A provider-neutral log query; intervals are half-open ``[since, until)``."""

    # Every canonical status a record may have to match (directly or through an alias).
    statuses: frozenset[Status] = frozenset()
    sender: str | None = None
    recipient: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    recipient_type: str | None = None
    message_id: str | None = None
    # Provider-only filters passed through verbatim with --param name=value.
    params: tuple[tuple[str, str], ...] = ()
    # None means every matching record (--all).
    limit: int | None = None
    # The --status words as given (``statuses`` is the union of theirs): a word
    # naming a provider's own status group selects that group exactly there.
    status_terms: tuple[StatusAlias, ...] = ()

    def status_words(self) -> tuple[StatusAlias, ...]:
        """``status_terms``, or ``statuses`` as one term when set from code."""
        if self.status_terms or not self.statuses:
            return self.status_terms
        return (StatusAlias(self.statuses),)

    def matches(self, record: LogRecord) -> bool:
        """True when ``record`` satisfies every common filter."""
        if self.statuses and record.status not in self.statuses:
            return False
        if self.sender and not address_matches(self.sender, record.sender):
            return False
        if self.recipient and not address_matches(self.recipient, record.recipient):
            return False
        if self.recipient_type and record.recipient_type != self.recipient_type:
            return False
        # Ids are compared case-insensitively: providers look them up that way
        # (a lower-cased EDITH refId still finds the message).
        if self.message_id and record.message_id.casefold() != self.message_id.casefold():
            return False
        return self.in_window(record.submitted_at)

    def filters_used(self) -> list[str]:
        """Names of the common filters this query sets, by option (``status``, ``from``...)."""
        used = {
            "status": bool(self.statuses),
            "from": bool(self.sender),
            "to": bool(self.recipient),
            "since/until": self.since is not None or self.until is not None,
            "recipient-type": bool(self.recipient_type),
            "message-id": bool(self.message_id),
        }
        return [name for name, is_used in used.items() if is_used]

    def in_window(self, moment: datetime | None) -> bool:
        """True when ``moment`` lies in ``[since, until)``; undated records only
        match an unbounded query (we cannot prove they are in the window)."""
        if self.since is None and self.until is None:
            return True
        if moment is None:
            return False
        if self.since is not None and moment < self.since:
            return False
        return not (self.until is not None and moment >= self.until)


def address_matches(wanted: str, actual: str | None) -> bool:
    """Case-insensitive address match; ``@example.com`` matches a whole domain."""
    if actual is None:
        return False
    wanted_l, actual_l = wanted.strip().lower(), actual.strip().lower()
    if wanted_l.startswith("@"):
        return actual_l.endswith(wanted_l)
    return wanted_l == actual_l


def split_multi(values: Iterable[str] | None) -> list[str]:
    """Flatten repeatable, comma-separated option values, dropping blanks."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def build_query(
    *,
    statuses: Sequence[str] | None = None,
    sender: str | None = None,
    recipient: str | None = None,
    since: str | None = None,
    until: str | None = None,
    range_: str | None = None,
    recipient_type: str | None = None,
    message_id: str | None = None,
    params: Sequence[str] | None = None,
    limit: int | None = None,
    tz: tzinfo,
    now: datetime,
) -> Query:
    """Turn raw option strings into a ``Query``.

    Raises:
        UsageError: naming the option and what is wrong with its value.
    """
    # An empty value (`--status "$UNSET"` in a script) must not silently drop the filter.
    for option, value in (("--since", since), ("--until", until), ("--range", range_)):
        if value is not None and not value.strip():
            raise UsageError(f"{option} needs a value")
    if statuses and not split_multi(statuses):
        raise UsageError("--status needs a value, e.g. --status bounced")
    try:
        terms = tuple(dict.fromkeys(parse_status(s) for s in split_multi(statuses)))
    except ValueError as exc:
        raise UsageError(f"--status: {exc}") from None
    if range_ and (since or until):
        raise UsageError("--range cannot be combined with --since/--until")
    start, end = _parse_window(since, until, range_, tz=tz, now=now)
    if recipient_type is not None:
        recipient_type = recipient_type.strip().lower()
        if recipient_type not in RECIPIENT_TYPES:
            raise UsageError(
                f"--recipient-type: {recipient_type!r} is not one of {', '.join(RECIPIENT_TYPES)}"
            )
    if limit is not None and limit < 1:
        raise UsageError("--limit must be a positive number")
    if limit is not None and limit > sys.maxsize:
        # Past what a count can reach (and what itertools.islice takes); --all means no limit.
        raise UsageError(f"--limit must be at most {sys.maxsize}; use --all for every record")
    for option, value in (("--from", sender), ("--to", recipient), ("--message-id", message_id)):
        if value is not None and not value.strip():
            raise UsageError(f"{option} needs a value")
        _check_utf8(option, value)
    return Query(
        statuses=frozenset(status for term in terms for status in term.statuses),
        status_terms=terms,
        sender=check_address("--from", sender) if sender else None,
        recipient=check_address("--to", recipient) if recipient else None,
        since=start,
        until=end,
        recipient_type=recipient_type,
        message_id=message_id.strip() if message_id else None,
        params=_parse_params(params),
        limit=limit,
    )


def _parse_window(
    since: str | None, until: str | None, range_: str | None, *, tz: tzinfo, now: datetime
) -> tuple[datetime | None, datetime | None]:
    if range_:
        try:
            return parse_range(range_, tz=tz, now=now)
        except ValueError as exc:
            raise UsageError(f"--range: {exc}") from None
    try:
        start = parse_instant(since, tz=tz, now=now) if since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    try:
        end = parse_instant(until, tz=tz, now=now, upper=True) if until else None
    except ValueError as exc:
        raise UsageError(f"--until: {exc}") from None
    if start is not None and end is not None and end <= start:
        raise UsageError("--until must be later than --since")
    return start, end


def _check_utf8(option: str, value: str | None) -> None:
    # Bytes that are not UTF-8 on the command line arrive as lone surrogates,
    # which cannot be put in a URL: refuse them here rather than crash later.
    try:
        (value or "").encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option} {value!r} is not valid UTF-8 text") from None


def _parse_params(params: Sequence[str] | None) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in params or ():
        _check_utf8("--param", item)
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {item!r}: use name=value")
        pairs.append((name.strip(), value))
    return tuple(pairs)
