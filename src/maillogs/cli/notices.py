"""Which notices a config has already shown (see :mod:`maillogs.core.notices`).

Remembered in ``notices.json`` in the state directory, next to the export
checkpoints (``$MAILLOGS_STATE_DIR`` or the platform's), per config file: a
second config (another team's, a test's) has not seen them yet. The memory is
best effort: when the file cannot be read or written the notice is shown
again, which is better than hiding it or failing the command. Two runs at once
may both show a notice (the last write wins); that is harmless.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

_FILE_NAME: Final = "notices.json"
_VERSION: Final = 1


class NoticeMemory:
    """The keys of the notices one config has shown."""

    def __init__(self, directory: Path, config: Path) -> None:
        """Bind to ``<directory>/notices.json`` and the config at ``config``."""
        self.path = directory / _FILE_NAME
        self.config = str(config.absolute())

    def first_time(self, key: str) -> bool:
        """True, and ``key`` remembered from now on, if this config never showed it."""
        document = self._load()
        shown = document["configs"].setdefault(self.config, [])
        if key in shown:
            return False
        shown.append(key)
        self._save(document)
        return True

    def _load(self) -> dict[str, dict[str, list[str]]]:
        from maillogs.core.errors import OutputError
        from maillogs.core.fileio import open_unshared

        try:
            # Not followed through a symlink, nor blocked on a FIFO planted there.
            with os.fdopen(open_unshared(self.path, os.O_RDONLY, "notices"), "rb") as file:
                data = json.loads(file.read().decode("utf-8"))
            configs = data["configs"]
            if isinstance(configs, dict) and all(isinstance(v, list) for v in configs.values()):
                return {"configs": configs}
        except (OSError, OutputError, ValueError, KeyError, TypeError):
            pass  # none yet, or damaged: start afresh (the notices show once more)
        return {"configs": {}}

    def _save(self, document: dict[str, dict[str, list[str]]]) -> None:
        from maillogs.core.errors import OutputError
        from maillogs.core.fileio import PRIVATE_FILE_MODE, atomic_write_bytes, private_dir

        payload = json.dumps({"version": _VERSION, **document}, indent=2) + "\n"
        try:
            private_dir(self.path.parent)
            atomic_write_bytes(
                self.path, payload.encode("utf-8"), PRIVATE_FILE_MODE, follow_symlinks=False
            )
        except (OSError, OutputError):
            pass  # a read-only state dir: the notice shows again next time


def default_memory() -> NoticeMemory:
    """The memory of the config this run uses, in this run's state directory."""
    from maillogs.export.checkpoint import state_dir
    from maillogs.profiles.store import config_path

    return NoticeMemory(state_dir(), config_path())
