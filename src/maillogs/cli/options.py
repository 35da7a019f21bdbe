"""The options commands share: declared once, read into one object per group
(kept light: Typer only). The filter options of ``list``, ``stats``, ``export``
and ``tail`` become one :class:`Filters`, turned into one query; ``--offline``
and ``--archive`` one :class:`Origin`.

A command takes ``filters: Filters`` and/or ``origin: Origin`` where the
options belong and is wrapped with :func:`with_option_groups`; a new common
filter is one option here, one field of ``Filters`` and one line of
:meth:`Filters.query`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from maillogs.cli import complete
from maillogs.cli.common import resolve_tz

if TYPE_CHECKING:
    from maillogs.core.query import Query

StatusOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        "-s",
        metavar="STATUS",
        autocompletion=complete.complete_statuses,
        help="Canonical status or alias (bounced, failed, delivered...); repeat or comma-separate.",
        show_default=False,
    ),
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", metavar="ADDRESS", help="Sender address, or @domain."),
]
ToOpt = Annotated[
    str | None,
    typer.Option("--to", metavar="ADDRESS", help="Recipient address, or @domain."),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="WHEN",
        help="Inclusive start: YYYY-MM-DD, ISO date-time, or a duration ago (90m, 48h, 7d).",
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="WHEN",
        help="Exclusive end; a bare date includes that whole day.",
    ),
]
RangeOpt = Annotated[
    str | None,
    typer.Option(
        "--range",
        metavar="RANGE",
        help="24h, 7d, today, yesterday, or START..END (e.g. 2024-01-01..2024-01-31).",
    ),
]
RecipientTypeOpt = Annotated[
    str | None,
    typer.Option(
        "--recipient-type",
        metavar="TYPE",
        help="to, cc or bcc (where the provider reports it).",
        autocompletion=complete.complete_recipient_types,
    ),
]
MessageIdOpt = Annotated[
    str | None,
    typer.Option("--message-id", metavar="ID", help="One message id."),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        metavar="NAME=VALUE",
        help="Provider-only filter passed through as name=value (e.g. campaignId=x).",
        show_default=False,
    ),
]
TzOpt = Annotated[
    str | None,
    typer.Option(
        "--tz",
        metavar="ZONE",
        autocompletion=complete.complete_zones,
        help="Zone for dates without an offset (IANA name). Default: the local zone.",
    ),
]

ArchiveOpt = Annotated[
    Path | None,
    typer.Option(
        "--archive",
        metavar="PATH",
        help="The archive file. Default: $MAILLOGS_ARCHIVE, else archive.sqlite3 in the "
        "user data directory (`maillogs archive path`).",
        show_default=False,
    ),
]
OfflineOpt = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="Answer from the archive (`maillogs sync` fills it): no network, no credentials.",
    ),
]


@dataclass(frozen=True)
class Filters:
    """The common filter options as given on the command line."""

    status: StatusOpt = None
    sender: FromOpt = None
    recipient: ToOpt = None
    since: SinceOpt = None
    until: UntilOpt = None
    range_: RangeOpt = None
    recipient_type: RecipientTypeOpt = None
    message_id: MessageIdOpt = None
    param: ParamOpt = None
    tz: TzOpt = None

    def query(self, *, limit: int | None, now: datetime, tz: str | None = None) -> Query:
        """The provider-neutral query; ``tz`` overrides ``--tz`` (a resolved zone name)."""
        from maillogs.core.query import build_query

        return build_query(
            statuses=self.status,
            sender=self.sender,
            recipient=self.recipient,
            since=self.since,
            until=self.until,
            range_=self.range_,
            recipient_type=self.recipient_type,
            message_id=self.message_id,
            params=self.param,
            limit=limit,
            tz=resolve_tz(tz or self.tz),
            now=now,
        )


# The placeholder default of a command's ``filters`` (``with_option_groups`` fills it in).
NO_FILTERS = Filters()


@dataclass(frozen=True)
class Origin:
    """Where records come from: the providers, or the archive with ``--offline``."""

    offline: OfflineOpt = False
    archive: ArchiveOpt = None


# The placeholder default of a command's ``origin`` (``with_option_groups`` fills it in).
LIVE = Origin()

# Option groups a command takes as one parameter of this name and type.
_GROUPS: dict[str, type[Filters] | type[Origin]] = {"filters": Filters, "origin": Origin}


def _group_parameters(group: type[Filters] | type[Origin]) -> list[inspect.Parameter]:
    hints = inspect.get_annotations(group, eval_str=True)
    return [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=field.default,
            annotation=hints[field.name],
        )
        for field in fields(group)
    ]


GROUP_PARAMETERS = {name: _group_parameters(group) for name, group in _GROUPS.items()}


def with_option_groups(
    command: Callable[..., None], *, omit: Collection[str] = ()
) -> Callable[..., None]:
    """Put each group's options where ``command`` takes ``filters: Filters`` or
    ``origin: Origin``; Typer then sees each option, and ``command`` gets them
    as one object per group. ``omit``: options the command does not offer (left
    at their defaults)."""
    signature = inspect.signature(command, eval_str=True)
    offered: dict[str, list[inspect.Parameter]] = {}
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name in _GROUPS:
            group = [p for p in GROUP_PARAMETERS[parameter.name] if p.name not in omit]
            offered[parameter.name] = group
            parameters.extend(group)
        else:
            # Typer passes every value by keyword; keyword-only keeps the order legal.
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(command)
    def run(**values: Any) -> None:
        groups = {
            name: _GROUPS[name](**{p.name: values.pop(p.name) for p in group})
            for name, group in offered.items()
        }
        command(**groups, **values)

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return run
