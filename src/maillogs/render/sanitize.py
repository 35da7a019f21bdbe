"""Make untrusted provider text safe to show in a terminal or open in a spreadsheet."""

from __future__ import annotations

import re

# Escape sequences a terminal would act on: CSI (7- and 8-bit), OSC/DCS/SOS/PM/APC
# strings up to their terminator (or the end of the text), and two-byte escapes.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]
    | \x9b[0-?]*[ -/]*[@-~]
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|$)
    | \x1b[ -/]*[0-~]
    """,
    re.VERBOSE | re.DOTALL,
)
# Line and column breaks would split a table row; they become one space.
_BREAKS = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]+")
# Remaining C0/C1 controls and DEL, plus the bidirectional overrides that can make
# a terminal display text in a misleading order.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# The same, less the tab and line feed: a CSV cell may hold those (quoted).
_INVISIBLE_IN_CELL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

# OWASP CSV-injection guidance: spreadsheets treat cells starting with these as formulas.
FORMULA_PREFIXES = frozenset("=+-@\t\r")


def sanitize_cell(text: str) -> str:
    """Return ``text`` with escape sequences and control characters removed.

    Line breaks and tabs become a single space, so the result always fits on one line.
    """
    if text.isprintable():
        # Fast path: nothing a terminal would interpret, the common case.
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _BREAKS.sub(" ", text)
    return _INVISIBLE.sub("", text)


def neutralize_formula(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would evaluate as a formula."""
    if text and text[0] in FORMULA_PREFIXES:
        return "'" + text
    return text


def strip_controls(text: str) -> str:
    """Return ``text`` without escape sequences and control characters, but with
    its tabs and line feeds (for CSV cells, which quote them).

    Files are read with ``cat`` and ``less`` too, where an escape sequence from a
    provider would act on the terminal; no spreadsheet needs one.
    """
    if text.isprintable():
        return text
    return _INVISIBLE_IN_CELL.sub("", _ESCAPE_SEQUENCE.sub("", text))
