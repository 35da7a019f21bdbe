"""A ``Query`` as SQL over the archive's ``records`` table.

Every value the user typed is a bound parameter, never text in the statement.
What a record matches is decided exactly as the live command decides it
(``Query.matches``, then a provider's own status groups), so an offline answer
holds the same records as a live one over a synced range:

- statuses: ``status IN (...)``, the union of every ``--status`` word; a word
  that names a provider's own status group (``rejected`` is Infobip's REJECTED)
  selects, on that provider, exactly the records of the group, as the live
  adapter does;
- ``--from``/``--to`` (an address or ``@domain``) and ``--message-id`` compare
  case-insensitively. SQLite's ``lower`` and ``NOCASE`` only fold ASCII, so
  these run the live comparisons themselves, as SQL functions registered on the
  connection (:func:`register_functions`);
- ``--since``/``--until``: microseconds since the epoch, half-open; an undated
  record only matches an unbounded query;
- order: newest first by ``submitted_at``, undated last, like the live merge:
  one stream per profile, merged in the order the profiles were asked for;
  records of one profile and instant in the order they were archived, which
  is the provider's order when a sync first saw them together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from maillogs.archive.schema import (
    ASCII_SPACE,
    MESSAGE_ID_KEY,
    NON_ASCII_MESSAGE_ID,
    NON_ASCII_RECIPIENT,
    RECIPIENT_KEY,
)
from maillogs.archive.store import EPOCH, to_us
from maillogs.core.fields import RECORD_FIELDS
from maillogs.core.query import Query, address_matches
from maillogs.core.statuses import StatusAlias


def _column(field: str) -> str:
    """The archive column of a record field: times are stored as ``*_us`` integers."""
    return field.removesuffix("_at") + "_us" if field.endswith("_at") else field


# The archive column each record field is read from, in ``RECORD_FIELDS`` order.
FIELD_COLUMNS: tuple[tuple[str, str], ...] = tuple((f, _column(f)) for f in RECORD_FIELDS)
# Newest first, undated last (SQLite sorts NULL lowest), as the live merge. A
# sync inserts a batch's new records oldest first, keeping the provider's order
# among records of one instant, so rowid order is the order a live walk gives
# them (for records first archived in the same batch).
ORDER_BY = "submitted_us DESC, rowid"

_ADDRESS_FN = "maillogs_address_matches"
_CASEFOLD_FN = "maillogs_casefold"
_GROUP_FN = "maillogs_status_group"


def from_us(us: int | None) -> datetime | None:
    """The aware UTC instant ``us`` microseconds after the epoch (None stays None)."""
    return None if us is None else EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class Sql:
    """A statement fragment and the values bound to its ``?`` placeholders, in order."""

    text: str
    params: tuple[Any, ...] = ()


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def where(query: Query, profiles: Sequence[str]) -> Sql:
    """The ``WHERE`` condition selecting what ``query`` matches in ``profiles``."""
    exact_to = bool(query.recipient) and not (query.recipient or "").strip().startswith("@")
    # With an id or an address to look up, the rows come from its indexes
    # (below); a unary ``+`` keeps SQLite from walking the profile's time index
    # instead, which it would choose to save a sort (it has no statistics to
    # know better).
    unindexed = "+" if query.message_id or exact_to else ""
    parts = [f"{unindexed}profile IN ({_marks(len(profiles))})"]
    params: list[Any] = list(profiles)
    if query.statuses:
        statuses = sorted(status.value for status in query.statuses)
        parts.append(f"status IN ({_marks(len(statuses))})")
        params.extend(statuses)
        group = _status_groups(query)
        if group is not None:
            parts.append(group.text)
            params.extend(group.params)
    for value, column in ((query.sender, "sender"), (query.recipient, "recipient")):
        if not value:
            continue
        wanted = value.strip().lower()
        exact = f"{_ADDRESS_FN}(?, {column})"
        if column == "recipient" and exact_to:
            lookup = _looked_up(profiles, RECIPIENT_KEY, NON_ASCII_RECIPIENT, wanted)
            parts.append(f"{lookup.text} AND {exact}")
            params.extend([*lookup.params, value])
            continue
        pattern = ("%" if wanted.startswith("@") else "") + _like_escaped(wanted)
        parts.append(_prefiltered(f"trim({column}, ?)", column, exact))
        params.extend([_ASCII_SPACE, pattern, value])
    if query.recipient_type:
        parts.append("recipient_type = ?")
        params.append(query.recipient_type)
    if query.message_id:
        folded = query.message_id.casefold()
        lookup = _looked_up(profiles, MESSAGE_ID_KEY, NON_ASCII_MESSAGE_ID, folded)
        parts.append(f"{lookup.text} AND {_CASEFOLD_FN}(message_id) = ?")
        params.extend([*lookup.params, folded])
    if query.since is not None or query.until is not None:
        parts.append("submitted_us IS NOT NULL")
    if query.since is not None:
        parts.append("submitted_us >= ?")
        params.append(to_us(query.since))
    if query.until is not None:
        parts.append("submitted_us < ?")
        params.append(to_us(query.until))
    return Sql(" AND ".join(parts), tuple(params))


_ASCII_SPACE = "".join(ASCII_SPACE)


def _looked_up(profiles: Sequence[str], key: str, non_ascii: str, folded: str) -> Sql:
    """``rowid IN`` the candidates two indexes give for a value (see
    ``schema.SCHEMA_V2``): the all-ASCII rows whose ``key`` is ``folded`` (their
    Python folding is ASCII's, so these are all the ASCII matches) and every
    row with a non-ASCII value. Python then decides each candidate."""
    scope = f"profile IN ({_marks(len(profiles))})"
    candidates = (
        f"SELECT rowid FROM records WHERE {scope} AND {key} = ? "  # noqa: S608 - own SQL only
        f"UNION ALL SELECT rowid FROM records WHERE {scope} AND {non_ascii}"
    )
    return Sql(f"rowid IN ({candidates})", (*profiles, folded, *profiles))


def _prefiltered(text: str, column: str, exact: str) -> str:
    """``exact`` (a Python comparison registered as an SQL function), asked only
    of rows SQLite cannot rule out itself.

    ``text LIKE ?`` (the wanted text, lower-cased: LIKE folds ASCII case) is
    exactly the comparison for an all-ASCII ``column``, whose Python case
    folding is ASCII's; a value with any other character (more bytes than
    characters) goes to ``exact``, which folds case as Python does. So the
    answer is the live one, and most rows are decided in C.
    """
    non_ascii = f"length(CAST({column} AS BLOB)) <> length({column})"
    return f"({text} LIKE ? ESCAPE '\\' OR {non_ascii}) AND {exact}"


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def select(query: Query, profile: str, columns: Sequence[str]) -> Sql:
    """``SELECT columns`` of ``profile``'s records that ``query`` matches, newest
    first (undated last), up to its limit: one of the streams :func:`read_rows`
    merges, as the live command merges one stream per profile."""
    condition = where(query, [profile])
    # Only our own column names and placeholders are formatted in; values are bound.
    selected = f"SELECT {', '.join(columns)} FROM records WHERE"  # noqa: S608
    if query.limit is None:
        return Sql(f"{selected} {condition.text} ORDER BY {ORDER_BY}", condition.params)
    # With a limit, the newest rows are found in an index (which holds the time
    # and the rowid), and only those rows are read whole: sorting every match's
    # whole row to keep 100 of them costs ~10x more.
    newest = f"SELECT rowid FROM records WHERE {condition.text} ORDER BY {ORDER_BY} LIMIT ?"  # noqa: S608
    return Sql(
        f"{selected} rowid IN ({newest}) ORDER BY {ORDER_BY}", (*condition.params, query.limit)
    )


def record_columns() -> list[str]:
    """The archive columns of every record field, in ``RECORD_FIELDS`` order."""
    return [column for _, column in FIELD_COLUMNS]


def _status_groups(query: Query) -> Sql | None:
    """On a provider with native status groups, what the ``--status`` words
    select there (see ``Adapter.select_native_groups``); None when no word
    names such a group."""
    terms = query.status_words()
    if not any(term.native_group for term in terms):
        return None
    from maillogs.providers.base import adapter_class
    from maillogs.providers.registry import PROVIDERS

    parts: list[str] = []
    params: list[Any] = []
    for spec in PROVIDERS.values():
        adapter = adapter_class(spec)
        if not any(term.native_group in adapter.native_groups for term in terms):
            continue
        selected = [_term_condition(term, adapter.native_groups) for term in terms]
        parts.append(f"(provider <> ? OR {' OR '.join(s.text for s in selected)})")
        params.append(spec.name)
        params.extend(p for s in selected for p in s.params)
    if not parts:
        return None
    return Sql(" AND ".join(parts), tuple(params))


def _term_condition(term: StatusAlias, groups: frozenset[str]) -> Sql:
    if term.native_group in groups:
        return Sql(f"{_GROUP_FN}(provider, provider_status) IS ?", (term.native_group,))
    statuses = sorted(status.value for status in term.statuses)
    return Sql(f"status IN ({_marks(len(statuses))})", tuple(statuses))


def _status_group(provider: str, provider_status: str | None) -> str | None:
    return _group_of(provider)(provider_status)


@cache
def _group_of(provider: str) -> Callable[[str | None], str | None]:
    """The provider's ``Adapter.status_group``; none for a provider no longer registered."""
    from maillogs.providers.base import adapter_class
    from maillogs.providers.registry import PROVIDERS

    spec = PROVIDERS.get(provider)
    return adapter_class(spec).status_group if spec is not None else _no_group


def _no_group(provider_status: str | None) -> None:
    return None


def _casefold(value: str | None) -> str | None:
    return None if value is None else value.casefold()


def register_functions(conn: sqlite3.Connection) -> None:
    """Register the comparisons :func:`where` uses on ``conn`` (per connection)."""
    conn.create_function(_ADDRESS_FN, 2, address_matches, deterministic=True)
    conn.create_function(_CASEFOLD_FN, 1, _casefold, deterministic=True)
    conn.create_function(_GROUP_FN, 2, _status_group, deterministic=True)
