"""EDITH: ``GET {base}/v1/email/logs``, cursor pagination in windows of <= 7 days.

Facts from EDITH's docs that shape this adapter:
- auth is ``Authorization: Bearer TOKEN``;
- ``startCreatedAt``/``endCreatedAt`` are RFC 3339; a range over 7 days is
  refused, so longer ranges are cut into 7-day windows; each window's first
  page tells how dense it is, and the rest of it is cut into pieces walked
  concurrently (``fetch/density.py``: a cursor chain alone is sequential);
  no dates means the last 7 days, which we make explicit (and warn about
  when every record is asked for: ``list --all``, ``export``);
- ``pageSize`` max 50, ``pageToken`` from ``nextPageToken`` until null; tokens
  are short-lived, so an expired token restarts its window (records already
  yielded are skipped);
- one row per recipient, with ``recipientType`` and tracking events;
- ``maillogs show`` looks a refId up 7 days at a time, back to
  ``LOOKUP_HORIZON`` (30 days), because an undated search covers 7 days only.
Assumption (docs silent): both date bounds are inclusive, so where two windows
meet each keeps only its half-open ``[start, end)``, to avoid duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from maillogs.core.errors import ProviderDataError, TemporaryFailureError
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.statuses import Status
from maillogs.fetch.density import FirstPage, Pieces, walk_by_density
from maillogs.fetch.http import Params, ProviderRequestError
from maillogs.fetch.paging import RestartLedger, Window, windows_newest_first
from maillogs.providers import base

if TYPE_CHECKING:
    from maillogs.profiles.model import Profile

LOGS_PATH = "/v1/email/logs"
PAGE_SIZE = 50  # documented maximum (default 20)
MAX_WINDOW = timedelta(days=7)
# A 7-day window's first page tells how dense it is; the rest is cut into
# pieces of about ten pages, walked concurrently (fetch/density.py). Ten pages
# keep a piece within the engine's read-ahead (1,000 rows), so no worker waits
# on the reader; createdAt has whole seconds in EDITH's docs.
PIECES = Pieces(
    piece_rows=10 * PAGE_SIZE, resolution=timedelta(seconds=1), max_pieces=64, page_rows=PAGE_SIZE
)
# How often one window may restart in a row, without reaching a new record,
# after its page token expired.
MAX_TOKEN_RESTARTS = 3
# How far back `maillogs show` searches for a refId.
LOOKUP_HORIZON = timedelta(days=30)

EDITH_STATUSES: dict[str, Status] = {
    "queued": Status.QUEUED,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "opened": Status.OPENED,
    "clicked": Status.CLICKED,
    "bounced": Status.BOUNCED,
    "failed": Status.FAILED,
    "spam": Status.COMPLAINED,
    "unsubscribed": Status.UNSUBSCRIBED,
}


def edith_error_text(body: Any) -> str | None:
    """``{"success": false, "error": "...", "details": ...}`` -> one line."""
    if not isinstance(body, dict) or not body.get("error"):
        return None
    details = body.get("details")
    return f"{body['error']} ({details})" if details else str(body["error"])


def rfc3339(moment: datetime) -> str:
    """UTC, ``Z`` suffix, milliseconds only when needed."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _row_key(row: Any) -> Hashable:
    """One recipient of one message: what a restarted window must not repeat."""
    if not isinstance(row, dict):
        return id(row)  # normalizing it will report the malformed entry
    return (base.text_or_none(row.get("refId")), base.text_or_none(row.get("recipientAddress")))


def is_expired_token(error: ProviderRequestError) -> bool:
    text = edith_error_text(error.body) or ""
    return "expired" in text.lower() and "token" in text.lower()


def _reports_failure(body: Any) -> bool:
    return isinstance(body, dict) and body.get("success") is False


class EdithAdapter(base.Adapter):
    """EDITH email logs (see module docstring)."""

    name = "edith"
    managed_params = frozenset({"pageSize", "pageToken", "startCreatedAt", "endCreatedAt"})
    status_coverage: ClassVar[Mapping[str, frozenset[Status]]] = base.one_status_each(
        EDITH_STATUSES
    )
    capabilities = base.Capabilities(
        native={
            "status": "status",
            "from": "fromAddress (full address)",
            "to": "email (full address) or recipientDomain (@domain)",
            "since/until": "startCreatedAt/endCreatedAt (RFC 3339)",
            "recipient-type": "recipientType",
            "message-id": "refId",
        },
        local=("from @domain", "exact window edges"),
        unsupported=(),
        pagination=(
            "pageToken cursor (short-lived), windows of at most 7 days, each cut after its "
            "first page into pieces walked concurrently"
        ),
        page_size="50 (max 50, default 20)",
        rate_limit="none published",
        retention=(
            "not documented; without dates the API returns the last 7 days "
            "(list --all / export warn)"
        ),
        notes=("one row per recipient; open and click events under track",),
    )

    lookup_horizon = LOOKUP_HORIZON
    lookup_step = MAX_WINDOW

    error_text = edith_error_text
    auth_hint = "the profile's token (EDITH bearer tokens expire; issue a new one)"
    reports_failure = _reports_failure

    @classmethod
    def auth_headers(cls, profile: Profile) -> dict[str, str]:
        return {"Authorization": f"Bearer {profile.setting('token')}"}

    def plan(self, query: Query, warn: Callable[[str], None]) -> base.Plan:
        plan = self.new_plan(query)
        params = self._filter_params(query, plan)
        # Nothing is created in the future; a window reaching past now could
        # also take in mail that arrives during the walk.
        until = min(query.until, self.now) if query.until else self.now
        since = query.since
        if since is None:
            since = until - MAX_WINDOW
            plan.notes.append("no --since: EDITH is asked for the 7 days before the end")
            if query.limit is None:
                # Asked for every record (list --all, export), the user would
                # otherwise take the API's default week for the whole history.
                self.warn_unreachable(
                    warn,
                    "EDITH answers only the last 7 days when no --since is given",
                    since,
                    "use --since to reach further back",
                )
        windows = list(windows_newest_first(since, until, MAX_WINDOW))
        plan.requests = [(LOGS_PATH, self._page_params(params, w, None)) for w in windows]
        plan.streams = walk_by_density(
            windows,
            lambda window: self._first_page(params, window),
            base.dated_by("createdAt"),
            lambda rows, window: self.pending(list(rows), self._parse, window),
            lambda window: self._window_stream(params, window),
            PIECES,
        )
        plan.page_rows = PAGE_SIZE
        return plan

    def _filter_params(self, query: Query, plan: base.Plan) -> list[tuple[str, str]]:
        status = self.native_status(query)
        if status:
            plan.filter_natively("status", "status", status, f"={status}")
        elif query.statuses:
            plan.local.append("status")
        if query.sender:
            if query.sender.startswith("@"):
                plan.local.append("from (@domain)")
            else:
                plan.filter_natively("from", "fromAddress", query.sender)
        if query.recipient:
            if query.recipient.startswith("@"):
                plan.filter_natively("to", "recipientDomain", query.recipient[1:])
            else:
                plan.filter_natively("to", "email", query.recipient)
        if query.recipient_type:
            plan.filter_natively("recipient-type", "recipientType", query.recipient_type)
        if query.message_id:
            plan.filter_natively("message-id", "refId", query.message_id)
        plan.native.append("since/until -> startCreatedAt/endCreatedAt (7-day windows)")
        return [*plan.filter_params, *query.params]

    def _page_params(
        self, params: list[tuple[str, str]], window: Window, token: str | None
    ) -> Params:
        page = [
            *params,
            ("startCreatedAt", rfc3339(window.start)),
            ("endCreatedAt", rfc3339(window.end)),
            ("pageSize", str(PAGE_SIZE)),
        ]
        return [*page, ("pageToken", token)] if token else page

    def _first_page(
        self, params: list[tuple[str, str]], window: Window
    ) -> FirstPage[base.PendingPage]:
        """A window's first page, and how its own walk would go on."""
        page = self._page_params(params, window, None)
        body, rows = self.get_page(LOGS_PATH, page, rows_key="emailLogs")
        token = body.get("nextPageToken") if isinstance(body, dict) and rows else None
        if token is None:
            return FirstPage(rows, None)
        return FirstPage(rows, lambda: self._walk_window(params, window, (rows, token)))

    def _window_stream(self, params: list[tuple[str, str]], window: Window) -> base.Stream:
        return lambda: self._walk_window(params, window)

    def _walk_window(
        self,
        params: list[tuple[str, str]],
        window: Window,
        after: tuple[list[Any], Any] | None = None,
    ) -> Iterator[base.PendingPage]:
        """The window's pages; from the page after ``after`` (rows passed on
        already, and the next token they came with) when given."""
        ledger = RestartLedger()
        restarts = 0
        for row in after[0] if after else ():
            ledger.is_new(_row_key(row))
        while True:
            # A resumed walk's first request carries a token: it may expire.
            pages_read = 0 if after is None else 1
            try:
                for rows in self.walk_cursor(
                    LOGS_PATH,
                    lambda token: self._page_params(params, window, token),
                    rows_key="emailLogs",
                    next_token=lambda body: body.get("nextPageToken"),
                    row_key=_row_key,
                    after=after,
                ):
                    pages_read += 1
                    fresh = [row for row in rows if ledger.is_new(_row_key(row))]
                    if fresh:
                        # Progress: only restarts that get nowhere count toward
                        # giving up, so a long window survives occasional expiries.
                        restarts = 0
                    yield self.pending(fresh, self._parse, window)
                return
            except ProviderRequestError as error:
                # The first request carries no token: its refusal is not an expiry.
                if not is_expired_token(error) or pages_read == 0:
                    raise
                restarts += 1
                if restarts > MAX_TOKEN_RESTARTS:
                    raise TemporaryFailureError(
                        f"EDITH page tokens keep expiring (profile {self.profile.name!r}); "
                        "try again, or narrow the query"
                    ) from None
                ledger.restart()
                after = None  # from the top: the first page's token has expired too

    def _parse(self, row: dict[str, Any]) -> list[LogRecord]:
        ref_id = base.required_text(row, "refId")
        created = base.required_time(row, "createdAt")
        native = base.text_or_none(row.get("status"))
        recipient_type = base.text_or_none(row.get("recipientType"))
        recipient_type = recipient_type.lower() if recipient_type else None
        opened, clicked = row.get("opened"), row.get("clicked")
        status = EDITH_STATUSES.get((native or "").lower(), Status.UNKNOWN)
        delivered_at, updated_at = base.delivery_times(
            status,
            base.parse_iso_time(row.get("deliveredDate")),
            base.parse_iso_time(row.get("updatedAt")),
        )
        return [
            self.record(
                raw=row,
                message_id=ref_id,
                status=status,
                provider_status=native,
                sender=base.text_or_none(row.get("fromAddress")),
                recipient=base.text_or_none(row.get("recipientAddress")),
                recipient_type=recipient_type if recipient_type in ("to", "cc", "bcc") else None,
                subject=base.text_or_none(row.get("subject")),
                submitted_at=created,
                delivered_at=delivered_at,
                updated_at=updated_at,
                error_message=base.text_or_none(row.get("failedReason")),
                campaign_id=base.text_or_none(row.get("campaignId")),
                opened=opened if isinstance(opened, bool) else None,
                clicked=clicked if isinstance(clicked, bool) else None,
            )
        ]

    def describe_message(self, message_id: str, records: list[LogRecord]) -> base.MessageDetail:
        """Add the open and click events of each recipient row (``track``), oldest first."""
        detail = super().describe_message(message_id, records)
        for record in records:
            track = (record.raw or {}).get("track") or {}
            try:
                for kind, key in (("open", "opens"), ("click", "clicks")):
                    detail.events.extend(
                        self._event(kind, event, record.recipient) for event in track.get(key) or []
                    )
            except (TypeError, ValueError, AttributeError):
                raise ProviderDataError(
                    f"EDITH sent tracking events maillogs cannot read: {self.http.excerpt(track)!r}"
                ) from None
        detail.events.sort(key=lambda event: event.at or datetime.min.replace(tzinfo=UTC))
        return detail

    @staticmethod
    def _event(kind: str, event: dict[str, Any], recipient: str | None) -> base.TrackEvent:
        return base.TrackEvent(
            kind=kind,
            at=base.parse_iso_time(event.get("timestamp")),
            recipient=recipient,
            url=base.text_or_none(event.get("url")),
            user_agent=base.text_or_none(event.get("userAgent")),
            ip=base.text_or_none(event.get("ip")),
        )
