"""Help that reads like a man page: real metavars, never Python type names.

Typer labels a value by its annotation (``<int range>``, ``<str>``,
``<list[str]>``) when an option declares no metavar, and shows arguments as
``{name}`` in the usage line and ``name <str>`` below it. Commands declare
their metavars (``PROFILE``, ``WHEN``, ``N``...); this is the net under them,
applied to every command as it is loaded, so an option added without one
still reads ``--seed SEED`` rather than ``--seed <int>``.
"""

from __future__ import annotations

from typing import TypeVar

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from maillogs.cli.coercion import LightArgument, lighten_command

_C = TypeVar("_C")


class PlainArgument(LightArgument):
    """An argument shown by its metavar alone: ``MESSAGE_ID...``, ``[PROFILE]``."""

    def _label(self) -> str:
        name = self.metavar or (self.name or "").upper()
        return f"{name}..." if self.nargs != 1 else name

    def _rich_display_name(self) -> str:
        return self._label()

    def _usage_display_name(self) -> str:
        return self._label() if self.required else f"[{self._label()}]"

    def display_type_rich(self, ctx: object) -> str | None:
        return None


def polish(command: _C) -> _C:
    """Give every option a metavar and every argument a plain label, recursively.

    Every command also converts its values without pydantic (``coercion``).
    """
    if not isinstance(command, TyperCommand | TyperGroup):
        return command  # not built by Typer: nothing of Typer's to correct
    lighten_command(command)
    for param in command.params:
        if isinstance(param, TyperArgument):
            # Typer builds the argument objects itself (no `cls` hook for
            # parameters), so the class is swapped after the fact; the subclass
            # only overrides how the argument is displayed.
            param.__class__ = PlainArgument
        elif isinstance(param, TyperOption) and not param.is_flag and param.metavar is None:
            param.metavar = _option_metavar(param)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            polish(sub)
    return command


def _option_metavar(option: TyperOption) -> str:
    """``table|json`` for a choice (as ``--api-version 1|4`` reads), else the name."""
    described = option.type_descriptor
    if described.is_choice and described.choices:
        return "|".join(str(getattr(choice, "value", choice)) for choice in described.choices)
    return (option.name or "value").upper()
