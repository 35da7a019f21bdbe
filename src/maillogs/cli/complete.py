"""Shell completion of option *values*: profiles, statuses, formats, zones...

Typer completes option names by itself; these complete what follows them
(``maillogs list --status bou<TAB>``). Each returns ``(value, help)`` pairs,
the help shown by shells that can (zsh, fish). Lists that take several
comma-separated values (``--profile a,b``, ``--status bounced,fa<TAB>``)
complete the last item and keep the ones before it.

This module is imported while the commands are declared, so on the
``--help`` path: everything beyond the standard library is imported inside
the functions, which run only when a shell asks. A completer never fails: an
unreadable config simply completes the built-in profiles.
"""

from __future__ import annotations

from collections.abc import Iterable

Completions = list[tuple[str, str]]


def _matching(incomplete: str, choices: Iterable[tuple[str, str]], *, many: bool) -> Completions:
    """The choices that complete ``incomplete``; with ``many``, its last comma item."""
    head, _, last = incomplete.rpartition(",") if many else ("", "", incomplete)
    prefix = f"{head}," if head else ""
    chosen = set(head.split(",")) if head else set()
    return [
        (prefix + value, help_text)
        for value, help_text in choices
        if value.lower().startswith(last.lower()) and value not in chosen
    ]


def profile_names() -> Completions:
    """Every profile a command could use: the config file's, then the built-in ones."""
    from maillogs.core.errors import MaillogsError
    from maillogs.profiles.demo import builtin_profiles
    from maillogs.profiles.model import DEMO_ALIAS
    from maillogs.profiles.store import read_config

    names: Completions = []
    try:
        for name, table in read_config().profiles.items():
            names.append((name, str(table.get("provider", ""))))
    except MaillogsError:
        pass  # a broken config: still offer the built-in profiles
    names.append((DEMO_ALIAS, "every built-in demo profile"))
    names += [(profile.name, f"built-in {profile.provider} demo") for profile in builtin_profiles()]
    return names


def complete_profiles(incomplete: str) -> Completions:
    """``--profile``: profile names, comma-separated."""
    return _matching(incomplete, profile_names(), many=True)


def complete_profile(incomplete: str) -> Completions:
    """One profile name (``profiles show PROFILE``)."""
    return _matching(incomplete, profile_names(), many=False)


def complete_statuses(incomplete: str) -> Completions:
    """``--status``: canonical statuses with their meaning, then the aliases."""
    from maillogs.core.statuses import STATUS_ALIASES, STATUS_MEANINGS

    canonical = [(status.value, meaning) for status, meaning in STATUS_MEANINGS.items()]
    aliases = [
        (word, "alias of " + ", ".join(sorted(alias.statuses)))
        for word, alias in STATUS_ALIASES.items()
    ]
    return _matching(incomplete, canonical + aliases, many=True)


def complete_formats(incomplete: str) -> Completions:
    """``--format`` of list and stats."""
    from maillogs.render import FORMATS

    return _matching(incomplete, [(fmt, "") for fmt in FORMATS], many=False)


def complete_show_formats(incomplete: str) -> Completions:
    """``show --format``: the formats show writes."""
    from maillogs.reports.show import SHOW_FORMATS

    return _matching(incomplete, [(fmt, "") for fmt in SHOW_FORMATS], many=False)


def complete_export_formats(incomplete: str) -> Completions:
    """``export --format``: the formats export writes."""
    from maillogs.export.runner import EXPORT_FORMATS

    return _matching(incomplete, [(fmt, "") for fmt in EXPORT_FORMATS], many=False)


def complete_groupings(incomplete: str) -> Completions:
    """``stats --by``."""
    from maillogs.reports.stats.periods import Grouping

    return _matching(incomplete, [(g.value, "") for g in Grouping], many=False)


def complete_sources(incomplete: str) -> Completions:
    """``stats --source``."""
    from maillogs.reports.stats.compute import SourceMode

    return _matching(incomplete, [(m.value, "") for m in SourceMode], many=False)


def complete_zones(incomplete: str) -> Completions:
    """``--tz``: IANA zone names (``Europe/R<TAB>``)."""
    from zoneinfo import available_timezones

    zones = sorted(
        zone for zone in available_timezones() if not zone.startswith(("posix/", "right/"))
    )
    return _matching(incomplete, [(zone, "") for zone in zones], many=False)


def complete_sort_fields(incomplete: str) -> Completions:
    """``list --sort``: record fields, each also as ``-field`` (descending)."""
    from maillogs.core.fields import RECORD_FIELDS

    fields = [(name, "") for name in RECORD_FIELDS]
    fields += [(f"-{name}", "descending") for name in RECORD_FIELDS]
    return _matching(incomplete, fields, many=True)


def complete_recipient_types(incomplete: str) -> Completions:
    """``--recipient-type``."""
    from maillogs.core.query import RECIPIENT_TYPES

    return _matching(incomplete, [(kind, "") for kind in RECIPIENT_TYPES], many=False)
