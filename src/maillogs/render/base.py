"""The streaming renderer contract shared by every output format."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO, TypeVar

from maillogs.core.errors import MaillogsError, OutputError

if TYPE_CHECKING:
    from maillogs.core.models import LogRecord

_T = TypeVar("_T")


class Renderer(ABC):
    """Writes records to a text stream one at a time, in a fixed column layout.

    The stream belongs to the caller and is flushed, never closed. A broken pipe
    propagates unchanged (the CLI's top-level handler treats it as a normal end);
    any other ``OSError`` while writing becomes an ``OutputError``. After a failed
    write the renderer is finished and ``close`` does nothing.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._finished = False

    @abstractmethod
    def _write(self, record: LogRecord) -> None:
        """Write or buffer one record."""

    @abstractmethod
    def _finish(self) -> None:
        """Write whatever must follow the last record (a trailer, buffered rows)."""

    def fit_note(self) -> str | None:
        """A line for the user about columns that did not fit (tables only)."""
        return None

    def write(self, record: LogRecord) -> None:
        """Render one record."""
        self._guarded(self._write, record)

    def _guarded(self, write: Callable[[_T], None], item: _T) -> None:
        """``write(item)``, with the write errors handled as the class docstring says."""
        try:
            write(item)
        except BrokenPipeError:
            self._finished = True
            raise
        except OSError as exc:
            self._finished = True
            raise self._output_error(exc) from exc

    def write_many(self, records: Iterable[LogRecord]) -> int:
        """Render every record of ``records``; return how many there were."""
        count = 0
        for record in records:
            self.write(record)
            count += 1
        return count

    def close(self) -> None:
        """Write the trailer and flush; calling it again does nothing."""
        if self._finished:
            return
        self._finished = True
        try:
            self._finish()
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._output_error(exc) from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # Still complete the output (close the JSON array, print buffered rows) so what
        # was fetched before the failure is usable; but the failure in flight is what
        # the user must see, not a second write error raised while reporting it.
        with contextlib.suppress(OSError, MaillogsError):
            self.close()

    def _output_error(self, exc: OSError) -> OutputError:
        name = getattr(self._stream, "name", None) or "output"
        reason = exc.strerror or str(exc) or type(exc).__name__
        return OutputError(f"cannot write to {name}: {reason}")
