"""``maillogs profiles``: add, list, show, remove profiles and pick the default.

Commands stay thin: validation and file handling live in :mod:`maillogs.profiles.store`.
Status messages go to stderr so stdout carries only data (``list``/``show``).
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from maillogs import profiles as config
from maillogs.cli import complete
from maillogs.core.errors import UsageError
from maillogs.providers.registry import PROVIDERS, ProviderSpec, get_spec

if TYPE_CHECKING:
    from rich.table import Table

profiles_app = typer.Typer(help="Manage provider profiles (config.toml).", no_args_is_help=True)


class OutputFormat(StrEnum):
    """Output formats of ``list`` and ``show``."""

    TABLE = "table"
    JSON = "json"


def _provider_keys() -> dict[str, inspect.Parameter]:
    """One ``profiles add`` option per provider key of the registry, with the
    help text, secrecy and choices its spec declares (``--sid``, ``--api-key``...)."""
    options: dict[str, inspect.Parameter] = {}
    for spec in PROVIDERS.values():
        for key in (*spec.required_keys, *spec.optional_keys):
            if key in options:
                continue
            secret = any(key in other.secret_keys for other in PROVIDERS.values())
            helps = {other.key_help[key] for other in PROVIDERS.values() if key in other.key_help}
            text = " / ".join(sorted(helps)) or key.replace("_", " ").capitalize() + "."
            if secret:
                text = text.rstrip(".") + " (secret: prefer the prompt or an env var)."
            choices = spec.key_choices.get(key)
            kind: Any = (
                StrEnum(f"Choice_{key}", {value: value for value in choices}) if choices else str
            )
            option = typer.Option(
                f"--{key.replace('_', '-')}",
                metavar=key.upper() if choices is None else "|".join(choices),
                help=text,
                show_default=False,
            )
            options[key] = inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[kind | None, option],
            )
    return options


# Provider keys that have a flag of their own; any other key is given with --set KEY=VALUE.
_KEY_OPTIONS = _provider_keys()

# Providers whose profiles must name the account's zone (asked for, or --timezone).
_ZONE_PROVIDERS = ", ".join(spec.title for spec in PROVIDERS.values() if spec.needs_account_zone)

FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: table on a terminal, json when piped).",
        case_sensitive=False,
    ),
]


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _note(message: str) -> None:
    typer.echo(message, err=True)


def _flag(key: str) -> str:
    return f"--{key.replace('_', '-')}" if key in _KEY_OPTIONS else f"--set {key}=VALUE"


_T = TypeVar("_T")


def _usage(check: Callable[[_T], _T], value: _T, flag: str) -> _T:
    """Run a ``config.check_*`` validator, reporting failure as a usage error naming ``flag``."""
    try:
        return check(value)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _choose_provider(provider: str | None, interactive: bool) -> ProviderSpec:
    choices = ", ".join(PROVIDERS)
    if provider is None:
        if not interactive:
            raise UsageError(f"missing --provider (one of: {choices})")
        while True:
            answer: str = typer.prompt(f"Provider ({choices})", err=True)
            try:
                return get_spec(answer)
            except KeyError as exc:
                _note(str(exc.args[0]))
    try:
        return get_spec(provider)
    except KeyError as exc:
        raise UsageError(f"--provider: {exc.args[0]}") from None


def _env_supplier(name: str, spec: ProviderSpec, key: str) -> str | None:
    """The environment variable that will supply ``key`` for the profile, if one is set."""
    env_vars = config.setting_env_vars(name, spec.name, key)
    return next((var for var in env_vars if os.environ.get(var, "").strip()), None)


def _account_zone(name: str, spec: ProviderSpec, interactive: bool) -> str | None:
    """The time zone of an account whose API dates in it without saying which.

    Asked for on a terminal and required otherwise: left out, every time and
    range edge would silently be off by the account's UTC offset. None when
    the environment supplies it.
    """
    supplier = _env_supplier(name, spec, "timezone")
    if supplier is not None:
        _note(f"timezone not stored: it is read from ${supplier}")
        return None
    if not interactive:
        raise UsageError(
            f"missing --timezone for {spec.title} profile {name!r}: {spec.title} gives times and "
            "days in the account's time zone without saying which; pass it as an IANA name, "
            "e.g. --timezone Asia/Kolkata"
        )
    while True:
        answer: str = typer.prompt(
            f"{spec.title} account time zone (IANA name, e.g. Asia/Kolkata)", err=True
        )
        try:
            return config.check_timezone(answer)
        except ValueError as exc:
            _note(str(exc))


def _parse_set(values: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"--set expects KEY=VALUE with a non-empty value, got {key!r}")
        parsed[key.strip()] = value
    return parsed


@profiles_app.command("add")
def add(
    name: Annotated[
        str, typer.Argument(metavar="PROFILE", help="Profile name (letters, digits, '-', '_').")
    ],
    provider: Annotated[
        str | None,
        typer.Option(
            metavar="PROVIDER", help=f"Provider: {', '.join(PROVIDERS)}.", show_default=False
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="API base URL (default: the provider's, if it has one).",
            show_default=False,
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE",
            help="IANA zone of the account's timestamps and days, e.g. Asia/Kolkata "
            f"(required for {_ZONE_PROVIDERS}; others default to UTC).",
            show_default=False,
        ),
    ] = None,
    rate_limit: Annotated[
        float | None,
        typer.Option(
            "--rate-limit",
            metavar="N",
            help="Client-side budget in requests per minute; 0 disables it.",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS", help="Request timeout in seconds [default: 30].", show_default=False
        ),
    ] = None,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Any other provider key, or allow_http=true, as KEY=VALUE (repeatable).",
            show_default=False,
        ),
    ] = None,
    make_default: Annotated[
        bool, typer.Option("--default", help="Make it the default profile.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing profile.")] = False,
    **provider_keys: Any,
) -> None:
    """Add a profile. Missing values are prompted for on a terminal (secrets hidden)."""
    interactive = _stdin_is_terminal()
    _usage(config.check_profile_name, name, "NAME")
    current = config.read_config()
    if name in current.profiles and not force:
        raise UsageError(
            f"profile {name!r} already exists in {current.path}; pass --force to replace it"
        )
    spec = _choose_provider(provider, interactive)

    given = {
        key: str(getattr(value, "value", value))
        for key, value in provider_keys.items()
        if value is not None
    }
    given.update(_parse_set(set_values or []))
    allowed = spec.required_keys + tuple(spec.optional_keys)
    for key in given:
        # allow_http, the one common key without a flag of its own, is checked on saving.
        if key not in allowed and key != "allow_http":
            raise UsageError(
                f"{_flag(key)} does not apply to {spec.title} profiles; "
                f"they take: {', '.join(_flag(k) for k in allowed)}"
            )
    secrets_on_command_line = [key for key in given if key in spec.secret_keys]

    if base_url is None and spec.default_base_url is None:
        if not interactive:
            raise UsageError(
                f"missing --base-url: {spec.title} has no default, give your account's API URL"
            )
        base_url = typer.prompt(f"{spec.title} base URL", err=True)
    if base_url is not None:
        base_url = _usage(config.check_base_url, base_url, "--base-url")
    if timezone is not None:
        timezone = _usage(config.check_timezone, timezone, "--timezone")
    elif spec.needs_account_zone:
        timezone = _account_zone(name, spec, interactive)
    if rate_limit is not None:
        _usage(config.check_rate_limit, rate_limit, "--rate-limit")
    if timeout is not None:
        _usage(config.check_timeout, timeout, "--timeout")

    for key in spec.required_keys:
        if key in given:
            continue
        supplier = _env_supplier(name, spec, key)
        if supplier is not None:
            # Keep it out of the file: the environment will keep supplying it.
            _note(f"{key} not stored: it is read from ${supplier}")
            continue
        if not interactive:
            env_var = config.setting_env_vars(name, spec.name, key)[0]
            raise UsageError(
                f"missing {_flag(key)} for {spec.title} profile {name!r}; "
                f"pass it, or set {env_var} and leave it out of the file"
            )
        secret = key in spec.secret_keys
        label = key.replace("_", " ") + (" (hidden)" if secret else "")
        given[key] = typer.prompt(label, hide_input=secret, err=True).strip()

    becomes_default = make_default or current.default_profile is None
    path = config.save_profile(
        name,
        spec.name,
        settings=given,
        base_url=base_url,
        timezone=timezone,
        rate_limit_per_minute=rate_limit,
        timeout=timeout,
        make_default=becomes_default,
        overwrite=force,
    )
    _note(
        f"saved profile {name!r} ({spec.name}) to {path}"
        + (" as the default" if becomes_default else "")
    )
    if (
        interactive
        and _stdout_is_terminal()
        and typer.confirm("Check it now with one request?", default=True, err=True)
    ):
        from maillogs.cli.check import run_check

        # The profile is saved either way; a failed check says what to fix.
        if run_check([name], out=sys.stderr):
            _note(
                f"fix it with `maillogs profiles add {name} --force ...`, then run "
                f"`maillogs profiles check {name}`"
            )
    if secrets_on_command_line:
        per_profile = [
            config.setting_env_vars(name, spec.name, k)[0] for k in secrets_on_command_line
        ]
        _note(
            f"hint: {', '.join(_flag(k) for k in secrets_on_command_line)} leaves the secret in "
            f"your shell history; omit it to be prompted, or set {', '.join(per_profile)} instead"
        )


def _with_provider_keys(command: Callable[..., None]) -> None:
    """Give ``command`` the registry's key options in place of its ``**provider_keys``."""
    signature = inspect.signature(command, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    at = next(i for i, p in enumerate(fixed) if p.name == "rate_limit")
    parameters = [*fixed[:at], *_KEY_OPTIONS.values(), *fixed[at:]]
    parameters = [
        p.replace(kind=p.KEYWORD_ONLY) if p.kind is p.POSITIONAL_OR_KEYWORD else p
        for p in parameters
    ]
    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {
        **{p.name: p.annotation for p in parameters},
        "return": signature.return_annotation,
    }


_with_provider_keys(add)


def _new_table(*headers: str) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _print_table(table: Table) -> None:
    from rich.console import Console

    # highlight=False: no guessed colouring of numbers and URLs in data. When piped,
    # never wrap: a folded URL or variable name cannot be copied or grepped.
    width = None if _stdout_is_terminal() else 100_000
    Console(highlight=False, width=width).print(table)


def _resolve_format(fmt: OutputFormat | None) -> OutputFormat:
    if fmt is not None:
        return fmt
    return OutputFormat.TABLE if _stdout_is_terminal() else OutputFormat.JSON


@profiles_app.command("list")
def list_(fmt: FormatOption = None) -> None:
    """List profiles: the config file's, then the built-in demo ones."""
    summaries = config.list_profiles()
    if _resolve_format(fmt) is OutputFormat.JSON:
        rows = [
            {
                "name": s.name,
                "provider": s.provider,
                "base_url": s.base_url,
                "timezone": s.timezone,
                "default": s.is_default,
                "builtin": s.builtin,
            }
            for s in summaries
        ]
        from maillogs.render.jsonfmt import write_document

        write_document(sys.stdout, rows)
        return
    table = _new_table("", "name", "provider", "base_url", "timezone", "kind")
    for s in summaries:
        kind = "built-in" if s.builtin else "file"
        table.add_row(
            "*" if s.is_default else "", s.name, s.provider, s.base_url or "", s.timezone, kind
        )
    _print_table(table)
    _note(f"* = default. `--profile {config.DEMO_ALIAS}` selects every built-in demo profile.")


def _source_label(info: config.SettingInfo) -> str:
    if info.source == "env":
        return f"env {info.env_var}"
    if info.source == "missing":
        return f"missing: set {info.env_vars[0]} or add it to the file"
    return info.source


@profiles_app.command("show")
def show(
    name: Annotated[
        str,
        typer.Argument(
            metavar="PROFILE", help="Profile name.", autocompletion=complete.complete_profile
        ),
    ],
    fmt: FormatOption = None,
) -> None:
    """Show a profile's effective settings (secrets masked), their sources and env overrides."""
    if name == config.DEMO_ALIAS:
        names = ", ".join(profile.name for profile in config.builtin_profiles())
        raise UsageError(f"{name!r} selects several profiles; show one of: {names}")
    description = config.describe_profile(name)
    if _resolve_format(fmt) is OutputFormat.JSON:
        document = {
            "name": description.name,
            "provider": description.provider,
            "builtin": description.builtin,
            "default": description.is_default,
            "config_file": str(description.config_path),
            "settings": [
                {
                    "key": info.key,
                    "value": info.display_value,
                    "secret": info.secret,
                    "source": info.source,
                    "env_var": info.env_var,
                }
                for info in description.settings
            ],
            "env_vars": list(description.env_vars),
        }
        from maillogs.render.jsonfmt import write_document

        write_document(sys.stdout, document)
        return
    kind = "built-in" if description.builtin else f"from {description.config_path}"
    default = ", default" if description.is_default else ""
    typer.echo(f"profile {description.name} ({description.provider}, {kind}{default})")
    table = _new_table("key", "value", "source")
    for info in description.settings:
        value = info.display_value
        table.add_row(info.key, "(none)" if value is None else value, _source_label(info))
    _print_table(table)
    if description.env_vars:
        typer.echo("environment overrides, highest precedence first:")
        for var in description.env_vars:
            typer.echo(f"  {var}")


@profiles_app.command("check")
def check(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PROFILE",
            help="Profiles to check ('demo': the built-in ones). Default: every profile "
            "in the config file.",
            autocompletion=complete.complete_profiles,
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log the requests (secrets redacted).")
    ] = False,
) -> None:
    """Check that each profile reaches its provider: one small request each.

    Prints a ✓ or ✗ line per profile with the reason it failed, and exits with
    the highest exit code among the failures (0 when all answered): 77 for
    refused credentials, 78 for a profile that cannot be read, 69 or 75 for a
    provider that cannot be reached.
    """
    from maillogs.cli.check import run_check

    raise typer.Exit(run_check(names, debug=debug))


@profiles_app.command("remove")
def remove(
    name: Annotated[
        str,
        typer.Argument(
            metavar="PROFILE", help="Profile name.", autocompletion=complete.complete_profile
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a profile from the config file."""
    if config.is_reserved_name(name):
        raise UsageError(f"profile {name!r} is built in and cannot be removed")
    current = config.read_config()
    current.require(name)
    if not yes:
        if not _stdin_is_terminal():
            raise UsageError(
                f"refusing to remove profile {name!r} without confirmation; pass --yes"
            )
        typer.confirm(f"Remove profile {name!r} from {current.path}?", abort=True, err=True)
    cleared = config.remove_profile(name)
    _note(f"removed profile {name!r} from {current.path}")
    if cleared:
        _note("it was the default; pick a new one with `maillogs profiles set-default NAME`")


@profiles_app.command("set-default")
def set_default(
    name: Annotated[
        str,
        typer.Argument(
            metavar="PROFILE",
            help="Profile name, or 'demo'.",
            autocompletion=complete.complete_profile,
        ),
    ],
) -> None:
    """Make a profile the one used when no --profile is given."""
    path = config.set_default(name)
    _note(f"default profile is now {name!r} (in {path})")
