"""A throw-away fourth provider, "stubmail", living entirely in the test package.

It is the drill of issue 14: a new provider is one folder (spec, adapter,
emulator) plus one registry line, and nothing outside that folder changes.
Here the "registry line" is :func:`register`, called by the drill tests
(in process, or first thing in a CLI subprocess via :data:`CLI`).
"""

from __future__ import annotations

from maillogs.providers.registry import register as _register
from maillogs.providers.registry import unregister as _unregister
from tests.drill.spec import SPEC

# Runs the real console entry point with stubmail registered first.
CLI = (
    "import sys; from tests.drill import register; register(); "
    "from maillogs.cli.app import run; sys.argv[0] = 'maillogs'; run()"
)


def register() -> None:
    """Add stubmail to the registry."""
    _register(SPEC)


def unregister() -> None:
    """Take stubmail out of the registry again."""
    _unregister(SPEC.name)
