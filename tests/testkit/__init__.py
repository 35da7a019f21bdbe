"""The per-provider testkit: what the suites need to know about each provider.

Suites loop over :data:`KITS` (one :class:`ProviderKit` per registered provider,
in registry order) instead of keeping their own provider tables, so a new
provider is covered by every such suite once ``tests/testkit/<name>.py``
declares its ``KIT``; ``test_every_registered_provider_has_a_kit`` fails until
it does. What the program itself knows (titles, secret keys, demo settings)
is read from the registry, not repeated here.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from maillogs.providers.registry import PROVIDERS, ProviderSpec


@dataclass(frozen=True)
class ProviderKit:
    """One provider, as the tests drive it against a mocked or emulated API.

    Attributes:
        name: The registry name.
        profile: The name of its profile in the hardening suite's canary config.
        canary: A distinctive secret no real output could contain by chance.
        settings: The profile's other settings (TOML values), besides
            ``provider``, ``base_url`` and the secret.
        logs_path: Where its adapter asks for logs under that profile.
        id_key: The raw row's message id field.
        status_key: The raw row's status field.
        text_field: A field its records show as text (``sender`` in the output).
        time_field: The field its records take their time from.
        overflowing_times: Two valid times whose UTC value lies outside year 1..9999.
        row: A valid, delivered raw row: ``row(message_id, sent)``.
        page: A last page holding ``rows``, in the provider's documented shape.
    """

    name: str
    profile: str
    canary: str
    settings: Mapping[str, str | int]
    logs_path: str
    id_key: str
    status_key: str
    text_field: str
    time_field: str
    overflowing_times: tuple[str, str]
    row: Callable[[str, datetime], dict[str, Any]]
    page: Callable[[list[Any]], dict[str, Any]]

    @property
    def spec(self) -> ProviderSpec:
        return PROVIDERS[self.name]

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def base_url(self) -> str:
        """The made-up API host its canary profile points at (respx mocks it)."""
        return f"https://{self.name}.hardening.test"

    @property
    def logs_url(self) -> str:
        return f"{self.base_url}{self.logs_path}"

    def profile_toml(self, base_url: str | None = None) -> str:
        """Its canary profile as a ``config.toml`` table."""
        values: dict[str, str | int] = {
            "provider": self.name,
            "base_url": base_url or self.base_url,
            **self.settings,
            self.spec.secret_keys[0]: self.canary,
        }
        lines = [f"[profiles.{self.profile}]"]
        lines += [
            f"{key} = {value}" if isinstance(value, int) else f'{key} = "{value}"'
            for key, value in values.items()
        ]
        return "\n".join(lines) + "\n"


def _load(name: str) -> ProviderKit | None:
    """``tests/testkit/<name>.py``'s kit; None when it has none yet (one
    missing kit fails ``tests/test_testkit.py``, not every suite's import)."""
    if importlib.util.find_spec(f"tests.testkit.{name}") is None:
        return None
    kit: ProviderKit = importlib.import_module(f"tests.testkit.{name}").KIT
    return kit


# The providers the registry ships with (not ones a test registers for a while).
KITS: dict[str, ProviderKit] = {name: kit for name in PROVIDERS if (kit := _load(name)) is not None}
NAMES: list[str] = list(KITS)


def canary_config(**bases: str) -> str:
    """A config with one canary profile per provider (the first is the default);
    ``bases`` points some of them elsewhere by provider name."""
    unknown = set(bases) - set(KITS)
    if unknown:
        raise TypeError(f"no provider {', '.join(sorted(unknown))}")
    first = next(iter(KITS.values()))
    tables = [kit.profile_toml(bases.get(kit.name)) for kit in KITS.values()]
    return f'default_profile = "{first.profile}"\n\n' + "\n".join(tables)
