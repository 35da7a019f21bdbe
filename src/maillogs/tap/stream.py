"""The ``email_logs`` stream: ``maillogs list --all`` as Singer records.

Records come from the engine ``maillogs list`` uses (same adapters, paging,
retries and rate limits); the schema is the one ``maillogs schema`` prints.

Why the stream is declared unsorted: the engine yields each profile's records
newest first, the order every provider pages in, and sorting them ascending
would hold a whole profile's records in memory. The SDK treats an unsorted
stream safely: while a profile is read, the new high-water mark is kept
apart (``progress_markers``) and only becomes the profile's bookmark once its
walk has ended. A run interrupted halfway therefore leaves the previous
bookmark in place, and the next run reads that profile again from there:
records may come twice (the key properties let a target upsert them), none is
skipped. A STATE message follows each finished profile, so an interruption
costs at most the profile being read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream

from maillogs.core.errors import UsageError
from maillogs.engine import fetch_records, make_plans, open_adapters
from maillogs.profiles import redact_secrets
from maillogs.providers.record_schema import record_json_schema
from maillogs.tap.settings import log_line, settings_error

if TYPE_CHECKING:
    import httpx
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from maillogs.tap.settings import TapSettings


class EmailLogsStream(Stream):
    """One record per message and recipient, partitioned (and bookmarked) per profile."""

    name = "email_logs"
    primary_keys = ("provider", "profile", "message_id", "recipient")
    replication_key = "submitted_at"
    state_partitioning_keys = ("profile",)

    def __init__(self, tap: Tap, settings: Callable[[], TapSettings]) -> None:
        """``settings`` is called on first use: a ``--discover`` needs no account."""
        super().__init__(tap, schema=singer_schema())
        self._settings = settings

    @property
    def is_sorted(self) -> bool:
        """Newest first, hence unsorted for Singer (see the module's docstring)."""
        return False

    @property
    def partitions(self) -> list[dict[str, Any]]:
        """One partition per profile, in the order the settings give them."""
        return [{"profile": profile.name} for profile in self._settings().profiles]

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Every record of one profile submitted since its bookmark less the
        lookback (else since ``start_date``), newest first."""
        if context is None:  # pragma: no cover - partitions always give one
            raise ValueError("email_logs is read one profile at a time")
        # The profiles finished so far are final now: say so before this one
        # starts, so that an interruption here loses no finished profile.
        self._write_state_message()
        settings = self._settings()
        profile = settings.profile(str(context["profile"]))
        query = replace(settings.query, since=self._since(context))
        with open_adapters(
            [profile],
            demo_transport=_demo_transport,
            # Request lines only when asked for (TAP_MAILLOGS_LOGLEVEL=DEBUG).
            debug=self._debug if self.logger.isEnabledFor(logging.DEBUG) else None,
            warn=self._warn,
            now=datetime.now(UTC),
        ) as adapters:
            try:
                plans = make_plans(adapters, query, self._warn)
            except UsageError as exc:  # a filter this profile's provider cannot apply
                raise settings_error(exc) from None
            with closing(fetch_records(plans, query)) as records:
                for record in records:
                    # The JSON `maillogs list --format jsonl` writes, key for key.
                    yield record.to_json_dict()

    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        # The SDK keeps the highest bookmark by comparing text. Records say
        # 05:51:05Z and 05:51:05.613Z as RFC 3339 allows, and as text the first
        # sorts after the second: handed over as a datetime, every value is
        # written alike (microseconds, +00:00) and text order is time order.
        submitted = latest_record.get("submitted_at")
        if isinstance(submitted, str):
            latest_record = {**latest_record, "submitted_at": datetime.fromisoformat(submitted)}
        super()._increment_stream_state(latest_record, context=context)

    def _since(self, context: Context) -> datetime | None:
        settings = self._settings()
        bookmark = self.get_context_state(context).get("replication_key_value")
        if not bookmark:
            return settings.start_date
        since = datetime.fromisoformat(str(bookmark)) - settings.lookback
        return max(since, settings.start_date) if settings.start_date else since

    def _warn(self, message: str) -> None:
        self.logger.warning(log_line(message))

    def _debug(self, message: str) -> None:
        # The client redacts its own profile's secrets; this catches another
        # profile's, echoed back by a provider.
        self.logger.debug(redact_secrets(message))


def singer_schema() -> dict[str, Any]:
    """``maillogs schema`` with its ``$ref`` written out in place: a Singer
    SCHEMA message carries no ``$defs`` (the SDK drops them), so a reference
    would leave ``status`` without its type and values."""
    schema = record_json_schema()
    definitions = schema.pop("$defs", {})
    prefix = "#/$defs/"
    for name, field in schema["properties"].items():
        reference = field.pop("$ref", None)
        if reference is not None:
            # The field's own keys (its description) win over the definition's.
            schema["properties"][name] = {
                **definitions[reference.removeprefix(prefix)],
                **field,
            }
    return schema


def _demo_transport() -> httpx.BaseTransport:
    """The in-process sandbox behind the built-in demo profiles."""
    from maillogs.sandbox.transport import demo_transport

    return demo_transport()
