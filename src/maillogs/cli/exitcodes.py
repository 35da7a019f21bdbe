"""The single place where errors become one stderr line and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn

import typer

from maillogs.errors import EXIT_INTERRUPTED, MaillogsError

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in maillogs


def fail(message: str, code: int) -> NoReturn:
    """Print ``maillogs: message`` as one line on stderr and exit with ``code``."""
    line = " ".join(str(message).split())
    try:
        sys.stderr.write(f"maillogs: {line}\n")
        sys.stderr.flush()
    finally:
        sys.exit(code)


def _quiet_broken_pipe() -> NoReturn:
    # The reader went away (`maillogs list | head -1`): that is not an error.
    # Point stdout at /dev/null so the interpreter's final flush stays silent.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


def run_app(app: Callable[..., object], *, debug: bool) -> NoReturn:
    """Run the Typer app, mapping every outcome to an exit code."""
    from typer._click.exceptions import ClickException

    try:
        result = app(standalone_mode=False)
    except MaillogsError as error:
        if debug:
            import traceback

            traceback.print_exc()
        fail(str(error), error.exit_code)
    except ClickException as error:
        # Click's own usage errors, reduced to one line like ours.
        fail(f"{error.format_message()} (see --help)", error.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except Exception as error:  # a bug: say so in one line, details only with --debug
        if debug:
            raise
        fail(
            f"internal error ({type(error).__name__}); rerun with --debug and report it",
            INTERNAL_ERROR,
        )
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    if result == EXIT_INTERRUPTED:  # Typer turns Ctrl-C into a plain return code
        fail("interrupted", EXIT_INTERRUPTED)
    sys.exit(result if isinstance(result, int) else 0)
