"""Checking the addresses given to ``--from`` and ``--to``.

A value that cannot be an address (``--to notanemail``) matches nothing, and
"no records" would then look like "nothing went wrong": it is refused instead.
The check is deliberately loose (the providers decide what a real mailbox
is): ``name@domain`` or ``@domain`` for a whole domain, without blanks.
"""

from __future__ import annotations

from maillogs.core.errors import UsageError


def check_address(option: str, value: str) -> str:
    """``value`` stripped, if it reads as ``name@domain`` or ``@domain``.

    Args:
        option: ``--from`` or ``--to``, for the message.
        value: What the user typed.

    Returns:
        The address, stripped.

    Raises:
        UsageError: It is not an address; a bare domain gets the ``@domain`` hint.
    """
    address = value.strip()
    local, at, domain = address.rpartition("@")
    usable = (
        bool(at)
        and "@" not in local
        and domain.strip(".") == domain != ""
        and not any(character.isspace() for character in address)
    )
    if usable:
        return address
    hint = f"did you mean '@{address}'? " if not at and "." in address.strip(".") else ""
    raise UsageError(
        f"{option}: {value!r} is not an email address; {hint}"
        "use name@example.com, or @example.com for a whole domain"
    )
