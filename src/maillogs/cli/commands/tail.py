"""``maillogs tail``: follow new records and status changes live."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from maillogs.cli import common
from maillogs.cli.options import NO_FILTERS, Filters, with_option_groups

if TYPE_CHECKING:
    import httpx

    from maillogs.core.models import LogRecord
    from maillogs.render import Renderer

# Records a second per provider that reach the demo profiles under `tail`:
# enough to show lines within seconds, few enough to read them.
DEMO_LIVE_RATE = 0.5
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
EXIT_NOTHING_ARRIVED = 1


def parse_seconds(option: str, text: str) -> float:
    """``10s``, ``1.5s``, ``500ms``, ``5m``, ``1h`` or bare seconds, as seconds.

    Raises:
        UsageError: naming the option, for anything else or for zero.
    """
    from maillogs.core.errors import UsageError

    match = _DURATION.match(text)
    seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()] if match else 0
    if match and not seconds > 0:
        raise UsageError(f"{option}: must be more than zero, not {text!r}; e.g. 10s, 500ms or 5m")
    if not seconds > 0:
        raise UsageError(f"{option}: {text!r} is not a duration; use e.g. 10s, 1.5s, 500ms or 5m")
    return seconds


def _tail(
    profile: common.ProfileOpt = None,
    filters: Filters = NO_FILTERS,
    lines: Annotated[
        int,
        typer.Option(
            "--lines",
            "-n",
            min=0,
            metavar="N",
            help="Print the last N matching records first, oldest first (0: only new ones).",
        ),
    ] = 10,
    interval: Annotated[
        str,
        typer.Option(
            "--interval",
            metavar="DURATION",
            help="Poll every DURATION (e.g. 10s, 2s, 1m); never faster than a profile's "
            "rate limit allows.",
        ),
    ] = "10s",
    count: Annotated[
        int | None,
        typer.Option(
            "--count",
            min=1,
            metavar="N",
            help="Exit (0) after N records printed after the initial lines.",
        ),
    ] = None,
    timeout: Annotated[
        str | None,
        typer.Option(
            "--timeout",
            metavar="DURATION",
            help="Stop after DURATION: exit 1 if no record (or fewer than --count) arrived.",
        ),
    ] = None,
    overlap: Annotated[
        str,
        typer.Option(
            "--overlap",
            metavar="DURATION",
            help="How far back each poll re-reads, for records the provider indexes late.",
        ),
    ] = "10m",
    fmt: common.FormatOpt = None,
    columns: Annotated[
        str | None,
        typer.Option("--columns", "-c", metavar="COLUMNS", help="Comma-separated columns to show."),
    ] = None,
    debug: common.DebugOpt = False,
) -> None:
    """Follow new records and status changes live, across profiles, until Ctrl-C.

    Each new record, and each record whose status changed, prints once, in the
    order the providers timestamp them. Demo profiles receive live mail here.

    Examples:

    \b
      maillogs tail --profile demo
      maillogs tail -s bounced -f jsonl | jq -r .recipient
      maillogs tail --message-id ID --status delivered \\
          --lines 0 --count 1 --timeout 5m
    """
    from maillogs.core.errors import UsageError

    seconds = parse_seconds("--interval", interval)
    settings_overlap = parse_seconds("--overlap", overlap)
    if settings_overlap < seconds:
        raise UsageError("--overlap must be at least --interval, or records would slip between")
    limit = None if timeout is None else parse_seconds("--timeout", timeout)
    try:
        ended_well = _follow(
            profile,
            filters,
            lines=lines,
            interval=seconds,
            overlap=settings_overlap,
            count=count,
            timeout=limit,
            fmt=fmt,
            columns=columns,
            debug=debug,
        )
    except KeyboardInterrupt:
        # Ctrl-C is how a follow ends: quietly, with the conventional 130.
        raise typer.Exit(130) from None
    if not ended_well:
        raise typer.Exit(EXIT_NOTHING_ARRIVED)


# No --since/--until/--range: tail chooses its window (the last N, then now on).
tail_command = with_option_groups(_tail, omit=("since", "until", "range_"))


def _follow(
    selected: list[str] | None,
    filters: Filters,
    *,
    lines: int,
    interval: float,
    overlap: float,
    count: int | None,
    timeout: float | None,
    fmt: str | None,
    columns: str | None,
    debug: bool,
) -> bool:
    """Follow until ``count`` or ``timeout``; whether the wait was met."""
    from datetime import UTC, datetime

    from maillogs.core.errors import UsageError
    from maillogs.engine import check_supported, open_adapters
    from maillogs.follow import Ending, Follower, FollowSettings, PollRetryBudget
    from maillogs.follow.follower import POLL_RETRY_SECONDS
    from maillogs.render import default_columns, parse_columns

    runtime = common.Runtime(debug=debug)
    now = datetime.now(UTC)
    query = filters.query(limit=None, now=now)
    fmt = common.resolve_format(fmt, None, sys.stdout)
    if fmt == "json":
        # One array would only be valid once the follow ends, which may be never.
        raise UsageError("--format json cannot stream; use jsonl (one object per line)")
    profiles = common.load_profiles(selected, runtime)
    selected_columns = parse_columns(columns, default=default_columns(fmt, len(profiles) > 1))
    budget = PollRetryBudget(POLL_RETRY_SECONDS)
    with open_adapters(
        profiles,
        demo_transport=_live_demo_transport,
        debug=runtime.debug_log if debug else None,
        warn=runtime.warn,
        now=now,
        command_budget=budget,
    ) as adapters:
        check_supported(adapters, query)
        with _open_renderer(fmt, selected_columns) as renderer:

            def emit(record: LogRecord) -> None:
                renderer.write(record)
                # Each line goes out as it is printed: `| jq`, `| grep --line-buffered`.
                sys.stdout.flush()

            settings = FollowSettings(
                interval=interval, overlap=overlap, lines=lines, count=count, timeout=timeout
            )
            follower = Follower(
                adapters, query, settings, emit=emit, warn=runtime.warn, budget=budget
            )
            names = ", ".join(profile.name for profile in profiles)
            runtime.info(f"Following {names} every {interval:g} s; Ctrl-C stops.")
            outcome = follower.run()
    if outcome.ending is Ending.COUNT:
        return True
    return outcome.arrived > 0 and count is None


def _open_renderer(fmt: str, columns: tuple[str, ...]) -> Renderer:
    from maillogs.render import open_renderer

    color = common.color_enabled(sys.stdout)
    if fmt == "table":
        from maillogs.render.live_table import LiveTableRenderer

        return LiveTableRenderer(sys.stdout, columns=columns, color=color, width=None)
    return open_renderer(fmt, sys.stdout, columns=columns)


def _live_demo_transport() -> httpx.BaseTransport:
    """The demo profiles' sandbox with live mail: only ``tail`` asks for it, so
    ``list``, ``stats`` and ``show`` of the demo profiles stay the same each run."""
    from maillogs.sandbox.transport import demo_transport

    return demo_transport(live=DEMO_LIVE_RATE)
