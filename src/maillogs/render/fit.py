"""Choose which table columns fit a terminal, and how wide each one is.

The approach of ``gh`` and ``kubectl``: every column has a rank. Columns whose
value means nothing when cut (ids, times, statuses, counts) are never truncated;
free text (subjects, error messages) may be cut down to a readable stub. When
even that does not fit, the lowest-ranked columns are hidden, one at a time,
and the caller tells the user which ones and how to see them. Required columns
are never hidden: a table too narrow for them is printed wider than the
terminal rather than with a cut id nobody can copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Never hidden (ids, times, statuses, a stats row's label).
REQUIRED = 1_000
# Free text keeps at least this many cells once it is cut.
MIN_CUT = 12
# Columns are two cells apart: one of collapsed padding, one of divider.
GAP = 2


@dataclass(frozen=True)
class FitColumn:
    """One column to fit: its widest content (header included) and its rank.

    Attributes:
        name: What the user calls it (``--columns`` names), for the hidden note.
        natural: Cells needed to show every value whole.
        rank: Higher ranks stay longer; ``REQUIRED`` is never hidden.
        cuttable: Whether values may end in an ellipsis (free text, addresses).
        cut_first: Cut before the other cuttable columns (prose, which still
            reads when cut, unlike an address).
    """

    name: str
    natural: int
    rank: int
    cuttable: bool = False
    cut_first: bool = False

    @property
    def least(self) -> int:
        """The narrowest this column may become."""
        # A cut header would not tell what the column is.
        return min(self.natural, max(MIN_CUT, len(self.name))) if self.cuttable else self.natural


@dataclass(frozen=True)
class Fitted:
    """The outcome: a width per column (``None`` when hidden) and the hidden names."""

    widths: list[int | None]
    hidden: list[str]

    @property
    def total(self) -> int:
        shown = [width for width in self.widths if width is not None]
        return sum(shown) + GAP * max(len(shown) - 1, 0)


def fit_columns(columns: Sequence[FitColumn], available: int, *, hide: bool = True) -> Fitted:
    """Widths for ``columns`` in ``available`` cells.

    Hides the lowest-ranked column (the rightmost among equals) until the rest
    fit at their least widths, unless ``hide`` is false (the user chose the
    columns), then shares what is left among the cuttable columns, widest
    first. Required columns always keep their natural width.
    """
    kept = list(range(len(columns)))

    def least_total() -> int:
        return sum(columns[i].least for i in kept) + GAP * max(len(kept) - 1, 0)

    while hide and least_total() > available:
        droppable = [i for i in kept if columns[i].rank < REQUIRED]
        if not droppable:
            break
        kept.remove(min(reversed(droppable), key=lambda i: columns[i].rank))
    widths: list[int | None] = [None] * len(columns)
    fixed = [i for i in kept if not columns[i].cuttable]
    cut = [i for i in kept if columns[i].cuttable]
    for i in fixed:
        widths[i] = columns[i].natural
    room = available - sum(columns[i].natural for i in fixed) - GAP * max(len(kept) - 1, 0)
    first = [i for i in cut if columns[i].cut_first]
    later = [i for i in cut if not columns[i].cut_first]
    # Prose gives way first; addresses are cut only once prose is at its least.
    later_room = max(
        room - sum(columns[i].least for i in first),
        room - sum(columns[i].natural for i in first),
    )
    for i, width in zip(later, _share([columns[i] for i in later], later_room), strict=True):
        widths[i] = width
    first_room = room - sum(widths[i] or 0 for i in later)
    for i, width in zip(first, _share([columns[i] for i in first], first_room), strict=True):
        widths[i] = width
    hidden = [column.name for i, column in enumerate(columns) if i not in kept]
    return Fitted(widths, hidden)


def _share(columns: Sequence[FitColumn], room: int) -> list[int]:
    """Cap the widest cuttable columns first; none goes below its least width."""
    natural = [column.natural for column in columns]
    if sum(natural) <= room:
        return natural
    low, high = 0, max(natural, default=0)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(max(min(c.natural, cap), c.least) for c in columns) <= room:
            low = cap
        else:
            high = cap - 1
    return [max(min(column.natural, low), column.least, 1) for column in columns]


def hidden_note(hidden: Sequence[str], width: int, how: str) -> str:
    """The one line telling which columns were hidden and how to see them."""
    return f"not shown at {width} columns: {', '.join(hidden)} ({how})"
