"""Profiles: which provider account to query, with which credentials and settings.

The package's public API, re-exported from its modules: ``model`` (the
``Profile`` and its validators), ``secrets``, ``demo`` (built-in profiles),
``store`` (reading and writing the TOML file), ``resolve`` and ``describe``.
"""

from __future__ import annotations

from maillogs.profiles.demo import DEMO_BASE_URL, builtin_profiles
from maillogs.profiles.describe import (
    ProfileDescription,
    ProfileSummary,
    describe_profile,
    list_profiles,
)
from maillogs.profiles.model import (
    COMMON_KEYS,
    DEFAULT_TIMEOUT,
    DEFAULT_TIMEZONE,
    DEMO_ALIAS,
    MAX_TIMEOUT,
    MIN_RATE_LIMIT,
    Profile,
    Source,
    Warn,
    check_base_url,
    check_cleartext,
    check_profile_name,
    check_rate_limit,
    check_text,
    check_timeout,
    check_timezone,
    env_var_names,
    is_loopback_host,
    is_reserved_name,
    parse_profile_selection,
    profile_keys,
    setting_env_vars,
)
from maillogs.profiles.resolve import SettingInfo, inline_profile, resolve_profiles
from maillogs.profiles.secrets import mask_secret, redact_secrets, remember_secrets
from maillogs.profiles.store import (
    CONFIG_ENV,
    MAX_CONFIG_BYTES,
    PROFILE_ENV,
    ConfigFile,
    config_path,
    read_config,
    remove_profile,
    save_profile,
    set_default,
)

__all__ = [
    "COMMON_KEYS",
    "CONFIG_ENV",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TIMEZONE",
    "DEMO_ALIAS",
    "DEMO_BASE_URL",
    "MAX_CONFIG_BYTES",
    "MAX_TIMEOUT",
    "MIN_RATE_LIMIT",
    "PROFILE_ENV",
    "ConfigFile",
    "Profile",
    "ProfileDescription",
    "ProfileSummary",
    "SettingInfo",
    "Source",
    "Warn",
    "builtin_profiles",
    "check_base_url",
    "check_cleartext",
    "check_profile_name",
    "check_rate_limit",
    "check_text",
    "check_timeout",
    "check_timezone",
    "config_path",
    "describe_profile",
    "env_var_names",
    "inline_profile",
    "is_loopback_host",
    "is_reserved_name",
    "list_profiles",
    "mask_secret",
    "parse_profile_selection",
    "profile_keys",
    "read_config",
    "redact_secrets",
    "remember_secrets",
    "remove_profile",
    "resolve_profiles",
    "save_profile",
    "set_default",
    "setting_env_vars",
]
