"""Whether the user has asked for no colour: the one place that reads it."""

from __future__ import annotations

import os


def colour_refused() -> bool:
    """True with ``NO_COLOR`` set (https://no-color.org) or ``TERM=dumb``: no
    colour or other styling on any stream, terminal or not."""
    return bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
