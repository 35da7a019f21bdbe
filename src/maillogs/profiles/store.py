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

import os
import stat
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from maillogs.core.errors import ConfigError, OutputError, UsageError
from maillogs.core.fileio import atomic_writer
from maillogs.core.suggest import did_you_mean
from maillogs.profiles.demo import _builtin, _demo_names
from maillogs.profiles.model import (
    _ADD_HINT,
    DEMO_ALIAS,
    Warn,
    _convert,
    _ignore_warning,
    _spec_or_config_error,
    _true_or_false,
    _warn_stderr,
    check_base_url,
    check_cleartext,
    check_profile_name,
    check_rate_limit,
    check_timeout,
    check_timezone,
)

CONFIG_ENV: Final = "MAILLOGS_CONFIG"
"""Environment variable naming the config file (overrides the platform default)."""

PROFILE_ENV: Final = "MAILLOGS_PROFILE"
"""Environment variable selecting profiles when ``--profile`` is not given."""

MAX_CONFIG_BYTES: Final = 1024 * 1024
"""The largest config file read (1 MiB); a real one is a few kilobytes."""

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
    hint = did_you_mean(name, known)
    if not config.exists:
        return (
            f"unknown profile {name!r}{source}: config file {config.path} does not exist; "
            f"{hint}create the profile with `maillogs profiles add {name} --provider ...` "
            f"or use a built-in one: {', '.join(known)}"
        )
    return (
        f"unknown profile {name!r}{source}: not in config file {config.path}; "
        f"{hint}known profiles: {', '.join(known)}; add it with "
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
