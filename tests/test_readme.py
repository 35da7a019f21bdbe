"""The README's provider table is generated from the registry and kept current."""

from __future__ import annotations

from pathlib import Path

from maillogs.providers.registry import PROVIDERS, README_END, README_START, readme_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_provider_table_is_the_registrys() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index(README_START)
    end = text.index(README_END) + len(README_END) + 1
    # Regenerate with: uv run python -m maillogs.providers.registry
    assert text[start:end] == readme_table()


def test_the_table_has_one_row_per_provider() -> None:
    rows = [line for line in readme_table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows[1:]] == list(PROVIDERS)
