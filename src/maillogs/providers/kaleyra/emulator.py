"""Kaleyra's email logs and stats API (``/v1/{sid}/email/...``), as documented.

Rows are one per message id (``<uuid>:<n>``, where ``n`` numbers the messages
of one send request); ``to_mail`` may join several addresses with commas.
Times are naive ``YYYY-MM-DD HH:MM:SS`` strings in the account's time zone and
``""`` when absent.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maillogs.providers.kaleyra.spec import DEMO_API_KEY as KALEYRA_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_SID as KALEYRA_SID
from maillogs.sandbox import ids
from maillogs.sandbox.dataset import Dataset, Record, from_us, to_us
from maillogs.sandbox.protocol import Request, SandboxResponse, json_response, page_size, parse_int
from maillogs.sandbox.selection import Predicate, ScanCache, Selector

if TYPE_CHECKING:
    from maillogs.sandbox.app import EmulatorConfig

STATUSES: Final = {
    "accepted": "ACCEPTED",
    "delivered": "DELIVERED",
    "opened": "OPEN",
    "bounced": "BOUNCE",
    "deferred": "DEFERRED",
    "failed": "FAILED",
    "blocked": "BLOCKED",
    "suppressed": "SUPPRESSED",
}
# Texts from the documentation where it gives one; the others are written in its style.
DESCRIPTIONS: Final = {
    "ACCEPTED": "Message is accepted.",
    "DELIVERED": "Message is delivered.",
    "OPEN": "Message is opened by the recipient.",
    "BOUNCE": "Message has not been delivered maybe because of wrong email address or the "
    "recipient's inbox is full or a connection timeout from the sender’s domain.",
    "DEFERRED": "Message delivery is deferred because of a temporary failure; it will be retried.",
    "FAILED": "Message has not been processed because maybe due to internal server error or due "
    "to insufficient balance.",
    "BLOCKED": "Message has not been delivered because sender domain is not whitelisted",
    "SUPPRESSED": "Message has not been delivered because the recipient is in the suppression "
    "list.",
}
# delivered_at is the time the receiving server answered: set for delivered,
# opened and bounced messages (the documented BOUNCE row has one), "" otherwise.
_ANSWERED: Final = frozenset({"delivered", "opened", "bounced"})
# The sale price is charged on successful delivery only (documentation note 1).
_CHARGED: Final = frozenset({"delivered", "opened"})
_PRICES: Final = (0.02, 0.25, 1)
# The documented bounce, for a further address that bounced while the row's did not.
_OTHER_BOUNCE: Final = (
    "550",
    "550 5.1.1 The email account that you tried to reach does not exist. Please try "
    "double-checking the recipient's email address for typos or unnecessary spaces.",
)
COMPANY_ID: Final = "Z97318f0incd"
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 100
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEARCHED = ("status", "from_mail", "to_mail", "template_name")


class BadRequest(Exception):
    """A query parameter Kaleyra would refuse; the message says which and why."""


class KaleyraApi:
    """Routes ``/v1/{sid}/email/logs``, ``/email/stats`` and ``/email/stats/{message_id}``."""

    def __init__(self, dataset: Dataset, timezone: str) -> None:
        self.dataset = dataset
        self.zone = ZoneInfo(timezone)
        self._id_key = ids.key48(dataset.seed, "kaleyra/message")
        self._select = Selector(dataset)
        self._stats_cache: ScanCache[list[tuple[str, dict[str, int]]]] = ScanCache(8)

    # -- ids and rows ----------------------------------------------------------

    def message_id(self, record: Record) -> str:
        """``<uuid of the send request>:<position in it>``."""
        high = (record.group_tag * 0x5DEECE66D9E3779B97F4A7C1) >> 16
        uuid = ids.format_uuid(high, ids.scramble(record.group, self._id_key))
        return f"{uuid}:{record.part}"

    def find(self, message_id: str) -> Record | None:
        """The record with this message id, found by decoding, not by scanning."""
        uuid, _, part_text = message_id.strip().partition(":")
        low = ids.uuid_low48(uuid)
        part = parse_int(part_text)
        if low is None or part is None:
            return None
        index = ids.unscramble(low, self._id_key) + part - 1
        if not 0 <= index < self.dataset.size:
            return None
        record = self.dataset.record(index)
        return record if self.message_id(record).lower() == message_id.strip().lower() else None

    def local(self, micros: int) -> str:
        """A naive ``YYYY-MM-DD HH:MM:SS`` in the account's zone."""
        return from_us(micros).astimezone(self.zone).replace(tzinfo=None).isoformat(" ", "seconds")

    def row(self, record: Record) -> dict[str, Any]:
        """The record as a documented ``/email/logs`` row."""
        status = STATUSES[record.outcome]
        row: dict[str, Any] = {
            "message_id": self.message_id(record),
            "company_id": COMPANY_ID,
            "status": status,
            "description": DESCRIPTIONS[status],
            "from_mail": record.sender,
            "to_mail": ",".join(record.recipients),
            "template_name": record.template,
            "submitted_at": self.local(record.created_us),
            "delivered_at": (
                self.local(record.done_us)
                if record.done_us is not None and record.outcome in _ANSWERED
                else ""
            ),
            "sale_price": _PRICES[record.draw % 3] if record.outcome in _CHARGED else 0,
            "source": "API",
            "source_type": "API",
            "user_details": {},
            "email_body": "",
            "service_id": "",
            "route": "",
        }
        # Only newer accounts return "type" (it appears in one documented sample only).
        if record.draw % 10 < 6:
            row["type"] = record.mail_type
        return row

    # -- routing -----------------------------------------------------------------

    def handle(self, request: Request) -> SandboxResponse:
        """Answer a ``/v1/...`` request that is not EDITH's."""
        parts = request.path.rstrip("/").split("/")
        # ["", "v1", sid, "email", "logs" | "stats" [, message_id]]
        if len(parts) < 5 or parts[3] != "email" or parts[4] not in ("logs", "stats"):
            return _error(404, "E404", "Resource not found")
        if len(parts) > 6 or (parts[4] == "logs" and len(parts) == 6):
            return _error(404, "E404", "Resource not found")
        if request.method != "GET":
            return _error(405, "E405", "Method not allowed")
        # Assumption: a wrong SID and a wrong key are refused alike, with 401.
        if parts[2] != KALEYRA_SID or request.headers.get("api-key") != KALEYRA_API_KEY:
            return _error(401, "E401", "Invalid API key or SID")
        try:
            if parts[4] == "logs":
                return self._logs(request)
            if len(parts) == 6:
                return self._message_stats(parts[5])
            return self._stats(request)
        except BadRequest as exc:
            return _error(400, "E400", str(exc))

    def error(self, request: Request, status: int) -> SandboxResponse:
        """Kaleyra-style body for an injected 429 or 500."""
        del request
        if status == 429:
            return _error(429, "E429", "Too many requests")
        return _error(status, f"E{status}", "Internal server error")

    # -- endpoints -----------------------------------------------------------

    def _logs(self, request: Request) -> SandboxResponse:
        lo, hi = self._window(request)
        page, limit = _paging(request)
        predicates: list[Predicate] = []
        to_mail = request.first("toMail")
        if to_mail is not None:
            # Assumption: toMail matches one whole address of to_mail, ignoring case.
            wanted = to_mail.strip().lower()
            predicates.append(lambda r: any(a.lower() == wanted for a in r.recipients))
        terms = [t.lower() for t in request.all("search")]
        if terms:
            predicates.append(lambda r: self._searchable(r, terms))
        message_id = request.first("messageId")
        candidates: list[int] | None = None
        if message_id is not None:
            found = self.find(message_id)
            candidates = [] if found is None else [found.index]
        selection = self._select(lo, hi, predicates, (to_mail, tuple(terms)), candidates)
        rows = [
            self.row(self.dataset.record(i)) for i in selection.indices((page - 1) * limit, limit)
        ]
        return json_response(
            200,
            {
                "data": rows,
                "error": {},
                "total": selection.count,
                "limit": str(limit),
                "offset": "",
            },
        )

    def _searchable(self, record: Record, terms: list[str]) -> bool:
        # Documented: every search term must match (AND), case-insensitively, as
        # a substring of status, from, to or template name.
        row = {
            "status": STATUSES[record.outcome],
            "from_mail": record.sender,
            "to_mail": ",".join(record.recipients),
            "template_name": record.template,
        }
        text = "\n".join(row[key] for key in _SEARCHED).lower()
        return all(term in text for term in terms)

    def _message_stats(self, message_id: str) -> SandboxResponse:
        record = self.find(message_id)
        if record is None:
            # Assumption: the documentation shows no unknown-id answer; 404 in the
            # documented error envelope is what a REST API of this style returns.
            return _error(404, "E404", f"No email found for message id {message_id}")
        recipients = [
            self._recipient_state(record, address, outcome)
            for address, outcome in zip(record.recipients, recipient_outcomes(record), strict=True)
        ]
        data = {
            "message_id": self.message_id(record),
            "from_mail": record.sender,
            "request_datetime": self.local(record.created_us),
            "recipients": recipients,
        }
        return json_response(200, {"data": [data], "error": {}})

    def _recipient_state(self, record: Record, address: str, outcome: str) -> dict[str, Any]:
        """One entry of ``recipients`` in ``/email/stats/{message_id}``."""
        answered = record.done_us is not None and outcome in _ANSWERED
        if outcome == record.outcome:
            error_code, error_message = record.error_code, record.error_message
        elif outcome == "bounced":
            error_code, error_message = _OTHER_BOUNCE
        else:
            error_code = error_message = ""
        return {
            "delivery_datetime": self.local(record.done_us)
            if answered and record.done_us is not None
            else "",
            "to": address,
            "status": STATUSES[outcome],
            "error_code": error_code,
            "error_message": error_message,
        }

    def _stats(self, request: Request) -> SandboxResponse:
        lo, hi = self._window(request)
        page, limit = _paging(request)
        # Stats need every record of the window: computed once per window, then paged.
        days = self._stats_cache.get((lo, hi), lambda: self._daily(lo, hi))
        rows = [
            {"date": day, "stats": [{"metrics": metrics}]}
            for day, metrics in days[(page - 1) * limit : page * limit]
        ]
        return json_response(200, {"data": rows, "error": {}})

    def _daily(self, lo: int, hi: int) -> list[tuple[str, dict[str, int]]]:
        """Metrics per account-zone day, ascending, days without mail left out.

        Semantics (the documentation names the metrics without defining them):
        ``accepted`` counts every message submitted that day whatever became of
        it; ``delivered`` counts DELIVERED and OPEN (an opened mail was
        delivered); ``opens`` counts OPEN; ``deferred`` counts DEFERRED;
        ``blocks`` counts BLOCKED and SUPPRESSED. A message counts on the day it
        was submitted.
        """
        days: list[tuple[str, dict[str, int]]] = []
        day_end = -1
        metrics: dict[str, int] = {}
        for index in range(lo, hi):
            created = self.dataset.time_us(index)
            if created >= day_end:
                local = from_us(created).astimezone(self.zone)
                metrics = {"blocks": 0, "deferred": 0, "delivered": 0, "opens": 0, "accepted": 0}
                days.append((local.date().isoformat(), metrics))
                day_end = self._day_start(local.date() + timedelta(days=1))
            outcome = self.dataset.outcome(index)
            metrics["accepted"] += 1
            if outcome in ("delivered", "opened"):
                metrics["delivered"] += 1
            if outcome == "opened":
                metrics["opens"] += 1
            elif outcome == "deferred":
                metrics["deferred"] += 1
            elif outcome in ("blocked", "suppressed"):
                metrics["blocks"] += 1
        return days

    # -- parameters ------------------------------------------------------------

    def _day_start(self, day: date) -> int:
        return to_us(datetime.combine(day, time(), tzinfo=self.zone))

    def _window(self, request: Request) -> tuple[int, int]:
        """Index range of ``start_date``..``end_date``, whole days, both inclusive.

        Assumption: a missing ``start_date`` means from the oldest log and a
        missing ``end_date`` means up to now; a start after the end is refused.
        """
        start = _date_param(request, "start_date")
        end = _date_param(request, "end_date")
        if start is not None and end is not None and start > end:
            raise BadRequest("start_date must not be after end_date")
        since = None if start is None else self._day_start(start)
        until = None if end is None else self._day_start(end + timedelta(days=1))
        return self.dataset.index_range(since, until)


def recipient_outcomes(record: Record) -> list[str]:
    """Each address's own outcome, as ``/email/stats/{message_id}`` reports it.

    The first address has the row's outcome. When the row says delivered or
    opened, a further address may still be accepted (as in the documented
    DELIVERED example) or have bounced: the row's one status is the message's,
    not each address's.
    """
    outcomes = [record.outcome]
    for position in range(1, len(record.recipients)):
        roll = (record.tag >> (8 * position)) & 0xFF
        if record.outcome not in ("delivered", "opened") or roll >= 128:
            outcomes.append(record.outcome)
        else:
            outcomes.append("accepted" if roll < 64 else "bounced")
    return outcomes


def _date_param(request: Request, name: str) -> date | None:
    value = request.first(name)
    if value is None:
        return None
    if _DATE.fullmatch(value) is None:
        raise BadRequest(f"{name} must be a date in the format YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} is not a valid date: {value!r}") from None


def _paging(request: Request) -> tuple[int, int]:
    page_text = request.first("page")
    page = 1 if page_text is None else parse_int(page_text)
    if page is None or page < 1:
        raise BadRequest("page must be a positive integer (the first page is 1)")
    limit = page_size(
        request,
        "limit",
        default=DEFAULT_LIMIT,
        maximum=MAX_LIMIT,
        refuse=lambda problem: BadRequest(f"limit {problem}"),
    )
    return page, limit


def _error(status: int, code: str, message: str) -> SandboxResponse:
    return json_response(status, {"data": [], "error": {"code": code, "message": message}})


def build(dataset: Dataset, config: EmulatorConfig) -> KaleyraApi:
    """The sandbox's view of this provider (see ``SandboxSpec.emulator_path``)."""
    zone = config.knob("kaleyra_timezone", str)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r} (use an IANA name)") from None
    return KaleyraApi(dataset, zone)
