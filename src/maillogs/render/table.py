"""Human-readable table output for a terminal (or a pager), built with Rich.

Rows are printed in chunks so output starts at once and memory stays bounded on
large results. Column widths only ever grow from one chunk to the next, so chunks
line up as one continuous table; when a later chunk needs wider columns the header
is printed again above it. Values wider than the terminal allows end in an ellipsis.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from datetime import datetime
from typing import TextIO

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from maillogs.core.models import LogRecord, status_label
from maillogs.core.statuses import Status
from maillogs.render.base import Renderer
from maillogs.render.sanitize import sanitize_cell

CHUNK_ROWS = 100
# Columns that are cut before any other when the terminal is too narrow.
FREE_TEXT_COLUMNS = frozenset({"subject", "error_message", "provider_status"})
MIN_FREE_TEXT = 12
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


def format_time(value: datetime) -> str:
    """``2024-01-15 10:30:00Z`` for UTC, ``2024-01-15 12:30:00+02:00`` otherwise."""
    text = value.isoformat(sep=" ", timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return format_time(value)
    # Every text field is provider-controlled: make it inert before Rich sees it.
    return sanitize_cell(str(value))


def _water_fill(natural: list[int], available: int) -> list[int]:
    """Cap the widest columns first until the widths sum to at most ``available``."""
    if sum(natural) <= available:
        return natural
    low, high = 1, max(natural)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(min(width, cap) for width in natural) <= available:
            low = cap
        else:
            high = cap - 1
    return [min(width, low) for width in natural]


def _fit(natural: list[int], available: int, free_text: list[bool]) -> list[int]:
    """Column widths summing to at most ``available``, cutting free text first.

    Subjects and error messages still say something when cut; a cut address,
    timestamp or id does not, so those keep their width while they can.
    """
    if sum(natural) <= available:
        return natural
    pairs = list(zip(natural, free_text, strict=True))
    text_widths = [width if free else 0 for width, free in pairs]
    other_widths = [0 if free else width for width, free in pairs]
    # Free text keeps at least a readable stub; the other columns share the rest.
    stubs = sum(min(width, MIN_FREE_TEXT) for width in text_widths)
    others = _water_fill(other_widths, max(available - stubs, 0))
    texts = _water_fill(text_widths, available - sum(others))
    return [max(1, other + text) for other, text in zip(others, texts, strict=True)]


class TableRenderer(Renderer):
    """Rows of sanitized text; statuses coloured only when ``color`` is set."""

    def __init__(
        self, stream: TextIO, *, columns: Sequence[str], color: bool, width: int | None
    ) -> None:
        super().__init__(stream)
        self._columns = tuple(columns)
        self._color = color
        self._console = make_console(stream, color=color, width=width)
        self._status_index = self._columns.index("status") if "status" in self._columns else -1
        self._rows: list[list[str]] = []
        # Widest content seen so far per column (header included), before fitting.
        self._natural = [cell_len(name) for name in self._columns]
        self._widths: list[int] = []
        self._free_text = [name in FREE_TEXT_COLUMNS for name in self._columns]

    def _write(self, record: LogRecord) -> None:
        row = [_display(getattr(record, name)) for name in self._columns]
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
        widths = self._fit_widths()
        table = Table(
            *(
                Column(Text(name), width=width, no_wrap=True, overflow="ellipsis")
                for name, width in zip(self._columns, widths, strict=True)
            ),
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            collapse_padding=True,
            show_header=widths != self._widths,
        )
        self._widths = widths
        for row in self._rows:
            table.add_row(*(self._cell(i, text) for i, text in enumerate(row)))
        self._rows = []
        self._console.print(table)

    def _cell(self, index: int, text: str) -> Text:
        if self._color and index == self._status_index:
            status = text.partition(" ")[0]
            return Text(text, style=_STATUS_STYLES.get(status, ""))
        return Text(text)

    def _fit_widths(self) -> list[int]:
        self._natural = [
            max([natural, *(cell_len(row[i]) for row in self._rows)])
            for i, natural in enumerate(self._natural)
        ]
        # Columns are two spaces apart: one of collapsed padding, one of divider.
        available = self._console.width - 2 * (len(self._columns) - 1)
        return _fit(self._natural, available, self._free_text)
