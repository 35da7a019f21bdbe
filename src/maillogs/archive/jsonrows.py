"""Archived records as JSON objects built by SQLite: the fast path of
``list --offline`` and ``export --offline`` in json and jsonl.

Building a ``LogRecord`` and serializing it costs more per record than reading
it; here SQLite writes each object's text (``json_quote`` escapes strings
exactly as Python's ``json`` and pydantic do; ``json_object`` builds each
object in one call), so a record never becomes a
Python object. The text is byte for byte
what the JSON renderers write for the same record and columns (the tests
compare them over every kind of value):

- times: RFC 3339 in UTC with ``Z``, microseconds only when not zero;
- ``opened``/``clicked``: ``true``/``false``/``null``; a record without a
  recipient (stored as ``''``) has ``null``;
- ``price``: formatted in Python as the renderer would (pydantic-core's
  notation, ``1e-9`` rather than ``1e-09``); ``null`` when not finite.

``raw`` is not served here: with ``--raw`` records take the ordinary path.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Sequence

from maillogs.archive.offline import merged_rows
from maillogs.archive.query import FIELD_COLUMNS
from maillogs.core.query import Query

_COLUMNS = dict(FIELD_COLUMNS)
_PRICE = "price"


def _micros(column: str) -> str:
    # The sub-second part, also right for instants before 1970 (% keeps the sign).
    return f"(({column} % 1000000 + 1000000) % 1000000)"


def _value(field: str) -> str:
    """SQL giving ``field``'s value for ``json_object``: text is quoted by it,
    ``json()`` text is written as is (our own names only: no input)."""
    column = _COLUMNS[field]
    if column.endswith("_us"):
        micros = _micros(column)
        # datetime() and substr() cost half what strftime() and printf() do.
        seconds = f"replace(datetime(({column} - {micros}) / 1000000, 'unixepoch'), ' ', 'T')"
        fraction = f"CASE {micros} WHEN 0 THEN '' ELSE '.' || substr({micros} + 1000000, 2) END"
        return f"{seconds} || {fraction} || 'Z'"  # NULL stays NULL: null
    if field in ("opened", "clicked"):
        return f"CASE {column} WHEN 1 THEN json('true') WHEN 0 THEN json('false') END"
    if field == "recipient":
        return "nullif(recipient, '')"
    return column


def _object(fields: Sequence[str]) -> str:
    """SQL for the JSON object of ``fields``, built by SQLite in one call."""
    return "json_object(" + ", ".join(f"'{field}', {_value(field)}" for field in fields) + ")"


def object_columns(columns: Sequence[str]) -> list[str]:
    """The SQL expressions of a row: ``submitted_us`` (to merge on), then the
    object's text; or, when ``price`` is a column, the text before the price's
    value, the price, and the text after it."""
    if _PRICE not in columns:
        return ["submitted_us", _object(columns)]
    cut = list(columns).index(_PRICE)
    before, after = columns[:cut], columns[cut + 1 :]
    # The objects of the fields on either side, their braces cut where the price goes in.
    head = f"rtrim({_object(before)}, '}}') || ',\"price\":'" if before else "'{\"price\":'"
    tail = f"',' || ltrim({_object(after)}, '{{')" if after else "'}'"
    return ["submitted_us", head, _PRICE, tail]


def price_text(price: float | None) -> str:
    """A price as the JSON renderer writes it (see module docstring)."""
    if price is None or not math.isfinite(price):
        return "null"
    text = repr(price)
    if "e" in text:
        # pydantic writes exponents its own way (1e-9, not 1e-09): ask it, rarely.
        import pydantic_core

        return pydantic_core.to_json(price).decode()
    return text


def json_objects(
    conn: sqlite3.Connection,
    query: Query,
    profiles: Sequence[str],
    columns: Sequence[str],
) -> Iterator[str]:
    """The JSON text of every record ``query`` matches, newest first, merged
    across ``profiles`` as ``read_rows`` merges them (before ``terminal_safe``)."""
    expressions = object_columns(columns)
    rows = merged_rows(conn, query, profiles, expressions, 0)
    if len(expressions) == 2:
        return (row[1] for row in rows)
    return (head + price_text(price) + tail for _, head, price, tail in rows)
