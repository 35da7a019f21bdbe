"""The ``maillogs`` entry point: registers the commands, maps errors once.

Start-up is part of the product (people run ``maillogs`` dozens of times a
day), so ``maillogs --help`` and ``--version`` import Typer and nothing else of
weight:
- commands are registered by import path (``COMMANDS``) and their modules are
  imported only when that command runs or shows its own help;
- help is Click's plain formatter (``rich_markup_mode=None``): Typer's Rich
  formatter imports Rich's tables, Markdown and Pygments, ~150 ms on its own.
``tests/test_startup.py`` holds both to it; ``benchmarks/`` measures it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import cache
from typing import Annotated, Protocol, TextIO, cast

import typer
from typer.core import TyperCommand, TyperGroup

from maillogs import __version__
from maillogs.cli.coercion import LightGroup
from maillogs.cli.exitcodes import ErrorMappingGroup
from maillogs.cli.stdout import GuardedStdout, finish_stdout
from maillogs.cli.suggest import SuggestingGroup
from maillogs.core.errors import OutputError

# httpx's package import tries its own command-line client (`httpx._main`),
# which imports Click, Rich's console/progress/syntax/table and Pygments: ~50 ms
# of every command that fetches, when Click is installed (a development install:
# the Singer SDK needs it). maillogs never runs that client; a None entry makes
# that import fail at once, and httpx then defines its "not installed" stub.
# (None of the imports above loads httpx.)
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

# name -> ("module:attribute", the line `maillogs --help` shows). The attribute
# is a command function or a Typer app; the line must equal the first line of
# its help (tests/test_startup.py checks), so the listing needs no import.
COMMANDS: dict[str, tuple[str, str]] = {
    "list": (
        "maillogs.cli.commands.list:list_command",
        "List email log records matching the filters, newest first.",
    ),
    "export": (
        "maillogs.cli.commands.export:export_command",
        "Export every matching record to a file: atomic, incremental, cron-safe.",
    ),
    "stats": (
        "maillogs.cli.commands.stats:stats_command",
        "Delivery at a glance: counts per period with delivery, bounce and open rates.",
    ),
    "show": (
        "maillogs.cli.commands.show:show_command",
        "What happened to an email: each recipient's status, errors, timestamps, events.",
    ),
    "tail": (
        "maillogs.cli.commands.tail:tail_command",
        "Follow new records and status changes live, across profiles, until Ctrl-C.",
    ),
    "sync": (
        "maillogs.cli.commands.sync:sync_command",
        "Copy each profile's new and changed records into the local archive.",
    ),
    "archive": (
        "maillogs.cli.commands.archive:archive_app",
        "The local archive: where it is, what it holds, pruning old records.",
    ),
    "statuses": (
        "maillogs.cli.commands.info:statuses_command",
        "The canonical status vocabulary and how each provider's values map onto it.",
    ),
    "providers": (
        "maillogs.cli.commands.info:providers_command",
        "Per provider: which filters run natively, locally or not at all; limits.",
    ),
    "schema": (
        "maillogs.cli.commands.info:schema_command",
        "The JSON Schema of one output record (json/jsonl formats).",
    ),
    "profiles": (
        "maillogs.cli.commands.profiles:profiles_app",
        "Manage provider profiles (config.toml).",
    ),
    "sandbox": (
        "maillogs.cli.commands.sandbox:sandbox_app",
        "A local emulator of the providers' email-log APIs, for demos and tests.",
    ),
}


# Typer vendors Click privately (``typer._click``); the classes it builds for a
# command are its public ``TyperCommand`` (a function) and ``TyperGroup`` (an app).
Command = TyperCommand | TyperGroup


class Formatter(Protocol):
    """The part of Typer's help formatter ``format_commands`` writes with."""

    width: int

    def section(self, name: str) -> AbstractContextManager[None]: ...

    def write_dl(self, rows: Sequence[tuple[str, str]]) -> None: ...


@cache
def load_command(name: str) -> Command:
    """Import command ``name`` and build it exactly as ``app.command``/``add_typer`` would."""
    module_name, _, attribute = COMMANDS[name][0].partition(":")
    target = getattr(importlib.import_module(module_name), attribute)
    holder = typer.Typer(rich_markup_mode=None)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    from maillogs.cli.helpstyle import polish

    command = typer.main.get_group(holder).commands[name]
    assert isinstance(command, TyperCommand | TyperGroup)  # what Typer builds, always
    return polish(command)


class LazyGroup(SuggestingGroup, ErrorMappingGroup, LightGroup):
    """The top-level group: ``COMMANDS`` load on first use; no pydantic for its options."""

    # The context is unused: the listing and lookup depend on names alone.
    def list_commands(self, ctx: object) -> list[str]:
        return [*COMMANDS, *self.commands]

    def get_command(self, ctx: object, cmd_name: str) -> Command | None:
        if cmd_name in COMMANDS:
            return load_command(cmd_name)
        command = self.commands.get(cmd_name)
        assert command is None or isinstance(command, TyperCommand | TyperGroup)
        return command

    def format_commands(self, ctx: object, formatter: Formatter) -> None:
        rows = [(name, line) for name, (_, line) in COMMANDS.items()]
        rows += [
            (name, command.get_short_help_str(formatter.width))
            for name, command in self.commands.items()
            if not command.hidden
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="maillogs",
    cls=LazyGroup,
    rich_markup_mode=None,
    help="Query the email logs of several providers with one set of filters.\n\n"
    "Try it without an account: maillogs list --profile demo --status bounced --since 7d",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"maillogs {__version__}\n")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Query the email logs of several providers with one set of filters."""


def run() -> None:
    """Console-script entry point."""
    sys.stdout = cast(TextIO, GuardedStdout(sys.stdout))
    try:
        app()
        code = 0
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            code = done.code or 0
        else:  # a message instead of a number, as sys.exit("...") would print it
            sys.stderr.write(f"{done.code}\n")
            code = 1
    except OutputError as error:  # outside any command, e.g. --version
        sys.stderr.write(f"maillogs: {error}\n")
        code = error.exit_code
    sys.exit(finish_stdout(code))
