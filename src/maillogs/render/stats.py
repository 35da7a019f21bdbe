"""Output of ``maillogs stats``: JSON, JSON Lines, CSV/TSV, or a Rich table and bar chart.

Machine formats have stable keys (see ``stats_keys``): every canonical status
is always present (``null`` when the source does not measure it), so a CSV
header or a jq filter never depends on the data. Rich is imported only for
the table.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, TextIO

from maillogs.core.errors import OutputError, UsageError
from maillogs.core.statuses import Status
from maillogs.render.sanitize import neutralize_formula, sanitize_cell
from maillogs.reports.stats.aggregate import StatsRow, merged_source, row_to_json
from maillogs.reports.stats.compute import StatsResult
from maillogs.reports.stats.periods import Grouping

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
    keys = ["period_start", "period_end"] if grouping.is_time else ["group"]
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
) -> None:
    """Write ``result`` to ``stream`` as ``fmt``.

    Raises:
        UsageError: for a format stats cannot write.
        OutputError: when ``stream`` cannot be written (a broken pipe propagates).
    """
    if fmt not in STATS_FORMATS:
        raise UsageError(
            f"--format: unknown format {fmt!r}; choose from: {', '.join(STATS_FORMATS)}"
        )
    try:
        if fmt == "table":
            write_table(result, stream, chart=chart, color=color, width=width)
        else:
            _write_machine(result, fmt, stream, per_profile=per_profile)
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        name = getattr(stream, "name", None) or "output"
        raise OutputError(f"cannot write to {name}: {exc.strerror or exc}") from exc


def _write_machine(result: StatsResult, fmt: str, stream: TextIO, *, per_profile: bool) -> None:
    extras = extra_names(result.rows)
    objects = (row_to_json(row, result.tz, extras) for row in result.rows)
    if fmt == "jsonl":
        for obj in objects:
            stream.write(json.dumps(obj, ensure_ascii=False) + "\n")
        return
    if fmt == "json":
        lines = [json.dumps(obj, ensure_ascii=False) for obj in objects]
        stream.write("[" + ",\n".join(lines) + "]\n")
        return
    keys = stats_keys(result.grouping, per_profile, extras)
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


def _cell(value: Any, tsv: bool) -> Any:
    if value is None:
        return ""
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


def _columns(rows: Sequence[StatsRow], grouping: Grouping) -> list[tuple[str, Cell]]:
    """Numeric columns of the table: header and how to fill it from a row."""
    grand = sum(row.total for row in rows)
    if grouping is Grouping.STATUS:
        # Per-status columns would only repeat the total on a diagonal.
        return [
            ("total", lambda row: str(row.total)),
            ("share", lambda row: _percent(row.total / grand if grand else None)),
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
        *((s.value, count(s)) for s in _shown_statuses(rows)),
        *((sanitize_cell(n), extra(n)) for n in extra_names(rows)),
        ("total", lambda row: str(row.total)),
        ("deliv %", rate("delivery_rate")),
        ("bounce %", rate("bounce_rate")),
        ("open %", rate("open_rate")),
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
    result: StatsResult, stream: TextIO, *, chart: bool, color: bool, width: int | None = None
) -> None:
    """A table of groups x statuses with totals and rates, then a bar chart."""
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
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    columns = _columns(rows, result.grouping)
    # Labels and numbers cut in the middle say nothing: they never wrap.
    table.add_column(result.grouping.value, no_wrap=True)
    if per_profile:
        table.add_column("profile", no_wrap=True)
    for header, _ in columns:
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        head = [period_label(row, result.grouping, result.tz)]
        if per_profile:
            head.append(sanitize_cell(row.profile or ""))
        table.add_row(*(Text(c) for c in [*head, *(fill(row) for _, fill in columns)]))
    total = _total_row(rows)
    if total is not None:
        head = ["total", *([""] if per_profile else [])]
        table.add_section()
        cells = [*head, *(fill(total) for _, fill in columns)]
        table.add_row(*(Text(c, style="bold") for c in cells))
    console.print(Text(title, style="bold"))
    console.print(table)
    for name in sorted({row.source.name for row in rows if row.source.counts == "events"}):
        console.print(Text(EVENTS_FOOTNOTE.format(source=name), style="dim"))
    if chart and rows:
        _print_chart(console, result, rows, color=color)


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
