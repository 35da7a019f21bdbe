"""Archived records as JSON objects built by SQLite: the fast path of
``list --offline`` and ``export --offline`` in json and jsonl.

Building a ``LogRecord`` and serializing it costs more per record than reading
it; here SQLite writes each object's text (``json_quote`` escapes strings
exactly as Python's ``json`` and pydantic do), so a record never becomes a
Python object, and pydantic is not even imported. The text is byte for byte
what the JSON renderers write for the same record and columns (the tests
compare them over every kind of value):

- times: RFC 3339 in UTC with ``Z``, microseconds only when not zero;
- ``opened``/``clicked``: ``true``/``false``/``null``; a record without a
  recipient (stored as ``''``) has ``null``;
- ``price``: formatted in Python as the renderer would: pydantic's notation
  when the columns come in field order, ``json``'s when re-ordered; ``null``
  when not finite.

``raw`` is not served here: with ``--raw`` records take the ordinary path.
"""

from __future__ import annotations

import json
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
    """SQL giving the JSON text of ``field``'s value (our own names only: no input)."""
    column = _COLUMNS[field]
    if column.endswith("_us"):
        micros = _micros(column)
        # datetime() and substr() cost half what strftime() and printf() do.
        seconds = f"replace(datetime(({column} - {micros}) / 1000000, 'unixepoch'), ' ', 'T')"
        fraction = f"CASE {micros} WHEN 0 THEN '' ELSE '.' || substr({micros} + 1000000, 2) END"
        text = f"'\"' || {seconds} || {fraction} || 'Z\"'"
        return f"CASE WHEN {column} IS NULL THEN 'null' ELSE {text} END"
    if field in ("opened", "clicked"):
        return f"CASE {column} WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'null' END"
    if field == "recipient":
        return "CASE recipient WHEN '' THEN 'null' ELSE json_quote(recipient) END"
    return f"json_quote({column})"


def _text_sql(fields: Sequence[str], opening: bool) -> str:
    parts = []
    for i, field in enumerate(fields):
        separator = "{" if opening and i == 0 else ","
        parts.extend([f"'{separator}{json.dumps(field)}:'", _value(field)])
    return " || ".join(parts) if parts else "''"


def object_columns(columns: Sequence[str]) -> list[str]:
    """The SQL expressions of a row: ``submitted_us`` (to merge on), the object's
    text before the price, and, when ``price`` is a column, the price and the
    text after it."""
    if _PRICE not in columns:
        return ["submitted_us", _text_sql(columns, True) + " || '}'"]
    cut = list(columns).index(_PRICE)
    head = _text_sql(columns[:cut], True)
    opening = "{" if cut == 0 else ","
    head = f"{head} || '{opening}\"price\":'" if cut else f"'{opening}\"price\":'"
    tail = _text_sql(columns[cut + 1 :], False)
    return ["submitted_us", head, _PRICE, f"{tail} || '}}'"]


def price_text(price: float | None, field_order: bool) -> str:
    """A price as the JSON renderer writes it (see module docstring)."""
    if price is None or not math.isfinite(price):
        return "null"
    text = repr(price)
    if field_order and "e" in text:
        # pydantic writes exponents its own way (1e-9, not 1e-09): ask it, rarely.
        import pydantic_core

        return pydantic_core.to_json(price).decode()
    return text


def json_objects(
    conn: sqlite3.Connection,
    query: Query,
    profiles: Sequence[str],
    columns: Sequence[str],
    *,
    field_order: bool,
) -> Iterator[str]:
    """The JSON text of every record ``query`` matches, newest first, merged
    across ``profiles`` as ``read_rows`` merges them (before ``terminal_safe``)."""
    expressions = object_columns(columns)
    rows = merged_rows(conn, query, profiles, expressions, 0)
    if len(expressions) == 2:
        return (row[1] for row in rows)
    return (head + price_text(price, field_order) + tail for _, head, price, tail in rows)
