"""Checkpoints of incremental exports: how far the last committed run got.

One JSON file per state name (``<state dir>/<name>.state.json``) maps each
profile to the ``until`` instant of the last run whose output file was
committed. It is written atomically with mode 0600 in a 0700 directory, and
only ever after the output file is in place, so a crash at any moment leaves
a checkpoint that is at worst behind: the next run exports more, never less.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from maillogs.core.errors import ConfigError, UsageError
from maillogs.core.fileio import PRIVATE_FILE_MODE, atomic_write_bytes, open_unshared

STATE_DIR_ENV: Final = "MAILLOGS_STATE_DIR"
"""Environment variable naming the state directory (overrides the platform default)."""

DEFAULT_STATE: Final = "default"
"""The state name used when ``--state`` is not given."""

# Same shape as profile names: safe in file names, no path separators, no dots.
_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_FORMAT_VERSION: Final = 1


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Locate the state directory: ``$MAILLOGS_STATE_DIR``, else the platform's.

    Args:
        env: Environment to read ``MAILLOGS_STATE_DIR`` from.

    Returns:
        The directory (which may not exist yet).
    """
    override = env.get(STATE_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs  # Imported late: only incremental exports need it.

    return Path(platformdirs.user_state_dir("maillogs"))


def check_state_name(name: str) -> str:
    """Validate a ``--state`` name.

    Args:
        name: The proposed name.

    Returns:
        The name.

    Raises:
        UsageError: It is not 1-64 letters, digits, ``-`` or ``_``.
    """
    if not _NAME_RE.fullmatch(name):
        raise UsageError(
            f"--state: invalid name {name!r}; use up to 64 letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class Checkpoint:
    """How far one profile's last committed export got.

    Attributes:
        until: The exclusive end of that run's window (the "now" it started with).
        output: The file that run committed.
        records: Records that run wrote for this profile.
    """

    until: datetime
    output: str
    records: int

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored in the state file."""
        return {"until": self.until.isoformat(), "output": self.output, "records": self.records}


class CheckpointStore:
    """The checkpoints of one state name; callers hold that name's lock."""

    def __init__(self, directory: Path, name: str) -> None:
        """Bind the store to ``<directory>/<name>.state.json`` (nothing is read yet).

        Args:
            directory: The state directory.
            name: A name accepted by :func:`check_state_name`.
        """
        self.name = check_state_name(name)
        self.path = directory / f"{name}.state.json"

    def load(self) -> dict[str, Checkpoint]:
        """Read every profile's checkpoint; none yet is an empty mapping.

        Raises:
            ConfigError: The file exists but cannot be read or understood.
            OutputError: The name is a symlink or not a regular file (a FIFO, say).
        """
        try:
            content = _read_no_follow(self.path)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(
                f"cannot read export state {self.path}: {exc.strerror or exc}"
            ) from None
        try:
            data = json.loads(content.decode("utf-8"))
            return {
                profile: Checkpoint(
                    until=_aware(datetime.fromisoformat(entry["until"])),
                    output=str(entry["output"]),
                    records=int(entry["records"]),
                )
                for profile, entry in data["profiles"].items()
            }
        except (ValueError, KeyError, TypeError, AttributeError):
            # Writes are atomic, so only a hand edit gets here; say how to recover.
            raise ConfigError(
                f"export state {self.path} is damaged; delete it and the next run starts "
                "again from --since (or the default first window)"
            ) from None

    def commit(self, updates: Mapping[str, Checkpoint]) -> None:
        """Record new checkpoints, keeping those of profiles not in ``updates``.

        Args:
            updates: Profile name -> its new checkpoint.

        Raises:
            ConfigError: The existing file is damaged.
            OutputError: The file cannot be written (the old one is left intact), or
                it is a symlink.
        """
        merged = {**self.load(), **updates}
        document = {
            "version": _FORMAT_VERSION,
            "state": self.name,
            "profiles": {name: merged[name].to_json() for name in sorted(merged)},
        }
        payload = json.dumps(document, indent=2) + "\n"
        # The state directory may be shared: a symlink planted there since `load`
        # is refused, not followed.
        atomic_write_bytes(
            self.path, payload.encode("utf-8"), PRIVATE_FILE_MODE, follow_symlinks=False
        )


def refuse_overwrite(output: Path, state: str, checkpoints: Mapping[str, Checkpoint]) -> None:
    """Refuse to replace a file an earlier run of this state committed.

    The checkpoint has moved past that file's records, so writing it again
    would drop them for good: the classic cron line with a fixed ``--output``
    keeps only the last night. A file that no longer exists (moved away by the
    job) is fine to write.

    Args:
        output: The file this run would write.
        state: The state name, for the message.
        checkpoints: The state's checkpoints, each naming the file its run wrote.

    Raises:
        UsageError: ``output`` exists and is one of those files.
    """
    if not output.exists():
        return
    target = output.absolute()
    if any(Path(checkpoint.output).absolute() == target for checkpoint in checkpoints.values()):
        raise UsageError(
            f"--since-last: {output} holds the records of an earlier run of state {state!r}, "
            "which the checkpoint has moved past; write a new file each run "
            '(e.g. --output "mail-$(date +%F).csv") or pass --overwrite'
        )


def _read_no_follow(path: Path) -> bytes:
    # The state directory may be shared: a link or FIFO planted there is not used.
    fd = open_unshared(path, os.O_RDONLY, "export state")
    with os.fdopen(fd, "rb") as file:
        return file.read()


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("checkpoint without a time zone")
    return moment
