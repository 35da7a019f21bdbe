"""JSON array and JSON Lines output.

Objects come from pydantic's own JSON serializer, which is both the fastest path and
guarantees the same values as ``LogRecord.to_json_dict`` (UTC as ``Z``, other
offsets kept). Keys follow ``RECORD_FIELDS`` order whatever order the columns were
asked in. Non-finite prices become ``null``, since JSON has no NaN or infinity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from maillogs.models import LogRecord
from maillogs.render.base import Renderer


def _fields(columns: Sequence[str], with_raw: bool) -> set[str]:
    return {*columns, "raw"} if with_raw else set(columns)


class JsonLinesRenderer(Renderer):
    """One JSON object per line."""

    def __init__(self, stream: TextIO, *, columns: Sequence[str], with_raw: bool) -> None:
        super().__init__(stream)
        self._include = _fields(columns, with_raw)

    def _write(self, record: LogRecord) -> None:
        self._stream.write(record.model_dump_json(include=self._include) + "\n")

    def _finish(self) -> None:
        """Nothing follows the last line."""


class JsonArrayRenderer(Renderer):
    """One JSON array, streamed: one object per line, ``]`` written on close."""

    def __init__(self, stream: TextIO, *, columns: Sequence[str], with_raw: bool) -> None:
        super().__init__(stream)
        self._include = _fields(columns, with_raw)
        self._separator = "["

    def _write(self, record: LogRecord) -> None:
        self._stream.write(self._separator + record.model_dump_json(include=self._include))
        self._separator = ",\n"

    def _finish(self) -> None:
        # Still "[" when nothing was written: the output must be "[]", a valid array.
        self._stream.write("[]\n" if self._separator == "[" else "]\n")
