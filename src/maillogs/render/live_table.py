"""The table of ``maillogs tail``: one row printed as each record arrives.

A follow cannot wait for a chunk of rows, and must not redraw what scrolled
by: each row prints at once, in the columns the first row fixes (the header
with it), so later rows line up under it; the header repeats only when an id,
time or status longer than any before needs more room (``TableRenderer``). The widths start
from what such values usually take, so that one short first row does not
squeeze the rest; a longer value ends in an ellipsis, as in every table.
"""

from __future__ import annotations

from typing import Final

from maillogs.core.models import LogRecord
from maillogs.render.table import TableRenderer

# Room each column gets before the terminal's width is shared out.
TYPICAL_WIDTHS: Final = {
    "provider": 7,
    "profile": 12,
    "message_id": 26,
    "status": 9,  # "delivered"; longer ones widen it when they come first
    "provider_status": 20,
    "sender": 20,
    "recipient": 22,
    "submitted_at": 20,
    "delivered_at": 20,
    "updated_at": 20,
    "campaign_id": 18,
    "subject": 24,
    "error_message": 24,
}


class LiveTableRenderer(TableRenderer):
    """A :class:`TableRenderer` that prints every row at once, in fixed columns."""

    def _write(self, record: LogRecord) -> None:
        super()._write(record)
        self._print_rows()

    def _layout(self) -> tuple[list[int], list[int]]:
        if self._kept is None:  # the first row: the layout every later row keeps
            self._natural = [
                max(width, TYPICAL_WIDTHS.get(name, 0))
                for name, width in zip(self._columns, self._natural, strict=True)
            ]
        return super()._layout()
