"""The repeat filter of ``maillogs tail``: what was already printed, for as long
as it can come back, and no longer.

Every poll re-reads the last ``--overlap`` (providers index late), so most of
what a poll returns was printed before. A record is a repeat when its
(provider, profile, message id, recipient, status) was printed: a status
change makes a new key, so it prints again with its new status.

A record only comes back while its submission time lies inside the window a
poll asks for, and that window only moves forward; so a key can be forgotten
as soon as its record's submission time falls before the current window's
start. Memory is then the number of records in one window (rate x overlap),
however long the tail runs.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from maillogs.core.models import LogRecord


def record_key(record: LogRecord) -> int:
    """One printed record's identity, as a small int.

    A hash rather than the tuple: an int costs the same whatever the length of
    the ids (a false repeat has a ~1e-15 chance per record, as in the engine).
    """
    return hash(
        (record.provider, record.profile, record.message_id, record.recipient, record.status)
    )


class RepeatFilter:
    """Keys of printed records, each forgotten once its record left the window."""

    def __init__(self) -> None:
        self._keys: set[int] = set()
        # (epoch second, the keys of records submitted then), oldest first: keys
        # are added in submission order, so forgetting pops from the left. A
        # late-indexed older record only waits for the bucket before it.
        self._buckets: deque[tuple[int, list[int]]] = deque()

    def __contains__(self, key: int) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: int, submitted_at: datetime) -> None:
        """Remember ``key`` until a window starts after ``submitted_at``."""
        if key in self._keys:
            return
        self._keys.add(key)
        second = int(submitted_at.timestamp())
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1].append(key)
        else:
            self._buckets.append((second, [key]))

    def forget_before(self, start: datetime) -> None:
        """Forget the keys of records submitted before ``start`` (a window's start)."""
        cutoff = int(start.timestamp())
        while self._buckets and self._buckets[0][0] < cutoff:
            for key in self._buckets.popleft()[1]:
                self._keys.discard(key)
