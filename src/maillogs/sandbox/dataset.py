"""A deterministic synthetic dataset that never exists in memory as a whole.

Each record is a pure function of ``(seed, provider, index)``: its fields come
from a keyed BLAKE2b digest of the index, so record 999,999 costs the same as
record 0 and any page can be produced without its neighbours. Records are
ordered by creation time: record ``i`` sits at ``start + (i + 0.5 + jitter) *
step`` with ``|jitter| < 0.45``, so times never go backwards and a time range
maps to an index range by bisection (about 20 cheap digests), not by a scan.

Mail can also *arrive* while the emulator runs (:meth:`Dataset.arrive`): record
``size + k`` of a dataset built with ``size`` records is the ``k``-th arrival,
created ``k + 1`` milliseconds after ``now``, so it is newer than every record
before it and lands on top of every newest-first listing, as new mail does.

Some records continue the send request of the record before them (a second
recipient of the same message): they share its sender, subject and request id
and are created a moment after it. Continuations only sit at odd indices, so
the record before one is always the start of its request.
"""

from __future__ import annotations

import bisect
import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from maillogs.providers.registry import PROVIDERS, SandboxSpec
from maillogs.sandbox import ids

# Outcomes after which the receiving side has answered (delivery or bounce time).
_DONE: Final = frozenset(
    {"delivered", "opened", "clicked", "bounced", "spam", "unsubscribed", "expired", "dropped"}
)
_OPENED: Final = frozenset({"opened", "clicked", "spam", "unsubscribed"})

SENDERS: Final = (
    "alerts@shop.example",
    "news@shop.example",
    "billing@acme.test",
    "no-reply@acme.test",
    "support@shop.example",
)
_NAMES: Final = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
)
DOMAINS: Final = (
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "example.org",
    "corp.test",
    "example.net",
)
_SUBJECTS: Final = (
    "Your order #{n} has shipped",
    "Password reset request",
    "Invoice INV-{n} is available",
    "Weekly newsletter — week {w}",
    "Welcome to Shop!",
    "Your receipt from Acme",
    "Security alert: new sign-in",
    "Black Friday: 30% off everything",
)
_TEMPLATES: Final = ("order_shipped", "password_reset", "invoice_ready", "newsletter_weekly")
_CAMPAIGNS: Final = (
    "order-confirmation",
    "welcome-series-2024",
    "black-friday-2024",
    "invoice-2024-q4",
    "password-reset",
    "summersale",
)
_ERRORS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "bounced": (
        ("550", "550 5.1.1 The email account that you tried to reach does not exist. - gsmtp"),
        ("550", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
        ("552", "552 5.2.2 The email account that you tried to reach is over quota"),
        ("554", "554 5.7.1 Message rejected because of content policy"),
    ),
    "deferred": (
        ("421", "421 4.7.0 Try again later, closing connection"),
        ("451", "451 4.3.0 Mail server temporarily rejected message"),
    ),
    "blocked": (("", "invalid sender domain"),),
    "suppressed": (("", "Recipient address is on the suppression list"),),
    "dropped": (("", "Recipient address is on the suppression list"),),
    "failed": (
        (
            "",
            "Message has not been processed because maybe due to internal server error "
            "or due to insufficient balance.",
        ),
        ("", "Message has not been delivered because template is not approved or deleted"),
    ),
    "spam": (("", "Recipient marked the message as spam"),),
    "unsubscribed": (("", "Recipient unsubscribed from this sender"),),
}
USER_AGENTS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Microsoft Office/16.0 (Microsoft Outlook 16.0.17328; Pro)",
)
_IP_PREFIXES: Final = ("192.0.2.", "198.51.100.", "203.0.113.")
_URLS: Final = (
    "https://shop.example/orders/{n}",
    "https://shop.example/account/security",
    "https://acme.test/invoices/INV-{n}",
    "https://shop.example/sale?utm_campaign=bf",
)

# About one request in 500 carries text built to break naive renderers: ANSI
# escapes, a newline, Rich markup and a CSV formula.
HOSTILE_PERIOD: Final = 500
HOSTILE_TEXTS: Final = (
    '=HYPERLINK("http://x","y") \x1b[31mred alert\x1b[0m [bold]x[/bold]\nsecond line',
    "\x1b[31mURGENT\x1b[0m [bold]x[/bold] account notice",
    "Line one\nLine two [link=http://x]click[/link]",
    '@SUM(1+1)*cmd|" /C calc"!A0 \x1b]0;title\x07',
)
# How many window edges first_at_or_after remembers (a few per running walk).
_EDGES_KEPT: Final = 256
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH: Final = datetime(1970, 1, 1)
_MAX_DELIVERY_DELAY_US: Final = 30_000_000
_MAX_EVENT_DELAY_US: Final = 2 * 86_400_000_000
# Arrivals are this far apart in the data (1 ms): close to "now", whatever their number.
ARRIVAL_SPACING_US: Final = 1_000
# Live records (sandbox/live.py) are opened minutes after delivery, not days:
# each change then falls inside `tail`'s 10-minute overlap window.
LIVE_OPEN_DELAY_US: Final = 120_000_000
LIVE_CLICK_DELAY_US: Final = 60_000_000
_NO_HORIZON: Final = 2**62


@dataclass(frozen=True, slots=True)
class TrackEvent:
    """One open (``url`` empty) or click of a message."""

    at_us: int
    user_agent: str
    ip: str
    url: str


# Not frozen: a frozen dataclass sets each of its 23 fields through
# object.__setattr__, which made building a record 3.5x slower, and the
# sandbox builds one per row served. Nothing mutates a record.
@dataclass(slots=True)
class Record:
    """One synthetic message to one or more recipients; times are UTC epoch microseconds.

    ``outcome`` uses the provider's own vocabulary from its ``SandboxSpec.outcomes``;
    ``draw`` is a spare stable 32-bit value the provider views use for their
    own optional fields. ``group`` is the index of the first record of the send
    request and ``part`` the 1-based position in it.
    """

    index: int
    group: int
    part: int
    created_us: int
    sender: str
    recipients: tuple[str, ...]
    recipient_type: str
    subject: str
    template: str
    campaign: str
    mail_type: str
    priority: str
    outcome: str
    done_us: int | None
    updated_us: int
    error_code: str
    error_message: str
    opens: tuple[TrackEvent, ...]
    clicks: tuple[TrackEvent, ...]
    draw: int
    group_tag: int
    tag: int
    hostile: bool


class LiveView(Protocol):
    """What a live feed (``sandbox/live.py``) decides for the records that arrive."""

    def created_us(self, arrival: int, jitter: float) -> int:
        """Creation time of the ``arrival``-th arrival (``|jitter| < 0.5`` of its slot)."""

    def as_seen(self, record: Record, pending_outcome: str) -> Record:
        """The record as its provider reports it at the feed's clock's now."""


def to_us(moment: datetime) -> int:
    """Epoch microseconds of an aware datetime, exactly (no float rounding)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(micros: int) -> datetime:
    """Aware UTC datetime of epoch microseconds."""
    return _EPOCH + timedelta(microseconds=micros)


def naive_utc(micros: int) -> datetime:
    """Naive UTC datetime of epoch microseconds (cheaper to format than an aware one)."""
    return _NAIVE_EPOCH + timedelta(microseconds=micros)


class _Times:
    """A virtual sorted sequence of creation times, for :mod:`bisect`."""

    __slots__ = ("_dataset",)

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset

    def __len__(self) -> int:
        return self._dataset.size

    def __getitem__(self, index: int) -> int:
        return self._dataset.time_us(index)


def _sandbox_spec(provider: str) -> SandboxSpec:
    spec = PROVIDERS.get(provider)
    if spec is None or spec.sandbox is None:
        raise ValueError(f"unknown provider {provider!r}")
    return spec.sandbox


class Dataset:
    """The records of one provider, computed on demand.

    Args:
        seed: any integer; the same seed always gives the same records.
        provider: a registered provider with a ``sandbox`` spec.
        size: number of records (5 to millions; memory use does not depend on it).
        now: end of the time span (aware datetime).
        span: length of the time span; defaults to the provider's ``SandboxSpec.span``.
    """

    def __init__(
        self,
        seed: int,
        provider: str,
        size: int,
        now: datetime,
        span: timedelta | None = None,
    ) -> None:
        shape = _sandbox_spec(provider)
        if size < 1:
            raise ValueError("a dataset needs at least one record")
        self.seed = seed
        self.provider = provider
        self._multi_address = shape.multi_address_rows
        # Records laid out over the span; arrivals come after them (see `arrive`).
        self.initial_size = size
        self.size = size
        self.now_us = to_us(now)
        self.span_us = to_us(now) - to_us(now - (span or shape.span))
        self.start_us = self.now_us - self.span_us
        self._step = self.span_us / size
        self._time_key = hashlib.blake2b(f"t/{seed}/{provider}".encode()).digest()[:32]
        self._rec_key = hashlib.blake2b(f"r/{seed}/{provider}".encode()).digest()[:32]
        self._event_key = hashlib.blake2b(f"e/{seed}/{provider}".encode()).digest()[:32]
        cumulative = 0
        self._outcomes: list[tuple[int, str]] = []
        for name, weight in shape.outcomes:
            cumulative += weight * 65536 // 100
            self._outcomes.append((cumulative, name))
        self._times = _Times(self)
        self._edges: dict[tuple[int, int], int] = {}
        self._pending_outcome = shape.pending_outcome
        # Set by the emulator for `--live`: arrivals then come in real time and
        # change status as its clock passes, rather than being complete at once.
        self.live: LiveView | None = None

    # -- time layout ---------------------------------------------------------

    def _time_digest(self, index: int) -> bytes:
        return hashlib.blake2b(index.to_bytes(8, "big"), key=self._time_key, digest_size=8).digest()

    def time_us(self, index: int) -> int:
        """Creation time of record ``index`` in epoch microseconds (non-decreasing)."""
        return self._placement(index)[1]

    def _placement(self, index: int) -> tuple[bool, int]:
        """Whether record ``index`` is the second recipient of the previous
        record's request, and its creation time: both from one digest."""
        if index >= self.initial_size:
            arrival = index - self.initial_size
            if self.live is not None:
                jitter = int.from_bytes(self._time_digest(index)[1:3], "big") / 65536 - 0.5
                return False, self.live.created_us(arrival, jitter * 0.9)
            return False, self.now_us + (arrival + 1) * ARRIVAL_SPACING_US
        digest = self._time_digest(index)
        if index % 2 == 1 and digest[0] < 40:
            # Same request as the record before: created a moment later, and
            # still before the next slot starts (offset < step / 2).
            gap = min(self._step * 0.5, 2_000_000.0)
            previous = self._slot_time(index - 1, self._time_digest(index - 1))
            return True, previous + int(digest[3] / 256 * gap)
        return False, self._slot_time(index, digest)

    def _slot_time(self, index: int, digest: bytes) -> int:
        jitter = (int.from_bytes(digest[1:3], "big") / 65536 - 0.5) * 0.9
        return self.start_us + int((index + 0.5 + jitter) * self._step)

    def first_at_or_after(self, micros: int) -> int:
        """Smallest index whose creation time is ``>= micros`` (``size`` if none)."""
        # Every page of a walk asks for the same window edges again, and each
        # search computes ~20 record times: remember the recent answers.
        # Keyed by size too: an answer computed before an arrival stays true for that size.
        size = self.size
        index = self._edges.get((micros, size))
        if index is None:
            if len(self._edges) >= _EDGES_KEPT:
                self._edges.clear()
            index = self._edges[micros, size] = bisect.bisect_left(self._times, micros, 0, size)
        return index

    def arrive(self, count: int) -> None:
        """Add ``count`` new records, newer than every record so far (see module doc).

        One assignment: a request answered meanwhile sees the size before or after.
        """
        self.size += count

    def index_range(self, since_us: int | None, until_us: int | None) -> tuple[int, int]:
        """Half-open index range of records created in ``[since_us, until_us)``."""
        lo = 0 if since_us is None else self.first_at_or_after(since_us)
        hi = self.size if until_us is None else self.first_at_or_after(until_us)
        return lo, max(lo, hi)

    # -- records -------------------------------------------------------------

    def _values(self, index: int) -> tuple[int, ...]:
        digest = hashlib.blake2b(index.to_bytes(8, "big"), key=self._rec_key).digest()
        return struct.unpack(">32H", digest)

    def outcome(self, index: int) -> str:
        """The record's outcome alone: cheaper than :meth:`record`, for aggregate scans."""
        if self.live is not None and index >= self.initial_size:
            return self.record(index).outcome  # it depends on the time it is asked
        return self._pick_outcome(self._values(index)[0])

    def _pick_outcome(self, value: int) -> str:
        for bound, name in self._outcomes:
            if value < bound:
                return name
        return self._outcomes[-1][1]

    def group_records(self, group: int) -> list[tuple[int, Record]]:
        """The rows of one message group, with their indices: a group is the
        row at index ``group`` and possibly the next (a second recipient part)."""
        return [
            (index, record)
            for index in (group, group + 1)
            if index < self.size and (record := self.record(index)).group == group
        ]

    def find_in_group(
        self, low48: int | None, key: int, matches: Callable[[Record], bool]
    ) -> list[int]:
        """The rows of the group an id encodes (``low48``, scrambled with ``key``:
        decoded, not scanned) that ``matches`` accepts; none for an id that
        decodes to nothing."""
        if low48 is None:
            return []
        group = ids.unscramble(low48, key)
        return [index for index, record in self.group_records(group) if matches(record)]

    def record(self, index: int) -> Record:
        """Build record ``index`` (0 is the oldest, ``size - 1`` the newest)."""
        if not 0 <= index < self.size:
            raise IndexError(index)
        own = self._values(index)
        cont, created = self._placement(index)
        group = index - 1 if cont else index
        msg = self._values(group) if cont else own
        hostile = group % HOSTILE_PERIOD == 3

        sender = SENDERS[msg[1] % len(SENDERS)]
        recipients = [self._address(own[2], own[3])]
        extra = own[5] % 100
        if self._multi_address and extra < 12:
            recipients.append(self._address(own[6], own[7]))
            if extra < 4:
                recipients.append(self._address(own[8], own[9]))
        rtype_roll = own[10] % 100
        if cont:
            rtype = "to" if rtype_roll < 40 else "cc" if rtype_roll < 80 else "bcc"
        else:
            rtype = "to" if rtype_roll < 92 else "cc" if rtype_roll < 97 else "bcc"
        subject_no = 10_000 + msg[12] % 90_000
        if hostile:
            subject = HOSTILE_TEXTS[(group // HOSTILE_PERIOD) % len(HOSTILE_TEXTS)]
            template = subject
        else:
            subject = _SUBJECTS[msg[11] % len(_SUBJECTS)].format(n=subject_no, w=msg[12] % 52 + 1)
            template = "" if msg[13] % 10 < 4 else _TEMPLATES[msg[13] % len(_TEMPLATES)]
        campaign = "" if msg[14] % 10 < 3 else _CAMPAIGNS[msg[14] % len(_CAMPAIGNS)]
        mail_type = "MKT" if sender.startswith("news@") or msg[15] % 10 < 2 else "TXN"

        outcome = self._pick_outcome(own[0])
        live = self.live if index >= self.initial_size else None
        # A live record's outcome lies ahead of it; the data's others are complete by `now`.
        horizon = self.now_us if live is None else _NO_HORIZON
        done: int | None = None
        if outcome in _DONE:
            done = self._after(created, _MAX_DELIVERY_DELAY_US, own[18], horizon)
            if outcome == "expired":
                done = self._after(created, 48 * 3_600_000_000, own[18], horizon)
        error_code = error_message = ""
        if outcome in _ERRORS:
            choices = _ERRORS[outcome]
            error_code, error_message = choices[own[17] % len(choices)]
            error_message = error_message.replace("{rcpt}", recipients[0])
        opens: tuple[TrackEvent, ...] = ()
        clicks: tuple[TrackEvent, ...] = ()
        if outcome in _OPENED and done is not None:
            delays = (
                (_MAX_EVENT_DELAY_US, 600_000_000, self.now_us)
                if live is None
                else (LIVE_OPEN_DELAY_US, LIVE_CLICK_DELAY_US, _NO_HORIZON)
            )
            opens, clicks = self._events(index, done, outcome == "clicked", subject_no, *delays)
        last_event = max((e.at_us for e in opens + clicks), default=0)
        record = Record(
            index=index,
            group=group,
            part=2 if cont else 1,
            created_us=created,
            sender=sender,
            recipients=tuple(recipients),
            recipient_type=rtype,
            subject=subject,
            template=template,
            campaign=campaign,
            mail_type=mail_type,
            priority="high" if msg[16] % 10 == 0 else "normal",
            outcome=outcome,
            done_us=done,
            updated_us=max(created, done or 0, last_event),
            error_code=error_code,
            error_message=error_message,
            opens=opens,
            clicks=clicks,
            draw=(own[20] << 16) | own[21],
            group_tag=(msg[22] << 16) | msg[23],
            tag=(own[22] << 16) | own[23],
            hostile=hostile,
        )
        return record if live is None else live.as_seen(record, self._pending_outcome)

    def _address(self, name_value: int, domain_value: int) -> str:
        # A small address space so that recipient filters match several records.
        name = _NAMES[name_value % len(_NAMES)]
        return f"{name}.{name_value % 50}@{DOMAINS[domain_value % len(DOMAINS)]}"

    def _after(self, base_us: int, max_delay_us: int, value: int, horizon_us: int) -> int:
        # Never past the horizon (`now`, but for live records): a record created a
        # second ago was delivered within that second.
        room = max(0, min(max_delay_us, horizon_us - base_us))
        return base_us + room * value // 65536

    def _events(
        self,
        index: int,
        done_us: int,
        clicked: bool,
        number: int,
        open_delay_us: int,
        click_delay_us: int,
        horizon_us: int,
    ) -> tuple[tuple[TrackEvent, ...], tuple[TrackEvent, ...]]:
        digest = hashlib.blake2b(index.to_bytes(8, "big"), key=self._event_key).digest()
        ev = struct.unpack(">32H", digest)
        opens = []
        at = done_us
        for k in range(1 + ev[0] % 3):
            at = self._after(at, open_delay_us // (k + 1), ev[1 + k], horizon_us)
            opens.append(self._event(at, ev[4 + k], ""))
        clicks = []
        if clicked:
            for k in range(1 + ev[8] % 2):
                at = self._after(at, click_delay_us, ev[9 + k], horizon_us)
                url = _URLS[ev[11 + k] % len(_URLS)].format(n=number)
                clicks.append(self._event(at, ev[13 + k], url))
        return tuple(opens), tuple(clicks)

    @staticmethod
    def _event(at_us: int, value: int, url: str) -> TrackEvent:
        ip = f"{_IP_PREFIXES[value % 3]}{1 + (value >> 2) % 254}"
        return TrackEvent(at_us, USER_AGENTS[(value >> 10) % len(USER_AGENTS)], ip, url)
