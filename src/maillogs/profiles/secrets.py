"""Secrets: masking for display and last-resort redaction of every value seen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

# --------------------------------------------------------------------------- secrets

# Every secret value this process has resolved, so that last-resort output (the
# one-line error, a --debug traceback) can be scrubbed where no profile is at hand.
_SEEN_SECRETS: set[str] = set()
# Shorter values would also match ordinary words of a message; they are no
# credential anyway.
_MIN_REDACTED_LENGTH: Final = 6


def remember_secrets(values: Iterable[str]) -> None:
    """Add secret values to those :func:`redact_secrets` removes."""
    _SEEN_SECRETS.update(value for value in values if len(value) >= _MIN_REDACTED_LENGTH)


def redact_secrets(text: str) -> str:
    """Replace every secret resolved so far in this process by ``****``.

    Args:
        text: Any text about to be shown.

    Returns:
        The text without the secrets.
    """
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted(_SEEN_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text


# --------------------------------------------------------------------------- names


def mask_secret(value: str) -> str:
    """Mask a secret for display: ``****`` plus its last 4 characters.

    The last 4 are shown only when at least 8 other characters stay hidden, so
    a short secret is never half revealed.

    Args:
        value: The secret.

    Returns:
        ``"****1234"`` or ``"****"``.
    """
    return f"****{value[-4:]}" if len(value) >= 12 else "****"
