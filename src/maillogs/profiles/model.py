"""What a profile is: the ``Profile`` model, its names, validators and limits.

Everything provider-specific (keys, secrets, defaults) comes from the
provider registry.
"""

from __future__ import annotations

import ipaddress
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from maillogs.core.errors import ConfigError
from maillogs.profiles.secrets import mask_secret, remember_secrets
from maillogs.providers.registry import PROVIDERS, ProviderSpec, get_spec

DEFAULT_TIMEZONE: Final = "UTC"
DEFAULT_TIMEOUT: Final = 30.0


DEMO_ALIAS: Final = "demo"
"""Selecting this name selects every built-in demo profile."""


MAX_TIMEOUT: Final = 86_400.0
"""The longest per-request timeout (a day): larger values overflow socket timeouts."""

MIN_RATE_LIMIT: Final = 0.01
"""The slowest client-side pace (one request every 100 minutes), 0 aside: a
slower one means waits too long to sleep (overflow) and is never meant."""

# Keys every profile may set, whatever its provider.
COMMON_KEYS: Final = (
    "base_url",
    "timezone",
    "rate_limit_per_minute",
    "timeout",
    "request_deadline",
    "allow_http",
)

_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_ADD_HINT: Final = "`maillogs profiles add NAME --provider ...`"

Warn = Callable[[str], None]
Source = Literal["file", "env", "default", "built-in", "missing"]


def _warn_stderr(message: str) -> None:
    print(f"maillogs: warning: {message}", file=sys.stderr)


def _ignore_warning(message: str) -> None:
    del message


def is_reserved_name(name: str) -> bool:
    """Tell whether ``name`` belongs to the built-in demo profiles (``demo``, ``demo-*``)."""
    lowered = name.lower()
    return lowered == DEMO_ALIAS or lowered.startswith(f"{DEMO_ALIAS}-")


def check_profile_name(name: str) -> str:
    """Validate a name for a user profile.

    Names are letters, digits, ``-`` and ``_`` (so they work unquoted in TOML,
    in environment variable names and in comma-separated ``--profile`` lists)
    and must not be a built-in demo name.

    Args:
        name: The proposed name.

    Returns:
        The name.

    Raises:
        ValueError: With a one-line explanation.
    """
    if not _NAME_RE.fullmatch(name):
        raise ValueError(
            f"invalid profile name {name!r}: use up to 64 letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    if is_reserved_name(name):
        raise ValueError(
            f"profile name {name!r} is reserved for the built-in demo profiles; choose another"
        )
    return name


def _env_token(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", text).upper()


def setting_env_vars(profile_name: str, provider: str, key: str) -> tuple[str, str]:
    """Name the environment variables that can supply one setting, highest precedence first.

    Args:
        profile_name: The profile, e.g. ``prod-eu``.
        provider: The provider name, e.g. ``kaleyra``.
        key: The setting, e.g. ``api_key``.

    Returns:
        ``("MAILLOGS_PROD_EU_API_KEY", "MAILLOGS_KALEYRA_API_KEY")``.
    """
    suffix = _env_token(key)
    return (
        f"MAILLOGS_{_env_token(profile_name)}_{suffix}",
        f"MAILLOGS_{_env_token(provider)}_{suffix}",
    )


def profile_keys(spec: ProviderSpec) -> tuple[str, ...]:
    """List the keys a profile of this provider may set (besides ``provider``).

    Args:
        spec: The provider's registry entry.

    Returns:
        The common keys, then the provider's required and optional keys.
    """
    return COMMON_KEYS + spec.required_keys + tuple(spec.optional_keys)


def env_var_names(profile_name: str, provider: str) -> list[str]:
    """List every environment variable that can override a profile's settings.

    Per-profile variables come first (they win), then per-provider ones.

    Args:
        profile_name: The profile name.
        provider: The provider name (a registry name).

    Returns:
        Variable names such as ``MAILLOGS_PROD_EU_API_KEY`` and ``MAILLOGS_KALEYRA_API_KEY``.

    Raises:
        ConfigError: ``provider`` is not in the registry.
    """
    spec = _spec_or_config_error(provider, where=f"profile {profile_name!r}")
    pairs = [setting_env_vars(profile_name, spec.name, key) for key in profile_keys(spec)]
    names = [per_profile for per_profile, _ in pairs] + [per_provider for _, per_provider in pairs]
    # A profile named like its provider yields the same names twice.
    return list(dict.fromkeys(names))


def parse_profile_selection(values: Iterable[str]) -> list[str]:
    """Split repeated and comma-separated profile names, dropping blanks and duplicates.

    Args:
        values: Values of ``--profile`` (or of ``MAILLOGS_PROFILE``).

    Returns:
        Names in first-seen order.
    """
    names = (part.strip() for value in values for part in value.split(","))
    return list(dict.fromkeys(name for name in names if name))


# --------------------------------------------------------------------------- validators


def check_timezone(value: str) -> str:
    """Validate an IANA time zone name.

    Args:
        value: E.g. ``"Europe/Rome"``.

    Returns:
        The stripped name.

    Raises:
        ValueError: The zone is unknown.
    """
    name = value.strip()
    try:
        # Files of the zone directory that name no IANA zone: this machine's own
        # zone, the POSIX default rules, and the copies and leap-second variants.
        if name in ("localtime", "posixrules") or name.startswith(("posix/", "right/")):
            raise ValueError(name)
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        # ZoneInfoNotFoundError is a KeyError; malformed keys raise ValueError and
        # directory names like "America" an OSError.
        raise ValueError(
            f"unknown timezone {value!r}; use an IANA name such as 'Europe/Rome' or 'UTC'"
        ) from None
    return name


# Letters, digits, dots, dashes (and colons for IPv6 literals): no spaces.
_HOSTNAME = re.compile(r"[A-Za-z0-9.\-:]+")


def check_base_url(value: str) -> str:
    """Validate a provider base URL.

    Args:
        value: E.g. ``"https://api.kaleyra.io/"``.

    Returns:
        The URL without trailing slashes; a bare host (``xyz.api.infobip.com``,
        as Infobip's portal shows it) gets ``https://``.

    Raises:
        ValueError: Not an http(s) URL with a host, or it embeds credentials.
    """
    url = check_text("base_url", value.strip().rstrip("/"))
    if url and "://" not in url:
        url = f"https://{url}"
    parts = urlsplit(url)
    if parts.username or parts.password:
        # Do not echo the URL: it holds a password.
        raise ValueError("base_url must not contain credentials; use the profile's secret keys")
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not _HOSTNAME.fullmatch(parts.hostname)
        or parts.query
    ):
        raise ValueError(
            f"base_url must be an http(s) URL such as https://api.example.com, got {value!r}"
        )
    return url


def _shown_url(url: str) -> str:
    """A base URL as a listing may show it, unchecked: credentials or a query in
    it (which ``check_base_url`` refuses) may hold a secret, so both are masked.
    A bare host is read as ``check_base_url`` reads it, with ``https://``."""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if "@" not in parts.netloc and not parts.query:
            return url
        host = parts.netloc.rpartition("@")[2]
        user = "****@" if "@" in parts.netloc else ""
        query = "****" if parts.query else ""
        return urlunsplit((parts.scheme, user + host, parts.path, query, ""))
    except ValueError:
        return "****"


def check_text(key: str, value: str, *, secret: bool = False) -> str:
    """Validate a text setting: UTF-8, and for a secret what an HTTP header can carry.

    The message never repeats a secret's value.

    Args:
        key: The setting, for the message.
        value: Its value.
        secret: The value is sent in a header (printable ASCII only).

    Returns:
        The value.

    Raises:
        ValueError: The value holds bytes that are not UTF-8 (from the environment
            or the command line), or a secret holds control or non-ASCII characters.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{key} is not valid UTF-8 text") from None
    if secret and not (value.isascii() and value.isprintable()):
        raise ValueError(
            f"{key} holds control or non-ASCII characters, which an HTTP header cannot "
            "carry; check it for stray characters"
        )
    return value


def check_rate_limit(value: float) -> float:
    """Validate a client-side request budget (requests per minute; 0 disables the limiter).

    Raises:
        ValueError: Negative, not finite, or a pace slower than ``MIN_RATE_LIMIT``.
    """
    if not math.isfinite(value) or value < 0 or 0 < value < MIN_RATE_LIMIT:
        raise ValueError(
            f"rate_limit_per_minute must be a number >= 0 (0 disables the limiter; "
            f"otherwise at least {MIN_RATE_LIMIT}), got {value}"
        )
    return value


def check_timeout(value: float, key: str = "timeout") -> float:
    """Validate a request timeout (or ``request_deadline``) in seconds.

    Raises:
        ValueError: Not a positive number of seconds up to ``MAX_TIMEOUT``.
    """
    if not math.isfinite(value) or not 0 < value <= MAX_TIMEOUT:
        raise ValueError(
            f"{key} must be a positive number of seconds, at most {MAX_TIMEOUT:.0f}, got {value}"
        )
    return value


def _spec_or_config_error(provider: str, *, where: str) -> ProviderSpec:
    try:
        return get_spec(provider)
    except KeyError:
        raise ConfigError(
            f"{where}: unknown provider {provider!r}; choose from: {', '.join(PROVIDERS)}"
        ) from None


# --------------------------------------------------------------------------- profile model


class _Settings(Mapping[str, str]):
    """Read-only provider settings whose repr masks the secret values."""

    __slots__ = ("_data", "_secret_keys")

    def __init__(self, data: Mapping[str, str], secret_keys: Iterable[str]) -> None:
        self._data = dict(data)
        self._secret_keys = frozenset(secret_keys)

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        shown = {
            key: mask_secret(value) if key in self._secret_keys else value
            for key, value in self._data.items()
        }
        return repr(shown)


@dataclass(frozen=True)
class Profile:
    """One provider account, fully resolved (file, environment and defaults applied).

    Its repr masks secret settings, so logging a profile or showing it in a
    traceback never reveals a credential.

    Attributes:
        name: Profile name (``prod``, ``demo-edith``).
        provider: Registry name of the provider.
        base_url: API base URL without a trailing slash.
        timezone: IANA zone of the account's naive timestamps and day boundaries.
        settings: The provider's keys (required and optional, secrets included), as strings.
        rate_limit_per_minute: Client-side request budget; ``None`` when neither the
            profile nor the provider sets one, ``0`` when explicitly disabled.
        timeout: Per-request timeout in seconds.
        request_deadline: Seconds one request (connect, headers and body) may
            take in all; ``None`` for the default, a few times ``timeout``.
        demo: A built-in demo profile, served by the in-process sandbox.
        allow_http: Plain ``http://`` to a non-loopback host was explicitly allowed.
    """

    name: str
    provider: str
    base_url: str
    timezone: str
    settings: Mapping[str, str]
    rate_limit_per_minute: float | None
    timeout: float
    request_deadline: float | None = None
    demo: bool = False
    allow_http: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.settings, _Settings):
            masked = _Settings(self.settings, self.spec.secret_keys)
            object.__setattr__(self, "settings", masked)
        remember_secrets(self.secrets)

    @property
    def spec(self) -> ProviderSpec:
        """The provider's registry entry."""
        return get_spec(self.provider)

    @property
    def tz(self) -> ZoneInfo:
        """The account's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The non-empty secret values, for redaction in logs and debug traces."""
        return tuple(
            value for key in self.spec.secret_keys if (value := self.settings.get(key, ""))
        )

    def setting(self, key: str) -> str:
        """Return one provider setting.

        Args:
            key: A required or optional key of the provider (``sid``, ``api_version``).

        Raises:
            ConfigError: The profile has no such setting.
        """
        try:
            return self.settings[key]
        except KeyError:
            raise ConfigError(
                f"profile {self.name!r} ({self.provider}) has no setting {key!r}"
            ) from None


def _convert(key: str, value: Any, spec: ProviderSpec, *, from_env: bool) -> str | float | bool:
    """Check one raw value's type and content; raise ValueError with a fix-it message."""
    if key == "allow_http":
        return _true_or_false(key, value, from_env=from_env)
    if key in ("rate_limit_per_minute", "timeout", "request_deadline"):
        if from_env:
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"{key} must be a number, got {value!r}") from None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        else:
            raise ValueError(f"{key} must be a number, e.g. {key} = 60 (no quotes)")
        return (
            check_rate_limit(number)
            if key == "rate_limit_per_minute"
            else check_timeout(number, key)
        )
    if isinstance(value, int) and not isinstance(value, bool) and key not in COMMON_KEYS:
        # api_version = 4 is natural TOML for what the provider treats as text.
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f'{key} must be a string in quotes, e.g. {key} = "..."')
    text = value.strip()
    check_text(key, text, secret=key in spec.secret_keys)
    if key == "base_url":
        return check_base_url(text)
    if key == "timezone":
        return check_timezone(text)
    if not text and key in spec.required_keys:
        raise ValueError(f"{key} is empty")
    choices = spec.key_choices.get(key)
    if choices is not None:
        version = text.lower().removeprefix("v")
        if version not in choices:
            raise ValueError(f"{key} must be one of {', '.join(choices)}, got {text!r}")
        return version
    return text


_TRUE_WORDS: Final = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS: Final = frozenset({"false", "no", "off", "0"})


def _true_or_false(key: str, value: Any, *, from_env: bool) -> bool:
    """A TOML boolean, or (from the environment or ``--set``) a word for one."""
    if isinstance(value, bool):
        return value
    if from_env and isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS | _FALSE_WORDS:
            return word in _TRUE_WORDS
        raise ValueError(f"{key} must be true or false, got {value!r}")
    raise ValueError(f"{key} must be true or false, e.g. {key} = true (no quotes)")


def is_loopback_host(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ``::1``: traffic that never leaves the machine."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_cleartext(base_url: str, allow_http: bool, *, allow_hint: str) -> None:
    """Refuse a base URL that would send credentials unencrypted over a network.

    ``http://`` is fine to a loopback host (the sandbox, a local proxy) and when
    the profile says ``allow_http = true``; otherwise every request would carry
    the profile's secret in clear text.

    Args:
        base_url: A URL accepted by :func:`check_base_url`.
        allow_http: The profile's ``allow_http``.
        allow_hint: How to set ``allow_http`` where the URL came from, for the message.

    Raises:
        ValueError: ``base_url`` is plain HTTP to another host (the message says the fix).
    """
    parts = urlsplit(base_url)
    if parts.scheme != "http" or allow_http or is_loopback_host(parts.hostname or ""):
        return
    raise ValueError(
        f"base_url {_shown_url(base_url)} would send the credentials unencrypted; "
        f"use https://, or {allow_hint} if this network is trusted"
    )


def _documented_rate_limit(
    spec: ProviderSpec, settings: Mapping[str, str | float | None]
) -> float | None:
    """The provider's published requests a minute for these settings (Infobip:
    per ``api_version``), or None when it publishes none."""
    if spec.rate_limits_by is None:
        return None
    key, limits = spec.rate_limits_by
    limit = limits.get(str(settings.get(key)))
    return None if limit is None else float(limit)


def _display(value: str | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value
