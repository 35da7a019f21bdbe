"""Reference commands: ``statuses``, ``providers`` and ``schema``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")]


def statuses_command(as_json: JsonOpt = False) -> None:
    """The canonical status vocabulary and how each provider's values map onto it."""
    from maillogs.core.statuses import STATUS_ALIASES, STATUS_MEANINGS
    from maillogs.providers.base import adapter_class
    from maillogs.providers.registry import PROVIDERS

    mapping = {
        spec.name: [
            {"native": native, "status": status.value}
            for native, status in adapter_class(spec).status_mapping()
        ]
        for spec in PROVIDERS.values()
    }
    single = {
        alias: next(iter(word.statuses))
        for alias, word in STATUS_ALIASES.items()
        if len(word.statuses) == 1 and word.native_group is None
    }
    # Aliases for several statuses or for a provider's own status group, with
    # the statuses in the vocabulary's order and each provider's group.
    sets = {
        alias: (
            [status.value for status in STATUS_MEANINGS if status in word.statuses],
            {
                spec.name: word.native_group
                for spec in PROVIDERS.values()
                if word.native_group in adapter_class(spec).native_groups
            },
        )
        for alias, word in STATUS_ALIASES.items()
        if alias not in single
    }
    if as_json:
        document = {
            "statuses": {status.value: meaning for status, meaning in STATUS_MEANINGS.items()},
            "aliases": {alias: status.value for alias, status in single.items()},
            "alias_sets": {
                alias: {"statuses": statuses, "native_groups": groups}
                for alias, (statuses, groups) in sets.items()
            },
            "providers": mapping,
        }
        from maillogs.render.jsonfmt import write_document

        write_document(sys.stdout, document)
        return
    for status, meaning in STATUS_MEANINGS.items():
        natives = [
            f"{PROVIDERS[name].title} {row['native']}"
            for name, rows in mapping.items()
            for row in rows
            if row["status"] == status.value
        ]
        aliases = sorted(a for a, s in single.items() if s is status)
        sys.stdout.write(f"{status.value:<13} {meaning}\n")
        if aliases:
            sys.stdout.write(f"{'':<13} aliases: {', '.join(aliases)}\n")
        if natives:
            sys.stdout.write(f"{'':<13} from: {'; '.join(natives)}\n")
    sys.stdout.write(
        "\nAliases for several statuses; where a provider has a status group of that\n"
        "name, they select exactly that group there:\n"
    )
    for alias, (statuses, groups) in sets.items():
        exact = [f"{PROVIDERS[name].title}: every {group} record" for name, group in groups.items()]
        sys.stdout.write(f"{alias:<13} {' or '.join(statuses)}")
        sys.stdout.write(f" ({'; '.join(exact)})\n" if exact else "\n")


def providers_command(as_json: JsonOpt = False) -> None:
    """Per provider: which filters run natively, locally or not at all; limits."""
    from dataclasses import asdict

    from maillogs.providers.base import adapter_class
    from maillogs.providers.registry import PROVIDERS

    described = {}
    for spec in PROVIDERS.values():
        capabilities = asdict(adapter_class(spec).capabilities)
        capabilities["native"] = dict(capabilities["native"])
        described[spec.name] = {
            "title": spec.title,
            "default_base_url": spec.default_base_url,
            "profile_keys": [*spec.required_keys, *spec.optional_keys],
            **capabilities,
        }
    if as_json:
        from maillogs.render.jsonfmt import write_document

        write_document(sys.stdout, described)
        return
    for info in described.values():
        sys.stdout.write(f"{info['title']}\n")
        for option, how in info["native"].items():
            sys.stdout.write(f"  native       --{option}: {how}\n")
        for what in info["local"]:
            sys.stdout.write(f"  local        {what}\n")
        for option in info["unsupported"]:
            sys.stdout.write(f"  unsupported  --{option}\n")
        for label in ("pagination", "page_size", "rate_limit", "retention"):
            sys.stdout.write(f"  {label.replace('_', ' '):<12} {info[label]}\n")
        for note in info["notes"]:
            sys.stdout.write(f"  note         {note}\n")
        sys.stdout.write(
            f"  base url     {info['default_base_url'] or '(per account; required)'}\n"
        )


def schema_command() -> None:
    """The JSON Schema of one output record (json/jsonl formats)."""
    from maillogs.providers.record_schema import record_json_schema
    from maillogs.render.jsonfmt import write_document

    write_document(sys.stdout, record_json_schema())
