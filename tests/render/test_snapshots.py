"""Width regressions of the rendered tables and chart show up as snapshot diffs
(see ``tests/render/snapshots.py`` for how to regenerate them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.render.snapshots import WIDTHS, expected_files

CASES = sorted(expected_files().items())


@pytest.mark.parametrize(("path", "text"), CASES, ids=[path.stem for path, _ in CASES])
def test_rendering_matches_the_snapshot(path: Path, text: str) -> None:
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} changed; if on purpose: uv run python -m tests.render.snapshots"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_snapshots_fit_their_width_with_ids_whole(width: int) -> None:
    files = expected_files()
    # Kaleyra's 38-character ids, a time and a status need 70 cells: at 60 the
    # list is wider than the terminal rather than cut (see render/fit.py).
    names = ("list", "stats") if width >= 80 else ("stats",)
    for name in names:
        text = files[Path(__file__).parent / "snapshots" / f"{name}-{width}.txt"]
        table = [line for line in text.splitlines() if not line.startswith("# stderr")]
        assert all(cell_len(line) <= width for line in table), f"{name} at {width}"
    listing = files[Path(__file__).parent / "snapshots" / f"list-{width}.txt"]
    assert "929d27f6-1e37-4545-b3ca-a2fe907b3124:1" in listing
    assert "2026-12-05 10:27:00" in listing  # 09:27 UTC, in Rome
