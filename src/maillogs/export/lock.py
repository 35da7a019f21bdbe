"""Mutual exclusion between export runs, and clean-up after killed ones.

Both rest on ``flock``: the kernel drops a lock when its process dies, however
it dies, so a crashed run needs no clean-up and a stale lock cannot exist.

- One run per state name: ``<state dir>/<name>.lock``, taken without waiting.
  A second run fails at once with exit 75 so a wrapper can retry later.
- The temporary file of an export in progress is flocked by its writer. A
  temporary file nobody holds a lock on belongs to a run that was killed, and
  the next run removes it; one that is locked is another run's live work.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from maillogs.core.errors import OutputError, TemporaryFailureError
from maillogs.core.fileio import open_unshared, private_dir


@contextlib.contextmanager
def state_lock(directory: Path, name: str) -> Iterator[Path]:
    """Hold the lock of state ``name`` for the ``with`` block.

    Args:
        directory: The state directory (created 0700 if missing).
        name: The state name (already validated).

    Yields:
        The lock file's path.

    Raises:
        TemporaryFailureError: Another run holds the lock (exit 75).
        OutputError: The lock file cannot be created.
    """
    private_dir(directory)
    path = directory / f"{name}.lock"
    try:
        # Not through a planted link: we truncate and write the lock file.
        fd = open_unshared(path, os.O_RDWR | os.O_CREAT, "lock file")
    except OSError as exc:
        raise OutputError(f"cannot create lock file {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            raise TemporaryFailureError(
                f"another export with state {name!r} is still running{holder} "
                f"(lock {path}); try again when it has finished"
            ) from None
        _note_holder(fd)
        yield path
    finally:
        # Closing the descriptor releases the flock.
        os.close(fd)


def _note_holder(fd: int) -> None:
    """Write our pid into the lock file, for the message a second run prints.

    Only a nicety: the lock itself is the flock. So a full disk that refuses
    the pid does not stop the run, and a lock file with other hard links (one
    planted in a shared directory, or a backup's) is not written through.
    """
    with contextlib.suppress(OSError):
        if os.fstat(fd).st_nlink == 1:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode().strip())
        return f" (pid {pid})"
    return ""


def hold_temp_file(fd: int) -> None:
    """Mark a temporary output file as live work of this process.

    Args:
        fd: The open temporary file.

    Raises:
        TemporaryFailureError: Another run's clean-up got to the file first
            (two runs writing the same output at the same instant).
    """
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise TemporaryFailureError(
            "another export is writing the same output file at this moment; try again"
        ) from None


def remove_stale_temps(output: Path, older_than: float) -> list[Path]:
    """Remove temporary files that killed runs left next to ``output``.

    Only ``.<name>.<random>.tmp`` files of this output name qualify (the names
    ``maillogs.core.fileio.atomic_writer`` uses), only those last modified before
    ``older_than``, and only those no live writer holds a lock on.

    Args:
        output: The export's output file.
        older_than: Epoch seconds; younger files are left alone.

    Returns:
        The files removed.
    """
    prefix, suffix = f".{output.name}.", ".tmp"
    try:
        candidates = list(output.parent.iterdir())
    except OSError:
        # No directory yet means nothing to clean; unreadable ones fail at write time.
        return []
    removed: list[Path] = []
    for path in candidates:
        if not (path.name.startswith(prefix) and path.name.endswith(suffix)):
            continue
        middle = path.name[len(prefix) : -len(suffix)]
        # A dot in the random part means another output's temp (``out.jsonl.1``).
        if middle and "." not in middle and _remove_if_abandoned(path, older_than):
            removed.append(path)
    return removed


def _remove_if_abandoned(path: Path, older_than: float) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_mtime >= older_than:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        path.unlink(missing_ok=True)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
