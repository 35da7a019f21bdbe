"""Streaming output of ``LogRecord`` objects as a table, JSON, JSON Lines, CSV or TSV.

Typical use::

    columns = parse_columns(spec, default=default_columns(fmt, multi_profile))
    with open_renderer(fmt, sys.stdout, columns=columns, color=color) as renderer:
        count = renderer.write_many(records)

Rich is imported only when the table format is chosen, and pydantic-core (the
JSON serializer) only for JSON and CSV, to keep start-up fast for each format.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import TextIO

from maillogs.core.errors import UsageError
from maillogs.render.base import Renderer
from maillogs.render.columns import DEFAULT_TABLE_COLUMNS, default_columns, parse_columns
from maillogs.render.jsonfmt import JsonArrayRenderer, JsonLinesRenderer
from maillogs.render.sanitize import neutralize_formula, sanitize_cell

__all__ = [
    "DEFAULT_TABLE_COLUMNS",
    "FORMATS",
    "Renderer",
    "default_columns",
    "neutralize_formula",
    "open_renderer",
    "parse_columns",
    "sanitize_cell",
]

FORMATS: tuple[str, ...] = ("table", "json", "jsonl", "csv", "tsv")


def open_renderer(
    fmt: str,
    stream: TextIO,
    *,
    columns: Sequence[str],
    with_raw: bool = False,
    color: bool = False,
    width: int | None = None,
    tz: tzinfo = UTC,
    relative: bool = False,
    now: datetime | None = None,
    hide: bool = True,
) -> Renderer:
    """Return a renderer writing ``fmt`` to ``stream``; use it as a context manager.

    ``columns`` are names from ``RECORD_FIELDS`` (see ``parse_columns``). ``with_raw``
    adds the provider's raw record (not available in a table). ``color`` highlights
    JSON and statuses; a JSON array written to a terminal is indented. ``width``
    (default: the terminal's, or 200 when piped), ``tz`` (times are local to it),
    ``relative`` ("3h ago" from ``now``) and ``hide`` (hide low-ranked columns that
    do not fit; false when the user chose the columns) only affect the table.

    Raises:
        UsageError: for an unknown format, or ``with_raw`` with the table format.
    """
    if fmt == "table":
        if with_raw:
            raise UsageError("--raw needs --format json, jsonl, csv or tsv")
        from maillogs.render.table import TableRenderer

        return TableRenderer(
            stream,
            columns=columns,
            color=color,
            width=width,
            tz=tz,
            relative=relative,
            now=now,
            hide=hide,
        )
    # JSON is indented (an array) and highlighted only for a person at a terminal.
    pretty = stream.isatty()
    if fmt == "json":
        return JsonArrayRenderer(
            stream, columns=columns, with_raw=with_raw, pretty=pretty, color=color
        )
    if fmt == "jsonl":
        return JsonLinesRenderer(
            stream, columns=columns, with_raw=with_raw, pretty=pretty, color=color
        )
    if fmt in ("csv", "tsv"):
        from maillogs.render.delimited import DelimitedRenderer

        return DelimitedRenderer(stream, columns=columns, with_raw=with_raw, tsv=fmt == "tsv")
    raise UsageError(f"unknown format {fmt!r}; choose from: {', '.join(FORMATS)}")
