"""One transient status line on stderr for long work: list --all, stats, show, export.

It shows requests sent, records fetched (or written), the time elapsed, an
estimate of the time left when every provider said how many rows match
(Kaleyra's ``total``), and why the run is waiting when a request is being
retried. It only appears when stderr is a terminal (and not with ``--quiet``),
never when piped, and erases itself when the work is done or output starts.

Counts are polled from the adapters' HTTP clients by Rich's refresh thread
(four times a second), so the request loop pays nothing for the display.
Warnings written to stderr meanwhile are printed above the line by Rich.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live
    from rich.spinner import Spinner

    from maillogs.providers.base import Adapter


def format_elapsed(seconds: float) -> str:
    """``75.2`` -> ``"1:15"``; hours appear only when needed."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Activity:
    """The status line of one command; inert when disabled.

    Use as a context manager; ``watch`` the adapters once they exist, ``update``
    when the command itself counts (records written), and ``stop`` before
    writing output to the same terminal.
    """

    def __init__(
        self,
        label: str,
        *,
        enabled: bool,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        network: bool = True,
    ) -> None:
        self.label = label
        self.enabled = enabled
        # False for --offline: a count of requests that never happen is noise.
        self._network = network
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._adapters: list[Adapter] = []
        self._records: int | None = None
        self._done: float | None = None
        self._live: Live | None = None
        self._spinner: Spinner | None = None

    def watch(self, adapters: Sequence[Adapter]) -> None:
        """Count these adapters' requests, rows and retries too."""
        self._adapters.extend(adapters)

    def update(self, records: int, done: float | None = None) -> None:
        """Records handled so far and, when known, the fraction of the work done."""
        self._records = records
        self._done = done

    def describe(self) -> str:
        """The line as it reads now (without the spinner)."""
        elapsed = self._clock() - self._started
        requests = sum(adapter.http.request_count for adapter in self._adapters)
        records = (
            self._records
            if self._records is not None
            else sum(adapter.rows_fetched for adapter in self._adapters)
        )
        parts = [
            *([f"{requests} request{'s' if requests != 1 else ''}"] if self._network else []),
            f"{records} records",
            format_elapsed(elapsed),
        ]
        if self._done:  # neither unknown nor zero
            parts.append(f"about {format_elapsed(elapsed * (1 - self._done) / self._done)} left")
        retrying = next((a.http.retrying for a in self._adapters if a.http.retrying), None)
        if retrying:
            parts.append(f"retrying after {retrying}")
        return f"{self.label}: " + ", ".join(parts)

    def start(self) -> None:
        """Show the line (a no-op when disabled or already shown)."""
        if not self.enabled or self._live is not None:
            return
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        from maillogs.render.colour import colour_refused

        # soft_wrap: a warning printed above the line keeps its own line breaks.
        # With NO_COLOR no styling at all, only the moves that redraw the line.
        console = Console(
            file=self._stream or sys.stderr,
            highlight=False,
            markup=False,
            soft_wrap=True,
            color_system=None if colour_refused() else "auto",
        )
        self._spinner = Spinner("dots", style="dim")
        self._live = Live(
            _Line(self),
            console=console,
            refresh_per_second=4,
            transient=True,
            redirect_stdout=False,
            # Warnings written meanwhile go above the line instead of through it.
            redirect_stderr=True,
        )
        self._live.start()

    def stop(self) -> None:
        """Erase the line, so what follows (output, errors, a summary) starts clean."""
        if self._live is not None:
            self._live.stop()
            self._live = None

    def spinner(self) -> RenderableType:
        from rich.text import Text

        assert self._spinner is not None
        self._spinner.update(text=Text(self.describe(), style="dim"))
        return self._spinner

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _Line:
    """Re-read on every refresh by Rich's thread."""

    def __init__(self, activity: Activity) -> None:
        self._activity = activity

    def __rich__(self) -> RenderableType:
        return self._activity.spinner()


def activity(label: str, *, quiet: bool = False, network: bool = True) -> Activity:
    """The status line for a command: shown only when stderr is a terminal."""
    return Activity(label, enabled=not quiet and sys.stderr.isatty(), network=network)
