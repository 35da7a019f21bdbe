"""The single place where errors become one stderr line and an exit code.

``ErrorMappingGroup`` wraps every command invocation, so the console script
and Typer's ``CliRunner`` behave identically: ``maillogs.core.errors`` exceptions
print their one-line message and exit with their code, Click's usage errors
are reduced to one line (exit 2), Ctrl-C exits 130, a closed pipe ends
quietly, and any other exception is reported as an internal error (exit 70)
without a traceback unless ``--debug`` is given. Nothing printed here carries
a secret the process has read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TextIO, TypeVar

import typer
from typer._click import Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup

from maillogs.core.errors import EXIT_INTERRUPTED, MaillogsError, OutputError

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in maillogs
T = TypeVar("T")


def _redact(text: str) -> str:
    # Messages are redacted where they are made; this is the net under them,
    # for text a provider echoed back (a key inside a malformed row, say).
    from maillogs.profiles.secrets import redact_secrets

    return redact_secrets(text)


def _print_traceback() -> None:
    import traceback

    sys.stderr.write(_redact(traceback.format_exc()))


def fail(ctx: Context, message: str, code: int) -> NoReturn:
    """Print ``maillogs: message`` as one line on stderr and exit with ``code``.

    Any secret resolved in this process is replaced by ``****`` first.
    """
    line = _redact(" ".join(str(message).split()))
    sys.stderr.write(f"maillogs: {line}\n")
    sys.stderr.flush()
    ctx.exit(code)
    raise AssertionError("unreachable")  # ctx.exit always raises


def _debug_requested(args: list[str]) -> bool:
    return "--debug" in args or os.environ.get("MAILLOGS_DEBUG") == "1"


def _silence_stdout() -> None:
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
        _silence_stdout()  # already reported; what is still buffered cannot go out
        return code
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OutputError as error:
        sys.stderr.write(f"maillogs: {error}\n")
        _silence_stdout()
        return error.exit_code
    return code


class ErrorMappingGroup(TyperGroup):
    """The top-level command group: maps every outcome to an exit code."""

    def invoke(self, ctx: Context) -> Any:
        args = [*ctx._protected_args, *ctx.args]
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except MaillogsError as error:
            if _debug_requested(args):
                _print_traceback()
            fail(ctx, str(error), error.exit_code)
        except NoArgsIsHelpError as error:
            # `maillogs profiles` alone: its help, as `maillogs` alone shows the top's.
            error.show()
            ctx.exit(error.exit_code)
        except ClickException as error:
            fail(ctx, f"{error.format_message()} (see --help)", error.exit_code)
        except KeyboardInterrupt:
            fail(ctx, "interrupted", EXIT_INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(0)
        except Exception as error:
            if _debug_requested(args):
                # Still the documented exit code, and the traceback scrubbed of secrets.
                _print_traceback()
            fail(
                ctx,
                f"internal error ({type(error).__name__}); rerun with --debug and report it",
                INTERNAL_ERROR,
            )
