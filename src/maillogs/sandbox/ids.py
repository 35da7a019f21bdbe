"""Reversible, realistic-looking identifiers for synthetic records.

Every id embeds its record index, scrambled by a key derived from the seed, in
its low 48 bits. An id filter (Kaleyra ``messageId``, EDITH ``refId``, Infobip
``messageId``/``bulkId``) is therefore answered by decoding the index and
regenerating that one record, never by scanning a million records.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Final

_BITS: Final = 48
_MASK: Final = (1 << _BITS) - 1
# Any odd multiplier is invertible modulo 2**48; this one (the golden ratio
# constant) spreads consecutive indices across the whole range.
_MULT: Final = 0x9E3779B97F4A7C15 & _MASK
_MULT_INV: Final = pow(_MULT, -1, 1 << _BITS)
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def key48(seed: int, salt: str) -> int:
    """A 48-bit scrambling key for one (seed, provider, id kind)."""
    digest = hashlib.blake2b(f"{seed}/{salt}".encode(), digest_size=6).digest()
    return int.from_bytes(digest, "big")


def scramble(index: int, key: int) -> int:
    """Map an index to a random-looking 48-bit value, reversibly."""
    return ((index * _MULT) & _MASK) ^ key


def unscramble(value: int, key: int) -> int:
    """Inverse of :func:`scramble`."""
    return ((value ^ key) * _MULT_INV) & _MASK


def format_uuid(high80: int, low48: int) -> str:
    """A version-4-looking UUID whose last group (the node) is ``low48``."""
    value = ((high80 & ((1 << 80) - 1)) << _BITS) | low48
    # Force the version nibble to 4 and the variant bits to 10, as uuid4 does.
    value &= ~(0xF << 76)
    value |= 0x4 << 76
    value &= ~(0x3 << 62)
    value |= 0x2 << 62
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid_low48(text: str) -> int | None:
    """The node group of a UUID string, or ``None`` if it is not UUID-shaped."""
    parts = text.split("-")
    if len(parts) != 5 or [len(p) for p in parts] != [8, 4, 4, 4, 12]:
        return None
    try:
        return int(parts[4], 16)
    except ValueError:
        return None


def format_ulid(millis: int, high32: int, low48: int) -> str:
    """A ULID (26 Crockford base-32 chars): 48-bit time, then 80 bits of "randomness"."""
    value = ((millis & _MASK) << 80) | ((high32 & 0xFFFFFFFF) << _BITS) | low48
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def ulid_low48(text: str) -> int | None:
    """The low 48 bits of a ULID string, or ``None`` if it is not ULID-shaped."""
    if len(text) != 26:
        return None
    value = 0
    for char in text.upper():
        digit = _CROCKFORD.find(char)
        if digit < 0:
            return None
        value = (value << 5) | digit
    return value & _MASK


def format_base32(high: int, low48: int) -> str:
    """A 24-character lower-case alphanumeric id (120 bits), like Infobip's message ids."""
    value = ((high & ((1 << 72) - 1)) << _BITS) | low48
    return base64.b32encode(value.to_bytes(15, "big")).decode().lower()


def base32_low48(text: str) -> int | None:
    """The low 48 bits of a :func:`format_base32` id, or ``None`` if malformed."""
    if len(text) != 24:
        return None
    try:
        raw = base64.b32decode(text.upper())
    except binascii.Error:
        return None
    return int.from_bytes(raw[-6:], "big")
