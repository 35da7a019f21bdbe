"""Option values converted without pydantic, so a command starts quickly.

Typer (since 0.29) converts every parameter value, even an option left unset
and the help flag, through a pydantic ``TypeAdapter`` it builds on first use:
importing pydantic and building the adapters is ~80 ms, half of
``maillogs list --help``. The values maillogs declares are simple (text, whole
numbers, flags, repeated text), so this module converts those itself and hands
everything else, and any value it does not recognise, to Typer's own
conversion, built only then. An unset option costs nothing. A whole number
that does not read gets the one-line message of maillogs' other options
instead of pydantic's wording.

Typer builds the parameter objects itself and offers no hook for their class,
so the commands are switched to subclasses after they are built (as
``helpstyle`` does for arguments); the subclasses change conversion only, by
overriding Typer's public ``get_runtime_param``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args, get_origin

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from maillogs.core.errors import UsageError


class LightConversion:
    """Converts text, whole numbers, flags and lists of text; defers the rest.

    It answers Typer's ``coerce(value, param=, ctx=)`` as Typer's own
    conversion does, which ``typer_conversion`` builds (pydantic) when needed.
    """

    def __init__(self, param: TyperOption | TyperArgument, typer_conversion: Callable[[], Any]):
        self.param = param
        self.typer_conversion = typer_conversion

    def coerce(self, value: Any, param: Any, ctx: typer.Context) -> Any:
        if value is None:  # not given, no default: as Typer answers it
            return () if param.multiple or param.nargs == -1 else None
        described = self.param.type_descriptor
        annotation: Any = described.annotation
        info = described.parameter_info
        plain = info.parser is None and described.choices is None
        if annotation is bool and isinstance(value, bool):
            return value
        if plain and annotation is str and isinstance(value, str):
            return value
        if (
            plain
            and get_origin(annotation) is list
            and get_args(annotation) == (str,)
            and isinstance(value, list | tuple)
            and all(isinstance(item, str) for item in value)
        ):
            return list(value)
        if plain and annotation is int and not info.clamp:
            return self._whole_number(value, param, ctx)
        return self.typer_conversion().coerce(value, param=param, ctx=ctx)

    def _whole_number(self, value: Any, param: Any, ctx: typer.Context) -> int:
        name = _option_name(param)
        number: int
        if isinstance(value, int) and not isinstance(value, bool):
            number = value  # a declared default
        elif isinstance(value, str) and value.isascii() and _reads_as_int(value):
            number = int(value)
        else:
            # What pydantic reads beyond int() ("5.0") still reads as before.
            try:
                number = self.typer_conversion().coerce(value, param=param, ctx=ctx)
            except typer.BadParameter:
                raise UsageError(f"{name}: {value!r} is not a whole number") from None
        info = self.param.type_descriptor.parameter_info
        if info.min is not None and number < info.min:
            raise UsageError(f"{name}: {value!r} is less than {info.min}")
        if info.max is not None and number > info.max:
            raise UsageError(f"{name}: {value!r} is more than {info.max}")
        return number


def _reads_as_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _option_name(param: Any) -> str:
    """``--count``; ``--limit`` for ``--limit`` / ``-n``; an argument's name."""
    opts: list[str] = list(getattr(param, "opts", []))
    return max(opts, key=len, default="") or str(getattr(param, "name", "value")).upper()


class LightOption(TyperOption):
    """A Typer option that converts its value as :class:`LightConversion` does."""

    def get_runtime_param(self) -> Any:
        return LightConversion(self, super().get_runtime_param)


class LightArgument(TyperArgument):
    """A Typer argument that converts its value as :class:`LightConversion` does."""

    def get_runtime_param(self) -> Any:
        return LightConversion(self, super().get_runtime_param)


def lighten(params: list[Any]) -> list[Any]:
    """Switch Typer's parameters to the light subclasses, in place; returns them."""
    for param in params:
        if type(param) is TyperOption:
            param.__class__ = LightOption
        elif type(param) is TyperArgument:
            param.__class__ = LightArgument
    return params


# Click creates the help option while parsing (``get_params``), after the
# command is built, so that is where every parameter is seen. (Two classes,
# not one mixin: CPython refuses to switch an object's class to one whose
# bases add a class, however empty.)
class LightCommand(TyperCommand):
    """A Typer command whose parameters convert without pydantic."""

    def get_params(self, ctx: Any) -> list[Any]:
        return lighten(super().get_params(ctx))


class LightGroup(TyperGroup):
    """A Typer group whose parameters convert without pydantic."""

    def get_params(self, ctx: Any) -> list[Any]:
        return lighten(super().get_params(ctx))


def lighten_command(command: object) -> None:
    """Make a command Typer built (exactly its classes) a light one."""
    if type(command) is TyperCommand:
        command.__class__ = LightCommand
    elif type(command) is TyperGroup:
        command.__class__ = LightGroup
