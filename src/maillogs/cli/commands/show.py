"""``maillogs show``: everything the selected profiles know about message ids."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from maillogs.cli import common, complete, terminal
from maillogs.cli.options import LIVE, Origin, with_option_groups
from maillogs.core.defaults import DEFAULT_CONCURRENCY
from maillogs.providers.registry import PROVIDERS

if TYPE_CHECKING:
    from maillogs.profiles.model import Profile
    from maillogs.render.progress import Activity
    from maillogs.reports.show import Hit


@with_option_groups
def show_command(
    message_ids: Annotated[
        list[str],
        typer.Argument(
            metavar="MESSAGE_ID",
            help="Message id(s): " + ", ".join(spec.id_label for spec in PROVIDERS.values()) + ".",
        ),
    ],
    profile: common.ProfileOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="table|json|jsonl",
            autocompletion=complete.complete_show_formats,
            help="Default: table on a terminal, else jsonl.",
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            metavar="ZONE",
            help="Show times in this IANA zone. Default: the local zone.",
            autocompletion=complete.complete_zones,
        ),
    ] = None,
    relative: terminal.RelativeOpt = False,
    no_pager: terminal.NoPagerOpt = False,
    concurrency: common.ConcurrencyOpt = DEFAULT_CONCURRENCY,
    origin: Origin = LIVE,
    verbose: common.VerboseOpt = False,
    debug: common.DebugOpt = False,
) -> None:
    """What happened to an email: each recipient's status, errors, timestamps, events.

    Every selected profile is asked about every id and every hit is shown with
    what its provider tells beyond the log rows: per-recipient statuses, open
    and click events, status, error and price objects (`maillogs providers`
    tells each provider's lookup limits).

    --format json writes an array, jsonl one object per line; each object has
    message_id, profile, provider, records (normalized records with raw),
    recipients [{recipient, status, provider_status, delivered_at, error_code,
    error_message, updated_at, status_scope}], events [{type, time, recipient,
    url, user_agent, ip}] and details (provider-specific objects, as sent).

    An id no profile knows is reported on stderr and the exit code is 69, after
    the ids that were found are printed.

    Example, with an id from `maillogs list`:

    \b
      maillogs show MESSAGE_ID --profile demo-edith
    """
    from maillogs.core.errors import NotFoundError, UsageError
    from maillogs.core.timeparse import local_zone_name
    from maillogs.render.jsonfmt import JsonWriter, dumps_finite
    from maillogs.render.pager import paged_output
    from maillogs.render.progress import activity
    from maillogs.reports.show import SHOW_FORMATS, hit_panel, hit_to_json

    runtime = common.Runtime(debug=debug, verbose=verbose)
    fmt = common.resolve_format(fmt, None, sys.stdout)
    if fmt not in SHOW_FORMATS:
        raise UsageError(f"--format: show writes {', '.join(SHOW_FORMATS)}, not {fmt}")
    ids = list(dict.fromkeys(i.strip() for i in message_ids if i.strip()))
    if not ids:
        raise UsageError("show needs at least one message id")
    zone = common.resolve_tz(tz or local_zone_name())
    now = datetime.now(UTC)
    missing: list[str] = []
    status = activity("looking up")
    pager = terminal.pager_for(fmt, to_stdout=True, no_pager=no_pager)
    # The missing ids are reported once the pager (if any) is done.
    with paged_output(sys.stdout, command=pager, before_output=status.stop) as out:
        console = None
        if fmt == "table":
            from maillogs.render.table import make_console

            console = make_console(out, color=common.color_enabled(sys.stdout))
        writer = JsonWriter(
            out, array=fmt == "json", pretty=out.isatty(), color=common.color_enabled(sys.stdout)
        )
        asked: list[str] = []
        if origin.offline:
            from maillogs.cli.offline import offline_messages

            lookup = offline_messages(origin.archive, profile, ids, runtime)
        else:
            profiles = common.load_profiles(profile, runtime)
            lookup = _live_messages(profiles, ids, runtime, concurrency, status)
        try:
            with lookup as (asked, found):
                for message_id, hits in found:
                    if not hits:
                        missing.append(message_id)
                    for hit in hits:
                        if console is not None:
                            console.print(hit_panel(hit, zone, now=now if relative else None))
                            continue
                        writer.write(dumps_finite(hit_to_json(hit)))
        finally:
            # Even when a provider fails midway, what was found stays a valid array.
            if console is None:
                writer.close()
            out.flush()
    if missing:
        raise NotFoundError(
            f"message id{'s' if len(missing) > 1 else ''} not found: {', '.join(missing)} "
            f"(asked profile{'s' if len(asked) > 1 else ''} {', '.join(asked)}"
            f"{' in the archive' if origin.offline else ''})"
        )


@contextmanager
def _live_messages(
    profiles: list[Profile],
    ids: list[str],
    runtime: common.Runtime,
    concurrency: int,
    status: Activity,
) -> Iterator[tuple[list[str], Iterator[tuple[str, list[Hit]]]]]:
    """The profiles asked and, for each id, every profile's answer from its provider."""
    from maillogs.reports.show import find_messages

    now = datetime.now(UTC)
    with runtime.open_adapters(profiles, keep_raw=True, now=now) as adapters, status:
        status.watch(adapters)
        found = find_messages(adapters, ids, warn=runtime.warn, concurrency=concurrency)
        yield [p.name for p in profiles], found
