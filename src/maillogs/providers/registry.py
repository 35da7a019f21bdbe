"""The explicit registry of providers: what each needs in a profile, and where
its adapter lives.

This module is imported by configuration code and ``--help`` paths, so it must
stay cheap: it names adapters by import path and loads them only on demand.
Adding a provider = one adapter module + one entry here + fixtures.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maillogs.providers.base import Adapter


@dataclass(frozen=True)
class ProviderSpec:
    """Static facts about a provider that configuration and help text need."""

    name: str
    title: str
    adapter_path: str
    required_keys: tuple[str, ...]
    secret_keys: tuple[str, ...]
    default_base_url: str | None
    # Optional keys with their defaults, as strings (they come from TOML or env).
    optional_keys: dict[str, str] = field(default_factory=dict)
    # Keys that take one of a few documented values (a leading "v" is allowed).
    key_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The documented request budget, which depends on a setting: (key, {value:
    # requests per minute}); None when the provider publishes none.
    rate_limits_by: tuple[str, dict[str, int]] | None = None
    # The API's times and days are in the account's own time zone and say not
    # which: a profile must name it (``timezone``), or every time is off.
    needs_account_zone: bool = False

    def load_adapter(self) -> type[Adapter]:
        """Import and return the adapter class (heavy: pulls in httpx and pydantic)."""
        module_name, _, class_name = self.adapter_path.partition(":")
        adapter: type[Adapter] = getattr(importlib.import_module(module_name), class_name)
        return adapter


PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            name="kaleyra",
            title="Kaleyra",
            adapter_path="maillogs.providers.kaleyra.adapter:KaleyraAdapter",
            required_keys=("sid", "api_key"),
            secret_keys=("api_key",),
            default_base_url="https://api.kaleyra.io",
            # Documented: "The date is considered according to the time zone of the user account."
            needs_account_zone=True,
        ),
        ProviderSpec(
            name="edith",
            title="EDITH",
            adapter_path="maillogs.providers.edith.adapter:EdithAdapter",
            required_keys=("token",),
            secret_keys=("token",),
            default_base_url="https://api.sparrowmailer.com",
        ),
        ProviderSpec(
            name="infobip",
            title="Infobip",
            adapter_path="maillogs.providers.infobip.adapter:InfobipAdapter",
            required_keys=("api_key",),
            secret_keys=("api_key",),
            # Per account (https://XXXXX.api.infobip.com): must be configured.
            default_base_url=None,
            optional_keys={"api_version": "4"},
            # The two documented APIs: /email/1/logs and /email/4/logs.
            key_choices={"api_version": ("1", "4")},
            # Documented (x-throttling-info): v1 60 requests a minute, v4 120.
            rate_limits_by=("api_version", {"1": 60, "4": 120}),
        ),
    )
}


def get_spec(name: str) -> ProviderSpec:
    """Look a provider up by name (case-insensitive).

    Raises:
        KeyError: with the list of known providers.
    """
    try:
        return PROVIDERS[name.strip().lower()]
    except KeyError:
        raise KeyError(f"unknown provider {name!r}; choose from: {', '.join(PROVIDERS)}") from None
