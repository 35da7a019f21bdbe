"""stdout for the console script: a failed write is an output error (exit 73),
a reader that went away (``| head``) is not an error."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

from maillogs.core.errors import OutputError

T = TypeVar("T")


def silence_stdout() -> None:
    # The reader went away (`maillogs list | head -1`): not an error. Point
    # stdout at /dev/null so the interpreter's final flush stays silent too.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. CliRunner)
        pass


class GuardedStdout:
    """``sys.stdout`` for the console script: a write that fails (a read-only
    descriptor, a full disk) is an output error, exit 73, wherever it happens —
    not an internal error, nor a traceback when the interpreter flushes at exit.
    A closed pipe stays a ``BrokenPipeError``: ``| head`` is not an error."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        # Set once a write failed (and was reported): the rest is not retried.
        self.broken = False

    def write(self, text: str) -> int:
        return self._guard(lambda: self._stream.write(text))

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def _guard(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except BrokenPipeError:
            raise
        except OSError as error:
            self.broken = True
            raise OutputError(
                f"cannot write to standard output: {error.strerror or error}"
            ) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def finish_stdout(code: int) -> int:
    """Flush what is still buffered for stdout; the exit code to end with.

    Run last, so a write failure shows as one line and exit 73 rather than as
    Python's "Exception ignored" at shutdown, and a reader that went away
    leaves the code as it was.
    """
    if isinstance(sys.stdout, GuardedStdout) and sys.stdout.broken:
        silence_stdout()  # already reported; what is still buffered cannot go out
        return code
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OutputError as error:
        sys.stderr.write(f"maillogs: {error}\n")
        silence_stdout()
        return error.exit_code
    return code
