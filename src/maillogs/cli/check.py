"""What ``maillogs profiles check`` prints: one ✓/✗ line per profile, as it finishes."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from maillogs.cli import common

if TYPE_CHECKING:
    from maillogs.reports.check import CheckResult


def selected_names(given: list[str] | None) -> list[str]:
    """The profiles to check: those given (``demo`` is every demo profile),
    else every profile of the config file.

    Raises:
        ConfigError: Nothing given and the config file has no profiles.
    """
    from maillogs.core.errors import ConfigError
    from maillogs.core.query import split_multi
    from maillogs.profiles import DEMO_ALIAS, builtin_profiles, read_config

    names: list[str] = []
    for name in split_multi(given):
        if name == DEMO_ALIAS:
            names += [profile.name for profile in builtin_profiles()]
        else:
            names.append(name)
    if given:
        return list(dict.fromkeys(names))
    current = read_config()
    if not current.profiles:
        raise ConfigError(
            f"no profiles in {current.path}: add one with `maillogs profiles add`, "
            "or check the built-in ones with `maillogs profiles check demo`"
        )
    return list(current.profiles)


def run_check(given: list[str] | None, *, debug: bool = False, out: TextIO | None = None) -> int:
    """Check the profiles, print a line for each, and return the exit code."""
    from maillogs.profiles.resolve import resolve_profiles
    from maillogs.reports.check import check_profiles, worst_exit_code

    out = out or sys.stdout
    runtime = common.Runtime(debug=debug)
    names = selected_names(given)
    width = max(len(name) for name in names)
    marks = _marks(out)
    results = []
    for result in check_profiles(
        names,
        load=lambda name: resolve_profiles([name], warn=runtime.warn)[0],
        now=datetime.now(UTC),
        demo_transport=common.demo_transport,
        debug=runtime.debug_log if debug else None,
    ):
        results.append(result)
        out.write(_line(result, width, marks) + "\n")
        out.flush()
    return worst_exit_code(results)


def _line(result: CheckResult, width: int, marks: tuple[str, str]) -> str:
    from maillogs.profiles.secrets import redact_secrets

    name = result.profile.ljust(width)
    provider = f"{result.provider:<8} " if result.provider else ""
    if result.error is None:
        requests = f"{result.requests} request{'s' if result.requests != 1 else ''}"
        return f"{marks[0]} {name}  {provider}answered ({requests}, {result.seconds:.1f} s)"
    reason = redact_secrets(" ".join(str(result.error).split()))
    return f"{marks[1]} {name}  {provider}{reason} (exit {result.exit_code})"


def _marks(out: TextIO) -> tuple[str, str]:
    """✓ and ✗, coloured on a terminal; words where the encoding has no such signs."""
    try:
        "✓✗".encode(getattr(out, "encoding", None) or "ascii")
        good, bad = "✓", "✗"
    except UnicodeEncodeError:
        good, bad = "ok", "FAIL"
    if common.color_enabled(out):
        good, bad = f"\x1b[32m{good}\x1b[0m", f"\x1b[31m{bad}\x1b[0m"
    return good, bad
