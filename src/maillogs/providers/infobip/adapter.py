"""Infobip: ``GET {base}/email/4/logs`` (cursor) or the legacy ``/email/1/logs``.

Facts from Infobip's OpenAPI spec that shape this adapter:
- auth is ``Authorization: App KEY``; the base URL is per account;
- ``sentSince``/``sentUntil`` use ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``; only the last
  48 hours exist, so older windows are clipped with a warning;
- v4 pages with ``useCursor=true`` and ``cursor.nextCursor``; v1 has no
  pagination at all — it returns at most ``limit`` (<= 1000) records — so a
  window that comes back full is split in two and each half asked again,
  recursively, until every window comes back short;
- rate limits: v1 60 requests/min, v4 120/min (enforced client-side, which
  also decides whether the range is cut into windows: see ``plan``);
- one row per message; status and error are objects (groupName, name, id...).
The spec says "sent after" ``sentSince`` and "sent before" ``sentUntil``
without saying whether the instant itself is in: each window asks from 1 ms
before its start where it meets an older window, and keeps only its own
half-open ``[start, end)`` there, so no record is lost or counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from maillogs.core.errors import ProviderDataError
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.fetch.density import FirstPage, Pieces, walk_by_density
from maillogs.fetch.http import Params
from maillogs.fetch.paging import Window, windows_newest_first
from maillogs.providers import base

if TYPE_CHECKING:
    from maillogs.profiles.model import Profile

RETENTION = timedelta(hours=48)
MAX_LIMIT = 1000  # documented maximum for both versions
# v1: windows the retention period is cut into, so they can be walked concurrently
# when requests are not paced (see ``plan``).
WINDOW = timedelta(hours=6)
# v4 walks the whole range as one cursor chain, cut after its first page into
# pieces expected to fit in one page each (fetch/density.py), so they are
# walked concurrently: a chain is one request at a time, and a 6-hour window
# of a busy account holds several pages (its next page waits for the reader
# while another window is read). sentAt has milliseconds.
V4_PIECES = Pieces(
    piece_rows=7 * MAX_LIMIT // 10,
    resolution=timedelta(milliseconds=1),
    max_pieces=64,
    page_rows=MAX_LIMIT,
)
# v1 cannot page: a full answer splits its window down to this resolution.
SPLIT_RESOLUTION = timedelta(milliseconds=1)
# How far a window's request reaches into the older window (see _page_params).
EDGE_OVERLAP = timedelta(milliseconds=1)

# The canonical statuses each general status (status.groupName) can stand for;
# `refine_status` picks the one a given record means.
GENERAL_STATUS_COVERAGE: dict[str, frozenset[Status]] = {
    "ACCEPTED": frozenset({Status.QUEUED}),
    "PENDING": frozenset({Status.QUEUED, Status.SENT}),
    "DELIVERED": frozenset({Status.DELIVERED}),
    "UNDELIVERABLE": frozenset({Status.BOUNCED, Status.BLOCKED}),
    "REJECTED": frozenset({Status.BLOCKED, Status.FAILED}),
    "EXPIRED": frozenset({Status.EXPIRED}),
}
# Words in status/error names that mean "refused by policy before sending"
# rather than a bounce (UNDELIVERABLE) or a system error (REJECTED). Compared
# with the start of each word of a name (DROP finds EC_DROPPED, BLOCK finds
# BLOCKLISTED), never inside one: SOURCE must not find EC_RESOURCE_LIMIT.
_POLICY_WORDS = ("DROP", "SUPPRESS", "BLOCK", "BLACKLIST", "SPAM", "POLICY")
# What a REJECTED status name says was refused: the sender or the recipient
# (REJECTED_SOURCE, REJECTED_DESTINATION, REJECTED_SENDER, REJECTED_DND) is
# policy. In an UNDELIVERABLE error name (EC_UNKNOWN_DESTINATION) the same
# words describe a bounce.
_REFUSED_PARTIES = ("SOURCE", "SENDER", "DESTINATION", "DND")


def infobip_error_text(body: Any) -> str | None:
    """v1 ``requestError.serviceException`` or v4 ``description``, each with the
    parameters it names: v1 ``validationErrors`` (parameter -> messages), v4
    ``violations`` (``property``/``violation`` pairs)."""
    if not isinstance(body, dict):
        return None
    exception = body.get("requestError", {})
    if isinstance(exception, dict):
        service = exception.get("serviceException")
        if isinstance(service, dict) and service.get("text"):
            return _with_problems(str(service["text"]), _validation_errors(service))
    if body.get("description"):
        return _with_problems(str(body["description"]), _violations(body))
    return None


def _validation_errors(service: dict[str, Any]) -> list[tuple[Any, Any]]:
    """v1 ``{"sentSince": ["must be ...", ...]}`` as (parameter, message) pairs."""
    errors = service.get("validationErrors")
    if not isinstance(errors, dict):
        return []
    return [
        (name, message)
        for name, messages in errors.items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]


def _violations(body: dict[str, Any]) -> list[tuple[Any, Any]]:
    """v4 ``[{"property": ..., "violation": ...}]`` as (parameter, message) pairs."""
    violations = body.get("violations")
    violations = violations if isinstance(violations, list) else []
    return [(v.get("property"), v.get("violation")) for v in violations if isinstance(v, dict)]


def _with_problems(text: str, problems: list[tuple[Any, Any]]) -> str:
    """``text (param: message; ...)``: both API versions name the offending
    parameters the same way in the one-line error."""
    detail = "; ".join(f"{name}: {message}" for name, message in problems)
    return f"{text} ({detail})" if detail else text


def infobip_time(moment: datetime) -> str:
    """``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` in UTC, e.g. ``2021-01-02T01:00:00.123+0000``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _next_cursor(body: dict[str, Any]) -> Any:
    cursor = body.get("cursor")
    return cursor.get("nextCursor") if isinstance(cursor, dict) else None


def _message_id(row: Any) -> Any:
    """One row per message: its id tells a row read before from a new one."""
    return row.get("messageId") if isinstance(row, dict) else id(row)


def _object(row: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object of the row, ``{}`` when absent or not an object."""
    value = row.get(key)
    return value if isinstance(value, dict) else {}


def refine_status(status: dict[str, Any], error: dict[str, Any]) -> Status:
    """Canonical status from Infobip's status and error objects."""
    group = str(status.get("groupName") or "").upper()
    name = str(status.get("name") or "").upper()
    if group == "PENDING":
        return Status.QUEUED if "ACCEPTED" in name else Status.SENT
    if group in ("UNDELIVERABLE", "REJECTED"):
        status_words = _words(name)
        words = status_words + _words(str(error.get("name") or "").upper())
        refused_party = group == "REJECTED" and any(w in _REFUSED_PARTIES for w in status_words)
        if refused_party or any(w.startswith(_POLICY_WORDS) for w in words):
            return Status.BLOCKED
        return Status.BOUNCED if group == "UNDELIVERABLE" else Status.FAILED
    simple = {"ACCEPTED": Status.QUEUED, "DELIVERED": Status.DELIVERED, "EXPIRED": Status.EXPIRED}
    return simple.get(group, Status.UNKNOWN)


def _words(name: str) -> list[str]:
    """``EC_DESTINATION_BLOCKLISTED`` -> ``["EC", "DESTINATION", "BLOCKLISTED"]``."""
    return re.findall(r"[A-Z0-9]+", name)


class InfobipAdapter(base.Adapter):
    """Infobip email logs, API v4 (default) or v1 (see module docstring)."""

    name = "infobip"
    managed_params = frozenset({"limit", "useCursor", "cursor", "sentSince", "sentUntil"})
    status_coverage = GENERAL_STATUS_COVERAGE
    native_groups = frozenset(GENERAL_STATUS_COVERAGE)
    capabilities = base.Capabilities(
        native={
            "status": "generalStatus when one general status covers it",
            "from": "v4 sender / v1 from (full address)",
            "to": "v4 destination / v1 to (full address)",
            "since/until": "sentSince/sentUntil (yyyy-MM-dd'T'HH:mm:ss.SSSZ)",
            "message-id": "messageId",
        },
        local=("status refinement from status/error names", "@domain addresses"),
        unsupported=("recipient-type",),
        pagination=(
            "v4: useCursor + cursor.nextCursor, unpaced ranges cut after the first page into "
            "pieces walked concurrently; v1: none (full windows split in time)"
        ),
        page_size="1000 (max 1000, default 50)",
        rate_limit=(
            "v1 60 requests/min, v4 120 requests/min per account (client-side limiter, "
            "shared by the profiles of one run that use the same account)"
        ),
        retention="48 hours",
        notes=(
            "one row per message; provider_status is the status group/name, the error "
            "goes to error_code/error_message",
        ),
    )

    error_text = infobip_error_text
    auth_hint = "the profile's api_key and base_url (your account's https://XXXXX.api.infobip.com)"

    @classmethod
    def auth_headers(cls, profile: Profile) -> dict[str, str]:
        return {"Authorization": f"App {profile.setting('api_key')}"}

    @property
    def version(self) -> str:
        return str(self.profile.setting("api_version")).strip()

    @property
    def logs_path(self) -> str:
        return f"/email/{self.version}/logs"

    def plan(self, query: Query, warn: Callable[[str], None]) -> base.Plan:
        plan = self.new_plan(query)
        floor = self.now - RETENTION
        until = min(query.until, self.now) if query.until else self.now
        if (query.since is not None and query.since < floor) or until <= floor:
            # Met by every default `stats` and any `--since 7d`: said once per config.
            self.warn_unreachable(warn, "Infobip keeps email logs for 48 hours", floor, once=True)
        since = max(query.since or floor, floor)
        if until <= since:
            plan.notes.append("the whole window lies outside Infobip's 48-hour retention")
            return plan
        params = self._filter_params(query, plan)
        # Windows only buy parallel requests. Under the documented pace (60 or
        # 120 a minute, spaced evenly) parallel requests go no faster, and each
        # window is one more paced request, so more windows only make a paced
        # walk slower (benchmarks/README.md). So one window for the whole range
        # (v4 pages through it, v1 splits it when full), and for a message id
        # (a handful of rows); 6-hour windows only when requests are not paced.
        whole_range = bool(query.message_id) or self.http.paced
        by_density = self.version == "4" and not whole_range
        span = until - since if whole_range or by_density else WINDOW
        windows = list(windows_newest_first(since, until, span))
        cut = f" ({WINDOW.seconds // 3600}h windows)" if len(windows) > 1 else ""
        cut = " (cut by density after the first page)" if by_density else cut
        plan.native.append(f"since/until -> sentSince/sentUntil{cut}")
        plan.requests = [
            (self.logs_path, self._page_params(params, w, since, None)) for w in windows
        ]
        walk = self._walk_cursor if self.version == "4" else self._walk_split
        streams: Iterable[base.Stream] = [self._stream(walk, params, w, since) for w in windows]
        if by_density:
            streams = walk_by_density(
                windows,
                lambda window: self._first_page(params, window, since),
                base.dated_by("sentAt"),
                lambda rows, window: self.pending(list(rows), self._parse, window),
                lambda window: self._stream(walk, params, window, since),
                V4_PIECES,
            )
        plan.streams = self.select_native_groups(streams, query, plan)
        plan.page_rows = MAX_LIMIT
        return plan

    @classmethod
    def status_group(cls, provider_status: str | None) -> str | None:
        """The general status (``status.groupName``), the first part of ``provider_status``."""
        group = (provider_status or "").partition("/")[0].strip().upper()
        return group or None

    def _filter_params(self, query: Query, plan: base.Plan) -> list[tuple[str, str]]:
        v4 = self.version == "4"
        status = self.native_status(query)
        if status:
            plan.filter_natively("status", "generalStatus", status, f"={status}")
        if query.statuses:
            plan.local.append("status")
        for value, name, option in (
            (query.sender, "sender" if v4 else "from", "from"),
            (query.recipient, "destination" if v4 else "to", "to"),
        ):
            if value and value.startswith("@"):
                plan.local.append(f"{option} (@domain)")
            elif value:
                plan.filter_natively(option, name, value)
        if query.message_id:
            plan.filter_natively("message-id", "messageId", query.message_id)
        return [*plan.filter_params, *query.params]

    def _page_params(
        self, params: list[tuple[str, str]], window: Window, since: datetime, cursor: str | None
    ) -> Params:
        # The spec says "sent after" sentSince and "sent before" sentUntil: if
        # both are exclusive, a message in the very millisecond where two of
        # our windows meet would be in neither. So a window that starts after
        # the range asked for (``since``) reaches 1 ms into the older one; each
        # window keeps only its own [start, end), so nothing comes twice.
        start = window.start - EDGE_OVERLAP if window.start > since else window.start
        page = [
            *params,
            ("sentSince", infobip_time(start)),
            ("sentUntil", infobip_time(window.end)),
            ("limit", str(MAX_LIMIT)),
        ]
        if self.version == "4":
            page.append(("useCursor", "true"))
            if cursor:
                page.append(("cursor", cursor))
        return page

    def _stream(
        self,
        walk: Callable[[list[tuple[str, str]], Window, datetime], Iterator[base.PendingPage]],
        params: list[tuple[str, str]],
        window: Window,
        since: datetime,
    ) -> base.Stream:
        return lambda: walk(params, window, since)

    def _first_page(
        self, params: list[tuple[str, str]], window: Window, since: datetime
    ) -> FirstPage[base.PendingPage]:
        """A v4 window's first page, and how its own walk would go on."""
        page = self._page_params(params, window, since, None)
        body, rows = self.get_page(self.logs_path, page, rows_key="results")
        cursor = _next_cursor(body) if isinstance(body, dict) and rows else None
        if cursor is None:
            return FirstPage(rows, None)
        return FirstPage(rows, lambda: self._walk_cursor(params, window, since, (rows, cursor)))

    def _walk_cursor(
        self,
        params: list[tuple[str, str]],
        window: Window,
        since: datetime,
        after: tuple[list[Any], Any] | None = None,
    ) -> Iterator[base.PendingPage]:
        """The window's pages; after a first page (its rows and cursor) when given."""
        pages = self.walk_cursor(
            self.logs_path,
            lambda cursor: self._page_params(params, window, since, cursor),
            rows_key="results",
            next_token=_next_cursor,
            row_key=_message_id,
            after=after,
        )
        for rows in pages:
            yield self.pending(rows, self._parse, window)

    def _walk_split(
        self, params: list[tuple[str, str]], window: Window, since: datetime
    ) -> Iterator[base.PendingPage]:
        # Depth-first, newer half first, so pages still come out newest first.
        pending = [window]
        while pending:
            current = pending.pop()
            _, rows = self.get_page(
                self.logs_path, self._page_params(params, current, since, None), rows_key="results"
            )
            if len(rows) < MAX_LIMIT:
                yield self.pending(rows, self._parse, current)
                continue
            try:
                newer, older = current.halves(SPLIT_RESOLUTION)
            except ValueError:
                raise ProviderDataError(
                    f"Infobip returned {MAX_LIMIT}+ records sent within one millisecond "
                    f"({infobip_time(current.start)}); the v1 API cannot list them all — "
                    "use api_version = 4"
                ) from None
            pending.extend((older, newer))

    def _parse(self, row: dict[str, Any]) -> list[LogRecord]:
        message_id = base.required_text(row, "messageId")
        sent_at = base.required_time(row, "sentAt")
        status, error, price = (_object(row, key) for key in ("status", "error", "price"))
        canonical = refine_status(status, error)
        if isinstance(row.get("status"), dict):
            native = "/".join(str(status[k]) for k in ("groupName", "name") if status.get(k))
        else:
            # Not the documented object: keep what was sent, so the user can see it.
            native = base.text_or_none(row.get("status")) or ""
        # doneAt is when the outcome became known: always the last change, and
        # the delivery time only of a delivery.
        done_at = base.parse_iso_time(row.get("doneAt"))
        delivered_at, updated_at = base.delivery_times(canonical, done_at, done_at)
        # Error id 0 is Infobip's "NO_ERROR".
        has_error = bool(error) and error.get("id") not in (0, None)
        amount = price.get("pricePerMessage")
        return [
            self.record(
                raw=row,
                message_id=message_id,
                status=canonical,
                provider_status=native or None,
                sender=base.text_or_none(row.get("sender", row.get("from"))),
                recipient=base.text_or_none(row.get("destination", row.get("to"))),
                recipient_type=None,
                subject=None,
                submitted_at=sent_at,
                delivered_at=delivered_at,
                updated_at=updated_at,
                error_code=str(error["id"]) if has_error else None,
                error_message=base.text_or_none(error.get("description")) if has_error else None,
                campaign_id=base.text_or_none(row.get("campaignReferenceId")),
                price=float(amount) if isinstance(amount, int | float) else None,
            )
        ]

    def describe_message(self, message_id: str, records: list[LogRecord]) -> base.MessageDetail:
        """Add Infobip's own status, error and price objects (one row per message)."""
        detail = super().describe_message(message_id, records)
        raw = records[0].raw if records else None
        if raw:
            detail.details = {key: raw[key] for key in ("status", "error", "price") if key in raw}
        return detail

    @classmethod
    def status_mapping(cls) -> list[tuple[str, Status]]:
        return [
            ("ACCEPTED", Status.QUEUED),
            ("PENDING/PENDING_ACCEPTED", Status.QUEUED),
            ("PENDING (waiting delivery, enroute)", Status.SENT),
            ("DELIVERED", Status.DELIVERED),
            ("UNDELIVERABLE (bounce errors)", Status.BOUNCED),
            ("UNDELIVERABLE (dropped, suppressed, blocked)", Status.BLOCKED),
            ("REJECTED (policy: source, destination, blocklist)", Status.BLOCKED),
            ("REJECTED (system errors, credit)", Status.FAILED),
            ("EXPIRED", Status.EXPIRED),
        ]
