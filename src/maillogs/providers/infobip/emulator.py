"""Infobip's ``GET /email/1/logs`` (legacy) and ``GET /email/4/logs``, per its OpenAPI spec.

One row per message. Only the last 48 hours exist. v1 has no pagination (the
latest ``limit`` matches and that is all); v4 pages with ``useCursor=true`` and
``cursor``. Fields that have no value are left out, as Infobip's JSON does.
When asked, the documented rate limits (v1 60, v4 120 requests a minute) are
enforced with the spec's 429 bodies, which carry no ``Retry-After``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
from maillogs.providers.infobip.spec import RATE_LIMITS
from maillogs.sandbox import ids
from maillogs.sandbox.dataset import Dataset, Record, naive_utc, to_us
from maillogs.sandbox.protocol import Refusal, Request, SandboxResponse, json_response, page_size
from maillogs.sandbox.selection import Predicate, Selector

if TYPE_CHECKING:
    from maillogs.sandbox.app import EmulatorConfig

RETENTION_US: Final = 48 * 3_600_000_000
RATE_WINDOW_S: Final = 60.0
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 1000
GENERAL_STATUSES: Final = (
    "ACCEPTED",
    "PENDING",
    "UNDELIVERABLE",
    "DELIVERED",
    "EXPIRED",
    "REJECTED",
)

# Status objects: (groupId, groupName, id, name, description).
_S_ACCEPTED = (0, "ACCEPTED", 0, "MESSAGE_ACCEPTED", "Message accepted")
_S_PENDING = (
    (1, "PENDING", 26, "PENDING_ACCEPTED", "Message accepted, pending for delivery."),
    (1, "PENDING", 3, "PENDING_WAITING_DELIVERY", "Message sent, waiting for delivery report"),
    (1, "PENDING", 7, "PENDING_ENROUTE", "Message sent to next instance"),
)
_S_DELIVERED = (3, "DELIVERED", 5, "DELIVERED_TO_HANDSET", "Message delivered to handset")
_S_REJECTED_OPERATOR = (
    2,
    "UNDELIVERABLE",
    4,
    "UNDELIVERABLE_REJECTED_OPERATOR",
    "Message rejected by operator",
)
_S_NOT_DELIVERED = (
    2,
    "UNDELIVERABLE",
    9,
    "UNDELIVERABLE_NOT_DELIVERED",
    "Message sent not delivered",
)
_S_EXPIRED = (4, "EXPIRED", 15, "EXPIRED_EXPIRED", "Message expired")
_S_REJECTED_DESTINATION = (
    5,
    "REJECTED",
    14,
    "REJECTED_DESTINATION",
    "Message rejected by destination",
)
_S_REJECTED_SOURCE = (5, "REJECTED", 11, "REJECTED_SOURCE", "Invalid Source address")
_S_REJECTED_NETWORK = (5, "REJECTED", 6, "REJECTED_NETWORK", "Network is forbidden")
_S_NO_CREDITS = (5, "REJECTED", 12, "REJECTED_NOT_ENOUGH_CREDITS", "Not enough credits")

# Error objects: (groupId, groupName, id, name, description or None for the
# record's own SMTP text, permanent). The ids are the emulator's own.
_E_NONE = (0, "OK", 0, "NO_ERROR", "No Error", False)
_E_HARD_BOUNCE = (1, "HANDSET_ERRORS", 4001, "EC_HARD_BOUNCE", None, True)
_E_SOFT_BOUNCE = (1, "HANDSET_ERRORS", 4002, "EC_SOFT_BOUNCE", None, False)
_E_DROPPED = (
    2,
    "USER_ERRORS",
    4003,
    "EC_DROPPED",
    "Recipient address is on the suppression list",
    True,
)
_E_SENDER = (
    2,
    "USER_ERRORS",
    4004,
    "EC_INVALID_SENDER_DOMAIN",
    "Sender domain is not verified",
    True,
)
_E_BLOCKLISTED = (
    2,
    "USER_ERRORS",
    4005,
    "EC_DESTINATION_BLOCKLISTED",
    "Destination address is blocklisted",
    True,
)
_E_NETWORK = (
    3,
    "OPERATOR_ERRORS",
    4006,
    "EC_NETWORK_UNAVAILABLE",
    "Sending network refused the message",
    False,
)
_E_TIMEOUT = (
    3,
    "OPERATOR_ERRORS",
    4007,
    "EC_DELIVERY_TIMEOUT",
    "421 4.7.0 Temporary failure; delivery retries exhausted",
    False,
)

Status = tuple[int, str, int, str, str]
Error = tuple[int, str, int, str, str | None, bool]
# outcome -> the (status, error) variants it takes; a record picks one by its draw.
_VARIANTS: Final[dict[str, tuple[tuple[Status, Error], ...]]] = {
    "accepted": ((_S_ACCEPTED, _E_NONE),),
    "pending": tuple((status, _E_NONE) for status in _S_PENDING),
    "delivered": ((_S_DELIVERED, _E_NONE),),
    "bounced": ((_S_NOT_DELIVERED, _E_HARD_BOUNCE), (_S_REJECTED_OPERATOR, _E_HARD_BOUNCE)),
    "dropped": ((_S_NOT_DELIVERED, _E_DROPPED),),
    "rejected_policy": ((_S_REJECTED_DESTINATION, _E_BLOCKLISTED), (_S_REJECTED_SOURCE, _E_SENDER)),
    "rejected_system": ((_S_REJECTED_NETWORK, _E_NETWORK), (_S_NO_CREDITS, _E_NONE)),
    "expired": ((_S_EXPIRED, _E_TIMEOUT),),
}
_ACTIONS: Final = {
    "REJECTED_DESTINATION": "Remove the address from your recipient list",
    "REJECTED_SOURCE": "Verify the sender domain",
    "REJECTED_NETWORK": "Contact Infobip support",
    "REJECTED_NOT_ENOUGH_CREDITS": "Top up the account balance",
}
_PRICES: Final = (0.0011, 0.00085)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{1,3})(Z|[+-]\d{2}:?\d{2})")

_V1_401: Final = {
    "requestError": {"serviceException": {"messageId": "UNAUTHORIZED", "text": "Unauthorized"}}
}
_V1_429: Final = {
    "requestError": {
        "serviceException": {"messageId": "TOO_MANY_REQUESTS", "text": "Too many requests"}
    }
}
_V1_500: Final = {
    "requestError": {
        "serviceException": {
            "messageId": "GENERAL_ERROR",
            "text": "Something went wrong. Please contact support.",
        }
    }
}
_V4_401: Final = {
    "errorCode": "E401",
    "description": "The request lacks valid authentication credentials for the requested resource.",
    "action": "Check the resources and adjust authentication credentials.",
    "violations": [],
    "resources": [
        {
            "name": "API Authentication",
            "url": "https://www.infobip.com/docs/essentials/api-authentication",
        }
    ],
}
_V4_429: Final = {
    "errorCode": "E429",
    "description": "Too many requests sent.",
    "action": "Check request rate limit specified in the API endpoint documentation resource.",
    "violations": [],
    "resources": [
        {
            "name": "Throttling handling errors",
            "url": "https://www.infobip.com/docs/essentials/integration-best-practices#throttling-handling-errors",
        }
    ],
}
_V4_500: Final = {
    "errorCode": "E500",
    "description": "Something went wrong.",
    "action": "Contact the support.",
    "violations": [],
    "resources": [],
}


class BadRequest(Refusal):
    """A parameter Infobip would refuse: ``subject`` names it, ``reason`` is the violation."""


class RequestRate:
    """Infobip's documented throttling, per endpoint of the one account.

    A request is refused when the endpoint already answered its limit within
    the last minute (a rolling window). Assumptions, the spec being silent:
    the window rolls rather than resetting on the minute, and a refused
    request does not count, so a client that waits is served again.
    """

    def __init__(self, clock: Callable[[], float], limits: dict[str, int]) -> None:
        self._clock = clock
        self._limits = limits
        self._lock = threading.Lock()
        self._served: dict[str, deque[float]] = {version: deque() for version in limits}

    def admit(self, version: str) -> bool:
        """Count one request to ``version``'s endpoint; False when over the limit."""
        with self._lock:
            now = self._clock()
            served = self._served[version]
            while served and served[0] <= now - RATE_WINDOW_S:
                served.popleft()
            if len(served) >= self._limits[version]:
                return False
            served.append(now)
            return True


class InfobipApi:
    """Routes ``/email/1/logs`` and ``/email/4/logs``.

    With ``rate`` given, the documented 60 (v1) / 120 (v4) requests a minute
    are enforced: the excess gets the spec's 429, without ``Retry-After``.
    """

    def __init__(self, dataset: Dataset, rate: RequestRate | None = None) -> None:
        self.dataset = dataset
        self.rate = rate
        self._message_key = ids.key48(dataset.seed, "infobip/message")
        self._bulk_key = ids.key48(dataset.seed, "infobip/bulk")
        self._select = Selector(dataset)

    # -- ids and rows ----------------------------------------------------------

    def message_id(self, record: Record) -> str:
        """A 24-character lower-case id, unique per message."""
        high = record.tag * 0x9E3779B97F4A7C15F39CC0605CEDC835
        return ids.format_base32(high, ids.scramble(record.index, self._message_key))

    def bulk_id(self, record: Record) -> str:
        """A UUID shared by the messages of one send request."""
        high = (record.group_tag * 0x2545F4914F6CDD1D9E3779B9) >> 8
        return ids.format_uuid(high, ids.scramble(record.group, self._bulk_key))

    def _by_message_id(self, message_id: str) -> list[int]:
        low = ids.base32_low48(message_id)
        if low is None:
            return []
        index = ids.unscramble(low, self._message_key)
        if index >= self.dataset.size:
            return []
        return [index] if self.message_id(self.dataset.record(index)) == message_id else []

    def _by_bulk_id(self, bulk_id: str) -> list[int]:
        wanted = bulk_id.lower()
        return self.dataset.find_in_group(
            ids.uuid_low48(bulk_id), self._bulk_key, lambda record: self.bulk_id(record) == wanted
        )

    def native(self, record: Record) -> tuple[dict[str, Any], dict[str, Any]]:
        """The record's ``status`` and ``error`` objects."""
        variants = _VARIANTS[record.outcome]
        status_t, error_t = variants[record.draw % len(variants)]
        if error_t == _E_HARD_BOUNCE and record.error_code.startswith("552"):
            error_t = _E_SOFT_BOUNCE
        group_id, group_name, status_id, name, description = status_t
        status: dict[str, Any] = {
            "groupId": group_id,
            "groupName": group_name,
            "id": status_id,
            "name": name,
            "description": description,
        }
        if name in _ACTIONS:
            status["action"] = _ACTIONS[name]
        e_group, e_group_name, e_id, e_name, e_description, permanent = error_t
        error = {
            "groupId": e_group,
            "groupName": e_group_name,
            "id": e_id,
            "name": e_name,
            "description": e_description or record.error_message,
            "permanent": permanent,
        }
        return status, error

    def _common(self, record: Record) -> dict[str, Any]:
        status, error = self.native(record)
        rejected = status["groupName"] == "REJECTED"
        row: dict[str, Any] = {
            "bulkId": self.bulk_id(record),
            "messageId": self.message_id(record),
            "sentAt": stamp(record.created_us),
        }
        # A rejected message is finished at once; accepted and pending ones are not finished.
        done = record.created_us if rejected else record.done_us
        if done is not None:
            row["doneAt"] = stamp(done)
        row["messageCount"] = 1
        row["price"] = {
            "pricePerMessage": 0 if rejected else _PRICES[record.draw % 2],
            "currency": "EUR",
        }
        row["status"] = status
        row["error"] = error
        return row

    def row_v1(self, record: Record) -> dict[str, Any]:
        """The record as a v1 ``EmailLog``."""
        row: dict[str, Any] = {"applicationId": _application(record)}
        entity = _entity(record)
        if entity is not None:
            row["entityId"] = entity
        row.update(to=record.recipients[0], **{"from": record.sender}, text=record.subject)
        row.update(self._common(record))
        return row

    def row_v4(self, record: Record) -> dict[str, Any]:
        """The record as a v4 ``EmailUnificationLog``."""
        row: dict[str, Any] = {"sender": record.sender, "destination": record.recipients[0]}
        row.update(self._common(record))
        platform = {"applicationId": _application(record)}
        entity = _entity(record)
        if entity is not None:
            platform["entityId"] = entity
        row["platform"] = platform
        if record.campaign:
            row["campaignReferenceId"] = record.campaign
        row["text"] = record.subject
        return row

    # -- routing ---------------------------------------------------------------

    def handle(self, request: Request) -> SandboxResponse:
        """Answer an ``/email/...`` request."""
        path = request.path.rstrip("/")
        v1 = path.startswith("/email/1/")
        if path not in ("/email/1/logs", "/email/4/logs"):
            return self._not_found(v1)
        if request.method != "GET":
            return (
                _v1_error(405, "METHOD_NOT_ALLOWED", "Method not allowed")
                if v1
                else _v4_error(405, "E405", "Method not allowed.", [])
            )
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "app" or key.strip() != INFOBIP_API_KEY:
            return json_response(401, _V1_401 if v1 else _V4_401)
        if self.rate is not None and not self.rate.admit("1" if v1 else "4"):
            return self.error(request, 429)
        try:
            return self._v1(request) if v1 else self._v4(request)
        except BadRequest as exc:
            if v1:
                return _v1_error(400, "BAD_REQUEST", "Bad request", {exc.subject: [exc.reason]})
            return _v4_error(400, "E400", "Request cannot be processed.", [exc])

    def error(self, request: Request, status: int) -> SandboxResponse:
        """The spec's 429 or 500 body, in the style of the version asked."""
        v1 = request.path.startswith("/email/1/")
        if status == 429:
            return json_response(429, _V1_429 if v1 else _V4_429)
        return json_response(status, _V1_500 if v1 else _V4_500)

    @staticmethod
    def _not_found(v1: bool) -> SandboxResponse:
        if v1:
            return _v1_error(404, "NOT_FOUND", "Requested URL not found")
        return _v4_error(404, "E404", "Requested URL not found.", [])

    # -- endpoints ---------------------------------------------------------------

    def _v1(self, request: Request) -> SandboxResponse:
        limit = _limit(request)
        lo, hi = self._window(request)
        predicates: list[Predicate] = []
        key: list[tuple[str, str]] = []
        for name, field in _V1_FIELDS.items():
            value = request.first(name)
            if value is not None:
                key.append((name, value))
                predicates.append(_equals(field, value))
        status = request.first("generalStatus")
        if status is not None:
            # v1 declares generalStatus as a free string: an unknown one matches nothing.
            key.append(("generalStatus", status))
            predicates.append(self._has_status({status.upper()}))
        candidates = self._candidates(request.all("messageId"), request.all("bulkId"))
        selection = self._select(lo, hi, predicates, ("v1", *key), candidates)
        rows = [self.row_v1(self.dataset.record(i)) for i in selection.indices(0, limit)]
        return json_response(200, {"results": rows})

    def _v4(self, request: Request) -> SandboxResponse:
        limit = _limit(request)
        lo, hi = self._window(request)
        predicates: list[Predicate] = []
        key: list[tuple[str, str]] = []
        for name, field in _V4_FIELDS.items():
            value = request.first(name)
            if value is not None:
                key.append((name, value))
                predicates.append(_equals(field, value))
        campaigns = _list(request, "campaignReferenceId")
        if campaigns:
            key.append(("campaignReferenceId", ",".join(sorted(campaigns))))
            predicates.append(lambda r: r.campaign in campaigns)
        status = request.first("generalStatus")
        if status is not None:
            if status not in GENERAL_STATUSES:
                raise BadRequest("generalStatus", f"must be one of {', '.join(GENERAL_STATUSES)}")
            key.append(("generalStatus", status))
            predicates.append(self._has_status({status}))
        candidates = self._candidates(_list(request, "messageId"), _list(request, "bulkId"))
        use_cursor = _flag(request, "useCursor")
        cursor = request.first("cursor")
        if cursor is not None and not use_cursor:
            # Assumption: a cursor without useCursor=true is a client bug worth refusing.
            raise BadRequest("cursor", "cursor requires useCursor=true")
        fingerprint = _fingerprint(request)
        offset = 0 if cursor is None else _read_cursor(cursor, fingerprint)
        selection = self._select(lo, hi, predicates, ("v4", *key), candidates)
        rows = [self.row_v4(self.dataset.record(i)) for i in selection.indices(offset, limit)]
        payload: dict[str, Any] = {"results": rows}
        if use_cursor:
            page: dict[str, Any] = {"limit": limit}
            end = offset + len(rows)
            if end < selection.count:
                page["nextCursor"] = _make_cursor(end, fingerprint)
            payload["cursor"] = page
        return json_response(200, payload)

    # -- parameters ------------------------------------------------------------

    def _window(self, request: Request) -> tuple[int, int]:
        """Index range of ``sentSince``..``sentUntil``, both inclusive, within 48 hours.

        Assumption: both bounds are inclusive (the spec says "after"/"before"
        but gives no example); older records are silently out of reach.
        """
        since = _date_param(request, "sentSince")
        until = _date_param(request, "sentUntil")
        floor = self.dataset.now_us - RETENTION_US
        since_us = floor if since is None else max(since, floor)
        # sentAt has milliseconds: a record matches if its shown time does.
        until_us = None if until is None else until + 1000
        return self.dataset.index_range(-(-since_us // 1000) * 1000, until_us)

    def _candidates(self, message_ids: list[str], bulk_ids: list[str]) -> set[int] | None:
        found: set[int] | None = None
        if message_ids:
            found = {i for m in message_ids for i in self._by_message_id(m)}
        if bulk_ids:
            in_bulk = {i for b in bulk_ids for i in self._by_bulk_id(b)}
            found = in_bulk if found is None else found & in_bulk
        return found

    def _has_status(self, names: set[str]) -> Predicate:
        return lambda r: self.native(r)[0]["groupName"] in names


def _application(record: Record) -> str:
    return "marketing-automation-application" if record.mail_type == "MKT" else "default"


def _entity(record: Record) -> str | None:
    return "promotional-traffic-entity" if record.mail_type == "MKT" else None


_V1_FIELDS: Final[dict[str, Callable[[Record], str | None]]] = {
    "from": lambda r: r.sender,
    "to": lambda r: r.recipients[0],
    "campaignReferenceId": lambda r: r.campaign or None,
    "applicationId": _application,
    "entityId": _entity,
}
_V4_FIELDS: Final[dict[str, Callable[[Record], str | None]]] = {
    "sender": lambda r: r.sender,
    "destination": lambda r: r.recipients[0],
    "applicationId": _application,
    "entityId": _entity,
}


def stamp(micros: int) -> str:
    """``yyyy-MM-dd'T'HH:mm:ss.SSS+0000``."""
    return naive_utc(micros).isoformat(timespec="milliseconds") + "+0000"


def _equals(field: Callable[[Record], str | None], wanted: str) -> Predicate:
    # Addresses compare without regard to case; ids are lower-case anyway.
    target = wanted.lower()
    return lambda r: (field(r) or "").lower() == target


def _list(request: Request, name: str) -> list[str]:
    """A v4 list parameter: repeated and/or comma-separated."""
    return [
        item.strip() for value in request.all(name) for item in value.split(",") if item.strip()
    ]


def _flag(request: Request, name: str) -> bool:
    value = request.first(name)
    if value is None or value.lower() == "false":
        return False
    if value.lower() == "true":
        return True
    raise BadRequest(name, "must be true or false")


def _limit(request: Request) -> int:
    return page_size(
        request,
        "limit",
        default=DEFAULT_LIMIT,
        maximum=MAX_LIMIT,
        refuse=lambda problem: BadRequest("limit", problem),
        too_large="must be less than or equal to",
    )


def _date_param(request: Request, name: str) -> int | None:
    value = request.first(name)
    if value is None:
        return None
    match = _DATE.fullmatch(value)
    fail = BadRequest(name, f"must have the format yyyy-MM-dd'T'HH:mm:ss.SSSZ, got {value!r}")
    if match is None:
        raise fail
    fraction, zone = match.groups()
    try:
        moment = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise fail from None
    offset = timedelta(0)
    if zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = offset if zone[0] == "+" else -offset
    return to_us(moment - offset) + int(fraction.ljust(3, "0")) * 1000


def _fingerprint(request: Request) -> str:
    # A cursor may be replayed with another limit but not with other filters.
    pairs = sorted((k, v) for k, v in request.query if k not in ("cursor", "limit") and v)
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:16]


def _make_cursor(offset: int, fingerprint: str) -> str:
    payload = json.dumps({"o": offset, "q": fingerprint}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _read_cursor(cursor: str, fingerprint: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, query = int(data["o"]), str(data["q"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BadRequest("cursor", "invalid cursor") from None
    if query != fingerprint:
        raise BadRequest("cursor", "cursor does not belong to this query")
    return offset


def _v1_error(
    status: int, message_id: str, text: str, validation: dict[str, list[str]] | None = None
) -> SandboxResponse:
    details: dict[str, Any] = {"messageId": message_id, "text": text}
    if validation:
        details["validationErrors"] = validation
    return json_response(status, {"requestError": {"serviceException": details}})


def _v4_error(
    status: int, code: str, description: str, problems: list[BadRequest]
) -> SandboxResponse:
    return json_response(
        status,
        {
            "errorCode": code,
            "description": description,
            "action": "Check the syntax, violations and adjust the request.",
            "violations": [{"property": p.subject, "violation": p.reason} for p in problems],
            "resources": [],
        },
    )


def build(dataset: Dataset, config: EmulatorConfig) -> InfobipApi:
    """The sandbox's view of this provider (see ``SandboxSpec.emulator_path``)."""
    rate = (
        RequestRate(config.clock, RATE_LIMITS) if config.knob("infobip_rate_limit", bool) else None
    )
    return InfobipApi(dataset, rate)
