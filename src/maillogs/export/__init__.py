"""``maillogs export``: crash-safe, incremental, lossless exports for cron jobs.

The pieces: :mod:`~maillogs.export.checkpoint` (how far the last committed run
got, per profile), :mod:`~maillogs.export.lock` (one run per state name, and
clean-up of files left by killed runs) and :mod:`~maillogs.export.runner`,
which puts them together around the engine's one request loop (the terminal
progress line is the one every command shares, :mod:`maillogs.render.progress`).
"""

from __future__ import annotations

from maillogs.export.runner import (
    DEFAULT_FIRST_WINDOW,
    DEFAULT_LOOKBACK,
    EXPORT_FORMATS,
    ExportResult,
    ExportSpec,
    run_export,
)

__all__ = [
    "DEFAULT_FIRST_WINDOW",
    "DEFAULT_LOOKBACK",
    "EXPORT_FORMATS",
    "ExportResult",
    "ExportSpec",
    "run_export",
]
