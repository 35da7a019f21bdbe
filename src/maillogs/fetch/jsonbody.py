"""Provider response bodies to Python values, whatever numbers and escapes they hold.

Two kinds of valid JSON would otherwise crash maillogs far from the network:

- an integer longer than Python's int-to-text limit (4,300 digits): ``json``
  refuses it with a plain ``ValueError``. Such a number is kept as its digits,
  a string, so the record survives and ``--raw`` shows exactly what was sent;
  a field that needs a number then sees text and treats it as malformed.
- a lone surrogate escape (``"\\ud800"``): it decodes to a ``str`` no UTF-8
  writer can encode, so the JSON, CSV and table outputs would fail on it. It
  becomes U+FFFD, the replacement character, as undecodable text does anywhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

# After decoding, a valid pair is one code point: any surrogate left is a lone one.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Only a \uD800-\uDFFF escape can produce one (raw surrogate bytes are not UTF-8).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def decode_json(content: bytes | bytearray) -> Any:
    """Parse a JSON body as :func:`json.loads` does, minus the two traps above.

    Args:
        content: The body, UTF-8 (or UTF-16/32 with a BOM, as ``json`` accepts).

    Returns:
        The value, with too-long integers as digit strings and lone surrogates
        replaced by U+FFFD.

    Raises:
        json.JSONDecodeError: Not JSON.
        UnicodeDecodeError: Not UTF-8.
        RecursionError: Nested deeper than the parser can follow.
    """
    try:
        value = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError:
        # Only the integer limit raises a plain ValueError; parse again, slower,
        # only for such a body.
        value = json.loads(content, parse_int=_int_or_digits)
    if _SURROGATE_ESCAPE.search(content):
        value = _without_lone_surrogates(value)
    return value


def _int_or_digits(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def _clean(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


def _without_lone_surrogates(value: Any) -> Any:
    """``value`` with every string (keys too) cleaned; containers are changed in place.

    Iterative: the parser already accepted the nesting depth, which a recursive
    walk started deeper in the stack might not.
    """
    if isinstance(value, str):
        return _clean(value)
    pending: list[Any] = [value]
    while pending:
        container = pending.pop()
        if isinstance(container, dict):
            if any(_LONE_SURROGATE.search(key) for key in container):
                cleaned = {_clean(key): item for key, item in container.items()}
                container.clear()
                container.update(cleaned)
            slots: Any = container.items()
        elif isinstance(container, list):
            slots = enumerate(container)
        else:
            continue
        for slot, item in list(slots):
            if isinstance(item, str):
                container[slot] = _clean(item)
            elif isinstance(item, dict | list):
                pending.append(item)
    return value
