"""The fixed demo credentials and base paths of the sandbox, kept in one place.

They are public on purpose: the sandbox only listens on loopback (or runs in
process) and serves synthetic data, so there is nothing to protect.
"""

from __future__ import annotations

from typing import Final

KALEYRA_SID: Final = "DEMO-SID"
KALEYRA_API_KEY: Final = "demo-kaleyra-key"
EDITH_TOKEN: Final = "demo-edith-token"  # noqa: S105 - public demo token, see above
INFOBIP_API_KEY: Final = "demo-infobip-key"
# The Kaleyra demo account's time zone (its naive timestamps and days are in it).
KALEYRA_TIMEZONE: Final = "UTC"

# Path prefixes under the base URL; one base URL serves all three providers
# because their paths never collide.
KALEYRA_LOGS_PATH: Final = f"/v1/{KALEYRA_SID}/email/logs"
KALEYRA_STATS_PATH: Final = f"/v1/{KALEYRA_SID}/email/stats"
EDITH_LOGS_PATH: Final = "/v1/email/logs"
INFOBIP_V1_LOGS_PATH: Final = "/email/1/logs"
INFOBIP_V4_LOGS_PATH: Final = "/email/4/logs"

DEFAULT_PORT: Final = 8025


def config_snippet(
    base_url: str, kaleyra_timezone: str = KALEYRA_TIMEZONE, *, infobip_rate_limit: bool = False
) -> str:
    """Ready-to-paste ``config.toml`` profiles pointing at a sandbox at ``base_url``
    whose Kaleyra account is on ``kaleyra_timezone``.

    With ``infobip_rate_limit`` the sandbox enforces Infobip's pace, so the
    Infobip profile keeps maillogs' own (production) pacing instead of turning it off.
    """
    infobip_pace = (
        "# The sandbox enforces Infobip's 120 requests a minute: maillogs paces itself\n"
        "# at that rate, as against production.\n"
        if infobip_rate_limit
        else "# The sandbox enforces no rate limit: skip the client-side 120/min pacing.\n"
        "rate_limit_per_minute = 0\n"
    )
    return (
        "[profiles.sandbox-kaleyra]\n"
        'provider = "kaleyra"\n'
        f'base_url = "{base_url}"\n'
        f'sid = "{KALEYRA_SID}"\n'
        f'api_key = "{KALEYRA_API_KEY}"\n'
        f'timezone = "{kaleyra_timezone}"\n'
        "\n"
        "[profiles.sandbox-edith]\n"
        'provider = "edith"\n'
        f'base_url = "{base_url}"\n'
        f'token = "{EDITH_TOKEN}"\n'
        "\n"
        "[profiles.sandbox-infobip]\n"
        'provider = "infobip"\n'
        f'base_url = "{base_url}"\n'
        f'api_key = "{INFOBIP_API_KEY}"\n'
        "api_version = 4\n" + infobip_pace
    )
