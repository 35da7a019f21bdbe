"""The emulator: routes a request to the right provider and injects faults.

:meth:`Emulator.handle` touches no socket and no clock except the one given in
the config, so the in-process transport and the loopback server share it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from maillogs.providers.registry import PROVIDERS, SandboxKnob, SandboxSpec
from maillogs.sandbox.dataset import Dataset
from maillogs.sandbox.faults import Arrivals, FaultPlan
from maillogs.sandbox.protocol import ProviderApi, Request, SandboxResponse, json_response

_GATEWAY_PAGES = {
    502: b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>\n",
    503: b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\n",
}


def sandbox_knobs() -> dict[str, SandboxKnob]:
    """Every registered provider's emulator settings, by name."""
    return {
        knob.name: knob
        for spec in PROVIDERS.values()
        if spec.sandbox is not None
        for knob in spec.sandbox.knobs
    }


T = TypeVar("T", str, int, float, bool)


@dataclass(frozen=True, init=False)
class EmulatorConfig:
    """How to build an :class:`Emulator`.

    Args:
        records: records per provider (EDITH: recipient rows).
        seed: the same seed gives the same data, ids and fault draws.
        now: the end of the data's time span (aware); defaults to the real UTC
            time at construction, truncated to the second.
        faults: which faults to inject, and the latency.
        clock: epoch seconds, for page-token ages and rate limits (tests pass
            a fake one).
        spans: per-provider time span overrides (e.g. an Infobip span longer
            than its 48-hour retention, to see the retention at work).
        arrivals: new mail arriving while the emulator runs (every provider).
        sleep: how a request waits its jitter before it is read (tests may
            pass a fake one).
        knobs: each provider's own emulator settings, by the names its spec
            declares (``SandboxSpec.knobs``, e.g. ``token_ttl_s=60``); one not
            given has its declared default.
    """

    records: int
    seed: int
    now: datetime | None
    faults: FaultPlan
    clock: Callable[[], float]
    spans: Mapping[str, timedelta]
    arrivals: Arrivals | None
    sleep: Callable[[float], None]
    knobs: Mapping[str, str | int | float | bool]

    def __init__(
        self,
        *,
        records: int = 500,
        seed: int = 7,
        now: datetime | None = None,
        faults: FaultPlan | None = None,
        clock: Callable[[], float] = time.time,
        spans: Mapping[str, timedelta] | None = None,
        arrivals: Arrivals | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **knobs: object,
    ) -> None:
        declared = sandbox_knobs()
        unknown = sorted(set(knobs) - set(declared))
        if unknown:
            raise TypeError(f"EmulatorConfig has no setting {', '.join(unknown)}")
        values = {
            name: knob.convert(knobs.get(name, knob.default)) for name, knob in declared.items()
        }
        # Frozen: set once here, as the generated __init__ of a frozen dataclass does.
        for name, value in (
            ("records", records),
            ("seed", seed),
            ("now", now),
            ("faults", faults or FaultPlan()),
            ("clock", clock),
            ("spans", spans or {}),
            ("arrivals", arrivals),
            ("sleep", sleep),
            ("knobs", values),
        ):
            object.__setattr__(self, name, value)

    def knob(self, name: str, kind: type[T]) -> T:
        """The value of a provider's emulator setting ``name`` (declared in its spec)."""
        value = self.knobs[name]
        if not isinstance(value, kind):
            raise TypeError(f"{name} is a {type(value).__name__}, not a {kind.__name__}")
        return value


class Emulator:
    """Every registered provider's log API over one synthetic dataset each."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        if self.config.records < 1:
            raise ValueError("records must be at least 1")
        now = self.config.now or datetime.now(UTC).replace(microsecond=0)
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.now = now.astimezone(UTC)
        emulated: dict[str, SandboxSpec] = {
            name: spec.sandbox for name, spec in PROVIDERS.items() if spec.sandbox is not None
        }
        self.datasets = {
            name: Dataset(
                self.config.seed,
                name,
                self.config.records,
                self.now,
                self.config.spans.get(name),
            )
            for name in emulated
        }
        self.apis: dict[str, ProviderApi] = {
            name: sandbox.load_emulator()(self.datasets[name], self.config)
            for name, sandbox in emulated.items()
        }
        # Longest prefix first, so that a provider under another's prefix wins.
        self._routes = sorted(emulated.items(), key=lambda item: -len(item[1].route))
        self._count_lock = threading.Lock()
        self._count = 0
        self._reads = 0
        self._arrived = 0
        self._started = self.config.clock()

    def __getattr__(self, name: str) -> Any:
        """One provider's API view by name (``emulator.<provider>``), for tests."""
        apis: dict[str, ProviderApi] = self.__dict__.get("apis", {})
        if name in apis:
            return apis[name]
        raise AttributeError(name)

    @property
    def request_count(self) -> int:
        """How many requests have been handled (faulty ones included)."""
        with self._count_lock:
            return self._count

    def handle(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
    ) -> SandboxResponse:
        """Answer one request.

        Args:
            method: HTTP method.
            path: URL path, percent-decoded, without the query.
            query: decoded query pairs in order (repeats kept).
            headers: request headers (any case).

        Returns:
            The response; ``drop`` and ``delay_s`` tell the transport to close
            the connection without answering and how long to wait first.
        """
        with self._count_lock:
            self._count += 1
            number = self._count
        plan = self.config.faults
        fault = plan.decide(number)
        delay = plan.latency_ms / 1000
        if fault == "drop":
            return SandboxResponse(0, drop=True, delay_s=delay)
        wait = plan.jitter_s(method.upper(), path, query)
        if wait:
            self.config.sleep(wait)
        self._let_mail_arrive()
        request = Request(
            method=method.upper(),
            path=path,
            query=list(query),
            headers={k.lower(): v for k, v in headers.items()},
            expire_token=fault == "expire",
        )
        response = self._answer(request, fault)
        response.delay_s = delay
        return response

    @property
    def arrived(self) -> int:
        """How many records have arrived per provider since the emulator started."""
        with self._count_lock:
            return self._arrived

    def _let_mail_arrive(self) -> None:
        """Add the records due by now, before the request that is being read sees the data."""
        arrivals = self.config.arrivals
        if arrivals is None:
            return
        with self._count_lock:
            self._reads += 1
            due = arrivals.due(self.config.clock() - self._started, self._reads)
            fresh, self._arrived = due - self._arrived, max(due, self._arrived)
            if fresh > 0:
                for dataset in self.datasets.values():
                    dataset.arrive(fresh)

    def _answer(self, request: Request, fault: str | None) -> SandboxResponse:
        api = self._route(request.path)
        if fault in ("502", "503"):
            status = int(fault)
            return SandboxResponse(status, {"Content-Type": "text/html"}, _GATEWAY_PAGES[status])
        if fault in ("429", "429ra", "500"):
            status = 500 if fault == "500" else 429
            if api is None:
                response = json_response(status, {"error": "injected fault"})
            else:
                response = api.error(request, status)
            if fault == "429ra":
                response.headers["Retry-After"] = "1"
            return response
        if api is None:
            return json_response(404, {"error": "not found"})
        response = api.handle(request)
        if fault == "malformed" and response.status == 200:
            # Cut the body in half: still 200 and JSON-typed, but unparseable.
            response.body = response.body[: len(response.body) // 2]
        return response

    def _route(self, path: str) -> ProviderApi | None:
        for name, sandbox in self._routes:
            if sandbox.routes(path):
                return self.apis[name]
        return None
