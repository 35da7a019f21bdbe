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
from typing import Any, NoReturn

import typer
from typer._click import Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup

from maillogs.cli.stdout import silence_stdout
from maillogs.core.errors import EXIT_INTERRUPTED, MaillogsError

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in maillogs


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
            silence_stdout()
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
