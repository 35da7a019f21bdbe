"""A record's fields as JSON: the text of one JSON object, or JSON-ready values.

Both go through ``pydantic_core``'s serializer, the one pydantic models use,
so times, prices and text come out byte for byte as they did when records were
pydantic models (UTC times end in ``Z``, floats print as serde does, non-ASCII
text stays raw; in JSON text, NaN and infinities become null). Only
``pydantic_core`` is imported, not pydantic (~15 ms instead of ~90 ms), and
only by commands that write JSON or CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from pydantic_core import to_json, to_jsonable_python

from maillogs.core.fields import RECORD_FIELDS

# A LogRecord's fields, in its tuple's order (``raw`` follows the public ones).
_FIELDS = (*RECORD_FIELDS, "raw")


class RecordEncoder:
    """Encodes records (``LogRecord``, a tuple in ``_FIELDS`` order) as objects
    with ``keys`` (field names), in that order."""

    __slots__ = ("_keys", "_pick")

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = tuple(keys)
        positions = tuple(_FIELDS.index(key) for key in keys)
        # The values of the keys, in order, read in C: ``itemgetter``, or the
        # record itself when the keys are its leading fields (the default
        # columns; ``zip`` below stops at the last key).
        self._pick: Callable[[Sequence[Any]], Sequence[Any]]
        if positions == tuple(range(len(positions))):
            self._pick = _itself
        elif len(positions) == 1:
            self._pick = lambda record: (record[positions[0]],)
        else:
            self._pick = itemgetter(*positions)

    def text(self, record: Sequence[Any]) -> str:
        """One compact JSON object (no spaces), keys in the order given."""
        pairs = zip(self._keys, self._pick(record), strict=False)
        return to_json(dict(pairs), inf_nan_mode="null").decode()

    def values(self, record: Sequence[Any]) -> list[Any]:
        """The values of the keys, JSON-ready: times as RFC 3339 text, the
        status as its name; text, numbers (NaN and infinities too, as pydantic
        left them), flags and None as they are."""
        picked = self._pick(record)
        result: list[Any] = to_jsonable_python(list(picked[: len(self._keys)]))
        return result


def _itself(record: Sequence[Any]) -> Sequence[Any]:
    return record
