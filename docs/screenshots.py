"""Regenerate the SVG screenshots in docs/ that the README shows.

Each command runs against the built-in demo profiles on a real pseudo-terminal
(so colours, widths and the table fitting are what a user sees), and Rich's
``Console(record=True)`` turns the captured output into an SVG::

    uv run python docs/screenshots.py

The demo data follows the clock, so every run shows other (equally fake) mail.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from rich.console import Console
from rich.text import Text

DOCS = Path(__file__).parent
WIDTH = 100


def terminal_output(*args: str, width: int = WIDTH) -> str:
    """stdout of ``maillogs ARGS`` on a ``width``-column pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update(TERM="xterm-256color", MAILLOGS_PAGER="", TZ="Europe/Rome")
    process = subprocess.Popen(
        [sys.executable, "-m", "maillogs", *args],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.DEVNULL,  # the status line and notes are not the point here
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    process.wait()
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


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
