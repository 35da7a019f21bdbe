"""The tap's settings: their JSON Schema (for ``--about``, Meltano and
validation) and their meaning as maillogs profiles and a query.

Profile keys and which of them are secret come from the provider registry,
as everywhere else: no provider is named here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from singer_sdk import typing as th

from maillogs.core.errors import ConfigError, UsageError
from maillogs.core.query import Query, build_query
from maillogs.core.timeparse import parse_duration
from maillogs.profiles import (
    COMMON_KEYS,
    Profile,
    Warn,
    inline_profile,
    profile_keys,
    redact_secrets,
    resolve_profiles,
)
from maillogs.providers.registry import PROVIDERS

ORIGIN = "tap-maillogs settings"
DEFAULT_LOOKBACK = "1d"
# Common profile keys that are not text, and the JSON type each takes.
_NUMBER_KEYS = ("rate_limit_per_minute", "timeout", "request_deadline")
_BOOLEAN_KEYS = ("allow_http",)
# The `maillogs list` options that the filter settings stand for.
_SETTING_OF_OPTION = {
    "--status": "status",
    "--from": "sender",
    "--to": "recipient",
    "--recipient-type": "recipient_type",
}


def _inline_profile_type() -> th.ObjectType:
    """A profile written out in the settings: ``name``, ``provider`` and any
    key a profile of some provider may set; every provider's secret keys are
    marked secret, so Meltano stores and shows them as such."""
    keys = list(dict.fromkeys(key for spec in PROVIDERS.values() for key in profile_keys(spec)))
    secret = {key for spec in PROVIDERS.values() for key in spec.secret_keys}
    properties: list[th.Property[Any]] = [
        th.Property("name", th.StringType, required=True, description="The profile's name."),
        th.Property(
            "provider",
            th.StringType(allowed_values=list(PROVIDERS)),
            required=True,
            description="The provider.",
        ),
    ]
    for key in keys:
        kind: type[th.JSONTypeHelper[Any]] = th.StringType
        if key in _NUMBER_KEYS:
            kind = th.NumberType
        elif key in _BOOLEAN_KEYS:
            kind = th.BooleanType
        where = "every provider" if key in COMMON_KEYS else _providers_with(key)
        properties.append(
            th.Property(key, kind, secret=key in secret, description=f"Profile key ({where}).")
        )
    return th.ObjectType(*properties, additional_properties=False)


def _providers_with(key: str) -> str:
    return ", ".join(spec.name for spec in PROVIDERS.values() if key in profile_keys(spec))


def settings_schema() -> dict[str, Any]:
    """The JSON Schema of the tap's settings."""
    return th.PropertiesList(
        th.Property(
            "profiles",
            th.ArrayType(th.AnyOf(th.StringType, _inline_profile_type())),
            required=True,
            description="The accounts to read: names of maillogs profiles (from its config "
            "file, with its MAILLOGS_* overrides; 'demo' needs no account), or profiles "
            "written out here with their credentials. One state partition each.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="The earliest submitted_at to read on a first run (default: whatever "
            "each provider still keeps).",
        ),
        th.Property(
            "lookback",
            th.StringType,
            default=DEFAULT_LOOKBACK,
            description="Incremental runs start this long before the bookmark, so that "
            "status changes after submission (opened, bounced later) are read again: "
            "90m, 48h, 7d or 2w.",
        ),
        th.Property(
            "status",
            th.ArrayType(th.StringType),
            description="Only these statuses (as `maillogs list --status`).",
        ),
        th.Property("sender", th.StringType, description="Only mail from this address or @domain."),
        th.Property(
            "recipient", th.StringType, description="Only mail to this address or @domain."
        ),
        th.Property(
            "recipient_type",
            th.StringType(allowed_values=["to", "cc", "bcc"]),
            description="Only to, cc or bcc recipients (providers that report it).",
        ),
    ).to_dict()


@dataclass(frozen=True)
class TapSettings:
    """The settings as maillogs understands them.

    Attributes:
        profiles: The accounts, in the order given.
        query: The filters (no time window: each partition sets its own).
        start_date: The floor of every window.
        lookback: How far before a bookmark an incremental run starts.
    """

    profiles: tuple[Profile, ...]
    query: Query
    start_date: datetime | None
    lookback: timedelta

    def profile(self, name: str) -> Profile:
        """The profile a state partition names."""
        return next(profile for profile in self.profiles if profile.name == name)


def read_settings(
    config: Mapping[str, Any], *, warn: Warn, env: Mapping[str, str] = os.environ
) -> TapSettings:
    """Resolve and check the (schema-valid) settings.

    Raises:
        ConfigError: An unknown or invalid profile, or a bad value (one line,
            naming the setting; never a secret).
    """
    profiles = _profiles(config.get("profiles") or [], warn=warn, env=env)
    try:
        lookback = parse_duration(str(config.get("lookback") or DEFAULT_LOOKBACK).strip())
    except ValueError as exc:
        raise ConfigError(f"{ORIGIN}: lookback: {exc}") from None
    try:
        query = build_query(
            statuses=config.get("status"),
            sender=config.get("sender"),
            recipient=config.get("recipient"),
            recipient_type=config.get("recipient_type"),
            tz=UTC,
            now=datetime.now(UTC),
        )
    except UsageError as exc:
        raise settings_error(exc) from None
    start = config.get("start_date")
    return TapSettings(
        profiles=tuple(profiles),
        query=query,
        start_date=None if not start else _aware(datetime.fromisoformat(start)),
        lookback=lookback,
    )


def log_line(text: str) -> str:
    """``text`` as one log line: white space folded, every secret this process
    has read replaced by ``****`` (a provider may echo one back)."""
    return redact_secrets(" ".join(text.split()))


def settings_error(exc: UsageError) -> ConfigError:
    """A usage error about a filter as the tap says it: the messages name the
    ``maillogs list`` option (``--recipient-type``); here it is a setting."""
    message = str(exc)
    for option, setting in _SETTING_OF_OPTION.items():
        if message.startswith(option):
            message = setting + message.removeprefix(option)
            break
    return ConfigError(f"{ORIGIN}: {message}")


def _profiles(entries: Sequence[Any], *, warn: Warn, env: Mapping[str, str]) -> list[Profile]:
    if not entries:
        raise ConfigError(f"{ORIGIN}: profiles is empty; name at least one (e.g. demo)")
    profiles: list[Profile] = []
    for entry in entries:
        if isinstance(entry, str):
            try:
                profiles.extend(resolve_profiles([entry], env=env, warn=warn))
            except (UsageError, ConfigError) as exc:
                raise ConfigError(f"{ORIGIN}: profiles: {exc}") from None
            continue
        # A key set to null (Meltano writes unset keys so) is a key not set.
        table = {k: v for k, v in entry.items() if k != "name" and v is not None}
        profiles.append(inline_profile(entry["name"], table, origin=ORIGIN, env=env, warn=warn))
    names = [profile.name for profile in profiles]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        # Each profile is one state partition: two of one name would share a bookmark.
        raise ConfigError(f"{ORIGIN}: profiles: {', '.join(repeated)} given more than once")
    return profiles


def _aware(moment: datetime) -> datetime:
    # A start_date without an offset is read as UTC, as Singer taps do.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
