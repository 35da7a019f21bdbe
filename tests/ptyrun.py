"""Run ``maillogs`` with its standard streams on a pseudo-terminal of fixed width,
as a person at a terminal would (used by tests and by docs/screenshots.py)."""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Mapping
from typing import IO


def run_on_pty(
    args: list[str],
    env: Mapping[str, str],
    *,
    columns: int = 80,
    rows: int = 24,
    stdin: int | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | int | None = None,
    timeout: float = 60,
) -> tuple[int, str]:
    """Run ``maillogs ARGS``; stdin, stdout and stderr, unless given, are the terminal.

    Returns the exit code and everything written to the terminal.
    """
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "maillogs", *args],
        stdin=follower if stdin is None else stdin,
        stdout=follower if stdout is None else stdout,
        stderr=follower if stderr is None else stderr,
        env=dict(env),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError as exc:  # EIO: every holder of the terminal's other side is gone
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")
