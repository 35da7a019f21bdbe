"""Human-readable table output for a terminal (or a pager), built with Rich.

Rows are printed in chunks so output starts at once and memory stays bounded on
large results. The first chunk fixes the layout (see ``TableRenderer``), so chunks
line up as one continuous table. Free text wider than its column ends in an
ellipsis; ids, times and statuses are never cut.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import TextIO

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from maillogs.core.models import LogRecord, status_label
from maillogs.core.statuses import Status
from maillogs.render.base import Renderer
from maillogs.render.columns import COLUMN_RANKS, CUTTABLE_COLUMNS, OTHER_RANK, PROSE_COLUMNS
from maillogs.render.fit import GAP, FitColumn, fit_columns, hidden_note
from maillogs.render.sanitize import sanitize_cell
from maillogs.render.times import local_time, relative_time, zone_label

CHUNK_ROWS = 100
TIME_COLUMNS = frozenset({"submitted_at", "delivered_at", "updated_at"})
# Width used when the output is not a terminal and the caller gives none.
PIPE_WIDTH = 200

_STATUS_STYLES: dict[str, str] = {
    Status.DELIVERED: "green",
    Status.OPENED: "cyan",
    Status.CLICKED: "cyan",
    Status.QUEUED: "yellow",
    Status.SENT: "yellow",
    Status.DEFERRED: "yellow",
    Status.BOUNCED: "red",
    Status.BLOCKED: "red",
    Status.FAILED: "red",
    Status.COMPLAINED: "red",
    Status.EXPIRED: "red",
    Status.UNSUBSCRIBED: "magenta",
    Status.UNKNOWN: "dim",
}


class _PipeSafeConsole(Console):
    def on_broken_pipe(self) -> None:
        # Rich would point stdout at /dev/null and exit(1) here; how a vanished reader
        # ends the program is decided once, by the CLI's top-level handler.
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def make_console(stream: TextIO, *, color: bool, width: int | None = None) -> Console:
    """A Rich console for ``stream`` that never interprets data and lets a broken
    pipe through; shared by every Rich output (tables, stats, show panels)."""
    if width is None and not stream.isatty():
        width = PIPE_WIDTH
    # Markup, emoji codes and highlighting are off so that nothing in the data
    # is ever interpreted; without colour Rich emits no escape sequence at all.
    return _PipeSafeConsole(
        file=stream,
        width=width,
        force_terminal=color,
        color_system="auto" if color else None,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
    )


def _display(value: object, show_time: Callable[[datetime], str]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return show_time(value)
    # Every text field is provider-controlled: make it inert before Rich sees it.
    return sanitize_cell(str(value))


class TableRenderer(Renderer):
    """Rows of sanitized text; statuses coloured only when ``color`` is set.

    Columns are fitted to the width by rank (see ``render.fit``): the first chunk
    decides which columns are shown (``hidden`` names the others) and how wide the
    free text is; later chunks keep that layout, so the header is printed again
    only when an id, time or status longer than any before needs more room.
    Times are local to ``tz`` (named in the header), or "3h ago" with ``relative``.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        columns: Sequence[str],
        color: bool,
        width: int | None,
        tz: tzinfo = UTC,
        relative: bool = False,
        now: datetime | None = None,
        hide: bool = True,
    ) -> None:
        super().__init__(stream)
        self._columns = tuple(columns)
        self._color = color
        self._console = make_console(stream, color=color, width=width)
        self._status_index = self._columns.index("status") if "status" in self._columns else -1
        self._rows: list[list[str]] = []
        now = now or datetime.now(UTC)
        if relative:
            self._show_time: Callable[[datetime], str] = lambda t: relative_time(t, now, tz)
        else:
            self._show_time = lambda t: local_time(t, tz)
        zone = "" if relative else f" ({zone_label(tz, now)})"
        self._headers = [
            f"{name}{zone}" if name in TIME_COLUMNS else name for name in self._columns
        ]
        # Widest content seen so far per column (header included), before fitting.
        self._natural = [cell_len(header) for header in self._headers]
        self._hide = hide
        self._kept: list[int] | None = None
        self._first_widths: dict[int, int] = {}
        self._widths: list[int] = []
        self.hidden: list[str] = []

    def fit_note(self) -> str | None:
        if not self.hidden:
            return None
        return hidden_note(self.hidden, self._console.width, "see them with --columns")

    def _write(self, record: LogRecord) -> None:
        row = [_display(getattr(record, name), self._show_time) for name in self._columns]
        if self._status_index >= 0:
            # A status reported for the whole message must not read as this recipient's.
            row[self._status_index] = status_label(record.status, record.status_scope)
        self._rows.append(row)
        if len(self._rows) >= CHUNK_ROWS:
            self._print_rows()

    def _finish(self) -> None:
        # No records, no output: the caller reports the empty result on stderr.
        if self._rows:
            self._print_rows()

    def _print_rows(self) -> None:
        kept, widths = self._layout()
        table = Table(
            *(
                Column(Text(self._headers[i]), width=width, no_wrap=True, overflow="ellipsis")
                for i, width in zip(kept, widths, strict=True)
            ),
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            collapse_padding=True,
            show_header=widths != self._widths,
        )
        self._widths = widths
        for row in self._rows:
            table.add_row(*(self._cell(i, row[i]) for i in kept))
        self._rows = []
        # Required columns are never cut: wider than the terminal, the table
        # is printed at its own width (the terminal wraps it) rather than cut.
        fitted_to = self._console.width
        self._console.width = max(sum(widths) + GAP * (len(widths) - 1), fitted_to)
        try:
            self._console.print(table)
        finally:
            self._console.width = fitted_to

    def _cell(self, index: int, text: str) -> Text:
        if self._color and index == self._status_index:
            status = text.partition(" ")[0]
            return Text(text, style=_STATUS_STYLES.get(status, ""))
        return Text(text)

    def _layout(self) -> tuple[list[int], list[int]]:
        """The shown columns (indices) and their widths for the rows buffered."""
        self._natural = [
            max([width, *(cell_len(row[i]) for row in self._rows)])
            for i, width in enumerate(self._natural)
        ]
        first = self._kept is None
        candidates = list(range(len(self._columns))) if self._kept is None else self._kept
        fitted = fit_columns(
            [
                FitColumn(
                    self._columns[i],
                    # Free text keeps its first width: growing it would move every column.
                    min(self._natural[i], self._first_widths.get(i, self._natural[i])),
                    COLUMN_RANKS.get(self._columns[i], OTHER_RANK),
                    cuttable=self._columns[i] in CUTTABLE_COLUMNS,
                    cut_first=self._columns[i] in PROSE_COLUMNS,
                )
                for i in candidates
            ],
            self._console.width,
            hide=self._hide and first,
        )
        shown = [(i, w) for i, w in zip(candidates, fitted.widths, strict=True) if w is not None]
        if first:
            self._kept = [i for i, _ in shown]
            self.hidden = fitted.hidden
            self._first_widths = {i: w for i, w in shown if self._columns[i] in CUTTABLE_COLUMNS}
        return [i for i, _ in shown], [w for _, w in shown]
