"""The sandbox's defaults and the ready-to-paste profiles pointing at it.

The demo credentials themselves are each provider's ``demo_settings`` (its
spec): public on purpose, since the sandbox only listens on loopback (or runs
in process) and serves synthetic data, so there is nothing to protect.
"""

from __future__ import annotations

from typing import Final

from maillogs.providers.registry import PROVIDERS, ProviderSpec

# The demo accounts' time zone (their naive timestamps and days are in it).
DEMO_TIMEZONE: Final = "UTC"

DEFAULT_PORT: Final = 8025


def config_snippet(
    base_url: str, account_timezone: str = DEMO_TIMEZONE, *, rate_limits: bool = False
) -> str:
    """Ready-to-paste ``config.toml`` profiles pointing at a sandbox at ``base_url``
    whose accounts are on ``account_timezone``.

    With ``rate_limits`` the sandbox enforces the documented request budgets,
    so those profiles keep maillogs' own (production) pacing instead of turning it off.
    """
    return "\n".join(
        _profile_snippet(spec, base_url, account_timezone, rate_limits=rate_limits)
        for spec in PROVIDERS.values()
        if spec.sandbox is not None
    )


def _profile_snippet(
    spec: ProviderSpec, base_url: str, account_timezone: str, *, rate_limits: bool
) -> str:
    lines = [
        f"[profiles.sandbox-{spec.name}]",
        f'provider = "{spec.name}"',
        f'base_url = "{base_url}"',
        *(f"{key} = {_toml_value(spec, key, value)}" for key, value in spec.demo_settings.items()),
    ]
    if spec.needs_account_zone:
        lines.append(f'timezone = "{account_timezone}"')
    if spec.rate_limits_by is not None:
        key, limits = spec.rate_limits_by
        limit = limits.get(spec.demo_settings.get(key, spec.optional_keys.get(key, "")))
        if rate_limits:
            lines.append(
                f"# The sandbox enforces {spec.title}'s {limit} requests a minute: "
                "maillogs paces itself\n# at that rate, as against production."
            )
        else:
            lines.append(
                f"# The sandbox enforces no rate limit: skip the client-side {limit}/min pacing.\n"
                "rate_limit_per_minute = 0"
            )
    return "\n".join(lines) + "\n"


def _toml_value(spec: ProviderSpec, key: str, value: str) -> str:
    """A choice among version numbers as a bare number (``api_version = 4``), as
    people write it; anything else as a string."""
    return value if key in spec.key_choices and value.isdigit() else f'"{value}"'
