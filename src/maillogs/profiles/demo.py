"""The built-in demo profiles, served by the in-process sandbox.

Their settings come from each provider's spec (``demo_settings``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from maillogs.profiles.model import (
    DEFAULT_TIMEOUT,
    DEFAULT_TIMEZONE,
    DEMO_ALIAS,
    Profile,
    _documented_rate_limit,
)
from maillogs.providers.registry import PROVIDERS, get_spec

DEMO_BASE_URL: Final = "http://sandbox.invalid"
"""Never resolved: demo profiles are served by an in-process sandbox transport."""

# --------------------------------------------------------------------------- built-ins


def _demo_names() -> list[str]:
    return [f"{DEMO_ALIAS}-{name}" for name, spec in PROVIDERS.items() if spec.demo_settings]


def builtin_profiles() -> list[Profile]:
    """Return the built-in demo profiles (no config file, no network needed).

    Returns:
        One ``demo-<provider>`` profile per provider with demo credentials.
    """
    profiles = []
    for name in _demo_names():
        spec = get_spec(name.removeprefix(f"{DEMO_ALIAS}-"))
        settings = {**spec.optional_keys, **spec.demo_settings}
        profiles.append(
            Profile(
                name=name,
                provider=spec.name,
                base_url=DEMO_BASE_URL,
                # Named, like a real account's (the sandbox's accounts are on UTC).
                timezone=DEFAULT_TIMEZONE,
                settings=settings,
                # Paced like a real account, so the demo takes the production
                # path (e.g. one Infobip window, not eight unpaced ones).
                rate_limit_per_minute=_documented_rate_limit(spec, settings),
                timeout=DEFAULT_TIMEOUT,
                demo=True,
            )
        )
    return profiles


def _builtin(name: str) -> Profile | None:
    return next((profile for profile in builtin_profiles() if profile.name == name), None)


def _expand(names: Iterable[str]) -> list[str]:
    expanded: list[str] = []
    for name in names:
        expanded.extend(_demo_names() if name == DEMO_ALIAS else [name])
    return list(dict.fromkeys(expanded))
