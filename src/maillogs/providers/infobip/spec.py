"""Infobip: what the rest of maillogs knows about it (plain data, cheap to import)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from maillogs.providers.specs import ProviderSpec, SandboxSpec

# The demo account the sandbox serves (public on purpose: synthetic data only).
DEMO_API_KEY: Final = "demo-infobip-key"
# Documented (x-throttling-info): v1 60 requests a minute, v4 120.
RATE_LIMITS: Final = {"1": 60, "4": 120}

SPEC: Final = ProviderSpec(
    name="infobip",
    title="Infobip",
    adapter_path="maillogs.providers.infobip.adapter:InfobipAdapter",
    required_keys=("api_key",),
    secret_keys=("api_key",),
    # Per account (https://XXXXX.api.infobip.com): must be configured.
    default_base_url=None,
    key_help={"api_key": "API key.", "api_version": "API version of the logs endpoint."},
    optional_keys={"api_version": "4"},
    # The two documented APIs: /email/1/logs and /email/4/logs.
    key_choices={"api_version": ("1", "4")},
    rate_limits_by=("api_version", RATE_LIMITS),
    settings_doc="API key (`Authorization: App …`) and `4` or `1`",
    id_label="Infobip messageId",
    demo_settings={"api_key": DEMO_API_KEY, "api_version": "4"},
    # Documented: "Email logs are available for the last 48 hours."
    retention=timedelta(hours=48),
    sandbox=SandboxSpec(
        emulator_path="maillogs.providers.infobip.emulator:build",
        route="/email",
        # Infobip keeps 48 hours: the data stops an hour short of the
        # retention edge, so every record stays reachable.
        span=timedelta(hours=47),
        outcomes=(
            ("accepted", 2),
            ("pending", 6),
            ("delivered", 70),
            ("bounced", 10),
            ("dropped", 3),
            ("rejected_policy", 4),
            ("rejected_system", 2),
            ("expired", 3),
        ),
    ),
)
