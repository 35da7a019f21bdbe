"""The declarations a provider's ``spec.py`` makes: :class:`ProviderSpec` and
:class:`SandboxSpec` (plain data; importing this module costs nothing)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class SandboxSpec:
    """How the sandbox emulates a provider over its synthetic data.

    Attributes:
        emulator_path: ``module:function`` building the provider's API view:
            ``function(dataset, config) -> ProviderApi``.
        route: The path prefix the API answers under; one sandbox serves every
            provider, the longest matching prefix wins.
        span: How far back the synthetic records reach.
        outcomes: The provider's own outcome words with their weight in percent.
        multi_address_rows: One row may list up to three recipients.
    """

    emulator_path: str
    route: str
    span: timedelta
    outcomes: tuple[tuple[str, int], ...]
    multi_address_rows: bool = False

    def routes(self, path: str) -> bool:
        """Whether ``path`` lies under this provider's prefix (whole segments only)."""
        prefix = self.route.rstrip("/")
        return path == prefix or path.startswith(prefix + "/")

    def load_emulator(self) -> Any:
        """Import and return the emulator factory (the sandbox calls it)."""
        module_name, _, name = self.emulator_path.partition(":")
        return getattr(importlib.import_module(module_name), name)


@dataclass(frozen=True)
class ProviderSpec:
    """Static facts about a provider that configuration, help text and the sandbox need."""

    name: str
    title: str
    adapter_path: str
    required_keys: tuple[str, ...]
    secret_keys: tuple[str, ...]
    default_base_url: str | None
    # What each provider key is, for `profiles add` (its flag's help and prompt).
    key_help: dict[str, str] = field(default_factory=dict)
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
    # What its keys are, for the README's provider table.
    settings_doc: str = ""
    # What `show` takes as a message id (e.g. "Infobip messageId").
    id_label: str = "message id"
    # The built-in demo profile's settings: exactly what the sandbox accepts.
    demo_settings: dict[str, str] = field(default_factory=dict)
    # How the sandbox emulates it; None: no demo profile, no sandbox API.
    sandbox: SandboxSpec | None = None
    # How far back the provider's log reaches, when documented (None: not
    # documented). A first `maillogs sync` starts no earlier than this.
    retention: timedelta | None = None

    def load_adapter(self) -> type[Any]:
        """Import and return the adapter class (heavy: pulls in httpx and pydantic).

        Typed loosely on purpose: naming ``Adapter`` here would tie the registry
        (below profiles) to the adapters' base (which types profiles); callers
        use :func:`maillogs.providers.base.adapter_class`.
        """
        module_name, _, class_name = self.adapter_path.partition(":")
        adapter: type[Any] = getattr(importlib.import_module(module_name), class_name)
        return adapter
