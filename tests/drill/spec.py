"""Stubmail: what the rest of maillogs knows about it (plain data)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from maillogs.providers.specs import ProviderSpec, SandboxKnob, SandboxSpec

DEMO_ACCOUNT: Final = "demo-account"
DEMO_TOKEN: Final = "demo-stubmail-token"

SPEC: Final = ProviderSpec(
    name="stubmail",
    title="Stubmail",
    adapter_path="tests.drill.adapter:StubAdapter",
    required_keys=("account", "token"),
    secret_keys=("token",),
    default_base_url=None,
    key_help={"account": "Stubmail account name.", "token": "Stubmail API token."},
    id_label="Stubmail id",
    demo_settings={"account": DEMO_ACCOUNT, "token": DEMO_TOKEN},
    sandbox=SandboxSpec(
        emulator_path="tests.drill.emulator:build",
        route="/stub",
        span=timedelta(days=3),
        outcomes=(("delivered", 80), ("bounced", 20)),
        knobs=(
            SandboxKnob(
                name="stubmail_page",
                option="--stubmail-page",
                default=100,
                help="Rows on a full Stubmail page.",
                metavar="N",
                minimum=1,
            ),
        ),
    ),
)
