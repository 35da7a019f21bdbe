"""The expected answer to a query, computed from the sandbox's own dataset.

Why this is an independent check: ``maillogs sandbox serve`` builds its data
with ``Dataset(seed, provider, records, now)``, a pure function of those four
values. Records, ids, statuses and addresses do not depend on ``now`` (except
EDITH's refId, which embeds the creation time); creation times are
``now - span + f(index)``. So once the server's ``now`` is known, the test can
rebuild every record in process, without any HTTP, pagination or maillogs
code, and state what ``list`` must print: one row per Kaleyra address, per
EDITH recipient row and per Infobip message, with the canonical status from
the README's table.

The server's ``now`` (its start time, truncated to the second) is recovered
with one request: Infobip message ids do not depend on ``now``, so the test
asks the server for the newest record's ``sentAt`` by its id and compares it
with the same record built for an arbitrary ``now``; the difference is the
shift, in whole seconds. The result is then checked exactly.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
from maillogs.sandbox import Emulator, EmulatorConfig
from maillogs.sandbox.dataset import Record, from_us

# The profile names the integration config defines, and their provider.
PROFILES: Mapping[str, str] = {
    "kaleyra": "kaleyra",
    "edith": "edith",
    "infobip4": "infobip",
    "infobip1": "infobip",
}
ALL_PROFILES = tuple(PROFILES)

# Canonical status per emulator outcome (README "Statuses"; sandbox README for
# which native value each outcome is). Infobip "pending" depends on the status
# name and is handled in `_infobip_status`.
KALEYRA_STATUS = {
    "accepted": "queued",
    "delivered": "delivered",
    "opened": "opened",
    "bounced": "bounced",
    "deferred": "deferred",
    "failed": "failed",
    "blocked": "blocked",
    "suppressed": "blocked",
}
EDITH_STATUS = {
    "queued": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "opened": "opened",
    "clicked": "clicked",
    "bounced": "bounced",
    "failed": "failed",
    "spam": "complained",
    "unsubscribed": "unsubscribed",
}
INFOBIP_STATUS = {
    "accepted": "queued",
    "delivered": "delivered",
    "bounced": "bounced",  # UNDELIVERABLE with a hard/soft bounce error
    "dropped": "blocked",  # UNDELIVERABLE, EC_DROPPED (suppression list)
    "rejected_policy": "blocked",  # REJECTED_SOURCE / REJECTED_DESTINATION
    "rejected_system": "failed",  # REJECTED_NETWORK / NOT_ENOUGH_CREDITS
    "expired": "expired",
}

_PROBE_NOW = datetime(2030, 1, 1, tzinfo=UTC)
_SECOND_US = 1_000_000
_MS_US = 1_000


@dataclass(frozen=True, order=True)
class Row:
    """What identifies one output record and what a user checks on it."""

    submitted_at: datetime
    provider: str
    profile: str
    message_id: str
    recipient: str | None
    status: str
    sender: str | None
    recipient_type: str | None

    @classmethod
    def from_output(cls, obj: Mapping[str, Any]) -> Row:
        """A row of ``list --format jsonl`` output."""
        return cls(
            submitted_at=datetime.fromisoformat(obj["submitted_at"]),
            provider=obj["provider"],
            profile=obj["profile"],
            message_id=obj["message_id"],
            recipient=obj["recipient"],
            status=obj["status"],
            sender=obj["sender"],
            recipient_type=obj["recipient_type"],
        )

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.profile, self.message_id, self.recipient)


def _floor(micros: int, unit: int) -> datetime:
    return from_us(micros - micros % unit)


class Reference:
    """Every record a sandbox serves, as maillogs must print it."""

    def __init__(self, records: int, seed: int, now: datetime) -> None:
        self.now = now
        self.emulator = Emulator(EmulatorConfig(records=records, seed=seed, now=now))
        self._rows: dict[str, list[Row]] = {}  # by profile, and by provider

    @classmethod
    def of_server(cls, base_url: str, records: int, seed: int) -> Reference:
        """The reference of a running server (whose ``now`` is recovered, see module doc)."""
        probe = Emulator(EmulatorConfig(records=records, seed=seed, now=_PROBE_NOW))
        newest = probe.datasets["infobip"].record(records - 1)
        sent_at = _fetch_sent_at(base_url, probe.infobip.message_id(newest))
        shift = sent_at - _floor(newest.created_us, _MS_US)
        now = _PROBE_NOW + timedelta(seconds=round(shift.total_seconds()))
        reference = cls(records, seed, now)
        rebuilt = reference.emulator.datasets["infobip"].record(records - 1)
        assert _floor(rebuilt.created_us, _MS_US) == sent_at, "could not recover the server's now"
        return reference

    def rows(self, profile: str) -> list[Row]:
        """Every record of ``profile``'s provider, newest first."""
        if profile not in self._rows:
            provider = PROFILES[profile]
            if provider not in self._rows:  # built once per provider, then relabelled
                build = {"kaleyra": self._kaleyra, "edith": self._edith, "infobip": self._infobip}
                dataset = self.emulator.datasets[provider]
                self._rows[provider] = [
                    row
                    for index in range(dataset.size - 1, -1, -1)
                    for row in build[provider](dataset.record(index), provider)
                ]
            self._rows[profile] = [replace(row, profile=profile) for row in self._rows[provider]]
        return self._rows[profile]

    def expect(
        self,
        profiles: Iterable[str],
        where: Callable[[Row], bool] = lambda row: True,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Counter[Row]:
        """The multiset of rows ``list --all`` must print for these profiles and filters."""
        return Counter(
            row
            for profile in profiles
            for row in self.rows(profile)
            if where(row)
            and (since is None or row.submitted_at >= since)
            and (until is None or row.submitted_at < until)
        )

    # -- one record as each provider's adapter must normalise it ---------------

    def _kaleyra(self, record: Record, profile: str) -> list[Row]:
        message_id = self.emulator.kaleyra.message_id(record)
        # One output record per address of the row's comma-joined to_mail.
        return [
            Row(
                submitted_at=_floor(record.created_us, _SECOND_US),
                provider="kaleyra",
                profile=profile,
                message_id=message_id,
                recipient=address,
                status=KALEYRA_STATUS[record.outcome],
                sender=record.sender,
                recipient_type=None,
            )
            for address in record.recipients
        ]

    def _edith(self, record: Record, profile: str) -> list[Row]:
        return [
            Row(
                submitted_at=_floor(record.created_us, _SECOND_US),
                provider="edith",
                profile=profile,
                message_id=self.emulator.edith.ref_id(record),
                recipient=record.recipients[0],
                status=EDITH_STATUS[record.outcome],
                sender=record.sender,
                recipient_type=record.recipient_type,
            )
        ]

    def _infobip(self, record: Record, profile: str) -> list[Row]:
        return [
            Row(
                submitted_at=_floor(record.created_us, _MS_US),
                provider="infobip",
                profile=profile,
                message_id=self.emulator.infobip.message_id(record),
                recipient=record.recipients[0],
                status=self._infobip_status(record),
                sender=record.sender,
                recipient_type=None,
            )
        ]

    def _infobip_status(self, record: Record) -> str:
        if record.outcome == "pending":
            status, _ = self.emulator.infobip.native(record)
            return "queued" if status["name"] == "PENDING_ACCEPTED" else "sent"
        return INFOBIP_STATUS[record.outcome]


def _fetch_sent_at(base_url: str, message_id: str) -> datetime:
    """``sentAt`` of one Infobip message, retrying through injected faults."""
    last = "no answer"
    for _ in range(30):
        try:
            response = httpx.get(
                f"{base_url}/email/4/logs",
                params={"messageId": message_id},
                headers={"Authorization": f"App {INFOBIP_API_KEY}"},
                timeout=10,
            )
            if response.status_code == 200:
                results = json.loads(response.content)["results"]
                return datetime.strptime(results[0]["sentAt"], "%Y-%m-%dT%H:%M:%S.%f%z")
            last = f"HTTP {response.status_code}"
        except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
            last = repr(exc)
        time.sleep(0.05)
    raise AssertionError(f"cannot read the sandbox's newest Infobip record: {last}")
