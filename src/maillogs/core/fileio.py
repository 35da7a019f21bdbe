"""Crash-safe file writes shared by the config file, state files and exports.

A reader (or a cron job running at the same moment) must see either the old
file or the complete new one, never a truncated mix, and a failed write must
leave the previous file untouched. So every write goes to a temporary file in
the same directory (``os.replace`` is only atomic within one file system), is
flushed to disk, given its final mode, and renamed over the target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

from maillogs.core.errors import OutputError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` and any missing parents with mode 0700 (``mkdir -p``).

    The mode is applied with an explicit ``chmod`` because ``mkdir`` honours the
    umask, and ``umask 000`` would otherwise leave the directory world-writable.
    Directories that already exist are left as they are: they may be shared
    ones the user chose (the current directory for an export).

    Args:
        path: The directory to create.

    Returns:
        The directory as a ``Path``.

    Raises:
        OutputError: A directory cannot be created (one line: path and OS reason).
    """
    directory = Path(path)
    missing: list[Path] = []
    probe = directory
    while not probe.exists():
        if probe.is_symlink():
            # mkdir would refuse the link itself, but the directories below it
            # would be made wherever it points: nothing is created through it.
            raise OutputError(
                f"cannot create directory {probe}: it is a symbolic link to "
                f"{probe.readlink()}, which does not exist"
            )
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=PRIVATE_DIR_MODE)
            created.chmod(PRIVATE_DIR_MODE)
        except FileExistsError:
            # Lost a race with another process creating it: that is fine.
            continue
        except OSError as exc:
            raise OutputError(f"cannot create directory {created}: {_reason(exc)}") from None
    if not directory.is_dir():
        raise OutputError(f"cannot use {directory} as a directory: it is not a directory")
    return directory


def open_unshared(path: Path, flags: int, what: str) -> int:
    """Open a file of a possibly shared directory (a lock, an export state) safely.

    Anyone who can write to the directory could plant the name as a symlink to
    a file of ours (which we would then truncate or overwrite) or as a FIFO
    (which would block the open): neither is used. Hard links are left to the
    caller: backup tools make them too (rsnapshot, ``cp -al``).

    Args:
        path: The file.
        flags: ``os.open`` flags (``O_NOFOLLOW``, ``O_NONBLOCK`` and ``O_CLOEXEC`` are added).
        what: What the file is, for the message (``lock file``).

    Returns:
        The open descriptor (created 0600 with ``O_CREAT``).

    Raises:
        OutputError: The name is a symlink or not a regular file.
        OSError: It cannot be opened otherwise (``FileNotFoundError`` when missing).
    """
    extra = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags | extra, PRIVATE_FILE_MODE)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        problem = "a symbolic link"
    else:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
        os.close(fd)
        problem = "not a regular file"
    raise OutputError(f"refusing to use {what} {path}: it is {problem}; remove it")


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable. Directories cannot be opened on Windows.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@overload
def atomic_writer(
    path: str | os.PathLike[str], mode: int = ..., text: Literal[True] = ...
) -> contextlib.AbstractContextManager[TextIO]: ...


@overload
def atomic_writer(
    path: str | os.PathLike[str], mode: int = ..., *, text: Literal[False]
) -> contextlib.AbstractContextManager[BinaryIO]: ...


@overload
def atomic_writer(
    path: str | os.PathLike[str], mode: int, text: Literal[False]
) -> contextlib.AbstractContextManager[BinaryIO]: ...


def atomic_writer(
    path: str | os.PathLike[str], mode: int = PRIVATE_FILE_MODE, text: bool = True
) -> contextlib.AbstractContextManager[IO[Any]]:
    """Write ``path`` atomically through a file object.

    Yields a file object on a temporary file ``.<name>.<random>.tmp`` next to
    ``path``. When the ``with`` block ends normally the data is flushed and
    fsynced, the file gets ``mode`` (explicitly, so the umask cannot widen it),
    replaces ``path`` and the directory is fsynced. When the block raises, the
    temporary file is removed, ``path`` is left untouched and the exception
    propagates unchanged. Missing parent directories are created with 0700.

    Args:
        path: The file to write.
        mode: Permission bits of the written file.
        text: Yield a UTF-8 text file (``\\n`` line endings) rather than a binary one.

    Raises:
        OutputError: The directory or file cannot be written (one line: path and OS reason).
    """
    return _atomic_writer(Path(path), mode, text)


def _replaceable(path: Path, follow_symlinks: bool = True) -> Path:
    """The regular file to replace for ``path``: through a symlink, never a device.

    Renaming over a symlink would cut the link, so the file it points to is
    replaced instead (the link stays). A dangling link is refused: writing
    through it would create a file, and directories, wherever it points. With
    ``follow_symlinks`` false any link is refused (files in shared directories,
    where someone else may have planted it). Renaming over ``/dev/null``,
    ``/dev/stdout``, a pipe or a directory (which root may do) would destroy it;
    none of those can be written atomically anyway.
    """
    if path.is_symlink():
        if not follow_symlinks:
            raise OutputError(
                f"cannot write {path}: it is a symbolic link, which maillogs does not "
                "follow here; remove it"
            )
        if not path.exists():
            raise OutputError(
                f"cannot write {path}: it is a symbolic link to {path.readlink()}, which "
                "does not exist; point it at an existing file or remove it"
            )
    try:
        # Follows symlinks: what matters is what the name leads to.
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(
            f"cannot write {path}: not a regular file (a directory, device or pipe); "
            "give the path of a file"
        )
    return path.resolve() if path.is_symlink() else path


@contextlib.contextmanager
def _atomic_writer(
    path: Path, mode: int, text: bool, follow_symlinks: bool = True
) -> Iterator[IO[Any]]:
    target = _replaceable(path, follow_symlinks)
    directory = private_dir(target.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
    tmp_path = Path(tmp_name)
    try:
        file = _named_file(fd, target, text)
    except BaseException:
        os.close(fd)
        tmp_path.unlink(missing_ok=True)
        raise
    try:
        try:
            yield file
            try:
                file.flush()
                os.fsync(file.fileno())
                file.close()
            except OSError as exc:
                raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
        except BaseException:
            # Closing flushes what is still buffered, which fails again on a full
            # disk; that second error must not replace the one being reported.
            with contextlib.suppress(OSError):
                file.close()
            raise
        try:
            # mkstemp created the file 0600, so no one else could read it before this.
            tmp_path.chmod(mode)
            tmp_path.replace(target)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        # Best effort: some file systems (network, FUSE) refuse to fsync a directory,
        # and by now the new content is in place, so failing the write would mislead.
        _fsync_directory(directory)


def _named_file(fd: int, target: Path, text: bool) -> IO[Any]:
    """The temporary file's descriptor as a file object whose ``name`` is ``target``.

    A write error then names the file the user asked for, not the descriptor
    number ``os.fdopen`` would give ("cannot write to 3").
    """

    def reuse_descriptor(_path: str, _flags: int) -> int:
        return fd

    if text:
        return open(str(target), "w", encoding="utf-8", newline="\n", opener=reuse_descriptor)
    return open(str(target), "wb", opener=reuse_descriptor)


def atomic_write_bytes(
    path: str | os.PathLike[str],
    data: bytes,
    mode: int = PRIVATE_FILE_MODE,
    *,
    follow_symlinks: bool = True,
) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_writer`).

    Args:
        path: The file to write.
        data: The complete new content.
        mode: Permission bits of the written file.
        follow_symlinks: Replace the file a symlink at ``path`` points to;
            when false such a link is refused.

    Raises:
        OutputError: The directory or file cannot be written, or ``path`` is a
            symlink that may not be followed.
    """
    with _atomic_writer(Path(path), mode, False, follow_symlinks) as file:
        file.write(data)
