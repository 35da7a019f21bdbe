"""Kaleyra: ``GET {base}/v1/{sid}/email/logs``, page/limit/total pagination.

Facts from Kaleyra's docs that shape this adapter:
- auth is the ``api-key`` header; the account SID is part of the path;
- ``start_date``/``end_date`` are whole days (``YYYY-MM-DD``) in the account's
  time zone, so we widen to days for the request and trim to the exact instant
  range locally;
- ``search`` (repeatable, ANDed) is a case-insensitive substring match over
  status, from, to and template name: we use it only to narrow the request and
  check the real field locally;
- timestamps are naive ``"YYYY-MM-DD HH:MM:SS"`` in the account zone, ``""``
  when absent; ``limit`` comes back as a string; ``to_mail`` may hold several
  comma-joined addresses: one record per address here, marked
  ``status_scope="message"`` (the row's one status is the message's) and each
  carrying an even share of the row's ``sale_price``;
- there is no recipient type in the API (only the web console shows it);
- ``/email/stats`` gives daily counters (page/limit, no total), documented
  keys ``accepted delivered opens deferred blocks``; they count events, so an
  opened message also counts as delivered and accepted;
- ``/email/stats/{message_id}`` gives each recipient's status and error.
Assumption (docs silent): rows are sorted newest first and mail that arrives
during a walk lands on top, adding one to ``total`` and pushing every older row
one place down; pages fetched together are checked against it (see
``maillogs.fetch.paging.NewestFirstPages``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from maillogs.core.errors import NotFoundError, ProviderDataError
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.fetch.http import Params
from maillogs.fetch.paging import (
    NewestFirstPages,
    NumberedPage,
    PageInfo,
    PageNumberPaginator,
    StallGuard,
)
from maillogs.providers import base

if TYPE_CHECKING:
    from maillogs.profiles.model import Profile

PAGE_SIZE = 100  # documented maximum (default 50)
# Decimal places of a price share (see split_price): finer than any currency's cent.
SHARE_DIGITS = 4
# The documented shape; checked before `fromisoformat`, which would also
# accept offsets and fractions (and is much faster than `strptime`).
TIMESTAMP_SHAPE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")

# API statuses (documented list) plus the console's words, which some
# accounts' logs carry too.
KALEYRA_STATUSES: dict[str, Status] = {
    "ACCEPTED": Status.QUEUED,
    "QUEUED": Status.QUEUED,
    "VALIDATED": Status.QUEUED,
    "SENT": Status.SENT,
    "DEFERRED": Status.DEFERRED,
    "DELAYED": Status.DEFERRED,
    "DELIVERED": Status.DELIVERED,
    "OPEN": Status.OPENED,
    "OPENED": Status.OPENED,
    "BOUNCE": Status.BOUNCED,
    "BOUNCED": Status.BOUNCED,
    "BLOCKED": Status.BLOCKED,
    "SUPPRESSED": Status.BLOCKED,
    "FAILED": Status.FAILED,
}
# Outcomes a row keeps for good: a ``search`` for one of them cannot lose a row
# that changes status during a walk (see KaleyraAdapter.native_status).
# DELIVERED becomes OPEN; ACCEPTED, SENT and DEFERRED move on.
SETTLED_STATUSES = frozenset({Status.OPENED, Status.BOUNCED, Status.BLOCKED, Status.FAILED})
# The documented /email/stats metrics and the canonical status each counts.
STATS_METRICS: dict[str, Status] = {
    "accepted": Status.QUEUED,
    "delivered": Status.DELIVERED,
    "opens": Status.OPENED,
    "deferred": Status.DEFERRED,
    "blocks": Status.BLOCKED,
}
# Every message counts as accepted, so that is what rates are relative to.
STATS_TOTAL = "accepted"
# For these the row's `description` explains what went wrong.
PROBLEM_STATUSES = frozenset({Status.DEFERRED, Status.BOUNCED, Status.BLOCKED, Status.FAILED})


def kaleyra_error_text(body: Any) -> str | None:
    """The message inside Kaleyra's ``{"data": [], "error": {...}}`` envelope."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        for key in ("message", "error", "description"):
            if isinstance(error.get(key), str):
                return str(error[key])
        if error:
            return ", ".join(f"{k}: {v}" for k, v in error.items())
    if isinstance(error, str):
        return error
    message = body.get("message")
    return message if isinstance(message, str) else None


def _row_key(row: Any) -> Any:
    """A log row's message id: what tells a row read twice from a new one."""
    return row.get("message_id") if isinstance(row, dict) else id(row)


def _day_key(row: Any) -> Any:
    """A stats row's day: one row per day, so a day seen twice is a page read twice."""
    return row.get("date") if isinstance(row, dict) else id(row)


def parse_kaleyra_time(value: Any, tz: tzinfo) -> datetime | None:
    """``"2022-01-11 10:11:27"`` in the account zone -> aware UTC; ``""`` -> None."""
    if type(value) is str and TIMESTAMP_SHAPE.fullmatch(value) and value[:4] in _SAFE_YEAR_TEXT:
        # The documented shape, nothing to strip: two times a row, the
        # commonest work of a Kaleyra walk. Read as UTC, then moved by the
        # zone's offset in that hour: cheaper than datetime.replace(tzinfo=...)
        # and astimezone, the same instant.
        offset = _offset_in_hour(tz, value[:13])
        if offset is not None:
            return datetime.fromisoformat(value + "+00:00") - offset
        return base.utc_in_range(datetime.fromisoformat(value).replace(tzinfo=tz), value)
    text = base.text_or_none(value)
    if text is None:
        return None
    text = text.strip()
    if not TIMESTAMP_SHAPE.fullmatch(text):
        raise ValueError(f"timestamp {text!r} is not YYYY-MM-DD HH:MM:SS")
    return base.utc_in_range(datetime.fromisoformat(text).replace(tzinfo=tz), text)


# Four-digit years whose instants stay inside base.SAFE_YEARS whatever the zone's
# offset (less than a day), so the quick path needs no range check.
_SAFE_YEAR_TEXT = frozenset(f"{year:04d}" for year in base.SAFE_YEARS[1:-1])
_LAST_SECOND = timedelta(minutes=59, seconds=59)


@lru_cache(maxsize=4096)
def _offset_in_hour(tz: tzinfo, hour: str) -> timedelta | None:
    """The zone's UTC offset through the local hour ``hour`` (``YYYY-MM-DD HH``),
    as ``datetime.replace(tzinfo=tz)`` reads its times; None when it differs
    between the hour's first and last second (a change of offset within it)."""
    start = datetime.fromisoformat(hour + ":00:00")
    first = start.replace(tzinfo=tz).utcoffset()
    last = (start + _LAST_SECOND).replace(tzinfo=tz).utcoffset()
    return first if first is not None and first == last else None


def split_price(value: Any, parts: int) -> list[float | None]:
    """A row's ``sale_price`` shared evenly by its ``parts`` addresses.

    Kaleyra charges per row, so the shares must add up to the price exactly:
    they are counted in units of 0.0001 (or of the price's own last digit when
    finer) and the units left over go one each to the first addresses — 1
    over 3 is 0.3334, 0.3333, 0.3333. A share is an apportionment, not a
    per-recipient charge Kaleyra reports.
    """
    if value in (None, ""):
        return [None] * parts
    amount = float(value)
    if parts == 1 or not math.isfinite(amount):
        return [amount] * parts
    exact = Decimal(repr(amount))  # the shortest spelling: 0.1, not 0.1000000000000000055...
    exponent = exact.as_tuple().exponent
    digits = max(SHARE_DIGITS, -exponent) if isinstance(exponent, int) else SHARE_DIGITS
    units = int(exact.scaleb(digits))
    share, left_over = divmod(units, parts)
    return [float(Decimal(share + (i < left_over)).scaleb(-digits)) for i in range(parts)]


def _reports_failure(body: Any) -> bool:
    # Successful answers carry "error": {}; a filled one is a failure even
    # when it comes with HTTP 200.
    return isinstance(body, dict) and bool(body.get("error"))


class KaleyraAdapter(base.Adapter):
    """Kaleyra email logs (see module docstring)."""

    name = "kaleyra"
    managed_params = frozenset({"page", "limit", "start_date", "end_date"})
    status_coverage: ClassVar[Mapping[str, frozenset[Status]]] = base.one_status_each(
        KALEYRA_STATUSES
    )
    capabilities = base.Capabilities(
        native={
            "since/until": "start_date/end_date (whole days in the account zone)",
            "to": "toMail (full address) or search (@domain)",
            "from": "search (substring; checked locally)",
            "status": "search=<STATUS> when one Kaleyra status covers it and rows never leave it",
            "message-id": "messageId",
        },
        local=("exact instant range", "exact from/to match", "statuses Kaleyra search cannot OR"),
        unsupported=("recipient-type",),
        pagination=(
            "page + limit; walks to `total` (pages fetched concurrently once known; "
            "rows new mail slid between two pages are read again)"
        ),
        page_size="100 (max 100, default 50)",
        rate_limit="none published",
        retention="not documented",
        notes=(
            "one row per message id; comma-joined to_mail becomes one record per address, "
            "with status_scope=message (the row's status is the message's; `show` asks "
            "/email/stats/{id} for each address's own) and an even share of sale_price",
            "timestamps and days are in the account's time zone: set the profile's timezone",
        ),
    )

    native_stats = base.NativeStats(
        source="kaleyra-stats", counts="events", measured=frozenset(STATS_METRICS.values())
    )

    error_text = kaleyra_error_text
    auth_hint = "the profile's sid and api_key (Kaleyra console > API keys)"
    reports_failure = _reports_failure

    @classmethod
    def auth_headers(cls, profile: Profile) -> dict[str, str]:
        return {"api-key": profile.setting("api_key")}

    @classmethod
    def status_mapping(cls) -> list[tuple[str, Status]]:
        return list(KALEYRA_STATUSES.items())

    def native_status(self, query: Query) -> str | None:
        """The one ``search`` term for a query asking for one status Kaleyra
        reports, or None (several statuses: ``search`` values are ANDed).

        ``search`` matches substrings, so a term narrows safely only when it is
        part of every spelling of the status: BOUNCE finds BOUNCED, OPEN finds
        OPENED. For queued (ACCEPTED, QUEUED, VALIDATED), deferred and blocked
        no term finds them all, so nothing is sent and the status is checked
        locally only, as it always is.

        And only for a status no row ever leaves (:data:`SETTLED_STATUSES`): a
        row that leaves the searched set during a walk (DELIVERED -> OPEN)
        moves every older row one place up, and a row at a page edge slips
        onto a page already read, lost. Rows entering a set only push rows
        down, which the walk handles like new mail.
        """
        if Status.UNKNOWN in query.statuses:
            return None
        wanted = {status for status in KALEYRA_STATUSES.values() if status in query.statuses}
        if len(wanted) != 1 or not wanted <= SETTLED_STATUSES:
            return None
        (status,) = wanted
        spellings = [native for native, mapped in KALEYRA_STATUSES.items() if mapped is status]
        return next((t for t in spellings if all(t in other for other in spellings)), None)

    @property
    def logs_path(self) -> str:
        return f"/v1/{self.profile.setting('sid')}/email/logs"

    @property
    def stats_path(self) -> str:
        return f"/v1/{self.profile.setting('sid')}/email/stats"

    def plan(self, query: Query, warn: Callable[[str], None]) -> base.Plan:
        plan = self.new_plan(query)
        params = self._filter_params(query, plan)
        plan.requests.append((self.logs_path, self._page_params(params, 1)))
        plan.streams = self._page_streams(params, warn)
        plan.page_rows = PAGE_SIZE
        return plan

    def _page_params(self, params: list[tuple[str, str]], page: int) -> Params:
        return [*params, ("page", str(page)), ("limit", str(PAGE_SIZE))]

    def _read(self, params: list[tuple[str, str]], page: int) -> tuple[list[Any], PageInfo]:
        page_params = self._page_params(params, page)
        body, rows = self.get_page(self.logs_path, page_params, rows_key="data")
        info = PageInfo(
            len(rows),
            total=self._count(body, "total", self.logs_path, page_params),
            page_size=self._count(body, "limit", self.logs_path, page_params) or None,
        )
        return rows, info

    def _count(self, body: Any, key: str, path: str, params: Params) -> int | None:
        """A count from the body (``total``, or ``limit`` — a string), None when absent.

        Raises:
            ProviderDataError: when it is there but not a number.
        """
        value = body.get(key) if isinstance(body, dict) else None
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ProviderDataError(
                f"Kaleyra sent a non-numeric {key} {self.http.excerpt(value, 40)!r} from "
                f"{self.http.describe(path, params)}"
            ) from None

    def _page_streams(
        self, params: list[tuple[str, str]], warn: Callable[[str], None]
    ) -> Iterator[base.Stream]:
        # Page 1 is fetched when the engine asks for the first stream: its total
        # and page size (the body's `limit`: not always the one asked for) tell
        # how many pages exist, and those can then be fetched in parallel.
        rows, info = self._read(params, 1)
        self.rows_expected = info.total
        if info.total is None:
            # Without totals, shifted pages cannot be told from whole ones:
            # walk one page after the other, which can repeat a row, not skip one.
            yield lambda: self._walk_untotalled(params, rows, info)
            return
        size = PageNumberPaginator(PAGE_SIZE).size_of(info)
        walk = NewestFirstPages("Kaleyra", size, info.total)
        # An empty page 1 ends the walk whatever its total says: ask for no page 2.
        last = PageNumberPaginator.page_count(info.total, size) if rows else 1
        first = NumberedPage(1, info.total, rows)
        yield lambda: iter((self._in_order(params, walk, first, warn, last=last == 1),))
        for number in range(2, last + 1):
            if walk.ended:  # an empty page (or the oldest row) was reached: ask no further
                return
            yield self._single_page(params, walk, number, warn, last=number == last)

    def _numbered(self, params: list[tuple[str, str]], number: int, total: int) -> NumberedPage:
        """Page ``number``; a page without a total is taken as counted at ``total``."""
        rows, info = self._read(params, number)
        return NumberedPage(number, total if info.total is None else info.total, rows)

    def _in_order(
        self,
        params: list[tuple[str, str]],
        walk: NewestFirstPages,
        page: NumberedPage,
        warn: Callable[[str], None],
        *,
        last: bool,
    ) -> base.PendingPage:
        """``page`` as the engine reads it: in page order, holes above it
        re-read first (in the reading thread: only then is the page before
        known); after the ``last`` page of the first total, the pages that
        arrivals pushed past it."""

        def normalize() -> list[LogRecord]:
            noticed = walk.shrank
            rows = walk.take(
                page,
                lambda number: self._numbered(params, number, walk.known_total),
                _row_key,
                last=last,
            )
            if walk.shrank is not None and noticed is None:
                warn(
                    f"Kaleyra's total for this query went down during the walk (profile "
                    f"{self.profile.name!r}, {walk.shrank[0]} -> {walk.shrank[1]}): rows "
                    "that moved between pages may be missing; run it again to be sure"
                )
            return self.parse_rows(rows, self._parse)

        return base.PendingPage(len(page.rows), normalize)

    def _single_page(
        self,
        params: list[tuple[str, str]],
        walk: NewestFirstPages,
        number: int,
        warn: Callable[[str], None],
        *,
        last: bool,
    ) -> base.Stream:
        def stream() -> Iterator[base.PendingPage]:
            if not walk.ended:
                page = self._numbered(params, number, walk.known_total)
                # Re-read, here in the worker, a hole this answer shows beside its neighbour.
                walk.answered(page, lambda again: self._numbered(params, again, page.total))
                yield self._in_order(params, walk, page, warn, last=last)

        return stream

    def _walk_untotalled(
        self, params: list[tuple[str, str]], rows: list[Any], info: PageInfo
    ) -> Iterator[base.PendingPage]:
        paginator = PageNumberPaginator(PAGE_SIZE)
        stall = StallGuard("Kaleyra")
        while True:
            stall.check(rows, _row_key, partial("page {}".format, paginator.current_value))
            yield self.pending(rows, self._parse)
            paginator.advance(info)
            if paginator.finished:
                return
            rows, info = self._read(params, paginator.current_value)

    def _filter_params(self, query: Query, plan: base.Plan) -> list[tuple[str, str]]:
        if query.since is not None:
            day = query.since.astimezone(self.tz).date()
            plan.filter_natively(
                "since", "start_date", day.isoformat(), " (day in the account zone)"
            )
        if query.until is not None:
            last_day = (query.until - timedelta(microseconds=1)).astimezone(self.tz).date()
            plan.filter_natively("until", "end_date", last_day.isoformat(), " (day, inclusive)")
        if query.since or query.until:
            plan.local.append("exact time range")
        if query.message_id:
            plan.filter_natively("message-id", "messageId", query.message_id)
        if query.recipient:
            if query.recipient.startswith("@"):
                plan.filter_natively("to", "search", query.recipient, " (domain substring)")
            else:
                plan.filter_natively("to", "toMail", query.recipient)
            plan.local.append("to (exact)")
        if query.sender:
            plan.filter_natively("from", "search", query.sender, " (substring)")
            plan.local.append("from (exact)")
        status = self.native_status(query)
        if status:
            plan.filter_natively("status", "search", status, f"={status}")
        if query.statuses:
            plan.local.append("status")
        return [*plan.filter_params, *query.params]

    def _parse(self, row: dict[str, Any]) -> list[LogRecord]:
        native = str(row.get("status") or "")
        status = KALEYRA_STATUSES.get(native.strip().upper(), Status.UNKNOWN)
        addresses = [a.strip() for a in str(row.get("to_mail") or "").split(",") if a.strip()]
        message_id = base.text_or_none(row.get("message_id"))
        if message_id is None:
            raise ValueError("message_id is missing")
        shared = len(addresses) > 1
        delivered_at, updated_at = base.delivery_times(
            status, parse_kaleyra_time(row.get("delivered_at"), self.tz), None
        )
        common = {
            "message_id": message_id,
            "status": status,
            "provider_status": native or None,
            "sender": base.text_or_none(row.get("from_mail")),
            "recipient_type": None,
            "subject": None,
            "submitted_at": parse_kaleyra_time(row.get("submitted_at"), self.tz),
            "delivered_at": delivered_at,
            "updated_at": updated_at,
            "error_message": (
                base.text_or_none(row.get("description")) if status in PROBLEM_STATUSES else None
            ),
            "opened": True if status is Status.OPENED else None,
            # One status for several addresses says nothing certain about each.
            "status_scope": "message" if shared else "recipient",
        }
        recipients: list[str | None] = [*addresses] or [None]
        prices = split_price(row.get("sale_price"), len(recipients))
        return [
            self.record(raw=row, recipient=address, price=price, **common)
            for address, price in zip(recipients, prices, strict=True)
        ]

    # ---- statistics and message detail -------------------------------------

    def daily_counts(self, first: date, last: date) -> Iterator[base.DailyCounts]:
        """Walk ``/email/stats`` page by page (no total: until a short page)."""
        params = [("start_date", first.isoformat()), ("end_date", last.isoformat())]
        paginator = PageNumberPaginator(PAGE_SIZE)
        stall = StallGuard("Kaleyra")
        while not paginator.finished:
            page_params = self._page_params(params, paginator.current_value)
            body, rows = self.get_page(self.stats_path, page_params, rows_key="data")
            stall.check(rows, _day_key, partial(self.http.describe, self.stats_path, page_params))
            for row in rows:
                yield self._parse_day(row, page_params)
            limit = self._count(body, "limit", self.stats_path, page_params)
            paginator.advance(PageInfo(len(rows), page_size=limit or None))

    def _parse_day(self, row: Any, params: Params) -> base.DailyCounts:
        try:
            day = date.fromisoformat(str(row["date"]))
            entries = row.get("stats") or []
            counts: dict[str, int] = {}
            for entry in entries:
                for metric, value in entry.get("metrics", {}).items():
                    # Only whole counts add up across days (a rate would not).
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        continue
                    if value != int(value):
                        continue
                    status = STATS_METRICS.get(metric)
                    key = status.value if status else str(metric)
                    counts[key] = counts.get(key, 0) + int(value)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ProviderDataError(
                f"Kaleyra sent a stats entry maillogs cannot read from "
                f"{self.http.describe(self.stats_path, params)}: {self.http.excerpt(row)!r}"
            ) from None
        total = counts.get(STATS_METRICS[STATS_TOTAL].value, 0)
        return base.DailyCounts(day=day, counts=counts, total=total)

    def describe_message(self, message_id: str, records: list[LogRecord]) -> base.MessageDetail:
        """Add each recipient's own status and error from ``/email/stats/{message_id}``."""
        detail = super().describe_message(message_id, records)
        path = f"{self.stats_path}/{quote(message_id, safe=':')}"
        try:
            _, rows = self.get_page(path, (), rows_key="data")
        except NotFoundError:
            return detail
        recipients: list[base.RecipientState] = []
        for row in rows:
            try:
                recipients.extend(self._recipient(entry) for entry in row["recipients"])
                requested = parse_kaleyra_time(row.get("request_datetime"), self.tz)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise ProviderDataError(
                    f"Kaleyra sent message stats maillogs cannot read from "
                    f"{self.http.describe(path, ())}: {self.http.excerpt(row)!r}"
                ) from None
            # The log rows say the same; this only matters when the logs missed it.
            if not records:
                detail.details = {
                    "from_mail": base.text_or_none(row.get("from_mail")),
                    "request_datetime": (
                        requested.isoformat().replace("+00:00", "Z") if requested else None
                    ),
                }
        # The per-recipient answer is more precise than the log rows' one status.
        if recipients:
            detail.recipients = recipients
        return detail

    def _recipient(self, entry: dict[str, Any]) -> base.RecipientState:
        native = str(entry.get("status") or "").strip()
        status = KALEYRA_STATUSES.get(native.upper(), Status.UNKNOWN)
        delivered_at, updated_at = base.delivery_times(
            status, parse_kaleyra_time(entry.get("delivery_datetime"), self.tz), None
        )
        return base.RecipientState(
            recipient=base.text_or_none(entry.get("to")),
            status=status,
            provider_status=native or None,
            delivered_at=delivered_at,
            updated_at=updated_at,
            error_code=base.text_or_none(entry.get("error_code")),
            error_message=base.text_or_none(entry.get("error_message")),
        )
