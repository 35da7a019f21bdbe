"""A one-line progress display on stderr for exports run by a person.

The line shows records written, requests sent, the rate and the time
elapsed, and an estimate of the time left when every provider of the export
told how many rows the query matches (Kaleyra's ``total``; EDITH and Infobip
do not). It redraws at most four times a second with ``\\r``, which costs
nothing and works in any terminal; Rich's live display would be overkill.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

_CLEAR_LINE = "\r\x1b[K"


def format_elapsed(seconds: float) -> str:
    """``75.2`` -> ``"1:15"``; hours appear only when needed.

    Args:
        seconds: A duration.

    Returns:
        ``M:SS`` or ``H:MM:SS``.
    """
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Throttled ``records, requests, rate, elapsed`` line; inert when disabled."""

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        label: str = "exporting",
    ) -> None:
        """Prepare the display.

        Args:
            stream: Where to draw (stderr).
            enabled: Draw at all (only for a terminal, and not with ``--quiet``).
            interval: Minimum seconds between redraws.
            clock: Monotonic seconds (tests pass a fake one).
            label: What the line starts with (``exporting``, ``syncing``).
        """
        self._label = label
        self._stream = stream
        self.enabled = enabled
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_draw: float | None = None
        self._drawn = False

    def update(self, records: int, requests: int, done: float | None = None) -> None:
        """Report the counts so far; redraws only if ``interval`` has passed.

        Args:
            records: Records written so far.
            requests: HTTP requests sent so far.
            done: The fraction of the work done (0..1), when it is known.
        """
        if not self.enabled:
            return
        now = self._clock()
        if self._last_draw is not None and now - self._last_draw < self._interval:
            return
        self._last_draw = now
        elapsed = now - self._started
        rate = records / elapsed if elapsed > 0 else 0.0
        left = ""
        if done:  # neither unknown nor zero
            left = f", about {format_elapsed(elapsed * (1 - done) / done)} left"
        self._stream.write(
            f"{_CLEAR_LINE}{self._label}: {records} records, {requests} requests, "
            f"{rate:.0f} records/s, {format_elapsed(elapsed)}{left}"
        )
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the line, so what follows (errors, the summary) starts clean."""
        if self._drawn:
            self._stream.write(_CLEAR_LINE)
            self._stream.flush()
            self._drawn = False
