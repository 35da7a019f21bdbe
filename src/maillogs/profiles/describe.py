"""Describing profiles for ``profiles list`` and ``profiles show``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from maillogs.core.errors import ConfigError
from maillogs.profiles.demo import _builtin, _expand, builtin_profiles
from maillogs.profiles.model import (
    DEFAULT_TIMEZONE,
    Warn,
    _display,
    _shown_url,
    _warn_stderr,
    env_var_names,
    parse_profile_selection,
)
from maillogs.profiles.resolve import SettingInfo, _resolve_settings, _warn_if_zone_unset
from maillogs.profiles.store import _unknown_profile_message, read_config
from maillogs.providers.registry import PROVIDERS


@dataclass(frozen=True)
class ProfileSummary:
    """One line of ``profiles list``.

    Attributes:
        name: Profile name.
        provider: Provider name as written in the file.
        base_url: Configured base URL, else the provider's default (``None`` if neither).
        timezone: Configured time zone, else the default.
        is_default: Selected when no profile is given.
        builtin: A built-in demo profile.
    """

    name: str
    provider: str
    base_url: str | None
    timezone: str
    is_default: bool
    builtin: bool


def list_profiles(
    *,
    env: Mapping[str, str] = os.environ,
    path: str | os.PathLike[str] | None = None,
    warn: Warn | None = None,
) -> list[ProfileSummary]:
    """Summarise the file's profiles, then the built-in ones.

    Values are shown as configured, without validation or environment
    overrides, so an incomplete profile can still be listed (use
    :func:`describe_profile` for effective values).

    Args:
        env: Environment (for the config path).
        path: The config file; default :func:`config_path`.
        warn: Receives one-line warnings; default prints them on stderr.

    Raises:
        ConfigError: The file is unreadable or malformed.
    """
    config = read_config(path, env=env, warn=warn)
    defaults = set(_expand(parse_profile_selection([config.default_profile or ""])))
    summaries = []
    for name, table in config.profiles.items():
        provider = str(table.get("provider", ""))
        spec = PROVIDERS.get(provider.strip().lower())
        base_url = table.get("base_url", spec.default_base_url if spec else None)
        summaries.append(
            ProfileSummary(
                name=name,
                provider=provider,
                base_url=None if base_url is None else _shown_url(str(base_url)),
                timezone=str(table.get("timezone", DEFAULT_TIMEZONE)),
                is_default=name in defaults,
                builtin=False,
            )
        )
    summaries.extend(
        ProfileSummary(
            name=profile.name,
            provider=profile.provider,
            base_url=profile.base_url,
            timezone=profile.timezone,
            is_default=profile.name in defaults,
            builtin=True,
        )
        for profile in builtin_profiles()
    )
    return summaries


@dataclass(frozen=True)
class ProfileDescription:
    """Everything ``profiles show`` prints about one profile.

    Attributes:
        name: Profile name.
        provider: Provider name.
        builtin: A built-in demo profile (not overridable from the environment).
        is_default: Selected when no profile is given.
        config_path: The config file consulted.
        settings: Each setting's effective value and source.
        env_vars: Every variable that could override the profile, highest first.
    """

    name: str
    provider: str
    builtin: bool
    is_default: bool
    config_path: Path
    settings: tuple[SettingInfo, ...]
    env_vars: tuple[str, ...]


def describe_profile(
    name: str,
    *,
    env: Mapping[str, str] = os.environ,
    path: str | os.PathLike[str] | None = None,
    warn: Warn | None = None,
) -> ProfileDescription:
    """Explain a profile: effective values, where each came from, what could override it.

    Unlike :func:`resolve_profiles`, a missing required value is reported
    (source ``missing``) rather than raised, so the user can see what to add.

    Args:
        name: Profile name (a file profile or a built-in one).
        env: Environment for the config path and overrides.
        path: The config file; default :func:`config_path`.
        warn: Receives one-line warnings; default prints them on stderr.

    Raises:
        ConfigError: Unknown profile, or an invalid file or value.
    """
    config = read_config(path, env=env, warn=warn)
    is_default = name in _expand(parse_profile_selection([config.default_profile or ""]))
    builtin = _builtin(name)
    if builtin is not None:
        values: dict[str, str | None] = {
            "base_url": builtin.base_url,
            "timezone": builtin.timezone,
            "rate_limit_per_minute": (
                None
                if builtin.rate_limit_per_minute is None
                else _display(builtin.rate_limit_per_minute)
            ),
            "timeout": _display(builtin.timeout),
            **builtin.settings,
        }
        settings = tuple(
            SettingInfo(
                key=key, value=value, source="built-in", secret=key in builtin.spec.secret_keys
            )
            for key, value in values.items()
        )
        return ProfileDescription(
            name=name,
            provider=builtin.provider,
            builtin=True,
            is_default=is_default,
            config_path=config.path,
            settings=settings,
            env_vars=(),
        )
    table = config.profiles.get(name)
    if table is None:
        raise ConfigError(_unknown_profile_message(name, config, origin=None))
    spec, resolved = _resolve_settings(name, table, env, config)
    _warn_if_zone_unset(name, spec, resolved, config, warn or _warn_stderr)
    return ProfileDescription(
        name=name,
        provider=spec.name,
        builtin=False,
        is_default=is_default,
        config_path=config.path,
        settings=tuple(info for info, _ in resolved),
        env_vars=tuple(env_var_names(name, spec.name)),
    )
