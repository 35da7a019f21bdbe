"""Constants and helpers shared by the sandbox tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maillogs.providers.edith.spec import DEMO_TOKEN as EDITH_TOKEN
from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_API_KEY as KALEYRA_API_KEY

NOW = datetime(2024, 5, 10, 12, 0, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"
KALEYRA = {"api-key": KALEYRA_API_KEY}
EDITH = {"Authorization": f"Bearer {EDITH_TOKEN}"}
INFOBIP = {"Authorization": f"App {INFOBIP_API_KEY}"}
KALEYRA_LOGS = "/v1/DEMO-SID/email/logs"


def fixture_json(name: str) -> Any:
    """A documented payload copied from the provider docs."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeClock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now
