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
from typing import Any, NoReturn, Protocol, cast

import typer
from typer.core import TyperGroup

from maillogs.cli.stdout import silence_stdout
from maillogs.core.errors import EXIT_INTERRUPTED, MaillogsError

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in maillogs


class _ClickError(Protocol):
    """What a usage error raised by Typer's parser offers.

    Typer (since 0.26) vendors Click as the private ``typer._click`` and exports
    neither ``ClickException`` nor ``NoArgsIsHelpError``; like Typer's own
    ``rich_utils`` we know them by class name instead of importing a private
    module that may change under us in any release.
    """

    exit_code: int

    def format_message(self) -> str: ...

    def show(self) -> None: ...


def _click_error(error: Exception, class_name: str) -> _ClickError | None:
    """``error`` as a Click error if ``class_name`` is among its classes."""
    if any(cls.__name__ == class_name for cls in type(error).__mro__):
        return cast(_ClickError, error)
    return None


def _redact(text: str) -> str:
    # Messages are redacted where they are made; this is the net under them,
    # for text a provider echoed back (a key inside a malformed row, say).
    from maillogs.profiles.secrets import redact_secrets

    return redact_secrets(text)


def _print_traceback() -> None:
    import traceback

    sys.stderr.write(_redact(traceback.format_exc()))


def fail(ctx: typer.Context, message: str, code: int) -> NoReturn:
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

    # Every context this group makes is Typer's public ``typer.Context``, so
    # ``invoke`` can be typed with it; the base class annotates the private
    # vendored Click class it derives from, hence the narrowed override.
    context_class = typer.Context

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        args = [*ctx._protected_args, *ctx.args]
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except MaillogsError as error:
            if _debug_requested(args):
                _print_traceback()
            fail(ctx, str(error), error.exit_code)
        except KeyboardInterrupt:
            fail(ctx, "interrupted", EXIT_INTERRUPTED)
        except BrokenPipeError:
            silence_stdout()
            ctx.exit(0)
        except Exception as error:
            if help_request := _click_error(error, "NoArgsIsHelpError"):
                # `maillogs profiles` alone: its help, as `maillogs` alone shows the top's.
                help_request.show()
                ctx.exit(help_request.exit_code)
            if usage := _click_error(error, "ClickException"):
                fail(ctx, f"{usage.format_message()} (see --help)", usage.exit_code)
            if _debug_requested(args):
                # Still the documented exit code, and the traceback scrubbed of secrets.
                _print_traceback()
            fail(
                ctx,
                f"internal error ({type(error).__name__}); rerun with --debug and report it",
                INTERNAL_ERROR,
            )
