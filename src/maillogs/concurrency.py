"""Run several page streams at once while yielding their pages in order.

Each stream is an independent sequential walk (a Kaleyra page, an EDITH 7-day
window, an Infobip time window). Up to ``concurrency`` run in worker threads,
each pushing pages into a small bounded queue, while the caller reads the
streams strictly in order — so output order and streaming are preserved and
memory stays bounded by ``concurrency x buffer x page size``.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
Stream = Callable[[], Iterable[T]]

_BUFFERED_PAGES = 4
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Lane(Generic[T]):
    """One running stream: its worker thread feeds, the reader drains in order."""

    def __init__(self) -> None:
        self.items: queue.Queue[object] = queue.Queue(maxsize=_BUFFERED_PAGES)

    def pump(self, stream: Stream[T], stop: threading.Event) -> None:
        try:
            for item in stream():
                if not self._put(item, stop):
                    return
        except BaseException as error:  # re-raised in the reading thread
            self._put(_Failed(error), stop)
            return
        self._put(_DONE, stop)

    def _put(self, item: object, stop: threading.Event) -> bool:
        # Poll so an abandoned reader (``--limit`` reached, Ctrl-C) frees the worker.
        while not stop.is_set():
            try:
                self.items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def drain(self) -> Iterator[T]:
        while True:
            item = self.items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]


def run_ordered(streams: Iterable[Stream[T]], concurrency: int) -> Iterator[T]:
    """Yield every item of every stream, streams in order, items in order.

    Streams are started lazily, at most ``concurrency`` at a time; the first
    error raised by a stream is re-raised here when its turn comes.
    """
    if concurrency <= 1:
        for stream in streams:
            yield from stream()
        return
    source = iter(streams)
    stop = threading.Event()
    lanes: deque[_Lane[T]] = deque()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="maillogs-page") as pool:

        def start_next() -> None:
            stream = next(source, None)
            if stream is not None:
                lane: _Lane[T] = _Lane()
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
