"""Profiles: which provider account to query, with which credentials and settings.

Profiles live in one TOML file, ``$MAILLOGS_CONFIG`` or
``platformdirs.user_config_dir("maillogs")/config.toml``::

    default_profile = "prod"

    [profiles.prod]
    provider = "kaleyra"
    sid = "HXAP..."
    timezone = "Asia/Kolkata"

Every value can be supplied (and overridden) by environment variables so cron
jobs can keep secrets out of files; highest precedence first:
``MAILLOGS_<PROFILE>_<KEY>``, ``MAILLOGS_<PROVIDER>_<KEY>``, the file, the
default. Everything provider-specific (keys, secrets, defaults) comes from the
provider registry; the only provider data here is the built-in demo
credentials, which mirror the sandbox's.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from maillogs.core.errors import ConfigError, OutputError, UsageError
from maillogs.core.fileio import atomic_writer
from maillogs.providers.registry import PROVIDERS, ProviderSpec, get_spec

CONFIG_ENV: Final = "MAILLOGS_CONFIG"
"""Environment variable naming the config file (overrides the platform default)."""

PROFILE_ENV: Final = "MAILLOGS_PROFILE"
"""Environment variable selecting profiles when ``--profile`` is not given."""

DEFAULT_TIMEZONE: Final = "UTC"
DEFAULT_TIMEOUT: Final = 30.0

MAX_CONFIG_BYTES: Final = 1024 * 1024
"""The largest config file read (1 MiB); a real one is a few kilobytes."""

MAX_TIMEOUT: Final = 86_400.0
"""The longest per-request timeout (a day): larger values overflow socket timeouts."""

MIN_RATE_LIMIT: Final = 0.01
"""The slowest client-side pace (one request every 100 minutes), 0 aside: a
slower one means waits too long to sleep (overflow) and is never meant."""

DEMO_ALIAS: Final = "demo"
"""Selecting this name selects every built-in demo profile."""

DEMO_BASE_URL: Final = "http://sandbox.invalid"
"""Never resolved: demo profiles are served by an in-process sandbox transport."""

# Mirrors maillogs.sandbox.credentials (the values the sandbox accepts). Kept as
# plain data so that reading a config never imports the sandbox; a test checks
# that the two stay in step.
_DEMO_SETTINGS: Final[Mapping[str, Mapping[str, str]]] = {
    "kaleyra": {"sid": "DEMO-SID", "api_key": "demo-kaleyra-key"},
    "edith": {"token": "demo-edith-token"},
    "infobip": {"api_key": "demo-infobip-key", "api_version": "4"},
}

# The demo accounts' time zones (the sandbox's KALEYRA_TIMEZONE): named, like a
# real account's, so that no demo profile runs on the UTC fallback.
_DEMO_TIMEZONES: Final[Mapping[str, str]] = {"kaleyra": "UTC"}

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


# --------------------------------------------------------------------------- secrets

# Every secret value this process has resolved, so that last-resort output (the
# one-line error, a --debug traceback) can be scrubbed where no profile is at hand.
_SEEN_SECRETS: set[str] = set()
# Shorter values would also match ordinary words of a message; they are no
# credential anyway.
_MIN_REDACTED_LENGTH: Final = 6


def remember_secrets(values: Iterable[str]) -> None:
    """Add secret values to those :func:`redact_secrets` removes."""
    _SEEN_SECRETS.update(value for value in values if len(value) >= _MIN_REDACTED_LENGTH)


def redact_secrets(text: str) -> str:
    """Replace every secret resolved so far in this process by ``****``.

    Args:
        text: Any text about to be shown.

    Returns:
        The text without the secrets.
    """
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted(_SEEN_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text


# --------------------------------------------------------------------------- names


def mask_secret(value: str) -> str:
    """Mask a secret for display: ``****`` plus its last 4 characters.

    The last 4 are shown only when at least 8 other characters stay hidden, so
    a short secret is never half revealed.

    Args:
        value: The secret.

    Returns:
        ``"****1234"`` or ``"****"``.
    """
    return f"****{value[-4:]}" if len(value) >= 12 else "****"


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


# --------------------------------------------------------------------------- built-ins


def _demo_names() -> list[str]:
    return [f"{DEMO_ALIAS}-{name}" for name in PROVIDERS if name in _DEMO_SETTINGS]


def builtin_profiles() -> list[Profile]:
    """Return the built-in demo profiles (no config file, no network needed).

    Returns:
        One ``demo-<provider>`` profile per provider with demo credentials.
    """
    profiles = []
    for name in _demo_names():
        spec = get_spec(name.removeprefix(f"{DEMO_ALIAS}-"))
        settings = {**spec.optional_keys, **_DEMO_SETTINGS[spec.name]}
        profiles.append(
            Profile(
                name=name,
                provider=spec.name,
                base_url=DEMO_BASE_URL,
                timezone=_DEMO_TIMEZONES.get(spec.name, DEFAULT_TIMEZONE),
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


# --------------------------------------------------------------------------- reading


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    """Locate the config file: ``$MAILLOGS_CONFIG`` if set, else the platform's config dir.

    Args:
        env: Environment to read ``MAILLOGS_CONFIG`` from.

    Returns:
        The path (which may not exist yet).
    """
    override = env.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs  # Imported late: this module is on the `--help` path.

    return Path(platformdirs.user_config_dir("maillogs")) / "config.toml"


@dataclass(frozen=True)
class ConfigFile:
    """The parsed config file, structurally checked but with profiles not yet resolved.

    Attributes:
        path: Where the file is (or would be).
        exists: Whether the file exists.
        data: The whole TOML document (empty when the file does not exist).
    """

    path: Path
    exists: bool
    data: Mapping[str, Any] = field(repr=False)

    @property
    def default_profile(self) -> str | None:
        """The ``default_profile`` value, if any."""
        value = self.data.get("default_profile")
        return value if isinstance(value, str) and value.strip() else None

    @property
    def profiles(self) -> Mapping[str, Mapping[str, Any]]:
        """The ``[profiles.NAME]`` tables by name, in file order."""
        profiles: Mapping[str, Mapping[str, Any]] = self.data.get("profiles", {})
        return profiles

    def require(self, name: str) -> Mapping[str, Any]:
        """Return the table of profile ``name``.

        Raises:
            ConfigError: No such profile in the file (the message lists the known ones).
        """
        try:
            return self.profiles[name]
        except KeyError:
            raise ConfigError(_unknown_profile_message(name, self, origin=None)) from None


def _unknown_profile_message(name: str, config: ConfigFile, origin: str | None) -> str:
    source = f" (from {origin})" if origin else ""
    known = [*config.profiles, DEMO_ALIAS, *_demo_names()]
    if not config.exists:
        return (
            f"unknown profile {name!r}{source}: config file {config.path} does not exist; "
            f"create the profile with `maillogs profiles add {name} --provider ...` "
            f"or use a built-in one: {', '.join(known)}"
        )
    return (
        f"unknown profile {name!r}{source}: not in config file {config.path}; "
        f"known profiles: {', '.join(known)}; add it with "
        f"`maillogs profiles add {name} --provider ...`"
    )


def read_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] = os.environ,
    warn: Warn | None = None,
) -> ConfigFile:
    """Read and structurally check the config file.

    A missing file is not an error (it reads as empty). A file readable or
    writable by group/others is reported through ``warn``: it may hold secrets.

    Args:
        path: The file; default :func:`config_path`.
        env: Environment (for ``MAILLOGS_CONFIG``).
        warn: Receives one-line warnings; default prints them on stderr.

    Returns:
        The parsed file.

    Raises:
        ConfigError: Unreadable file, invalid TOML, or a malformed structure
            (``default_profile`` not a string, a profile not a table, an invalid or
            reserved profile name).
    """
    file_path = Path(path) if path is not None else config_path(env)
    try:
        mode, content = _read_config_bytes(file_path)
        data = tomllib.loads(content.decode("utf-8"))
    except FileNotFoundError:
        return ConfigFile(path=file_path, exists=False, data={})
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message carries the line and column and never the offending text.
        raise ConfigError(
            f"config file {file_path} is not valid TOML: {exc}; fix it, "
            f"or move it away and recreate profiles with {_ADD_HINT}"
        ) from None
    except UnicodeDecodeError as exc:
        # TOML is UTF-8; the reason names the position, not the (maybe secret) text.
        raise ConfigError(
            f"config file {file_path} is not valid TOML: it is not UTF-8 text "
            f"(byte {exc.start}); save it as UTF-8"
        ) from None
    except RecursionError:
        raise ConfigError(
            f"config file {file_path} is not valid TOML: it is nested too deeply; fix it, "
            f"or move it away and recreate profiles with {_ADD_HINT}"
        ) from None
    except ValueError:
        # A number past Python's int-to-text limit (4,300 digits); others are
        # TOMLDecodeError and UnicodeDecodeError, handled above.
        raise ConfigError(
            f"config file {file_path} is not valid TOML: it holds a number of more than "
            f"{sys.get_int_max_str_digits()} digits"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {file_path}: {exc.strerror or exc}; "
            f"check the path ({CONFIG_ENV}) and its permissions"
        ) from None
    if os.name == "posix" and mode & 0o077:
        (warn or _warn_stderr)(
            f"config file {file_path} is accessible by other users (mode {mode & 0o777:03o}) "
            f"and may hold secrets; run: chmod 600 {file_path}"
        )
    config = ConfigFile(path=file_path, exists=True, data=data)
    _check_structure(config)
    return config


def _read_config_bytes(path: Path) -> tuple[int, bytes]:
    """The config file's mode and content, refusing what is not a small regular file.

    ``/dev/zero`` would be read forever and a FIFO would block until someone
    writes to it: the file is opened non-blocking and must be a regular file
    of at most ``MAX_CONFIG_BYTES``.

    Raises:
        ConfigError: Not a regular file, or too large.
        OSError: It cannot be opened or read (``FileNotFoundError`` when missing).
    """
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(
                f"config file {path} is not a regular file (a directory, device or pipe); "
                f"point {CONFIG_ENV} at a TOML file"
            )
        # Read one byte past the cap: the size may change between fstat and read.
        content = handle.read(MAX_CONFIG_BYTES + 1)
    if len(content) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB; "
            "a config holds a few profiles: check the path"
        )
    return mode, content


def _check_structure(config: ConfigFile) -> None:
    where = f"config file {config.path}"
    default = config.data.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise ConfigError(
            f"{where}: default_profile must be a profile name in quotes, "
            f'e.g. default_profile = "prod"'
        )
    profiles = config.data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(
            f"{where}: profiles must be tables like [profiles.NAME], not a plain value"
        )
    for name, table in profiles.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{where}: profiles.{name} must be a table; write it as [profiles.{name}]"
            )
        try:
            check_profile_name(name)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}; rename [profiles.{name}]") from None


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
        elif not file.exists:
            raise ConfigError(
                f"no profile configured (no config file at {file.path}); "
                f"add one with {_ADD_HINT} or try `--profile demo`"
            )
        else:
            raise ConfigError(
                f"no profile selected and config file {file.path} sets no default_profile; "
                f"pass --profile NAME, set {PROFILE_ENV}, or run "
                f"`maillogs profiles set-default NAME` (profiles: "
                f"{', '.join([*file.profiles, DEMO_ALIAS])})"
            )
    profiles: list[Profile] = []
    for name in _expand(names):
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


# --------------------------------------------------------------------------- writing


def _write(path: Path, data: Mapping[str, Any]) -> None:
    # Serialise straight into the temporary file: if dumping fails half-way, the
    # previous config is still intact.
    import tomli_w  # Imported late: only writes need it.

    with atomic_writer(path, text=False) as handle:
        try:
            tomli_w.dump(dict(data), handle)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _load_for_update(
    path: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> tuple[ConfigFile, dict[str, Any]]:
    # Rewriting yields mode 0600, so a permission warning here would be noise.
    config = read_config(path, env=env, warn=_ignore_warning)
    data = dict(config.data)
    data["profiles"] = {name: dict(table) for name, table in config.profiles.items()}
    return config, data


def _finish(data: dict[str, Any]) -> dict[str, Any]:
    if not data["profiles"]:
        del data["profiles"]
    return data


def _number_for_toml(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def save_profile(
    name: str,
    provider: str,
    *,
    settings: Mapping[str, str] | None = None,
    base_url: str | None = None,
    timezone: str | None = None,
    rate_limit_per_minute: float | None = None,
    timeout: float | None = None,
    make_default: bool = False,
    overwrite: bool = False,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] = os.environ,
) -> Path:
    """Add or replace a profile, rewriting the file atomically with mode 0600.

    Only values given are written, so defaults keep following the registry.
    Required keys may be left out when the environment will supply them. Other
    profiles and top-level keys are preserved (TOML comments are not).

    Args:
        name: Profile name (see :func:`check_profile_name`).
        provider: A registry name.
        settings: The provider's keys (required and optional).
        base_url: Required when the provider has no default base URL.
        timezone: IANA zone; default UTC.
        rate_limit_per_minute: Client-side budget; 0 disables the limiter.
        timeout: Request timeout in seconds.
        make_default: Also make it the ``default_profile``.
        overwrite: Replace an existing profile of that name.
        path: The config file; default :func:`config_path`.
        env: Environment (for the config path).

    Returns:
        The path written.

    Raises:
        UsageError: Invalid input (a name, value or setting).
        ConfigError: An unknown provider, an existing profile without
            ``overwrite``, or an unreadable existing file (then left untouched).
        OutputError: The file cannot be written.
    """
    where = f"profile {name!r}"
    spec = _spec_or_config_error(provider, where=where)
    table: dict[str, Any] = {"provider": spec.name}
    try:
        check_profile_name(name)
        if base_url is not None:
            table["base_url"] = check_base_url(base_url)
        elif spec.default_base_url is None:
            raise ValueError(f"{spec.title} has no default base_url; give one")
        if timezone is not None:
            table["timezone"] = check_timezone(timezone)
        if rate_limit_per_minute is not None:
            table["rate_limit_per_minute"] = _number_for_toml(
                check_rate_limit(float(rate_limit_per_minute))
            )
        if timeout is not None:
            table["timeout"] = _number_for_toml(check_timeout(float(timeout)))
        given = dict(settings or {})
        if "allow_http" in given:
            table["allow_http"] = _true_or_false(
                "allow_http", given.pop("allow_http"), from_env=True
            )
        check_cleartext(
            table.get("base_url") or spec.default_base_url or "",
            table.get("allow_http", False),
            allow_hint="add --set allow_http=true",
        )
        allowed = spec.required_keys + tuple(spec.optional_keys)
        checked: dict[str, str | float] = {}
        for key, value in given.items():
            if key not in allowed:
                raise ValueError(
                    f"{key!r} is not a {spec.title} setting (allowed: {', '.join(allowed)})"
                )
            if not value.strip():
                raise ValueError(f"{key} is empty")
            # The same checks as reading the file: nothing is saved that a
            # later command would refuse (an api_version of 7, say).
            checked[key] = _convert(key, value, spec, from_env=True)
        # Registry order keeps files stable and readable.
        table.update({key: checked[key] for key in allowed if key in checked})
    except ValueError as exc:
        # The values are the caller's arguments (`profiles add`): a usage error.
        raise UsageError(f"{where}: {exc}") from None
    config, data = _load_for_update(path, env)
    if name in data["profiles"] and not overwrite:
        raise ConfigError(
            f"{where} already exists in config file {config.path}; "
            "replace it with `maillogs profiles add --force`"
        )
    data["profiles"][name] = table
    if make_default:
        data["default_profile"] = name
    _write(config.path, _finish(data))
    return config.path


def remove_profile(
    name: str,
    *,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] = os.environ,
) -> bool:
    """Remove a profile from the file (atomically, mode 0600).

    When it was the ``default_profile``, the default is removed too rather than
    left pointing at nothing.

    Args:
        name: Profile name.
        path: The config file; default :func:`config_path`.
        env: Environment (for the config path).

    Returns:
        Whether the default was cleared.

    Raises:
        ConfigError: No such profile in the file (built-in ones cannot be removed).
        OutputError: The file cannot be written.
    """
    config, data = _load_for_update(path, env)
    if _builtin(name) is not None:
        raise ConfigError(f"profile {name!r} is built in and cannot be removed")
    config.require(name)
    del data["profiles"][name]
    cleared = data.get("default_profile") == name
    if cleared:
        del data["default_profile"]
    _write(config.path, _finish(data))
    return cleared


def set_default(
    name: str,
    *,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] = os.environ,
) -> Path:
    """Make ``name`` the ``default_profile`` (a file profile, a built-in, or ``demo``).

    Args:
        name: Profile name.
        path: The config file; default :func:`config_path`.
        env: Environment (for the config path).

    Returns:
        The path written.

    Raises:
        ConfigError: No such profile.
        OutputError: The file cannot be written.
    """
    config, data = _load_for_update(path, env)
    if name != DEMO_ALIAS and _builtin(name) is None:
        config.require(name)
    data["default_profile"] = name
    _write(config.path, _finish(data))
    return config.path
