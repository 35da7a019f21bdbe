"""JSON array and JSON Lines output, in one style for every command.

Piped (or written to a file), objects are compact (``{"a":1,"b":2}``), one per
line: what jq, ``wc -l`` and diff want. On a terminal (``pretty``) a JSON
array is indented and JSON Lines keep one object per line; with ``color`` both
are highlighted, as gh and httpie do.

Objects come from ``core/recordjson.py`` (pydantic-core's serializer), which
gives the same values as ``LogRecord.to_json_dict`` (UTC as ``Z``, other offsets
kept). Keys come in the order ``--columns`` asked for (``raw`` last). Non-finite
prices become ``null``, since JSON has no NaN or infinity.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from maillogs.render.base import Renderer
from maillogs.render.colour import colour_refused

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


class JsonWriter:
    """Writes JSON object texts as one array or as lines, in the shared style.

    Each text given to ``write`` is one compact JSON object; ``close`` ends the
    array (``[]`` when nothing was written, so the output is always valid).
    """

    def __init__(self, stream: TextIO, *, array: bool, pretty: bool, color: bool) -> None:
        self._stream = stream
        self._array = array
        self._pretty = pretty and array
        self._separator = "["
        self._highlight: Callable[[str], str] | None = _highlighter(stream) if color else None

    def write(self, text: str) -> None:
        """Add one object (compact JSON text)."""
        if self._pretty:
            text = "  " + _dumps(json.loads(text), indent=2).replace("\n", "\n  ")
        if self._highlight is not None:
            text = self._highlight(text)
        if not self._array:
            self._stream.write(text + "\n")
            return
        opening = "[\n" if self._pretty else "["
        separator = opening if self._separator == "[" else self._separator
        self._stream.write(separator + text)
        self._separator = ",\n"

    def close(self) -> None:
        """End the array; nothing for JSON Lines."""
        if not self._array:
            return
        if self._separator == "[":
            # Still "[" when nothing was written: the output must be "[]", a valid array.
            self._stream.write("[]\n")
        else:
            self._stream.write("\n]\n" if self._pretty else "]\n")


def _highlighter(stream: TextIO) -> Callable[[str], str]:
    """JSON text -> the same text with colours (Rich's JSON highlighter)."""
    from rich.highlighter import JSONHighlighter
    from rich.text import Text

    from maillogs.render.table import make_console

    console = make_console(stream, color=True)
    highlighter = JSONHighlighter()

    def highlight(text: str) -> str:
        with console.capture() as captured:
            # soft_wrap: a long value stays on its line, as the plain text would.
            console.print(highlighter(Text(text)), soft_wrap=True, end="")
        return captured.get()

    return highlight


class _JsonRenderer(Renderer):
    """Records through a ``JsonWriter``: an array or lines, per ``ARRAY``."""

    ARRAY: bool

    def __init__(
        self,
        stream: TextIO,
        *,
        columns: Sequence[str],
        with_raw: bool,
        pretty: bool = False,
        color: bool = False,
    ) -> None:
        super().__init__(stream)
        from maillogs.core.recordjson import RecordEncoder

        self._encode = RecordEncoder([*columns, "raw"] if with_raw else columns).text
        self._writer = JsonWriter(stream, array=self.ARRAY, pretty=pretty, color=color)

    def _write(self, record: LogRecord) -> None:
        self._writer.write(terminal_safe(self._encode(record)))

    def write_texts(self, texts: Sequence[str]) -> None:
        """Write objects already serialized exactly as records' would be (the
        archive's fast path builds them in SQL)."""
        self._guarded(self._write_texts, texts)

    def _write_texts(self, texts: Sequence[str]) -> None:
        for text in texts:
            self._writer.write(text)

    def _finish(self) -> None:
        self._writer.close()


class JsonLinesRenderer(_JsonRenderer):
    """One JSON object per line."""

    ARRAY = False


class JsonArrayRenderer(_JsonRenderer):
    """One JSON array, streamed: one object per line (indented on a terminal),
    ``]`` written on close."""

    ARRAY = True


def dumps_finite(value: Any) -> str:
    """``value`` as one line of compact JSON, NaN and infinities as ``null``
    (provider data may carry them, Python's parser accepts them, JSON has
    neither), and the characters of ``_UNSAFE`` escaped, as for records."""
    return _dumps(_finite(value))


def _dumps(value: Any, indent: int | None = None) -> str:
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=indent, separators=separators
    )
    return terminal_safe(text)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def write_document(stream: TextIO, value: Any) -> None:
    """One JSON document (a list of profiles, a schema) in the shared style:
    indented and highlighted on a terminal, compact when piped."""
    pretty = stream.isatty()
    text = _dumps(_finite(value), indent=2 if pretty else None)
    if pretty and not colour_refused():
        text = _highlighter(stream)(text)
    stream.write(text + "\n")
