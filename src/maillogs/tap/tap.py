"""The ``tap-maillogs`` command: the SDK's standard tap CLI over one stream."""

from __future__ import annotations

import logging
import sys
from functools import cached_property
from typing import Any

from singer_sdk import Stream, Tap

from maillogs.core.errors import MaillogsError
from maillogs.tap.settings import TapSettings, log_line, read_settings, settings_schema
from maillogs.tap.stream import EmailLogsStream


class TapMaillogs(Tap):
    """Email logs of every provider maillogs reads, in one vocabulary."""

    name = "tap-maillogs"
    # The distribution whose version `--about` and `--version` report.
    package_name = "maillogs"
    config_jsonschema = settings_schema()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # httpx logs every request URL at INFO, which the SDK's logging shows:
        # maillogs' own request log (redacted, at DEBUG) replaces it.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        super().__init__(*args, **kwargs)

    @cached_property
    def settings(self) -> TapSettings:
        """The settings resolved into profiles and a query (on first use: a
        ``--discover`` needs no account)."""
        return read_settings(self.config, warn=self._warn)

    def discover_streams(self) -> list[Stream]:
        """The one stream."""
        return [EmailLogsStream(self, lambda: self.settings)]

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # After the SDK's schema check (the runs that validate; `--discover`
        # does not), maillogs' own: a bad profile or filter fails before any
        # stream starts.
        errors = super()._validate_config(raise_errors=raise_errors)
        if not errors and raise_errors:
            _ = self.settings
        return errors

    def _warn(self, message: str) -> None:
        self.logger.warning(log_line(message))

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Run the tap; a maillogs error (bad profile, refused credentials, a
        provider down after retries) ends it with one log line and maillogs'
        documented exit code, not a traceback."""
        try:
            super().invoke(*args, **kwargs)
        except MaillogsError as exc:
            cls.logger.error(log_line(str(exc)))
            sys.exit(exc.exit_code)
