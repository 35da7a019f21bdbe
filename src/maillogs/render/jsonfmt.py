"""JSON array and JSON Lines output.

Objects come from pydantic's own JSON serializer, which is both the fastest path and
guarantees the same values as ``LogRecord.to_json_dict`` (UTC as ``Z``, other
offsets kept). Keys come in the order ``--columns`` asked for (``raw`` last); only
an order other than ``RECORD_FIELDS``' costs a re-ordering pass per record.
Non-finite prices become ``null``, since JSON has no NaN or infinity.
"""

from __future__ import annotations

import json
import math
import re
from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from maillogs.core.fields import RECORD_FIELDS
from maillogs.render.base import Renderer

if TYPE_CHECKING:
    from maillogs.core.models import LogRecord

# Characters JSON may carry raw but that act on terminals (C1 controls such as the
# 8-bit CSI, bidirectional overrides) or end lines for many readers (NEL, U+2028,
# U+2029, which would split a JSON Lines record). They only occur inside strings,
# so writing them as \uXXXX escapes leaves every value unchanged.
_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe(text: str) -> str:
    """JSON ``text`` with the characters of ``_UNSAFE`` written as ``\\uXXXX`` escapes."""
    return text if text.isprintable() else _UNSAFE.sub(_escape, text)


def in_field_order(columns: Sequence[str]) -> bool:
    """True when ``columns`` come in ``RECORD_FIELDS`` order: objects are then
    pydantic's own text; otherwise they are re-ordered through ``json``."""
    return sorted(columns, key=RECORD_FIELDS.index) == list(columns)


class _Keys:
    """Which keys each object carries, and in what order."""

    def __init__(self, columns: Sequence[str], with_raw: bool) -> None:
        keys = [*columns, "raw"] if with_raw else list(columns)
        self.include = set(keys)
        # None when pydantic's own (field) order is already the order asked for.
        self.order = None if in_field_order(columns) else keys

    def dump(self, record: LogRecord) -> str:
        text = record.model_dump_json(include=self.include)
        if self.order is not None:
            data = json.loads(text)
            text = json.dumps(
                {key: data[key] for key in self.order}, ensure_ascii=False, separators=(",", ":")
            )
        return terminal_safe(text)


class _JsonRenderer(Renderer):
    """Writes each record as one JSON object, or an object serialized elsewhere."""

    def __init__(self, stream: TextIO, *, columns: Sequence[str], with_raw: bool) -> None:
        super().__init__(stream)
        self._keys = _Keys(columns, with_raw)

    def _write(self, record: LogRecord) -> None:
        self._write_text(self._keys.dump(record))

    def write_texts(self, texts: Sequence[str]) -> None:
        """Write objects already serialized exactly as records' would be (the
        archive's fast path builds them in SQL), several in one write."""
        self._guarded(self._write_texts, texts)

    def _write_text(self, text: str) -> None:
        self._write_texts((text,))

    @abstractmethod
    def _write_texts(self, texts: Sequence[str]) -> None:
        """Write serialized objects."""


class JsonLinesRenderer(_JsonRenderer):
    """One JSON object per line."""

    def _write_texts(self, texts: Sequence[str]) -> None:
        self._stream.write("".join(text + "\n" for text in texts))

    def _finish(self) -> None:
        """Nothing follows the last line."""


class JsonArrayRenderer(_JsonRenderer):
    """One JSON array, streamed: one object per line, ``]`` written on close."""

    def __init__(self, stream: TextIO, *, columns: Sequence[str], with_raw: bool) -> None:
        super().__init__(stream, columns=columns, with_raw=with_raw)
        self._separator = "["

    def _write_texts(self, texts: Sequence[str]) -> None:
        if texts:
            self._stream.write(self._separator + ",\n".join(texts))
            self._separator = ",\n"

    def _finish(self) -> None:
        # Still "[" when nothing was written: the output must be "[]", a valid array.
        self._stream.write("[]\n" if self._separator == "[" else "]\n")


def dumps_finite(value: Any) -> str:
    """``value`` as one line of JSON, NaN and infinities as ``null`` (provider
    data may carry them, Python's parser accepts them, JSON has neither), and
    the characters of ``_UNSAFE`` escaped, as for records."""
    return terminal_safe(json.dumps(_finite(value), ensure_ascii=False, allow_nan=False))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
