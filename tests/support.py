"""Test support: documented provider payloads and ready-made profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maillogs.profiles.model import Profile

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    """A provider's documented payload, exactly as the docs show it."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


SECRETS = {
    "kaleyra": {"sid": "SID123", "api_key": "CANARY-KALEYRA-KEY-0001"},
    "edith": {"token": "CANARY-EDITH-TOKEN-0002"},
    "infobip": {"api_key": "CANARY-INFOBIP-KEY-0003", "api_version": "4"},
}
BASE_URLS = {
    "kaleyra": "https://api.kaleyra.io",
    "edith": "https://api.sparrowmailer.com",
    "infobip": "https://xyz123.api.infobip.com",
}


def make_profile(provider: str, name: str | None = None, **overrides: Any) -> Profile:
    settings = {**SECRETS[provider], **overrides.pop("settings", {})}
    return Profile(
        name=name or f"test-{provider}",
        provider=provider,
        base_url=overrides.pop("base_url", BASE_URLS[provider]),
        timezone=overrides.pop("timezone", "UTC"),
        settings=settings,
        rate_limit_per_minute=overrides.pop("rate_limit_per_minute", 0.0),
        timeout=5.0,
        **overrides,
    )
