"""Long tables on a terminal go through a pager, as with git and gh.

The pager is ``$MAILLOGS_PAGER``, else ``$PAGER``, else ``less -FRX`` (``-F``:
quit at once when the output fits one screen, ``-R``: keep the colours, ``-X``:
leave the output on the screen). ``--no-pager`` or an empty
``MAILLOGS_PAGER=`` (or ``PAGER=``) turns it off. It is started lazily, on the
first write, so that nothing is paged when there is nothing to show and the
progress line (see ``render.progress``) can be erased just before.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
from collections.abc import Callable, Iterator, Mapping
from typing import IO, TextIO, cast

DEFAULT_PAGER = "less -FRX"


def pager_command(*, no_pager: bool, env: Mapping[str, str] = os.environ) -> list[str] | None:
    """The pager to run, or None when paging is off."""
    if no_pager:
        return None
    for name in ("MAILLOGS_PAGER", "PAGER"):
        if name in env:
            return shlex.split(env[name]) or None
    return shlex.split(DEFAULT_PAGER)


class _LazyOutput(io.TextIOBase):
    """stdout until the first write, which runs ``before_output`` and starts the
    pager; every later write goes to the pager (or stdout without one)."""

    def __init__(
        self, stream: TextIO, command: list[str] | None, before_output: Callable[[], None]
    ) -> None:
        self._stream = stream
        self._command = command
        self._before_output: Callable[[], None] | None = before_output
        self._target: IO[str] = stream
        self.process: subprocess.Popen[str] | None = None

    def _start(self) -> None:
        before, self._before_output = self._before_output, None
        if before is not None:
            before()
        if self._command is None:
            return
        env = {**os.environ}
        # less without options of its own still shows colours and quits on one screen.
        env.setdefault("LESS", "FRX")
        try:
            self.process = subprocess.Popen(
                self._command, stdin=subprocess.PIPE, text=True, encoding="utf-8", env=env
            )
        except OSError:
            # No such pager: print to the terminal instead; paging is a comfort.
            return
        assert self.process.stdin is not None
        self._target = self.process.stdin

    def write(self, text: str) -> int:
        if self._before_output is not None:
            self._start()
        return self._target.write(text)

    def flush(self) -> None:
        self._target.flush()

    @property
    def name(self) -> str:
        # Error messages name the file being written.
        return str(getattr(self._stream, "name", "output"))

    def isatty(self) -> bool:
        # Output is for the terminal the pager runs in: fit and colour it so.
        return self._stream.isatty()

    def finish(self) -> None:
        """Let the pager show everything and wait until the user quits it."""
        if self.process is None:
            # The stream is the caller's to flush (and report failures of).
            return
        with contextlib.suppress(BrokenPipeError, OSError):
            self._target.close()
        while True:
            try:
                self.process.wait()
                return
            except KeyboardInterrupt:
                # The pager owns the terminal until it ends (^C is also its key).
                continue


@contextlib.contextmanager
def paged_output(
    stream: TextIO,
    *,
    command: list[str] | None,
    before_output: Callable[[], None] = lambda: None,
) -> Iterator[TextIO]:
    """``stream``, through ``command`` when given; ``before_output`` runs once,
    just before anything is written."""
    output = _LazyOutput(stream, command, before_output)
    try:
        # A TextIOBase with the methods renderers and Rich use: write, flush, isatty.
        yield cast(TextIO, output)
    finally:
        output.finish()
