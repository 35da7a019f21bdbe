"""Following: ``maillogs tail``'s polling loop and its repeat filter."""

from __future__ import annotations

from maillogs.follow.follower import Ending, Follower, FollowSettings, Outcome, PollRetryBudget
from maillogs.follow.repeats import RepeatFilter, record_key

__all__ = [
    "Ending",
    "FollowSettings",
    "Follower",
    "Outcome",
    "PollRetryBudget",
    "RepeatFilter",
    "record_key",
]
