"""The Meltano Singer SDK's own tap tests, against the built-in demo profiles
(the sandbox emulator, served in process: no account, no socket)."""

from __future__ import annotations

import pytest
from singer_sdk.testing import get_tap_test_class

from maillogs.tap.tap import TapMaillogs

# `raw` is in the schema, as in `maillogs schema`, but only `maillogs list
# --raw` fills it: the tap's records are the default ones, without it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Fields in transformed catalog but not in records:UserWarning"
)

TestTapMaillogs = get_tap_test_class(
    TapMaillogs, config={"profiles": ["demo"], "start_date": "2000-01-01T00:00:00Z"}
)
