"""Output of ``maillogs stats``: JSON, JSON Lines, CSV/TSV, or a Rich table and bar chart.

Machine formats have stable keys (see ``stats_keys``): every canonical status
is always present (``null`` when the source does not measure it), so a CSV
header or a jq filter never depends on the data. Rich is imported only for
the table.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, TextIO

from maillogs.core.errors import OutputError, UsageError
from maillogs.core.statuses import Status
from maillogs.render.fit import REQUIRED, FitColumn, fit_columns, hidden_note
from maillogs.render.jsonfmt import JsonWriter, dumps_finite
from maillogs.render.sanitize import neutralize_formula, sanitize_cell
from maillogs.reports.stats.aggregate import StatsRow, merged_source, row_to_json
from maillogs.reports.stats.compute import StatsResult
from maillogs.reports.stats.periods import Grouping, is_partial

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

STATS_FORMATS = ("table", "json", "jsonl", "csv", "tsv")
# Width for a table written to a pipe or file, where no terminal says.
MIN_BAR = 10

# The bar chart's segments: statuses, colour, and the character used without colour.
_SEGMENTS: tuple[tuple[str, frozenset[Status], str, str], ...] = (
    ("delivered", frozenset({Status.DELIVERED, Status.OPENED, Status.CLICKED}), "green", "█"),
    ("pending", frozenset({Status.QUEUED, Status.SENT, Status.DEFERRED}), "yellow", "▒"),
    (
        "failed",
        frozenset(
            {
                Status.BOUNCED,
                Status.BLOCKED,
                Status.FAILED,
                Status.COMPLAINED,
                Status.UNSUBSCRIBED,
                Status.EXPIRED,
            }
        ),
        "red",
        "░",
    ),
    ("unknown", frozenset({Status.UNKNOWN}), "bright_black", "·"),
)
PARTIAL = "*"
PARTIAL_FOOTNOTE = f"{PARTIAL} partial: the range covers only part of this period."
EVENTS_FOOTNOTE = (
    "{source}: the provider's own daily counters count events, not messages - an "
    "opened message also counts as delivered and accepted; total = accepted (queued); "
    "'-' = not measured."
)


def extra_names(rows: Sequence[StatsRow]) -> list[str]:
    """Undocumented provider metrics present in any row, sorted."""
    return sorted({name for row in rows for name in row.extras()})


def stats_keys(grouping: Grouping, per_profile: bool, extras: Sequence[str]) -> list[str]:
    """The keys of every JSON object / CSV column, in order."""
    keys = ["period_start", "period_end", "partial"] if grouping.is_time else ["group"]
    if per_profile:
        keys.append("profile")
    keys += ["source", "counts", *(s.value for s in Status), *extras]
    return [*keys, "total", "delivery_rate", "bounce_rate", "open_rate"]


def write_stats(
    result: StatsResult,
    fmt: str,
    stream: TextIO,
    *,
    per_profile: bool,
    chart: bool,
    color: bool,
    width: int | None = None,
    columns: str | None = None,
) -> str | None:
    """Write ``result`` to ``stream`` as ``fmt``; return the table's note about
    hidden columns, if any.

    ``columns`` (``--columns``) names the count and rate keys to show, in order;
    the keys that say which row it is (period or group, profile) always come first.

    Raises:
        UsageError: for a format stats cannot write, or an unknown column.
        OutputError: when ``stream`` cannot be written (a broken pipe propagates).
    """
    if fmt not in STATS_FORMATS:
        raise UsageError(
            f"--format: unknown format {fmt!r}; choose from: {', '.join(STATS_FORMATS)}"
        )
    extras = extra_names(result.rows)
    selected = _parse_columns(columns, result.grouping, extras)
    note = None
    try:
        if fmt == "table":
            note = write_table(
                result, stream, chart=chart, color=color, width=width, columns=selected
            )
        else:
            _write_machine(
                result, fmt, stream, per_profile=per_profile, columns=selected, color=color
            )
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        name = getattr(stream, "name", None) or "output"
        raise OutputError(f"cannot write to {name}: {exc.strerror or exc}") from exc
    return note


def _parse_columns(
    spec: str | None, grouping: Grouping, extras: Sequence[str]
) -> tuple[str, ...] | None:
    if spec is None:
        return None
    choices = _value_keys(stats_keys(grouping, False, extras))
    names = [name.strip().lower() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in choices]
    if unknown or not names:
        what = f"unknown column {', '.join(map(repr, unknown))}" if unknown else "empty"
        raise UsageError(f"--columns: {what}; choose from: {', '.join(choices)}")
    return tuple(dict.fromkeys(names))


def _value_keys(keys: Sequence[str]) -> list[str]:
    """The keys ``--columns`` may choose: counts and rates, not the row's identity."""
    identity = {"period_start", "period_end", "partial", "group", "profile", "source", "counts"}
    return [key for key in keys if key not in identity]


def _write_machine(
    result: StatsResult,
    fmt: str,
    stream: TextIO,
    *,
    per_profile: bool,
    columns: Sequence[str] | None,
    color: bool,
) -> None:
    extras = extra_names(result.rows)
    keys = stats_keys(result.grouping, per_profile, extras)
    if columns is not None:
        values = set(_value_keys(keys))
        keys = [key for key in keys if key not in values] + list(columns)
    objects = ({key: obj[key] for key in keys} for obj in _row_objects(result, extras))
    if fmt in ("json", "jsonl"):
        json_writer = JsonWriter(stream, array=fmt == "json", pretty=stream.isatty(), color=color)
        for obj in objects:
            json_writer.write(dumps_finite(obj))
        json_writer.close()
        return
    tsv = fmt == "tsv"
    writer = (
        csv.writer(
            stream, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n"
        )
        if tsv
        else csv.writer(stream, lineterminator="\n")
    )
    writer.writerow(keys)
    for obj in objects:
        writer.writerow([_cell(obj[key], tsv) for key in keys])


def _row_objects(result: StatsResult, extras: Sequence[str]) -> Iterator[dict[str, Any]]:
    for row in result.rows:
        obj = row_to_json(row, result.tz, extras)
        if "period_start" in obj:
            obj["partial"] = _partial(row, result)
        yield obj


def _partial(row: StatsRow, result: StatsResult) -> bool:
    if not isinstance(row.group, datetime) or row.period_end is None:
        return False
    return is_partial(row.group, row.period_end, result.since, result.until)


def _cell(value: Any, tsv: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Group values (senders, domains) come from the provider: keep them inert.
        text = neutralize_formula(value)
        return sanitize_cell(text) if tsv else text
    return value


def period_label(row: StatsRow, grouping: Grouping, tz: tzinfo) -> str:
    """How a row's group reads in the table and chart."""
    if isinstance(row.group, datetime):
        local = row.group.astimezone(tz)
        if grouping is Grouping.HOUR:
            return local.strftime("%Y-%m-%d %H:%M")
        if grouping is Grouping.WEEK:
            return f"week of {local.strftime('%Y-%m-%d')}"
        return local.strftime("%Y-%m-%d %a")
    return sanitize_cell(row.group) if row.group else "(none)"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _shown_statuses(rows: Sequence[StatsRow]) -> list[Status]:
    return [s for s in Status if any(row.count(s) for row in rows)]


Cell = Callable[[StatsRow], str]

# Which numeric columns a narrow terminal keeps longest (higher stays). The
# total and the rates answer "how did it go"; rare statuses go first.
_RANKS: dict[str, int] = {
    "total": 99,
    "delivery_rate": 98,
    "bounce_rate": 97,
    "delivered": 90,
    "bounced": 89,
    "failed": 88,
    "blocked": 87,
    "queued": 86,
    "open_rate": 85,
    "opened": 84,
    "sent": 83,
    "deferred": 82,
    "clicked": 81,
    "expired": 80,
    "complained": 79,
    "unsubscribed": 78,
    "unknown": 77,
    "share": 99,
}
# Provider-specific metrics, after every canonical column.
_EXTRA_RANK = 50


@dataclass(frozen=True)
class _NumberColumn:
    key: str  # its name for --columns and in machine output
    header: str
    fill: Cell


def _columns(rows: Sequence[StatsRow], grouping: Grouping) -> list[_NumberColumn]:
    """Numeric columns of the table: key, header and how to fill it from a row."""
    grand = sum(row.total for row in rows)
    if grouping is Grouping.STATUS:
        # Per-status columns would only repeat the total on a diagonal.
        return [
            _NumberColumn("total", "total", lambda row: str(row.total)),
            _NumberColumn(
                "share", "share", lambda row: _percent(row.total / grand if grand else None)
            ),
        ]

    def count(status: Status) -> Cell:
        return lambda row: "-" if (n := row.count(status)) is None else str(n)

    def extra(name: str) -> Cell:
        return lambda row: "-" if (n := row.extras().get(name)) is None else str(n)

    def rate(key: str) -> Cell:
        # Exact rates: rounding twice (to 4 digits, then to the shown one) can
        # misround a half (14/17 is 82.35... %).
        return lambda row: _percent(row.rates(digits=None)[key])

    return [
        *(_NumberColumn(s.value, s.value, count(s)) for s in _shown_statuses(rows)),
        *(_NumberColumn(n, sanitize_cell(n), extra(n)) for n in extra_names(rows)),
        _NumberColumn("total", "total", lambda row: str(row.total)),
        _NumberColumn("delivery_rate", "deliv %", rate("delivery_rate")),
        _NumberColumn("bounce_rate", "bounce %", rate("bounce_rate")),
        _NumberColumn("open_rate", "open %", rate("open_rate")),
    ]


def _total_row(rows: Sequence[StatsRow]) -> StatsRow | None:
    """The sum of every row, when their sources add up (events and messages never do)."""
    source = merged_source([row.source for row in rows])
    if len(rows) < 2 or source is None:
        return None
    summed: Counter[str] = Counter()
    for row in rows:
        summed.update(row.counts)
    return StatsRow(
        group="total",
        period_end=None,
        profile=None,
        source=source,
        counts=summed,
        total=sum(row.total for row in rows),
    )


def write_table(
    result: StatsResult,
    stream: TextIO,
    *,
    chart: bool,
    color: bool,
    width: int | None = None,
    columns: Sequence[str] | None = None,
) -> str | None:
    """A table of groups x statuses with totals and rates, then a bar chart.

    The numeric columns are fitted to the width by rank (see ``render.fit``):
    numbers are never cut, the lowest-ranked columns are hidden instead, unless
    ``columns`` (keys, as in machine output) says which to show. Returns the
    note naming hidden columns, or None.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from maillogs.render.table import make_console

    console = make_console(stream, color=color, width=width)
    rows = result.rows
    per_profile = any(row.profile is not None for row in rows)
    zone = getattr(result.tz, "key", None) or str(result.tz)
    title = (
        f"by {result.grouping.value}, {result.since.astimezone(result.tz):%Y-%m-%d %H:%M} to "
        f"{result.until.astimezone(result.tz):%Y-%m-%d %H:%M} ({zone})"
    )
    numbers = _columns(rows, result.grouping)
    if columns is not None:
        by_key = {n.key: n for n in numbers}
        numbers = [by_key[key] for key in columns if key in by_key]
    total = _total_row(rows)
    # A period the range covers only in part is marked: its counts are not a whole one's.
    heads = [
        [period_label(row, result.grouping, result.tz) + (PARTIAL if _partial(row, result) else "")]
        for row in rows
    ]
    if per_profile:
        for head, row in zip(heads, rows, strict=True):
            head.append(sanitize_cell(row.profile or ""))
    cells = [[n.fill(row) for n in numbers] for row in rows]
    total_cells = [] if total is None else [n.fill(total) for n in numbers]
    fitted = fit_columns(
        [
            FitColumn(result.grouping.value, _widest(result.grouping.value, heads, 0), REQUIRED),
            *(
                [FitColumn("profile", _widest("profile", heads, 1), REQUIRED)]
                if per_profile
                else []
            ),
            *(
                FitColumn(n.key, _widest(n.header, [*cells, total_cells], i), _rank(n.key))
                for i, n in enumerate(numbers)
            ),
        ],
        console.width,
        hide=columns is None,
    )
    shown = [w is not None for w in fitted.widths[2 if per_profile else 1 :]]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    # Labels and numbers cut in the middle say nothing: they never wrap.
    table.add_column(result.grouping.value, no_wrap=True)
    if per_profile:
        table.add_column("profile", no_wrap=True)
    for number, keep in zip(numbers, shown, strict=True):
        if keep:
            table.add_column(number.header, justify="right", no_wrap=True)

    def kept(values: list[str]) -> list[str]:
        return [value for value, keep in zip(values, shown, strict=True) if keep]

    for head, values in zip(heads, cells, strict=True):
        table.add_row(*(Text(c) for c in [*head, *kept(values)]))
    if total is not None:
        table.add_section()
        head = ["total", *([""] if per_profile else [])]
        table.add_row(*(Text(c, style="bold") for c in [*head, *kept(total_cells)]))
    console.print(Text(title, style="bold"))
    # Never cut a label or a number: wider than the terminal, the terminal wraps.
    fitted_to = console.width
    console.width = max(fitted.total, fitted_to)
    console.print(table)
    console.width = fitted_to
    for name in sorted({row.source.name for row in rows if row.source.counts == "events"}):
        console.print(Text(EVENTS_FOOTNOTE.format(source=name), style="dim"))
    if any(_partial(row, result) for row in rows):
        console.print(Text(PARTIAL_FOOTNOTE, style="dim"))
    if chart and rows:
        _print_chart(console, result, rows, color=color)
    if not fitted.hidden:
        return None
    return hidden_note(fitted.hidden, fitted_to, "see them with --columns or --format csv")


def _rank(key: str) -> int:
    return _RANKS.get(key, _EXTRA_RANK)


def _widest(header: str, rows: Sequence[Sequence[str]], index: int) -> int:
    from rich.cells import cell_len

    return max([cell_len(header), *(cell_len(row[index]) for row in rows if row)])


def _print_chart(
    console: Console, result: StatsResult, rows: Sequence[StatsRow], *, color: bool
) -> None:
    from rich.text import Text

    labels = [period_label(row, result.grouping, result.tz) for row in rows]
    if any(row.profile for row in rows):
        labels = [
            f"{label} {sanitize_cell(row.profile or '')}"
            for label, row in zip(labels, rows, strict=True)
        ]
    label_width = max(len(label) for label in labels)
    peak = max(row.total for row in rows)
    count_width = len(str(peak))
    bar_width = max(MIN_BAR, console.width - label_width - count_width - 3)
    console.print()
    for label, row in zip(labels, rows, strict=True):
        line = Text(f"{label:<{label_width}} ")
        line.append_text(_bar(row, peak, bar_width, color=color))
        line.append(f" {row.total:>{count_width}}")
        console.print(line, no_wrap=True, overflow="crop")
    legend = Text("  ")
    for name, _, style, char in _SEGMENTS:
        legend.append(char * 2, style=style if color else "")
        legend.append(f" {name}  ")
    console.print(legend, style="dim" if not color else "")


def _bar(row: StatsRow, peak: int, width: int, *, color: bool) -> Text:
    from rich.text import Text

    bar = Text()
    if not peak or not row.total:
        return bar
    length = round(row.total / peak * width)
    if row.source.counts == "events":
        # Event counters overlap, so the bar cannot be split into statuses.
        bar.append("█" * length, style="cyan" if color else "")
        return bar
    drawn, used = 0, 0
    for _, statuses, style, char in _SEGMENTS:
        used += sum(row.counts.get(s.value, 0) for s in statuses)
        # Cumulative rounding keeps the segments adding up to the bar's length.
        upto = round(used / row.total * length)
        bar.append(char * (upto - drawn), style=style if color else "")
        drawn = upto
    return bar
