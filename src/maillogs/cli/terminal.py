"""Options and notes for a person at a terminal: relative times, the pager,
the note about hidden columns (the logic lives in ``maillogs.render``)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

RelativeOpt = Annotated[
    bool,
    typer.Option("--relative", help="Times in the table as '3h ago' instead of local time."),
]
NoPagerOpt = Annotated[
    bool,
    typer.Option(
        "--no-pager",
        help="Never page a long table (also: MAILLOGS_PAGER= with nothing after it). "
        "Default on a terminal: $MAILLOGS_PAGER, $PAGER, else 'less -FRX'.",
    ),
]


def dim_note(message: str) -> None:
    """A secondary line on stderr for a person: dim on a colour terminal,
    nothing at all when stderr is not a terminal."""
    from maillogs.cli.common import color_enabled

    if not sys.stderr.isatty():
        return
    if color_enabled(sys.stderr):
        message = f"\x1b[2m{message}\x1b[0m"
    sys.stderr.write(message + "\n")


def pager_for(fmt: str, *, to_stdout: bool, no_pager: bool) -> list[str] | None:
    """The pager for a command's output: tables, for a person at a terminal only
    (stdin too: a pager needs someone to press its keys)."""
    from maillogs.render.pager import pager_command

    if fmt != "table" or not to_stdout or not (sys.stdout.isatty() and sys.stdin.isatty()):
        return None
    return pager_command(no_pager=no_pager)
