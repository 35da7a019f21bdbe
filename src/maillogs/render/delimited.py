"""CSV and TSV output, safe to open in a spreadsheet.

Cell values are those of ``LogRecord.to_json_dict`` (timestamps RFC 3339, UTC as
``Z``), with flags spelled ``true``/``false``, ``None`` as an empty cell and the
raw provider record, when asked for, as compact JSON in a last ``raw`` column.
Escape sequences and control characters other than tab and line feed are
removed, and text that a spreadsheet would run as a formula gets a leading ``'``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TextIO, get_args, get_type_hints

from maillogs.core.models import LogRecord
from maillogs.core.recordjson import RecordEncoder
from maillogs.render.base import Renderer
from maillogs.render.sanitize import FORMULA_PREFIXES, strip_controls

# TSV has no quoting, so anything that would end a cell or a row becomes a space
# (Unicode line boundaries too: many readers split lines on them).
_TSV_BREAKS = re.compile(r"\r\n|[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
# Python 3.11's csv writer leaves a lone CR unquoted when the line terminator is
# "\n", which splits the row for readers; line breaks in a value are written as LF.
_CSV_BREAKS = re.compile(r"\r\n?")


def _field_types(names: Sequence[str]) -> list[tuple[object, ...]]:
    """The types each named record field may hold (``str | None`` -> str, None)."""
    hints = get_type_hints(LogRecord)  # resolves every annotation: once per renderer
    return [get_args(hints[name]) or (hints[name],) for name in names]


class DelimitedRenderer(Renderer):
    """A header row, then one row per record."""

    def __init__(
        self, stream: TextIO, *, columns: Sequence[str], with_raw: bool, tsv: bool
    ) -> None:
        super().__init__(stream)
        self._columns = (*columns, "raw") if with_raw else tuple(columns)
        self._values = RecordEncoder(self._columns).values
        self._breaks, self._break = (_TSV_BREAKS, " ") if tsv else (_CSV_BREAKS, "\n")
        types = _field_types(columns)
        # Positions are precomputed so the per-record loop only touches cells that
        # need it: flags need spelling, text needs neutralising; numbers stay numbers.
        self._flag_cells = [i for i, t in enumerate(types) if bool in t]
        self._text_cells = [
            i for i, t in enumerate(types) if not {bool, int, float}.intersection(t)
        ]
        self._raw_cell = len(self._columns) - 1 if with_raw else None
        if tsv:
            writer = csv.writer(
                stream, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n"
            )
        else:
            writer = csv.writer(stream, lineterminator="\n")
        self._writerow: Callable[[Sequence[Any]], Any] = writer.writerow
        self._wrote_header = False

    def _write(self, record: LogRecord) -> None:
        if not self._wrote_header:
            self._writerow(self._columns)
            self._wrote_header = True
        row = self._values(record)
        for i in self._text_cells:
            text = row[i]
            if text:
                cleaned = (
                    text
                    if text.isprintable()
                    else strip_controls(self._breaks.sub(self._break, text))
                )
                # Checked before and after cleaning: a leading CR counts, and a
                # stripped escape sequence must not uncover a leading "=".
                if text[0] in FORMULA_PREFIXES or cleaned[:1] in FORMULA_PREFIXES:
                    cleaned = "'" + cleaned
                row[i] = cleaned
        for i in self._flag_cells:
            flag = row[i]
            if flag is not None:
                row[i] = "true" if flag else "false"
        if self._raw_cell is not None and row[self._raw_cell] is not None:
            # JSON escapes C0 controls itself; C1 controls and bidi marks it leaves raw.
            row[self._raw_cell] = strip_controls(
                json.dumps(row[self._raw_cell], ensure_ascii=False)
            )
        self._writerow(row)

    def _finish(self) -> None:
        # A header even for no records, so the output is still a well-formed table.
        if not self._wrote_header:
            self._writerow(self._columns)
            self._wrote_header = True
