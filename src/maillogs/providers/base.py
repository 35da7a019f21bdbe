"""The adapter protocol every provider implements, and the logic they share.

An adapter translates a provider-neutral ``Query`` into its provider's
requests and turns the answers into ``LogRecord``s. It exposes its work as
*page streams* — independent sequential walks the engine may run
concurrently — and describes what it can filter natively for ``--explain`` and
``maillogs providers``. Adapters never decide exit codes or print: they raise
``maillogs.core.errors`` exceptions and report warnings through a callback.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from maillogs.core.errors import ProviderDataError, UsageError
from maillogs.core.models import LogRecord, StatusScope
from maillogs.core.notices import Notice
from maillogs.core.query import Query
from maillogs.core.statuses import Status, StatusAlias
from maillogs.fetch.http import Endpoint, HttpClient, Params
from maillogs.fetch.paging import (
    CursorPaginator,
    PageInfo,
    StallGuard,
    Window,
    windows_newest_first,
)
from maillogs.providers.registry import ProviderSpec, get_spec

if TYPE_CHECKING:
    from maillogs.profiles.model import Profile

Page = list[LogRecord]


class PendingPage:
    """A fetched page whose rows are normalized only when it is called.

    Streams run in worker threads and only fetch; the engine's reading thread
    normalizes, so normalizing one page overlaps with waiting for the
    provider's next one. ``len`` is the number of raw rows (what the page
    costs in memory while it waits to be read).
    """

    __slots__ = ("_normalize", "_rows")

    def __init__(self, rows: int, normalize: Callable[[], Page]) -> None:
        self._rows = rows
        self._normalize = normalize

    def __len__(self) -> int:
        return self._rows

    def __call__(self) -> Page:
        return self._normalize()


# One independent sequential walk; the engine may run several at once.
Stream = Callable[[], Iterator[PendingPage]]


@dataclass(frozen=True)
class Capabilities:
    """What a provider does natively, for ``--explain`` and ``maillogs providers``."""

    native: Mapping[str, str]
    local: tuple[str, ...]
    unsupported: tuple[str, ...]
    pagination: str
    page_size: str
    rate_limit: str
    retention: str
    notes: tuple[str, ...] = ()


@dataclass
class Plan:
    """How one profile will answer a query; building it sends nothing."""

    profile: str
    provider: str
    # The first request of each walk, for --explain (later pages depend on answers).
    requests: list[tuple[str, Params]] = field(default_factory=list)
    # Lazy: iterating may send requests (e.g. Kaleyra's page 1 to learn the total).
    streams: Iterable[Stream] = ()
    native: list[str] = field(default_factory=list)
    local: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The provider-side filters every request of this plan carries.
    filter_params: list[tuple[str, str]] = field(default_factory=list)
    # The most rows one request brings, when fixed: with a --limit, the engine
    # runs no more pages at once than that many records could need.
    page_rows: int | None = None

    def filter_natively(self, option: str, name: str, value: str, how: str = "") -> None:
        """Have the provider filter: ``option``'s value goes out as ``name``.

        The pair is recorded for --explain too, so the two never disagree.
        """
        self.filter_params.append((name, value))
        self.native.append(f"{option} -> {name}{how}")


@dataclass(frozen=True)
class NativeStats:
    """A provider's own per-day counters, as ``maillogs stats`` can use them."""

    # Names the source in output (``source`` key), e.g. ``kaleyra-stats``.
    source: str
    # ``events`` when one message may count under several statuses.
    counts: str
    # The canonical statuses the counters measure; the others are unknown, not zero.
    measured: frozenset[Status]


@dataclass(frozen=True)
class DailyCounts:
    """One day of a provider's own counters, in the account's time zone."""

    day: date
    # Canonical status value -> count; undocumented metrics keep their own name.
    counts: Mapping[str, int]
    # The count the rates are relative to (e.g. messages accepted that day).
    total: int


@dataclass(frozen=True)
class RecipientState:
    """Where one message stands for one recipient (``maillogs show``)."""

    recipient: str | None
    status: Status
    provider_status: str | None
    delivered_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    # The provider's last change to this recipient's state (a bounce's time too).
    updated_at: datetime | None = None
    # "message" when only the message's status is known (LogRecord.status_scope).
    status_scope: StatusScope = "recipient"


@dataclass(frozen=True)
class TrackEvent:
    """One open or click of a message, as the provider tracked it."""

    kind: str
    at: datetime | None
    recipient: str | None
    url: str | None = None
    user_agent: str | None = None
    ip: str | None = None


@dataclass
class MessageDetail:
    """Everything one profile knows about one message id (``maillogs show``)."""

    message_id: str
    records: list[LogRecord]
    recipients: list[RecipientState]
    events: list[TrackEvent] = field(default_factory=list)
    # Provider-specific facts, JSON-ready (Infobip's status/error/price objects...).
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        """True when the provider knows the message at all."""
        return bool(self.records or self.recipients)


class Adapter(ABC):
    """Base class of the provider adapters (see module docstring)."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    # Native status value -> the canonical statuses it can stand for.
    status_coverage: ClassVar[Mapping[str, frozenset[Status]]]
    # Native status groups that a --status word of the same name selects
    # exactly (see ``StatusAlias``): Infobip's general statuses; none elsewhere.
    native_groups: ClassVar[frozenset[str]] = frozenset()
    # Query parameters the adapter sets itself (pagination, dates): --param
    # must not override them, or a walk could silently skip or repeat pages.
    managed_params: ClassVar[frozenset[str]] = frozenset()
    # The provider's own daily counters, when it has an endpoint for them.
    native_stats: ClassVar[NativeStats | None] = None
    # `show` looks a message id up in windows of `lookup_step` back to
    # `lookup_horizon`, for providers that search only recent days by default.
    lookup_horizon: ClassVar[timedelta | None] = None
    # The provider's own error text from a parsed error body (read through the
    # class, never an instance, so a plain function stays unbound).
    error_text: ClassVar[Callable[[Any], str | None]]
    # What to check when the provider refuses the credentials.
    auth_hint: ClassVar[str]
    # True for a 2xx body that still reports a failure; None when none can.
    reports_failure: ClassVar[Callable[[Any], bool] | None] = None
    lookup_step: ClassVar[timedelta | None] = None

    def __init__(
        self,
        profile: Profile,
        http: HttpClient,
        *,
        now: datetime | None = None,
        keep_raw: bool = False,
    ) -> None:
        self.profile = profile
        self.http = http
        self.now = now or datetime.now(UTC)
        # The raw provider row costs memory and time; keep it only when shown.
        self.keep_raw = keep_raw
        # The account zone, resolved once: adapters read it for every row.
        self.tz: tzinfo = profile.tz
        # For progress: rows fetched so far, and how many the query matches
        # when the provider says (Kaleyra's total after page 1).
        self.rows_fetched = 0
        self.rows_expected: int | None = None

    @classmethod
    def spec(cls) -> ProviderSpec:
        return get_spec(cls.name)

    @classmethod
    @abstractmethod
    def auth_headers(cls, profile: Profile) -> dict[str, str]:
        """The headers that authenticate ``profile``'s requests."""

    @classmethod
    def endpoint(cls, profile: Profile) -> Endpoint:
        """Base URL, auth headers and error parsing for ``profile``."""
        return Endpoint(
            provider_title=cls.spec().title,
            profile=profile.name,
            base_url=profile.base_url,
            headers=cls.auth_headers(profile),
            secrets=profile.secrets,
            error_text=cls.error_text,
            auth_hint=cls.auth_hint,
            reports_failure=cls.reports_failure,
        )

    @classmethod
    def status_mapping(cls) -> list[tuple[str, Status]]:
        """Native status -> canonical, for ``maillogs statuses`` and the README."""
        return [
            (native, status)
            for native, covered in cls.status_coverage.items()
            for status in sorted(covered)
        ]

    @classmethod
    def logged_statuses(cls) -> frozenset[Status]:
        """Every canonical status this provider's log records can carry: the
        others are not measured (``stats`` shows null, not 0)."""
        return frozenset(status for _, status in cls.status_mapping()) | {Status.UNKNOWN}

    @abstractmethod
    def plan(self, query: Query, warn: Callable[[str], None]) -> Plan:
        """Translate ``query`` into page streams (nothing is sent yet).

        Start from :meth:`new_plan`. The engine calls it only when
        :meth:`can_match` (some status asked for is one the provider reports).
        """

    # ---- optional hooks: statistics and message detail -------------------

    def daily_counts(self, first: date, last: date) -> Iterator[DailyCounts]:
        """The provider's own counters for each day of ``[first, last]`` (account zone).

        Only adapters with ``native_stats`` implement it; days without mail may
        be left out.

        Raises:
            UsageError: when the provider has no such counters.
        """
        raise UsageError(f"{self.spec().title} has no statistics endpoint; aggregate from logs")

    def lookup_windows(self) -> list[tuple[datetime | None, datetime | None]]:
        """``(since, until)`` windows to search a message id in, newest first.

        One unbounded search by default; adapters with a lookup horizon step
        back through it (the caller stops at the first window with a hit).
        """
        if self.lookup_horizon is None or self.lookup_step is None:
            return [(None, None)]
        windows = windows_newest_first(self.now - self.lookup_horizon, self.now, self.lookup_step)
        return [(window.start, window.end) for window in windows]

    def describe_message(self, message_id: str, records: list[LogRecord]) -> MessageDetail:
        """Everything known about ``message_id`` given its log ``records``.

        By default each record is one recipient's state; adapters add what
        their API tells beyond the log rows (per-recipient detail, events).
        """
        return MessageDetail(
            message_id=message_id, records=records, recipients=record_states(records)
        )

    # ---- shared helpers -------------------------------------------------

    def can_match(self, query: Query) -> bool:
        """False when no native status can map to any status asked for, so
        the provider need not be asked at all."""
        if not query.statuses or Status.UNKNOWN in query.statuses:
            # Any provider may send a value maillogs cannot map: always ask.
            return True
        return any(covered & query.statuses for covered in self.status_coverage.values())

    def native_status(self, query: Query) -> str | None:
        """The single native status value that covers every record the query
        can match, or None when the status filter must run locally only."""
        if not query.statuses or Status.UNKNOWN in query.statuses:
            # No native value selects the values nobody documented.
            return None
        candidates = {native for term in query.status_words() for native in self._natives(term)}
        return candidates.pop() if len(candidates) == 1 else None

    def _natives(self, term: StatusAlias) -> set[str]:
        """The native status values whose records ``term`` can select."""
        if term.native_group in self.native_groups:
            return {term.native_group}
        return {n for n, covered in self.status_coverage.items() if covered & term.statuses}

    def native_group(self, record: LogRecord) -> str | None:
        """The native status group of ``record``, for adapters with ``native_groups``."""
        return self.status_group(record.provider_status)

    @classmethod
    def status_group(cls, provider_status: str | None) -> str | None:
        """The native status group of a record whose ``provider_status`` this is
        (a class method: the archive's offline queries ask it without an adapter)."""
        return None

    def select_native_groups(
        self, streams: Iterable[Stream], query: Query, plan: Plan
    ) -> Iterable[Stream]:
        """``streams`` keeping only what --status words naming a native group select.

        ``Query.matches`` checks canonical statuses only: ``rejected`` lets
        every blocked and failed record through, but on Infobip it means the
        REJECTED records (an UNDELIVERABLE one dropped by policy is blocked
        too, and is not one). Unchanged when no word names one of our groups.
        """
        terms = query.status_words()
        groups = [t.native_group for t in terms if t.native_group in self.native_groups]
        if not groups:
            return streams
        plan.local.append(f"status group {', '.join(map(str, groups))}")

        def selected(record: LogRecord) -> bool:
            group = self.native_group(record)
            return any(
                group == term.native_group
                if term.native_group in self.native_groups
                else record.status in term.statuses
                for term in terms
            )

        # Lazy, as ``streams`` may be (building one may send a request).
        return (_only_records(stream, selected) for stream in streams)

    def warn_unreachable(
        self,
        warn: Callable[[str], None],
        reason: str,
        earliest: datetime,
        remedy: str = "",
        *,
        once: bool = False,
    ) -> None:
        """One warning line: records sent before ``earliest`` will not come back.

        Shared by every limit on how far back a provider answers (Infobip's
        48-hour retention, EDITH's 7 days when no date is given), so they
        all read alike: the reason, the instant, the profile, the way out.
        ``once`` makes it a :class:`Notice`, said once per config: for a limit
        people meet on every ordinary query (a retention), not for one that
        quietly changes what "everything" means in this run.
        """
        text = (
            f"{reason}: nothing sent before {earliest.isoformat(timespec='seconds')} "
            f"can be returned for profile {self.profile.name!r}" + (f"; {remedy}" if remedy else "")
        )
        warn(Notice(text, key=f"unreachable:{self.profile.name}:{reason}") if once else text)

    def new_plan(self, query: Query) -> Plan:
        """An empty plan, after refusing --param names the adapter manages.

        Raises:
            UsageError: naming the parameter and the option to use instead.
        """
        for name, _ in query.params:
            if name in self.managed_params:
                raise UsageError(
                    f"--param {name}: maillogs sets {name} itself for {self.spec().title} "
                    "(pagination and dates); use --since/--until/--range for dates"
                )
        plan = Plan(profile=self.profile.name, provider=self.name)
        if not self.can_match(query):
            wanted = ", ".join(sorted(s.value for s in query.statuses))
            plan.notes.append(f"{self.spec().title} never reports {wanted}: nothing to ask")
        return plan

    def record(self, raw: dict[str, Any], **fields: Any) -> LogRecord:
        """Build a LogRecord stamped with this adapter's provider and profile.

        ``fields`` are already of their record types: adapters convert each
        provider value with the typed helpers below (text of anything, or an
        error ``parse_rows`` reports for what cannot be read), so nothing is
        validated here; the tests check every record built (``tests/conftest.py``).
        """
        return LogRecord(
            provider=self.name,
            profile=self.profile.name,
            raw=raw if self.keep_raw else None,
            **fields,
        )

    def walk_cursor(
        self,
        path: str,
        page_params: Callable[[str | None], Params],
        *,
        rows_key: str,
        next_token: Callable[[dict[str, Any]], Any],
        row_key: Callable[[Any], Hashable],
        after: tuple[list[Any], Any] | None = None,
    ) -> Iterator[list[Any]]:
        """Yield the rows of each page of a cursor walk until the provider sends
        no next token (EDITH ``nextPageToken``, Infobip ``cursor.nextCursor``)
        or an empty page; ``row_key`` tells a row read before from a new one,
        so that a server answering the same rows under fresh tokens is stopped.
        ``after``: the rows and next token of a first page read before, to go
        on from (None: from the top)."""
        paginator = CursorPaginator()
        stall = StallGuard(self.spec().title)
        if after is not None:
            first_rows, first_token = after
            stall.remember(first_rows, row_key)
            first_token = self._text_token(first_token, path, page_params(None))
            paginator.advance(PageInfo(len(first_rows), next_token=first_token))
        while not paginator.finished:
            params = page_params(paginator.current_value)
            body, rows = self.get_page(path, params, rows_key=rows_key)
            stall.check(rows, row_key, partial(self.http.describe, path, params))
            yield rows
            token = next_token(body) if isinstance(body, dict) else None
            paginator.advance(PageInfo(len(rows), next_token=self._text_token(token, path, params)))

    def _text_token(self, token: Any, path: str, params: Params) -> str | None:
        """A next-page token as sent, None for the end.

        Raises:
            ProviderDataError: when it is neither text nor null.
        """
        if token is not None and not isinstance(token, str):
            # Not the end (that is null) and not a token: stopping here
            # would cut the results short without a word.
            raise ProviderDataError(
                f"{self.spec().title} sent a next-page token that is not text: "
                f"{self.http.excerpt(token, 40)!r} [{self.http.describe(path, params)}]"
            )
        return token

    def get_page(self, path: str, params: Params, *, rows_key: str) -> tuple[Any, list[Any]]:
        """GET one page and return (body, rows), checking the rows are a list.

        Raises:
            ProviderDataError: when the body lacks the documented list of rows.
        """
        body = self.http.get_json(path, params)
        rows = body.get(rows_key) if isinstance(body, dict) else None
        if rows is None and isinstance(body, dict) and rows_key not in body:
            rows = []  # an empty result may omit the list entirely
        if not isinstance(rows, list):
            raise ProviderDataError(
                f"{self.spec().title} answered {self.http.describe(path, params)} without "
                f"a list under {rows_key!r}"
            )
        self.rows_fetched += len(rows)  # from page threads: a display count, races aside
        return body, rows

    def pending(
        self,
        rows: list[Any],
        parse: Callable[[dict[str, Any]], list[LogRecord]],
        window: Window | None = None,
    ) -> PendingPage:
        """``rows`` as a page normalized when called, keeping only records
        submitted inside ``window`` when one is given (windowed walks ask with
        inclusive bounds, so an edge record would otherwise come twice)."""

        def normalize() -> Page:
            page = self.parse_rows(rows, parse)
            if window is None:
                return page
            return [record for record in page if window.contains(record.submitted_at)]

        return PendingPage(len(rows), normalize)

    def parse_rows(
        self, rows: list[Any], parse: Callable[[dict[str, Any]], list[LogRecord]]
    ) -> Page:
        """Normalize rows, turning malformed ones into a clear data error."""
        page: Page = []
        for row in rows:
            if not isinstance(row, dict):
                raise ProviderDataError(
                    f"{self.spec().title} sent a log entry that is not an object: "
                    f"{self.http.excerpt(row, 80)!r}"
                )
            try:
                page.extend(parse(row))
            except (TypeError, ValueError, AttributeError) as exc:
                reason = (str(exc).splitlines() or [""])[0]
                raise ProviderDataError(
                    f"{self.spec().title} sent a log entry maillogs cannot read "
                    f"({type(exc).__name__}: {self.http.excerpt(reason)}): "
                    f"{self.http.excerpt(row)!r}"
                ) from None
        return page


def record_states(records: Iterable[LogRecord]) -> list[RecipientState]:
    """Each record as its recipient's state (what a log row tells of a recipient)."""
    return [
        RecipientState(
            recipient=record.recipient,
            status=record.status,
            provider_status=record.provider_status,
            delivered_at=record.delivered_at,
            error_code=record.error_code,
            error_message=record.error_message,
            updated_at=record.updated_at,
            status_scope=record.status_scope,
        )
        for record in records
    ]


def _only_records(stream: Stream, keep: Callable[[LogRecord], bool]) -> Stream:
    """``stream`` with each page keeping only the records ``keep`` accepts."""

    def walk() -> Iterator[PendingPage]:
        for page in stream():
            yield _kept(page, keep)

    return walk


def _kept(page: PendingPage, keep: Callable[[LogRecord], bool]) -> PendingPage:
    return PendingPage(len(page), lambda: [record for record in page() if keep(record)])


def one_status_each(statuses: Mapping[str, Status]) -> dict[str, frozenset[Status]]:
    """``status_coverage`` of a provider whose every native status means one canonical one."""
    return {native: frozenset({status}) for native, status in statuses.items()}


def adapter_class(spec: ProviderSpec) -> type[Adapter]:
    """The provider's adapter class, imported on first use."""
    adapter: type[Adapter] = spec.load_adapter()
    return adapter


def text_or_none(value: Any) -> str | None:
    """Provider strings with ``""`` meaning absent (Kaleyra) folded to None."""
    if type(value) is str:  # nearly always: no copy, no stripped copy
        return value if value and not value.isspace() else None
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def required_text(row: Mapping[str, Any], key: str) -> str:
    """A field a record cannot do without (its id), as text.

    Raises:
        ValueError: when it is missing or blank (``parse_rows`` reports the row).
    """
    value = text_or_none(row.get(key))
    if value is None:
        raise ValueError(f"{key} is missing")
    return value


def required_time(row: Mapping[str, Any], key: str) -> datetime:
    """The time that dates a row (RFC 3339). Windows keep only rows dated
    inside them, so an undated row would vanish without a word.

    Raises:
        ValueError: when it is missing (``parse_rows`` reports the row).
    """
    moment = parse_iso_time(row.get(key))
    if moment is None:
        raise ValueError(f"{key} is missing")
    return moment


def dated_by(key: str) -> Callable[[Any], datetime | None]:
    """A row's RFC 3339 time under ``key``, None when it has none that reads
    (cutting a walk by density must not fail on a row its page reports)."""

    def row_time(row: Any) -> datetime | None:
        try:
            return parse_iso_time(row.get(key)) if isinstance(row, dict) else None
        except ValueError:
            return None

    return row_time


def parse_iso_time(value: Any) -> datetime | None:
    """RFC 3339 / ISO 8601 with offset (``Z``, ``+00:00`` or ``+0000``) -> aware UTC."""
    if type(value) is str and value.endswith("Z"):
        # The commonest spelling (EDITH's), already UTC: nothing to strip or convert.
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None  # the full path below says what is wrong
        if parsed is not None and parsed.year in SAFE_YEARS:
            return parsed
    text = text_or_none(value)
    if text is None:
        return None
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no offset")
    return utc_in_range(parsed, text)


# The statuses of a mail that reached the recipient's mailbox: only these have a
# delivery time. A complaint or an unsubscribe comes after a delivery too.
REACHED_MAILBOX = frozenset(
    {Status.DELIVERED, Status.OPENED, Status.CLICKED, Status.COMPLAINED, Status.UNSUBSCRIBED}
)


def delivery_times(
    status: Status, answered_at: datetime | None, updated_at: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """``(delivered_at, updated_at)`` of a record whose provider dated its outcome ``answered_at``.

    Providers fill their "delivered" time whenever the receiving side answered —
    Kaleyra's documented BOUNCE row carries a ``delivered_at`` — but a bounce has
    no delivery time. For a status outside :data:`REACHED_MAILBOX` the instant
    is the record's last known change instead: it becomes ``updated_at``, unless
    the provider's own ``updated_at`` is later.
    """
    if status in REACHED_MAILBOX:
        return answered_at, updated_at
    if answered_at is None or (updated_at is not None and updated_at >= answered_at):
        return None, updated_at
    return None, answered_at


# Years whose instants survive being moved by a day or an offset either way
# (windows, day boundaries, local-time display) without leaving datetime's range.
SAFE_YEARS = range(2, 9999)


def utc_in_range(moment: datetime, text: str) -> datetime:
    """An aware provider time in UTC, refused as malformed near datetime's limits.

    Year 1 or 9999 with an offset overflows in ``astimezone``; closer to the
    limits still, later arithmetic would. Both are bad data (``ValueError``,
    hence exit 65 naming the row), as any unreadable timestamp is.

    Raises:
        ValueError: The instant is outside years 2-9998.
    """
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or utc.year not in SAFE_YEARS:
        raise ValueError(f"timestamp {text!r} is out of range (years 2-9998)")
    return utc
