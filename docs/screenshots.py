"""Regenerate the SVG screenshots in docs/ that the README shows.

Each command runs against the built-in demo profiles on a real pseudo-terminal
(so colours, widths and the table fitting are what a user sees), and Rich's
``Console(record=True)`` turns the captured output into an SVG::

    uv run python -m docs.screenshots

The demo data follows the clock, so every run shows other (equally fake) mail.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text
from tests.ptyrun import run_on_pty

DOCS = Path(__file__).parent
WIDTH = 100


def terminal_output(*args: str, width: int = WIDTH) -> str:
    """stdout of ``maillogs ARGS`` on a ``width``-column pseudo-terminal."""
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update(TERM="xterm-256color", MAILLOGS_PAGER="", TZ="Europe/Rome")
    # stderr (the status line and notes) is not the point here.
    _, text = run_on_pty(list(args), env, columns=width, rows=50, stderr=subprocess.DEVNULL)
    return text.replace("\r\n", "\n")


def save(name: str, command: list[str]) -> None:
    # Recorded, not shown: the SVG is the output.
    console = Console(record=True, width=WIDTH, force_terminal=True, file=io.StringIO())
    console.print(Text.from_ansi(terminal_output(*command)), soft_wrap=True)
    path = DOCS / f"{name}.svg"
    console.save_svg(str(path), title="maillogs " + " ".join(command))
    print(f"wrote {path}")


def newest_id(profile: str) -> str:
    text = subprocess.run(
        [sys.executable, "-m", "maillogs", "list", "--profile", profile, "-n", "1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return str(json.loads(text)["message_id"])


if __name__ == "__main__":
    save("list", ["list", "--profile", "demo", "--limit", "12"])
    save("stats", ["stats", "--profile", "demo", "--range", "7d"])
    save("show", ["show", newest_id("demo-edith"), "--profile", "demo-edith"])
