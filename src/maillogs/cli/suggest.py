"""``maillogs lsit`` -> "Did you mean 'list'?", for the lazily loaded commands too.

Typer suggests among the commands a group has *built*; the top-level group
loads its commands only when run (``maillogs.cli.app.COMMANDS``), so its typos
would get no suggestion. This mixin suggests among every listed name.
"""

from __future__ import annotations

from typing import Any

from maillogs.core.suggest import did_you_mean


class SuggestingGroup:
    """Mix into a Typer group: "No such command" errors name the closest command."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)  # type: ignore[misc]
        except Exception as error:
            # Click's UsageError, known by its message: Typer vendors Click privately.
            message = getattr(error, "message", None)
            if (
                args
                and isinstance(message, str)
                and message.startswith("No such command")
                and "Did you mean" not in message
            ):
                hint = did_you_mean(args[0], self.list_commands(ctx))  # type: ignore[attr-defined]
                if hint:
                    error.message = f"{message.rstrip('.')}. {hint[0].upper()}{hint[1:].strip()}"  # type: ignore[attr-defined]
            raise
