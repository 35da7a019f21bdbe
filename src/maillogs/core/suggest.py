""" "Did you mean ...?" for mistyped names: commands, statuses, formats, zones.

One wording everywhere, so a typo reads the same whichever option it is in.
"""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'bounced'? "`` for the closest choice, or ``""`` if none is close.

    Case-insensitive (``Europe/rome`` finds ``Europe/Rome``); the cut-off is
    difflib's usual 0.6, which catches one or two slipped letters without
    proposing unrelated words.

    Args:
        word: What the user typed.
        choices: The accepted values.

    Returns:
        A phrase to put before the list of choices (ends with a space), or "".
    """
    import difflib  # only on the error path: start-up stays light

    by_lower = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.strip().lower(), by_lower, n=1)
    return f"did you mean {by_lower[close[0]]!r}? " if close else ""
