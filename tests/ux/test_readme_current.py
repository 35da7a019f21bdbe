"""The README says what the program does: aliases, licence, debugging."""

from __future__ import annotations

import tomllib
from pathlib import Path

from maillogs.cli.statusdoc import END, START, alias_block, statuses_document
from maillogs.core.statuses import STATUS_ALIASES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_alias_list_is_what_maillogs_statuses_prints() -> None:
    start = README.index(START)
    end = README.index(END) + len(END) + 1
    # Regenerate with: uv run python -m maillogs.cli.statusdoc
    assert README[start:end] == alias_block(statuses_document())


def test_every_accepted_alias_is_in_the_readme() -> None:
    block = README[README.index(START) : README.index(END)]
    assert sorted(a for a in STATUS_ALIASES if f"`{a}`" not in block) == []


def test_the_license_file_is_the_one_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_maillogs_debug_is_documented() -> None:
    assert "`MAILLOGS_DEBUG=1`" in README
