"""The ``maillogs`` entry point: registers the commands, maps errors once."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from maillogs import __version__
from maillogs.cli.exitcodes import ErrorMappingGroup
from maillogs.cli.info_cmd import providers_command, schema_command, statuses_command
from maillogs.cli.list_cmd import list_command
from maillogs.cli.profiles_cmd import profiles_app
from maillogs.cli.sandbox_cmd import sandbox_app

app = typer.Typer(
    name="maillogs",
    cls=ErrorMappingGroup,
    help="Query the email logs of Kaleyra, EDITH and Infobip with one set of filters.\n\n"
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
    """Query the email logs of Kaleyra, EDITH and Infobip with one set of filters."""


app.command("list")(list_command)
app.command("statuses")(statuses_command)
app.command("providers")(providers_command)
app.command("schema")(schema_command)
app.add_typer(profiles_app, name="profiles")
app.add_typer(sandbox_app, name="sandbox")


def run() -> None:
    """Console-script entry point."""
    app()
