"""JSON array and JSON Lines output.

Objects come from pydantic's own JSON serializer, which is both the fastest path and
guarantees the same values as ``LogRecord.to_json_dict`` (UTC as ``Z``, other
offsets kept). Keys follow ``RECORD_FIELDS`` order whatever order the columns were
asked in. Non-finite prices become ``null``, since JSON has no NaN or infinity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

from maillogs.models import LogRecord
from maillogs.render.base import Renderer

# Characters JSON may carry raw but that act on terminals (C1 controls such as the
# 8-bit CSI, bidirectional overrides) or end lines for many readers (NEL, U+2028,
# U+2029, which would split a JSON Lines record). They only occur inside strings,
# so writing them as \uXXXX escapes leaves every value unchanged.
_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _dump(record: LogRecord, include: set[str]) -> str:
    text = record.model_dump_json(include=include)
    return text if text.isprintable() else _UNSAFE.sub(_escape, text)


def _fields(columns: Sequence[str], with_raw: bool) -> set[str]:
    return {*columns, "raw"} if with_raw else set(columns)


class JsonLinesRenderer(Renderer):
    """One JSON object per line."""

    def __init__(self, stream: TextIO, *, columns: Sequence[str], with_raw: bool) -> None:
        super().__init__(stream)
        self._include = _fields(columns, with_raw)

    def _write(self, record: LogRecord) -> None:
        self._stream.write(_dump(record, self._include) + "\n")

    def _finish(self) -> None:
        """Nothing follows the last line."""


class JsonArrayRenderer(Renderer):
    """One JSON array, streamed: one object per line, ``]`` written on close."""

    def __init__(self, stream: TextIO, *, columns: Sequence[str], with_raw: bool) -> None:
        super().__init__(stream)
        self._include = _fields(columns, with_raw)
        self._separator = "["

    def _write(self, record: LogRecord) -> None:
        self._stream.write(self._separator + _dump(record, self._include))
        self._separator = ",\n"

    def _finish(self) -> None:
        # Still "[" when nothing was written: the output must be "[]", a valid array.
        self._stream.write("[]\n" if self._separator == "[" else "]\n")
