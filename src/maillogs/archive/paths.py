"""Where the archive lives: ``--archive``, else ``$MAILLOGS_ARCHIVE``, else the
user's data directory (platformdirs), as ``archive.sqlite3``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ARCHIVE_ENV = "MAILLOGS_ARCHIVE"
ARCHIVE_NAME = "archive.sqlite3"


def archive_path(option: Path | None, env: Mapping[str, str] = os.environ) -> Path:
    """The archive file a command uses.

    Args:
        option: ``--archive PATH`` when given.
        env: The environment (``$MAILLOGS_ARCHIVE``; an empty value counts as unset).

    Returns:
        The path; nothing is created here.
    """
    if option is not None:
        return option
    from_env = env.get(ARCHIVE_ENV, "").strip()
    if from_env:
        return Path(from_env)
    import platformdirs  # Imported late: this module is on the `--help` path.

    return Path(platformdirs.user_data_dir("maillogs")) / ARCHIVE_NAME
