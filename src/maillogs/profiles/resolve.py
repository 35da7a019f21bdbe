"""Resolving profiles: file, environment and defaults, highest precedence first."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from maillogs.core.errors import ConfigError, UsageError
from maillogs.profiles.demo import _builtin, _expand
from maillogs.profiles.model import (
    _ADD_HINT,
    COMMON_KEYS,
    DEFAULT_TIMEOUT,
    DEFAULT_TIMEZONE,
    DEMO_ALIAS,
    Profile,
    Source,
    Warn,
    _convert,
    _display,
    _documented_rate_limit,
    _spec_or_config_error,
    _warn_stderr,
    check_cleartext,
    check_profile_name,
    parse_profile_selection,
    profile_keys,
    setting_env_vars,
)
from maillogs.profiles.secrets import mask_secret, remember_secrets
from maillogs.profiles.store import PROFILE_ENV, ConfigFile, _unknown_profile_message, read_config
from maillogs.providers.registry import PROVIDERS, ProviderSpec

# --------------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class SettingInfo:
    """One effective setting of a profile and where it came from (for ``profiles show``).

    Attributes:
        key: The setting (``base_url``, ``api_key``...).
        value: The effective value as text; ``None`` when unset (no limit, or missing).
            Excluded from the repr because it may be a secret.
        source: ``file``, ``env``, ``default``, ``built-in`` or ``missing`` (required, unset).
        secret: The value is a credential and must be masked when shown.
        env_var: The variable that supplied the value, when ``source`` is ``env``.
        env_vars: The variables that could supply or override it, highest first.
    """

    key: str
    value: str | None = field(repr=False)
    source: Source
    secret: bool
    env_var: str | None = None
    env_vars: tuple[str, ...] = ()

    @property
    def display_value(self) -> str | None:
        """The value safe to print: secrets masked."""
        if self.value is None or not self.secret:
            return self.value
        return mask_secret(self.value)


def _resolve_settings(
    name: str, table: Mapping[str, Any], env: Mapping[str, str], config: ConfigFile
) -> tuple[ProviderSpec, list[tuple[SettingInfo, str | float | None]]]:
    where = f"config file {config.path}, profile {name!r}"
    provider = table.get("provider")
    if not isinstance(provider, str) or not provider.strip():
        raise ConfigError(
            f'{where}: missing provider; add provider = "NAME" (one of: {", ".join(PROVIDERS)})'
        )
    spec = _spec_or_config_error(provider, where=where)
    allowed = profile_keys(spec)
    for key in table:
        if key != "provider" and key not in allowed:
            raise ConfigError(
                f"{where}: unknown key {key!r} for a {spec.title} profile; "
                f"allowed keys: provider, {', '.join(allowed)}"
            )
    defaults: dict[str, Any] = {
        "base_url": spec.default_base_url,
        "timezone": DEFAULT_TIMEZONE,
        "timeout": DEFAULT_TIMEOUT,
        "allow_http": False,
        **spec.optional_keys,
    }
    # Every secret the profile holds is known before any value is checked: the
    # message about another key (a base_url that carries the api key) must not
    # print it. Overridden values are secrets too, even if this run sends none;
    # an unquoted number is read as text, as `_convert` reads it.
    for key in spec.secret_keys:
        candidates = [table.get(key), *(env.get(v) for v in setting_env_vars(name, spec.name, key))]
        remember_secrets(
            str(c).strip()
            for c in candidates
            if isinstance(c, str | int) and not isinstance(c, bool) and str(c).strip()
        )
    resolved: list[tuple[SettingInfo, str | float | None]] = []
    for key in allowed:
        env_vars = setting_env_vars(name, spec.name, key)
        env_var = next((var for var in env_vars if env.get(var, "").strip()), None)
        source: Source
        if env_var is not None:
            raw, source = env[env_var], "env"
        elif key in table:
            raw, source = table[key], "file"
        elif defaults.get(key) is not None:
            raw, source = defaults[key], "default"
        elif key in spec.required_keys or key == "base_url":
            raw, source = None, "missing"
        else:
            # Optional and unset, e.g. no rate limit published by the provider.
            raw, source = None, "default"
        value: str | float | None = None
        if raw is not None:
            try:
                value = _convert(key, raw, spec, from_env=source == "env")
            except ValueError as exc:
                if source == "default":
                    raise  # A registry bug, not the user's: let it surface as one.
                place = f"{where}: {env_var}" if source == "env" else where
                raise ConfigError(f"{place}: {exc}") from None
        shown = None if value is None else _display(value)
        info = SettingInfo(
            key=key,
            value=shown,
            source=source,
            secret=key in spec.secret_keys,
            env_var=env_var,
            env_vars=env_vars,
        )
        resolved.append((info, value))
    return spec, _with_documented_rate_limit(spec, resolved)


def _with_documented_rate_limit(
    spec: ProviderSpec, resolved: list[tuple[SettingInfo, str | float | None]]
) -> list[tuple[SettingInfo, str | float | None]]:
    """Fill an unset rate limit with the one documented for the chosen setting
    (Infobip: per ``api_version``), so ``profiles show`` tells what is used."""
    limit = _documented_rate_limit(spec, {info.key: value for info, value in resolved})
    if limit is None:
        return resolved
    return [
        (replace(info, value=_display(float(limit))), float(limit))
        if info.key == "rate_limit_per_minute" and info.source == "default" and value is None
        else (info, value)
        for info, value in resolved
    ]


# (config file, profile) pairs already warned about in this run (see _warn_if_zone_unset).
_ZONE_WARNED: set[tuple[str, str]] = set()


def _warn_if_zone_unset(
    name: str,
    spec: ProviderSpec,
    resolved: list[tuple[SettingInfo, str | float | None]],
    config: ConfigFile,
    warn: Warn,
) -> None:
    """Warn, once per run and profile, when a provider that dates in the account's
    zone has no ``timezone``: UTC is used, so every time and both range edges
    are off by the account's offset unless the account really is on UTC."""
    key = (str(config.path), name)
    if not spec.needs_account_zone or key in _ZONE_WARNED:
        return
    zone = next(info for info, _ in resolved if info.key == "timezone")
    if zone.source != "default":
        return
    _ZONE_WARNED.add(key)
    warn(
        f"profile {name!r} ({spec.title}) has no timezone, so its times and date ranges are "
        f'read as UTC and are off unless the account is on UTC; add timezone = "Area/City" '
        f"under [profiles.{name}] in {config.path}, set {zone.env_vars[0]}, or re-add it with "
        f"`maillogs profiles add {name} --provider {spec.name} --timezone Area/City --force`"
    )


def _build_profile(
    name: str,
    table: Mapping[str, Any],
    env: Mapping[str, str],
    config: ConfigFile,
    warn: Warn,
) -> Profile:
    spec, resolved = _resolve_settings(name, table, env, config)
    _warn_if_zone_unset(name, spec, resolved, config, warn)
    values: dict[str, Any] = {}
    for info, value in resolved:
        if info.source == "missing":
            per_profile, per_provider = info.env_vars
            raise ConfigError(
                f"config file {config.path}, profile {name!r}: missing {info.key}; "
                f'add {info.key} = "..." under [profiles.{name}] '
                f"or set {per_profile} (or {per_provider})"
            )
        values[info.key] = value
    try:
        check_cleartext(
            values["base_url"],
            values["allow_http"],
            allow_hint=f"add allow_http = true under [profiles.{name}]",
        )
    except ValueError as exc:
        raise ConfigError(f"config file {config.path}, profile {name!r}: {exc}") from None
    return Profile(
        name=name,
        provider=spec.name,
        base_url=values["base_url"],
        timezone=values["timezone"],
        settings={key: values[key] for key in profile_keys(spec) if key not in COMMON_KEYS},
        rate_limit_per_minute=values["rate_limit_per_minute"],
        timeout=values["timeout"],
        request_deadline=values["request_deadline"],
        allow_http=values["allow_http"],
    )


def profile_selection(
    selected: list[str] | None, *, env: Mapping[str, str], load: Callable[[], ConfigFile]
) -> tuple[list[str], str]:
    """The profile names a command selects, ``demo`` expanded, and where the
    selection came from (see :func:`resolve_profiles`); no names when nothing
    selects any. ``load`` reads the config file, only when its default is needed.

    Raises:
        UsageError: ``--profile`` was given but names nothing.
    """
    names = parse_profile_selection(selected or [])
    origin = "--profile"
    if selected and not names:
        raise UsageError("--profile needs a profile name, e.g. --profile prod or --profile demo")
    if not names:
        names, origin = parse_profile_selection([env.get(PROFILE_ENV, "")]), PROFILE_ENV
    if not names:
        file = load()
        if file.default_profile is not None:
            names = parse_profile_selection([file.default_profile])
            origin = f"default_profile in {file.path}"
    return _expand(names), origin


def resolve_profiles(
    selected: list[str] | None,
    *,
    env: Mapping[str, str] = os.environ,
    path: str | os.PathLike[str] | None = None,
    warn: Warn | None = None,
) -> list[Profile]:
    """Resolve the profiles a command should use.

    Selection, first that applies: ``selected`` (values of a repeatable
    ``--profile``, each possibly comma-separated), ``$MAILLOGS_PROFILE`` (also
    comma-separable), the file's ``default_profile``. ``demo`` expands to every
    built-in demo profile. The config file is read only when a non-built-in
    profile is involved, so ``--profile demo`` works even without one.

    Args:
        selected: ``--profile`` values, or ``None``/empty when not given.
        env: Environment for selection, the config path and overrides.
        path: The config file; default :func:`config_path`.
        warn: Receives one-line warnings; default prints them on stderr.

    Returns:
        The profiles, in selection order, without duplicates.

    Raises:
        UsageError: ``--profile`` was given but names nothing.
        ConfigError: Nothing selected and no default, an unknown profile, or an
            invalid profile or file.
    """
    config: ConfigFile | None = None

    def load() -> ConfigFile:
        nonlocal config
        if config is None:
            config = read_config(path, env=env, warn=warn)
        return config

    names, origin = profile_selection(selected, env=env, load=load)
    if not names:
        file = load()
        if not file.exists:
            raise ConfigError(
                f"no profile configured (no config file at {file.path}); "
                f"add one with {_ADD_HINT} or try `--profile demo`"
            )
        raise ConfigError(
            f"no profile selected and config file {file.path} sets no default_profile; "
            f"pass --profile NAME, set {PROFILE_ENV}, or run "
            f"`maillogs profiles set-default NAME` (profiles: "
            f"{', '.join([*file.profiles, DEMO_ALIAS])})"
        )
    profiles: list[Profile] = []
    for name in names:
        builtin = _builtin(name)
        if builtin is not None:
            profiles.append(builtin)
            continue
        file = load()
        table = file.profiles.get(name)
        if table is None:
            raise ConfigError(_unknown_profile_message(name, file, origin))
        profiles.append(_build_profile(name, table, env, file, warn or _warn_stderr))
    return profiles


def inline_profile(
    name: str,
    table: Mapping[str, Any],
    *,
    origin: str,
    env: Mapping[str, str] = os.environ,
    warn: Warn | None = None,
) -> Profile:
    """Validate a profile that another program's settings hold whole (the
    Singer tap's ``profiles`` setting) exactly as a config file's profile is
    validated: same keys, defaults, secrets and ``MAILLOGS_*`` overrides.

    Args:
        name: The profile's name (the rules of ``profiles add``).
        table: ``provider`` and the profile's keys, as a TOML table holds them.
        origin: Where the settings came from, for messages (``tap-maillogs settings``).
        env: Environment for overrides.
        warn: Receives one-line warnings; default prints them on stderr.

    Raises:
        ConfigError: An invalid name or profile; the message names ``origin``.
    """
    try:
        check_profile_name(name)
    except ValueError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    config = ConfigFile(path=Path(origin), exists=True, data={"profiles": {name: table}})
    return _build_profile(name, table, env, config, warn or _warn_stderr)
