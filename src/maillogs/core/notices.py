"""Notices: warnings that are standing advice rather than news about this run.

"Infobip keeps email logs for 48 hours" is worth reading once; printed on
every ``stats`` it teaches people to ignore stderr, and then they miss the
warnings that matter (a provider's total shrinking mid-walk, a rate limit).
A notice is a warning with a stable key, so the command line can say it once
per config and stay quiet after (``-v`` repeats it). It stays a ``str``: every
``warn`` callback passes it on unchanged, whoever wraps it.
"""

from __future__ import annotations


class Notice(str):
    """A warning line with the key it is remembered by once shown.

    Attributes:
        key: Stable across runs (no times or counts in it): the same advice
            about the same profile has the same key.
    """

    key: str

    def __new__(cls, text: str, key: str) -> Notice:
        """Make the notice ``text`` remembered as ``key``."""
        notice = super().__new__(cls, text)
        notice.key = key
        return notice
