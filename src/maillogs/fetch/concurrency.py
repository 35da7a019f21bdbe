"""Run several page streams at once while yielding their pages in order.

Each stream is an independent sequential walk (a Kaleyra page, an EDITH 7-day
window, an Infobip time window). Up to ``concurrency`` run in worker threads,
each reading a bounded amount ahead, while the caller reads the streams
strictly in order — so output order and streaming are preserved and memory
stays bounded by about ``concurrency x read-ahead``.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Generic, TypeVar

from maillogs.fetch.malloc import keep_large_buffers_returnable

T = TypeVar("T")
Stream = Callable[[], Iterable[T]]

_DONE = object()

# How long a thread may keep the GIL while another wants it (CPython's default
# is 5 ms). A page worker whose response has arrived needs the GIL to read it
# and send the next request, while the reading thread normalizes records
# without pause: a long interval leaves the worker, and the provider behind
# it, idle for most of each wait; switching more often costs little next to
# that (the numbers: benchmarks/README.md, "Numbers behind code comments").
_HANDOFF_INTERVAL_S = 0.001


@cache  # process-wide, like the allocator setting: once is enough
def hand_the_gil_over_sooner() -> None:
    """Shorten CPython's thread switch interval to ``_HANDOFF_INTERVAL_S`` (see above)."""
    sys.setswitchinterval(min(sys.getswitchinterval(), _HANDOFF_INTERVAL_S))


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Lane(Generic[T]):
    """One running stream: its worker thread reads ahead of the reader, a little.

    The worker asks its stream for the next item only while what the reader
    has not taken yet weighs less than ``budget`` (e.g. records): the lane
    being read fetches page N+1 while the reader works on page N, and memory
    stays bounded by about ``concurrency`` budgets, however long the walks.
    """

    def __init__(self, weigh: Callable[[T], int], budget: int) -> None:
        self.items: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.weigh = weigh
        self.budget = budget
        self.unread = 0
        self.changed = threading.Condition()

    def pump(self, stream: Stream[T], stop: threading.Event) -> None:
        try:
            for item in stream():
                with self.changed:
                    self.unread += self.weigh(item)
                self.items.put(item)
                if not self._wait_for_room(stop):
                    return
        except BaseException as error:  # re-raised in the reading thread
            self.items.put(_Failed(error))
            return
        self.items.put(_DONE)

    def _wait_for_room(self, stop: threading.Event) -> bool:
        with self.changed:
            while self.unread >= self.budget:
                # Poll so an abandoned reader (``--limit`` reached, Ctrl-C) frees the worker.
                if stop.is_set():
                    return False
                self.changed.wait(timeout=0.1)
        return True

    def drain(self) -> Iterator[T]:
        while True:
            item = self.items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            with self.changed:
                self.unread -= self.weigh(item)  # type: ignore[arg-type]
                self.changed.notify()
            yield item  # type: ignore[misc]


def _one(item: object) -> int:
    return 1


def run_ordered(
    streams: Iterable[Stream[T]],
    concurrency: int,
    *,
    weigh: Callable[[T], int] = _one,
    read_ahead: int = 1,
) -> Generator[T, None, None]:
    """Yield every item of every stream, streams in order, items in order.

    Streams are started lazily, at most ``concurrency`` at a time; the first
    error raised by a stream is re-raised here when its turn comes. Each
    running stream reads ahead until its unread items ``weigh`` ``read_ahead``.
    """
    if concurrency <= 1:
        for stream in streams:
            yield from stream()
        return
    keep_large_buffers_returnable()
    source = iter(streams)
    stop = threading.Event()
    lanes: deque[_Lane[T]] = deque()
    hand_the_gil_over_sooner()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="maillogs-page") as pool:

        def start_next() -> None:
            stream = next(source, None)
            if stream is not None:
                lane: _Lane[T] = _Lane(weigh, read_ahead)
                pool.submit(lane.pump, stream, stop)
                lanes.append(lane)

        try:
            for _ in range(concurrency):
                start_next()
            while lanes:
                yield from lanes[0].drain()
                lanes.popleft()
                start_next()
        finally:
            stop.set()
