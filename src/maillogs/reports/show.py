"""``maillogs show``: everything the selected profiles know about message ids.

Each profile is asked through its adapter: the log records with that id
(searched in the adapter's ``lookup_windows``, newest first, stopping at the
first window with a hit), then ``Adapter.describe_message`` for what the API
tells beyond the log rows (Kaleyra's per-recipient statuses, EDITH's open and
click events, Infobip's status/error/price objects).

JSON object per hit (``--format json`` / ``jsonl``)::

    message_id  the id asked for
    profile     the maillogs profile that knows it
    provider    kaleyra | edith | infobip
    records     the normalized log records (as ``maillogs list --raw``), with ``raw``
    recipients  [{recipient, status, provider_status, delivered_at, error_code, error_message,
                updated_at, status_scope}]: Kaleyra's from ``/email/stats/{message_id}``
                (each address's own status); otherwise one per record, with the
                record's ``status_scope``
    events      [{type: open|click, time, recipient, url, user_agent, ip}], oldest first
    history     with --offline only: [{recipient, status, first_seen}], every status each
                recipient was seen in by `maillogs sync`, oldest first
    details     provider-specific facts: Infobip {status, error, price} objects as
                sent; Kaleyra {from_mail, request_datetime} when only its message
                stats (not its logs) know the id; {} otherwise
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from maillogs.core.defaults import DEFAULT_CONCURRENCY
from maillogs.core.models import LogRecord, status_label
from maillogs.core.query import Query
from maillogs.engine import fetch_records, make_plans
from maillogs.providers.base import Adapter, MessageDetail
from maillogs.render.sanitize import sanitize_cell
from maillogs.render.times import relative_time
from maillogs.reports.stats.aggregate import rfc3339

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

Warn = Callable[[str], None]


SHOW_FORMATS: tuple[str, ...] = ("table", "json", "jsonl")
"""What ``show`` writes: a panel per hit, or one JSON object per hit."""


@dataclass(frozen=True)
class StatusSeen:
    """A status one recipient of a message was first seen in by ``maillogs sync``."""

    recipient: str | None
    status: str
    first_seen: datetime | None


@dataclass(frozen=True)
class Hit:
    """One profile's answer about one message id."""

    profile: str
    provider: str
    provider_title: str
    detail: MessageDetail
    # The archive's status history (``show --offline``); None when asked live.
    history: list[StatusSeen] | None = None


def find_message(
    adapter: Adapter, message_id: str, *, warn: Warn, concurrency: int = DEFAULT_CONCURRENCY
) -> MessageDetail | None:
    """What ``adapter``'s profile knows about ``message_id``, or None when nothing."""
    records: list[LogRecord] = []
    # The dates only step the search back in time; the id alone decides what
    # matches, so a row the provider dates just outside a step still counts.
    matching = Query(message_id=message_id)
    for since, until in adapter.lookup_windows():
        plans = make_plans([adapter], Query(message_id=message_id, since=since, until=until), warn)
        records = list(fetch_records(plans, matching, concurrency=concurrency))
        if records:
            break
    detail = adapter.describe_message(message_id, records)
    return detail if detail.found else None


def find_messages(
    adapters: Sequence[Adapter],
    message_ids: Sequence[str],
    *,
    warn: Warn,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Iterator[tuple[str, list[Hit]]]:
    """For each id in order, the hits of every profile (ids rarely collide, so all are asked)."""
    for message_id in message_ids:
        hits = []
        for adapter in adapters:
            detail = find_message(adapter, message_id, warn=warn, concurrency=concurrency)
            if detail is not None:
                spec = adapter.spec()
                hits.append(Hit(adapter.profile.name, spec.name, spec.title, detail))
        yield message_id, hits


def _time(value: datetime | None) -> str | None:
    return rfc3339(value, UTC) if value is not None else None


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """The documented JSON object of a hit (see module docstring)."""
    detail = hit.detail
    return {
        "message_id": detail.message_id,
        "profile": hit.profile,
        "provider": hit.provider,
        "records": [record.to_json_dict(with_raw=True) for record in detail.records],
        "recipients": [
            {
                "recipient": state.recipient,
                "status": state.status.value,
                "provider_status": state.provider_status,
                "delivered_at": _time(state.delivered_at),
                "error_code": state.error_code,
                "error_message": state.error_message,
                "updated_at": _time(state.updated_at),
                "status_scope": state.status_scope,
            }
            for state in detail.recipients
        ],
        "events": [
            {
                "type": event.kind,
                "time": _time(event.at),
                "recipient": event.recipient,
                "url": event.url,
                "user_agent": event.user_agent,
                "ip": event.ip,
            }
            for event in detail.events
        ],
        "details": detail.details,
    } | _history_json(hit.history)


def _history_json(history: list[StatusSeen] | None) -> dict[str, Any]:
    if history is None:
        return {}
    return {
        "history": [
            {
                "recipient": seen.recipient,
                "status": seen.status,
                "first_seen": _time(seen.first_seen),
            }
            for seen in history
        ]
    }


def message_price(records: Sequence[LogRecord]) -> float | None:
    """What the message cost: the sum of its records' prices (a Kaleyra row's
    price is shared by its addresses), added exactly; None when none has one."""
    prices = [record.price for record in records if record.price is not None]
    if not prices:
        return None
    if not all(math.isfinite(price) for price in prices):
        return sum(prices)
    return float(sum(Decimal(repr(price)) for price in prices))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items() if v not in (None, ""))
    return sanitize_cell(str(value))


def _local(value: datetime | None, tz: tzinfo) -> str:
    if value is None:
        return ""
    text = value.astimezone(tz).isoformat(sep=" ", timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# Facts shared by every recipient of a message; the rest is per recipient.
_MESSAGE_FIELDS = (
    ("sender", "from"),
    ("subject", "subject"),
    ("campaign_id", "campaign"),
    ("submitted_at", "submitted"),
    ("price", "price"),
)


def hit_panel(hit: Hit, tz: tzinfo, *, now: datetime | None = None) -> RenderableType:
    """A Rich panel: the message's facts, each recipient's state, its events.

    Times are local to ``tz``, or "3h ago" from ``now`` when it is given (``--relative``)."""
    from rich import box
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    def when(value: datetime | None) -> str:
        if value is None or now is None:
            return _local(value, tz)
        return relative_time(value, now, tz)

    detail = hit.detail
    parts: list[RenderableType] = []
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    first = detail.records[0] if detail.records else None
    if first is not None:
        for name, label in _MESSAGE_FIELDS:
            if label in detail.details:
                continue  # the provider's own, richer object is shown below
            value = message_price(detail.records) if name == "price" else getattr(first, name)
            shown = when(value) if isinstance(value, datetime) else _text(value)
            if shown:
                facts.add_row(label, Text(shown))
    for key, value in detail.details.items():
        if value not in (None, "", {}):
            facts.add_row(sanitize_cell(key), Text(_text(value)))
    parts.append(facts)
    rows = [
        (
            _text(state.recipient),
            status_label(state.status, state.status_scope),
            _text(state.provider_status),
            when(state.delivered_at),
            when(state.updated_at),
            _text(" ".join(filter(None, (state.error_code, state.error_message)))),
        )
        for state in detail.recipients
    ]
    parts.append(_FitTable("recipients", _RECIPIENT_COLUMNS, rows, {"error"}))
    if detail.events:
        events = [
            (
                when(event.at),
                event.kind,
                _text(event.recipient),
                _text(event.url),
                _text(event.user_agent),
                _text(event.ip),
            )
            for event in detail.events
        ]
        parts.append(_FitTable("opens and clicks", _EVENT_COLUMNS, events, {"url", "user agent"}))
    if hit.history:
        seen = Table(box=box.SIMPLE_HEAD, title="status history", title_justify="left")
        for column in ("first seen", "recipient", "status"):
            seen.add_column(column)
        for entry in hit.history:
            seen_cells = (when(entry.first_seen), _text(entry.recipient), entry.status)
            seen.add_row(*(Text(cell) for cell in seen_cells))
        parts.append(seen)
    title = Text(f"{sanitize_cell(detail.message_id)}  {hit.profile} ({hit.provider_title})")
    return Panel(Group(*parts), title=title, title_align="left", expand=False)


_RECIPIENT_COLUMNS = ("recipient", "status", "provider status", "delivered", "updated", "error")
_EVENT_COLUMNS = ("time", "event", "recipient", "url", "user agent", "ip")
# Room a free-text column needs before wrapping it reads worse than one field a line.
_WRAP_ROOM = 15


class _FitTable:
    """Rows as a table when every cell but the free-text ``wraps`` columns fits
    on one line, else one ``label  value`` line per field, so a narrow terminal
    never cuts an address or a time to ``ivan.12@e…``."""

    def __init__(
        self, title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]], wraps: set[str]
    ) -> None:
        self.title, self.columns, self.rows, self.wraps = title, columns, rows, wraps

    def _table_width(self) -> int:
        """The narrowest table that cuts no cell but the free-text ones: Rich's
        width is the columns' plus two of padding each, a rule between them and
        an edge on each side."""
        widths = []
        for i, name in enumerate(self.columns):
            longest = max([0] + [len(row[i]) for row in self.rows])
            if name in self.wraps:
                longest = min(longest, _WRAP_ROOM)
            widths.append(max(longest, *(len(word) for word in name.split())))
        return sum(widths) + 3 * len(widths) + 1

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        if options.max_width >= self._table_width():
            table = Table(box=box.SIMPLE_HEAD, title=self.title, title_justify="left")
            for column in self.columns:
                # A URL has no space to wrap at: folded, it stays whole to copy.
                table.add_column(column, overflow="fold" if column in self.wraps else "ellipsis")
            for row in self.rows:
                table.add_row(*(Text(cell) for cell in row))
            yield table
            return
        yield Text(self.title, style="italic")
        for row in self.rows:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold")
            grid.add_column(overflow="fold")
            for label, cell in zip(self.columns, row, strict=True):
                if cell:
                    grid.add_row(label, Text(cell))
            yield Text("")
            yield grid
        yield Text("")
