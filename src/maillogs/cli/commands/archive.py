"""``maillogs archive path|info|prune``: the local archive ``maillogs sync`` fills."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from maillogs.cli import common
from maillogs.cli.options import ArchiveOpt, TzOpt

archive_app = typer.Typer(
    help="The local archive: where it is, what it holds, pruning old records.",
    no_args_is_help=True,
)


@archive_app.command("path")
def path_command(archive: ArchiveOpt = None) -> None:
    """Print the archive's path.

    The file need not exist yet: `maillogs sync` creates it there.
    """
    from maillogs.archive.paths import archive_path

    sys.stdout.write(f"{archive_path(archive)}\n")


@archive_app.command("info")
def info_command(
    archive: ArchiveOpt = None,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help="table or json."),
    ] = "table",
) -> None:
    """What the archive holds, per profile.

    Per profile: records, first/last submitted, covered intervals, checkpoint,
    last sync. Also the file's size and schema version. Exit 66 when there is
    no archive yet.
    """
    import json
    from contextlib import closing

    from maillogs.archive.manage import archive_info, describe
    from maillogs.archive.paths import archive_path
    from maillogs.archive.store import open_archive
    from maillogs.core.errors import UsageError

    fmt = fmt.strip().lower()
    if fmt not in ("table", "json"):
        raise UsageError(f"--format: unknown format {fmt!r}; choose from: table, json")
    path = archive_path(archive)
    with closing(open_archive(path, create=False)) as conn:
        info = archive_info(conn, path)
    if fmt == "json":
        sys.stdout.write(json.dumps(info.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in describe(info)))


@archive_app.command("prune")
def prune_command(
    before: Annotated[
        str,
        typer.Option(
            "--before",
            metavar="WHEN",
            help="Delete records submitted before this: YYYY-MM-DD, ISO date-time, or 90d.",
            show_default=False,
        ),
    ],
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="PROFILE",
            help="Only this profile's records (repeat or comma-separate); default: every profile.",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    archive: ArchiveOpt = None,
    tz: TzOpt = None,
) -> None:
    """Delete old records, then compact the file.

    Deletes the records submitted before --before, their status history and
    the coverage before that time. Asks first on a terminal; elsewhere (cron)
    --yes is required.

    Example:

      maillogs archive prune --before 180d --yes
    """
    from contextlib import closing

    from maillogs.archive.manage import count_prunable, file_size, prune
    from maillogs.archive.offline import choose_profiles
    from maillogs.archive.paths import archive_path
    from maillogs.archive.store import open_archive, to_us, writer_lock
    from maillogs.cli.offline import selected_names
    from maillogs.core.errors import UsageError
    from maillogs.core.query import split_multi
    from maillogs.render.times import utc_stamp

    now = datetime.now(UTC)
    moment = common.parse_time_option("--before", before, tz=common.resolve_tz(tz), now=now)
    profiles = split_multi(profile)
    if not yes and not sys.stdin.isatty():
        raise UsageError("prune deletes records: add --yes when not at a terminal")
    path = archive_path(archive)
    # Missing: exit 66, as info; nothing is created for a prune.
    open_archive(path, create=False).close()
    runtime = common.Runtime()
    with writer_lock(path), closing(open_archive(path, create=True)) as conn:
        if profiles:
            # As --offline reads them: `demo` is its three, a name never synced is a typo.
            profiles = choose_profiles(conn, selected_names(profile, runtime), path)
        count = count_prunable(conn, to_us(moment) or 0, profiles)
        which = f" of {', '.join(profiles)}" if profiles else ""
        if count == 0:
            runtime.info(f"No records{which} submitted before {utc_stamp(moment)}.")
            return
        if not yes and not typer.confirm(
            f"Delete {count} records{which} submitted before {utc_stamp(moment)} from {path}?",
            err=True,
        ):
            raise typer.Exit(1)
        deleted = prune(conn, path, to_us(moment) or 0, profiles)
    runtime.info(f"Deleted {deleted} records; {path} is now {file_size(path)} bytes.")
