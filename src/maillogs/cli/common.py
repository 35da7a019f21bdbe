"""Options and plumbing shared by the commands (kept light: Typer only)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from maillogs.cli import complete

if TYPE_CHECKING:
    import httpx

    from maillogs.profiles.model import Profile
    from maillogs.providers.base import Adapter


ProfileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="PROFILE",
        autocompletion=complete.complete_profiles,
        help="Profile(s) to query: repeat or comma-separate; 'demo' needs no account. "
        "Default: $MAILLOGS_PROFILE, then default_profile.",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        autocompletion=complete.complete_formats,
        help="table, json, jsonl, csv or tsv. Default: table on a terminal, else jsonl.",
    ),
]
ConcurrencyOpt = Annotated[
    int,
    typer.Option(
        "--concurrency",
        metavar="N",
        min=1,
        max=32,
        help="Pages fetched at once where the provider's pagination allows.",
    ),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Repeat advice this config has already shown once (provider retention, "
        "how stats counted).",
    ),
]
DebugOpt = Annotated[
    bool,
    typer.Option("--debug", help="Log requests (secrets redacted) and show tracebacks."),
]


@dataclass(frozen=True)
class Runtime:
    """Per-invocation I/O decisions: where messages go, and how loud to be."""

    debug: bool = False
    quiet: bool = False
    verbose: bool = False

    def warn(self, message: str) -> None:
        """A one-line warning on stderr; ``--quiet`` keeps only errors, and a
        :class:`~maillogs.core.notices.Notice` shows once per config."""
        if self.quiet or not self._fresh(message):
            return
        sys.stderr.write(f"maillogs: warning: {_redact(' '.join(message.split()))}\n")

    def info(self, message: str) -> None:
        """A human note on stderr, only for a person at a terminal."""
        if not self.quiet and sys.stderr.isatty() and self._fresh(message):
            sys.stderr.write(message + "\n")

    def _fresh(self, message: str) -> bool:
        """False for a notice this config has shown before (unless -v or --debug)."""
        from maillogs.core.notices import Notice

        if not isinstance(message, Notice) or self.verbose or self.debug:
            return True
        from maillogs.cli.notices import default_memory

        return default_memory().first_time(message.key)

    def open_adapters(
        self, profiles: Sequence[Profile], *, now: datetime, keep_raw: bool = False
    ) -> AbstractContextManager[list[Adapter]]:
        """The engine's adapters for ``profiles``, with this run's warnings,
        request log and the in-process sandbox for demo profiles."""
        from maillogs.engine import open_adapters

        return open_adapters(
            profiles,
            demo_transport=demo_transport,
            debug=self.debug_log if self.debug else None,
            warn=self.warn,
            keep_raw=keep_raw,
            now=now,
        )

    def debug_log(self, message: str) -> None:
        # Each client redacts its own profile's secrets; a provider may also echo
        # another profile's, so every secret this run knows is removed here.
        sys.stderr.write(f"maillogs: debug: {_redact(message)}\n")


def _redact(text: str) -> str:
    from maillogs.profiles.secrets import redact_secrets

    return redact_secrets(text)


def color_enabled(stream: TextIO) -> bool:
    """Colour only for a terminal, and never with NO_COLOR or TERM=dumb."""
    from maillogs.render.colour import colour_refused

    return not colour_refused() and stream.isatty()


def resolve_tz(name: str | None) -> tzinfo:
    """The zone naive user input is read in: ``--tz`` or the local zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from maillogs.core.errors import UsageError
    from maillogs.core.timeparse import local_zone_name

    if name is None:
        # A named zone, not today's fixed offset: dates in another season and
        # ranges across a daylight-saving change must use their own offset.
        local = local_zone_name()
        return ZoneInfo(local) if local else datetime.now().astimezone().tzinfo or UTC

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        from zoneinfo import available_timezones

        from maillogs.core.suggest import did_you_mean

        hint = did_you_mean(name, available_timezones())
        raise UsageError(
            f"--tz: unknown time zone {name!r}; {hint}use an IANA name like Europe/Rome"
        ) from None


_EXTENSION_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
}


def output_file(value: str) -> Path:
    """``--output`` as a path. Taken as text: an empty value would otherwise
    become ``.``, the current directory, rather than a usage error."""
    from maillogs.core.errors import UsageError

    if not value.strip():
        raise UsageError("--output: empty file name")
    return Path(value)


def resolve_format(fmt: str | None, output: Path | None, stream: TextIO) -> str:
    """``--format``, else the ``--output`` extension, else table/jsonl by terminal."""
    from maillogs.core.errors import UsageError
    from maillogs.core.suggest import did_you_mean
    from maillogs.render import FORMATS

    if fmt is not None:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise UsageError(
                f"--format: unknown format {fmt!r}; {did_you_mean(fmt, FORMATS)}"
                f"choose from: {', '.join(FORMATS)}"
            )
        return fmt
    if output is not None:
        return _EXTENSION_FORMATS.get(output.suffix.lower(), "jsonl")
    return "table" if stream.isatty() else "jsonl"


def load_profiles(selected: list[str] | None, runtime: Runtime) -> list[Profile]:
    """The profiles a command runs against (see ``config.resolve_profiles``)."""
    from maillogs.profiles.resolve import resolve_profiles

    return resolve_profiles(selected, warn=runtime.warn)


@contextmanager
def output_stream(output: Path | None) -> Iterator[TextIO]:
    """stdout, or an output file that appears complete or not at all."""
    if output is None:
        yield sys.stdout
        return
    from maillogs.core.fileio import atomic_writer

    with atomic_writer(output, mode=0o600, text=True) as handle:
        yield handle


def demo_transport() -> httpx.BaseTransport:
    """The in-process sandbox behind the built-in demo profiles (imported only when used)."""
    from maillogs.sandbox.transport import demo_transport as sandbox_transport

    return sandbox_transport()


def parse_duration_option(option: str, text: str) -> timedelta:
    """A duration option's value (``30m``, ``2h``, ``1d``); a usage error names ``option``."""
    from maillogs.core.errors import UsageError
    from maillogs.core.timeparse import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def parse_time_option(option: str, text: str, *, tz: tzinfo, now: datetime) -> datetime:
    """A point-in-time option's value (``2024-05-01``, ``7d``, ISO); errors name ``option``."""
    from maillogs.core.errors import UsageError
    from maillogs.core.timeparse import parse_instant

    if not text.strip():
        raise UsageError(f"{option}: empty value")
    try:
        return parse_instant(text, tz=tz, now=now)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None
