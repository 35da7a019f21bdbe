"""The Meltano Singer SDK's own tap tests, against the built-in demo profiles
(the sandbox emulator, served in process: no account, no socket)."""

from __future__ import annotations

from singer_sdk.testing import get_tap_test_class

from maillogs.tap.tap import TapMaillogs

TestTapMaillogs = get_tap_test_class(
    TapMaillogs, config={"profiles": ["demo"], "start_date": "2000-01-01T00:00:00Z"}
)
