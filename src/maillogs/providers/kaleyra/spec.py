"""Kaleyra: what the rest of maillogs knows about it (plain data, cheap to import)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from maillogs.providers.specs import ProviderSpec, SandboxKnob, SandboxSpec

# The demo account the sandbox serves (public on purpose: synthetic data only).
DEMO_SID: Final = "DEMO-SID"
DEMO_API_KEY: Final = "demo-kaleyra-key"

SPEC: Final = ProviderSpec(
    name="kaleyra",
    title="Kaleyra",
    adapter_path="maillogs.providers.kaleyra.adapter:KaleyraAdapter",
    required_keys=("sid", "api_key"),
    secret_keys=("api_key",),
    default_base_url="https://api.kaleyra.io",
    key_help={"sid": "Account SID.", "api_key": "API key."},
    # Documented: "The date is considered according to the time zone of the user account."
    needs_account_zone=True,
    settings_doc="account SID (in the URL path) and API key (`api-key` header)",
    id_label="Kaleyra message_id",
    demo_settings={"sid": DEMO_SID, "api_key": DEMO_API_KEY},
    sandbox=SandboxSpec(
        emulator_path="maillogs.providers.kaleyra.emulator:build",
        route="/v1",
        span=timedelta(days=10),
        outcomes=(
            ("accepted", 6),
            ("delivered", 48),
            ("opened", 22),
            ("bounced", 9),
            ("deferred", 4),
            ("failed", 4),
            ("blocked", 4),
            ("suppressed", 3),
        ),
        # A row lists up to three addresses, as Kaleyra's documented rows do.
        multi_address_rows=True,
        knobs=(
            SandboxKnob(
                name="kaleyra_timezone",
                option="--kaleyra-timezone",
                default="UTC",
                help="IANA time zone of the Kaleyra account.",
                metavar="ZONE",
                # The printed profile must name the zone the account is on.
                snippet_argument="account_timezone",
            ),
        ),
    ),
)
