"""The declarations a provider's ``spec.py`` makes: :class:`ProviderSpec` and
:class:`SandboxSpec` (plain data; importing this module costs nothing)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class SandboxKnob:
    """One setting of a provider's emulator, offered as a ``sandbox serve`` option.

    Attributes:
        name: The keyword it has in ``EmulatorConfig`` and the name the
            emulator reads it by (``config.knob(name, type)``).
        option: The ``maillogs sandbox serve`` option, e.g. ``--token-ttl``.
        default: Its value when not given; its type (``str``, ``int``,
            ``float`` or ``bool``: a flag) is the option's type.
        help: The option's help line.
        metavar: What ``--help`` shows for the value (none for a flag).
        minimum: The smallest value a number may take, if any.
        snippet_argument: The ``config_snippet`` keyword the value also goes
            to, when the printed profiles must agree with it (e.g. the
            account's time zone); None when they need not.
        demo: The value the built-in demo profiles' in-process sandbox runs
            with; None: the default.
    """

    name: str
    option: str
    default: str | int | float | bool
    help: str
    metavar: str | None = None
    minimum: float | None = None
    snippet_argument: str | None = None
    demo: str | int | float | bool | None = None

    def convert(self, value: object) -> str | int | float | bool:
        """``value`` as the knob's type (an int where a float is declared is widened)."""
        if isinstance(self.default, bool):
            if isinstance(value, bool):
                return value
        elif isinstance(self.default, int):
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif isinstance(self.default, float):
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        elif isinstance(value, str):
            return value
        raise TypeError(f"{self.name} takes a {type(self.default).__name__}, not {value!r}")


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
        pending_outcome: The provider's word for mail handed on but not yet
            answered: what a live record shows until its delivery or bounce
            (``sandbox serve --live``); empty: the final outcome at once.
        knobs: The emulator's own settings, offered as ``sandbox serve`` options.
    """

    emulator_path: str
    route: str
    span: timedelta
    outcomes: tuple[tuple[str, int], ...]
    multi_address_rows: bool = False
    pending_outcome: str = ""
    knobs: tuple[SandboxKnob, ...] = ()

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
        """Import and return the adapter class (heavy: pulls in httpx).

        Typed loosely on purpose: naming ``Adapter`` here would tie the registry
        (below profiles) to the adapters' base (which types profiles); callers
        use :func:`maillogs.providers.base.adapter_class`.
        """
        module_name, _, class_name = self.adapter_path.partition(":")
        adapter: type[Any] = getattr(importlib.import_module(module_name), class_name)
        return adapter
