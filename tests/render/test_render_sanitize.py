from __future__ import annotations

import pytest

from maillogs.render import neutralize_formula, sanitize_cell


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("plain text, é 領", "plain text, é 領"),
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("a\r\nb\n\nc\td", "a b c d"),
        ("bell\x07 nul\x00 del\x7f", "bell nul del"),
        ("\x1b]0;new title\x07after", "after"),
        ("\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x9b31mc1\x85next", "c1 next"),
        ("dangling \x1b", "dangling "),
        ("\u202etxt.exe", "txt.exe"),
        ("[bold]markup[/bold]", "[bold]markup[/bold]"),
    ],
)
def test_sanitize_cell(text: str, clean: str) -> None:
    assert sanitize_cell(text) == clean


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("1-1", "1-1"),
        ("", ""),
    ],
)
def test_neutralize_formula(text: str, safe: str) -> None:
    assert neutralize_formula(text) == safe
