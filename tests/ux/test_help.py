"""Every ``--help`` reads like a man page: real metavars, choices, examples that fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillogs.cli.app import COMMANDS, app, load_command
from maillogs.render import FORMATS

README = Path(__file__).parents[2] / "README.md"


def _command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name in COMMANDS:
        command = load_command(name)
        paths.append((name,))
        paths += [(name, sub) for sub in getattr(command, "commands", {})]
    return paths


def help_text(*path: str, width: int = 60) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_no_python_types_or_braces_in_any_help(path: tuple[str, ...]) -> None:
    text = help_text(*path)
    assert not re.search(r"<(int|float|str|list|bool|path)\b", text), text
    usage = text.splitlines()[0]
    assert "{" not in usage, usage
    for line in text.split("\nOptions:\n", 1)[1].splitlines():
        # An option line: "-x, --name METAVAR  help" or "--name METAVAR  help";
        # a metavar is upper case or a list of choices, never a lower-case word.
        match = re.match(r"  (?:-\w, )?--[\w-]+ (\S+)", line)
        if match and not match.group(1).startswith("/"):
            metavar = match.group(1)
            assert metavar.isupper() or "|" in metavar or not metavar[0].isalpha(), line


def test_show_offers_only_the_formats_it_writes_and_says_what_tz_does() -> None:
    text = help_text("show", width=120)
    assert "--format table|json|jsonl" in text
    assert "csv" not in text and "tsv" not in text
    assert "Show times in this IANA zone" in text


def test_list_format_help_names_every_format() -> None:
    text = " ".join(help_text("list", width=200).split())
    assert ", ".join(FORMATS[:-1]) + " or " + FORMATS[-1] in text


def _readme_profiles() -> set[str]:
    created = re.findall(r"maillogs profiles add (\S+)", README.read_text(encoding="utf-8"))
    return {name for name in created if not name.isupper()} | {
        "demo",
        "demo-kaleyra",
        "demo-edith",
        "demo-infobip",
    }


EXAMPLED = [
    ("list",),
    ("export",),
    ("stats",),
    ("show",),
    ("sync",),
    ("tail",),
    ("archive", "prune"),
]


@pytest.mark.parametrize("path", EXAMPLED, ids=" ".join)
def test_examples_fit_60_columns_and_use_profiles_the_readme_creates(
    path: tuple[str, ...],
) -> None:
    text = help_text(*path)
    examples = text.split("Example", 1)[1].split("\nArguments:")[0].split("\nOptions:")[0]
    for line in examples.splitlines():
        assert len(line) <= 60, line
    known = _readme_profiles()
    for names in re.findall(r"(?:-p|--profile) (\S+)", examples):
        for name in names.split(","):
            assert name in known, f"{name!r} in the {path} examples is not created in the README"


@pytest.mark.parametrize("path", EXAMPLED, ids=" ".join)
def test_examples_are_never_rewrapped_mid_command(path: tuple[str, ...]) -> None:
    """A line of an example is a command (or a cron schedule), or continues one
    that ends in a backslash: never a command the help text wrapped."""
    text = help_text(*path)
    examples = text.split("Example", 1)[1].split("\n\n", 1)[1]
    examples = examples.split("\nArguments:")[0].split("\nOptions:")[0]
    previous = ""
    for line in examples.splitlines():
        if line.strip():
            assert re.match(r"    (maillogs |\*/)", line) or previous.endswith("\\"), line
        previous = line


def test_readme_exit_codes_table_lists_tail_and_prune_code_1() -> None:
    from maillogs.cli.commands.tail import EXIT_NOTHING_ARRIVED

    text = README.read_text(encoding="utf-8").split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {int(m) for m in re.findall(r"^\| (\d+) \|", text, flags=re.MULTILINE)}
    assert {0, EXIT_NOTHING_ARRIVED, 2, 65, 66, 69, 70, 73, 75, 77, 78, 130} <= codes
