"""EDITH's ``GET /v1/email/logs``, as documented: one row per recipient.

Times are RFC 3339 UTC strings with whole seconds (``2024-01-15T10:30:00Z``),
``null`` where absent. Pagination is by an opaque, short-lived ``pageToken``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from maillogs.providers.edith.spec import DEMO_TOKEN as EDITH_TOKEN
from maillogs.sandbox import ids
from maillogs.sandbox.dataset import Dataset, Record, to_us
from maillogs.sandbox.protocol import Refusal, Request, SandboxResponse, json_response, page_size
from maillogs.sandbox.selection import Predicate, Selector

if TYPE_CHECKING:
    from maillogs.sandbox.app import EmulatorConfig

STATUSES: Final = (
    "queued",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "bounced",
    "failed",
    "spam",
    "unsubscribed",
)
RECIPIENT_TYPES: Final = ("to", "cc", "bcc")
ACCOUNT_ID: Final = 12345
TENANT_ID: Final = 67890
DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 50
_DELIVERED: Final = frozenset({"delivered", "opened", "clicked", "spam", "unsubscribed"})
_FAILED_REASONS: Final = (
    "Sender domain is not verified",
    "Recipient address is on the suppression list",
    "Attachment exceeds the maximum message size",
)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})"
)
_SECOND = 1_000_000
_RANGE_US = 7 * 86_400 * _SECOND
# Filters compared without regard to case (e-mail addresses and domains are
# case-insensitive in practice); the others must match exactly.
_FOLDED: Final = ("email", "recipientDomain", "fromAddress")


class ApiError(Refusal):
    """A refusal in EDITH's ``{"success": false, "error", "details"}`` shape (status 400):
    ``subject`` is the error, ``reason`` the details."""


class EdithApi:
    """Routes ``/v1/email/logs``."""

    def __init__(self, dataset: Dataset, token_ttl_s: float, clock: Callable[[], float]) -> None:
        self.dataset = dataset
        self.token_ttl_s = token_ttl_s
        self.clock = clock
        self._id_key = ids.key48(dataset.seed, "edith/ref")
        self._select = Selector(dataset)
        self._started = clock()

    # -- ids and rows --------------------------------------------------------

    def ref_id(self, record: Record) -> str:
        """A ULID shared by every recipient row of one send request."""
        group_ms = (
            record.created_us if record.part == 1 else self.dataset.time_us(record.group)
        ) // 1000
        return ids.format_ulid(group_ms, record.group_tag, ids.scramble(record.group, self._id_key))

    def find(self, ref_id: str) -> list[int]:
        """Indices of the rows with this refId (decoded, not scanned)."""
        wanted = ref_id.upper()
        return self.dataset.find_in_group(
            ids.ulid_low48(ref_id), self._id_key, lambda record: self.ref_id(record) == wanted
        )

    def row(self, record: Record) -> dict[str, Any]:
        """The record as a documented ``emailLogs`` entry."""
        address = record.recipients[0]
        delivered = record.done_us if record.outcome in _DELIVERED else None
        return {
            "refId": self.ref_id(record),
            "accountId": ACCOUNT_ID,
            "tenantId": TENANT_ID,
            "fromAddress": record.sender,
            "recipientAddress": address,
            "recipientDomain": address.rpartition("@")[2],
            "recipientType": record.recipient_type,
            "subject": record.subject,
            "status": record.outcome,
            "priority": record.priority,
            "campaignId": record.campaign or None,
            "opened": bool(record.opens),
            "clicked": bool(record.clicks),
            "failedReason": _failed_reason(record),
            "createdAt": _stamp(record.created_us),
            "deliveredDate": None if delivered is None else _stamp(delivered),
            "updatedAt": _stamp(record.updated_us),
            "track": {
                "opens": [
                    {"timestamp": _stamp(e.at_us), "userAgent": e.user_agent, "ip": e.ip}
                    for e in record.opens
                ],
                "clicks": [
                    {
                        "timestamp": _stamp(e.at_us),
                        "url": e.url,
                        "userAgent": e.user_agent,
                        "ip": e.ip,
                    }
                    for e in record.clicks
                ],
            },
        }

    # -- routing -------------------------------------------------------------

    def handle(self, request: Request) -> SandboxResponse:
        """Answer a ``/v1/email/...`` request."""
        if request.path.rstrip("/") != "/v1/email/logs":
            return _error(404, "Not Found", f"No route for {request.path}")
        if request.method != "GET":
            return _error(405, "Method Not Allowed", "Only GET is supported")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != EDITH_TOKEN:
            return _error(401, "Unauthorized", "Invalid or missing bearer token")
        try:
            return self._logs(request)
        except ApiError as exc:
            return _error(400, exc.subject, exc.reason)

    def error(self, request: Request, status: int) -> SandboxResponse:
        """EDITH-style body for an injected 429 or 500."""
        del request
        if status == 429:
            return _error(429, "Too Many Requests", "Rate limit exceeded, retry later")
        return _error(status, "Internal Server Error", "An unexpected error occurred")

    # -- the endpoint ------------------------------------------------------------

    def _logs(self, request: Request) -> SandboxResponse:
        size = page_size(
            request,
            "pageSize",
            default=DEFAULT_PAGE_SIZE,
            maximum=MAX_PAGE_SIZE,
            refuse=lambda problem: ApiError("Bad Request", f"pageSize {problem}"),
        )
        lo, hi = self._created_window(request)
        predicates, key, candidates = self._filters(request)
        fingerprint = _fingerprint(request)
        offset = 0
        token = request.first("pageToken")
        if token is not None:
            offset = self._read_token(token, fingerprint, request.expire_token)
        selection = self._select(lo, hi, predicates, key, candidates)
        rows = [self.row(self.dataset.record(i)) for i in selection.indices(offset, size)]
        end = offset + len(rows)
        next_token = self._make_token(end, fingerprint) if end < selection.count else None
        return json_response(
            200,
            {
                "success": True,
                "emailLogs": rows,
                "nextPageToken": next_token,
                "totalCount": selection.count,
            },
        )

    def _created_window(self, request: Request) -> tuple[int, int]:
        """Index range of ``startCreatedAt``..``endCreatedAt`` (both inclusive).

        Documented: no dates means the last 7 days and a longer range is
        refused. Assumption: a missing end means now, a missing start means
        the end minus 7 days, and a start after the end is refused. "Now" is
        the dataset's now plus the time the server has been up: a server
        running for an hour still takes a start from the last minute.
        """
        start = _date_param(request, "startCreatedAt")
        end = _date_param(request, "endCreatedAt")
        up_us = int((self.clock() - self._started) * 1_000_000)
        end_us = self.dataset.now_us + up_us if end is None else end
        start_us = end_us - _RANGE_US if start is None else start
        if start_us > end_us:
            raise ApiError("Bad Request", "startCreatedAt must not be after endCreatedAt")
        if end_us - start_us > _RANGE_US:
            raise ApiError("Bad Request", "The date range cannot exceed 7 days")
        # createdAt has whole seconds: compare what the client sees.
        since = -(-start_us // _SECOND) * _SECOND
        until = (end_us // _SECOND + 1) * _SECOND
        return self.dataset.index_range(since, until)

    def _filters(
        self, request: Request
    ) -> tuple[list[Predicate], tuple[Any, ...], list[int] | None]:
        predicates: list[Predicate] = []
        status = request.first("status")
        if status is not None and status not in STATUSES:
            raise ApiError("Bad Request", f"status must be one of: {', '.join(STATUSES)}")
        recipient_type = request.first("recipientType")
        if recipient_type is not None and recipient_type not in RECIPIENT_TYPES:
            raise ApiError("Bad Request", "recipientType must be one of: to, cc, bcc")
        exact: dict[str, Callable[[Record], str | None]] = {
            "email": lambda r: r.recipients[0],
            "recipientDomain": lambda r: r.recipients[0].rpartition("@")[2],
            "status": lambda r: r.outcome,
            "fromAddress": lambda r: r.sender,
            "subject": lambda r: r.subject,
            "campaignId": lambda r: r.campaign or None,
            "recipientType": lambda r: r.recipient_type,
            "failedReason": _failed_reason,
        }
        key: list[tuple[str, str]] = []
        for name, field in exact.items():
            value = request.first(name)
            if value is None:
                continue
            key.append((name, value))
            predicates.append(_equals(field, value, folded=name in _FOLDED))
        start = _date_param(request, "startDeliveredDate")
        end = _date_param(request, "endDeliveredDate")
        if start is not None or end is not None:
            # Assumption: delivery bounds are plain inclusive filters on
            # deliveredDate; rows not delivered never match them.
            key.append(("delivered", f"{start}/{end}"))
            predicates.append(_delivered_between(start, end))
        ref_id = request.first("refId")
        candidates = None if ref_id is None else self.find(ref_id)
        return predicates, tuple(key), candidates

    # -- page tokens ---------------------------------------------------------

    def _make_token(self, offset: int, fingerprint: str) -> str:
        payload = json.dumps({"o": offset, "q": fingerprint, "t": round(self.clock(), 3)})
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def _read_token(self, token: str, fingerprint: str, force_expired: bool) -> int:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            offset, query, issued = int(data["o"]), str(data["q"]), float(data["t"])
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise ApiError("Bad Request", "Invalid page token") from None
        if query != fingerprint:
            raise ApiError("Bad Request", "Page token does not belong to this query")
        if force_expired or self.clock() - issued > self.token_ttl_s:
            raise ApiError("Page token expired", "Start pagination from the beginning")
        return offset


def _failed_reason(record: Record) -> str | None:
    if record.outcome == "bounced":
        return record.error_message
    if record.outcome == "failed":
        return _FAILED_REASONS[record.draw % len(_FAILED_REASONS)]
    return None


def _stamp(micros: int) -> str:
    # Whole seconds in UTC; strftime over gmtime takes half the time of
    # datetime.isoformat, and a row has three or more of these.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(micros // 1_000_000))


def _date_param(request: Request, name: str) -> int | None:
    value = request.first(name)
    if value is None:
        return None
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise ApiError(
            "Invalid date format",
            f"{name} must be RFC 3339 (e.g. 2024-01-15T10:30:00Z), got {value!r}",
        )
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        offset = (
            timedelta(0)
            if zone in ("Z", "z")
            else (1 if zone[0] == "+" else -1)
            * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        )
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError:
        raise ApiError("Invalid date format", f"{name} is not a valid date: {value!r}") from None
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    return to_us(moment - offset) + micros


def _fingerprint(request: Request) -> str:
    # A token may be replayed with another pageSize but not with other filters.
    pairs = sorted((k, v) for k, v in request.query if k not in ("pageToken", "pageSize") and v)
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:16]


def _equals(field: Callable[[Record], str | None], wanted: str, *, folded: bool) -> Predicate:
    if folded:
        target = wanted.lower()
        return lambda r: (field(r) or "").lower() == target
    return lambda r: field(r) == wanted


def _delivered_between(start: int | None, end: int | None) -> Predicate:
    def check(record: Record) -> bool:
        if record.outcome not in _DELIVERED or record.done_us is None:
            return False
        seconds = record.done_us // _SECOND * _SECOND
        return (start is None or seconds >= start) and (end is None or seconds <= end)

    return check


def _error(status: int, error: str, details: str) -> SandboxResponse:
    return json_response(status, {"success": False, "error": error, "details": details})


def build(dataset: Dataset, config: EmulatorConfig) -> EdithApi:
    """The sandbox's view of this provider (see ``SandboxSpec.emulator_path``)."""
    return EdithApi(dataset, config.knob("token_ttl_s", float), config.clock)
