"""EDITH: what the rest of maillogs knows about it (plain data, cheap to import)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from maillogs.providers.specs import ProviderSpec, SandboxKnob, SandboxSpec

# The demo account the sandbox serves (public on purpose: synthetic data only).
DEMO_TOKEN: Final = "demo-edith-token"  # noqa: S105 - public demo token, see above

SPEC: Final = ProviderSpec(
    name="edith",
    title="EDITH",
    adapter_path="maillogs.providers.edith.adapter:EdithAdapter",
    required_keys=("token",),
    secret_keys=("token",),
    default_base_url="https://api.sparrowmailer.com",
    key_help={"token": "API token."},
    settings_doc="bearer token",
    id_label="EDITH refId",
    demo_settings={"token": DEMO_TOKEN},
    sandbox=SandboxSpec(
        emulator_path="maillogs.providers.edith.emulator:build",
        route="/v1/email",
        span=timedelta(days=10),
        outcomes=(
            ("queued", 3),
            ("sent", 5),
            ("delivered", 40),
            ("opened", 20),
            ("clicked", 10),
            ("bounced", 11),
            ("failed", 7),
            ("spam", 2),
            ("unsubscribed", 2),
        ),
        knobs=(
            SandboxKnob(
                name="token_ttl_s",
                option="--token-ttl",
                default=300.0,
                help="Seconds an EDITH page token stays valid.",
                metavar="SECONDS",
                minimum=0,
            ),
        ),
    ),
)
