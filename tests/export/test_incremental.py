"""Checkpoint and lookback semantics, in process with fixed "now" values."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from maillogs.core.errors import AuthError
from maillogs.core.query import Query
from maillogs.export import ExportResult, ExportSpec, run_export
from maillogs.profiles.demo import builtin_profiles
from maillogs.profiles.model import Profile
from maillogs.profiles.resolve import resolve_profiles
from maillogs.sandbox import Emulator, EmulatorConfig, EmulatorTransport, FaultPlan
from tests.export.helpers import keys, read_jsonl
from tests.support import make_profile

E = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def no_warnings(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")


def export(
    tmp_path: Path,
    name: str,
    *,
    now: datetime,
    profiles: list[Profile],
    transport: Callable[[Profile], httpx.BaseTransport],
    since: datetime | None = None,
    until: datetime | None = None,
    since_last: bool = True,
    lookback: timedelta = 2 * H,
    state: str = "default",
    overwrite: bool = False,
) -> ExportResult:
    spec = ExportSpec(
        output=tmp_path / name,
        fmt="jsonl",
        query=Query(since=since, until=until),
        profiles=profiles,
        now=now,
        since_last=since_last,
        state=state,
        state_dir=tmp_path / "state",
        lookback=lookback,
        overwrite=overwrite,
    )
    return run_export(spec, warn=no_warnings, transport_factory=transport)


def test_consecutive_runs_miss_nothing_and_overlap_by_the_lookback(tmp_path: Path) -> None:
    emulator = Emulator(EmulatorConfig(records=300, seed=11, now=E))
    transport = EmulatorTransport(emulator)
    profiles = builtin_profiles()

    def run(name: str, now: datetime, **options: Any) -> list[dict[str, Any]]:
        export(tmp_path, name, now=now, profiles=profiles, transport=lambda _: transport, **options)
        return read_jsonl(tmp_path / name)

    first = run("1.jsonl", E - 20 * H, since=E - 40 * H)
    second = run("2.jsonl", E - 5 * H)
    everything = run("all.jsonl", E, since=E - 40 * H, until=E - 5 * H, since_last=False)

    assert set(keys(first)) | set(keys(second)) == set(keys(everything))
    assert len(keys(second)) == len(set(keys(second)))
    overlap = set(keys(first)) & set(keys(second))
    in_lookback = {
        key
        for key, row in zip(keys(everything), everything, strict=True)
        if E - 22 * H <= datetime.fromisoformat(row["submitted_at"]) < E - 20 * H
    }
    # The last two hours before the checkpoint are exported again, and nothing older.
    assert overlap == in_lookback
    assert overlap


def test_since_only_sets_the_first_run_of_each_profile(tmp_path: Path) -> None:
    emulator = Emulator(EmulatorConfig(records=50, seed=3, now=E))
    transport = EmulatorTransport(emulator)
    kaleyra, edith, _infobip = builtin_profiles()

    first = export(
        tmp_path,
        "1.jsonl",
        now=E - 6 * H,
        since=E - 30 * H,
        profiles=[kaleyra],
        transport=lambda _: transport,
    )
    # A week-old --since on a later run is ignored for the profile with a checkpoint,
    # and starts the profile that joins the job.
    second = export(
        tmp_path,
        "2.jsonl",
        now=E,
        since=E - 7 * 24 * H,
        profiles=[kaleyra, edith],
        transport=lambda _: transport,
    )

    assert first.windows == {kaleyra.name: (E - 30 * H, E - 6 * H)}
    assert second.windows == {
        kaleyra.name: (E - 8 * H, E),
        edith.name: (E - 7 * 24 * H, E),
    }
    assert second.checkpoint == E
    state = json.loads((tmp_path / "state" / "default.state.json").read_text())
    assert {name: entry["until"] for name, entry in state["profiles"].items()} == {
        kaleyra.name: E.isoformat(),
        edith.name: E.isoformat(),
    }


class FakeEdith:
    """EDITH's log API over a mutable list of rows, honouring the date filter."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def put(self, ref_id: str, created: datetime, status: str, updated: datetime) -> None:
        self.rows[ref_id] = {
            "refId": ref_id,
            "fromAddress": "alerts@shop.example",
            "recipientAddress": f"{ref_id}@example.com",
            "recipientType": "to",
            "subject": "Order",
            "status": status,
            "createdAt": created.isoformat().replace("+00:00", "Z"),
            "updatedAt": updated.isoformat().replace("+00:00", "Z"),
        }

    def handler(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        start = datetime.fromisoformat(params["startCreatedAt"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(params["endCreatedAt"].replace("Z", "+00:00"))
        rows = [
            row
            for row in sorted(self.rows.values(), key=lambda r: r["createdAt"], reverse=True)
            if start <= datetime.fromisoformat(row["createdAt"].replace("Z", "+00:00")) < end
        ]
        return httpx.Response(200, json={"success": True, "emailLogs": rows, "nextPageToken": None})

    def transport(self, _profile: Profile) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handler)


def statuses(path: Path) -> dict[str, str]:
    return {row["message_id"]: row["status"] for row in read_jsonl(path)}


@pytest.mark.parametrize(
    ("lookback", "expected"),
    [
        # The late bounce and the late-arriving record are both caught...
        (2 * H, {"late-bounce": "bounced", "late-arrival": "delivered", "new": "delivered"}),
        # ...and without a lookback both are lost for good.
        (timedelta(0), {"new": "delivered"}),
    ],
)
def test_late_updates_and_late_arrivals_reappear_within_the_lookback(
    tmp_path: Path, lookback: timedelta, expected: dict[str, str]
) -> None:
    t0 = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
    api = FakeEdith()
    profile = make_profile("edith")
    api.put("late-bounce", t0 - 30 * M, "sent", t0 - 29 * M)
    api.put("old", t0 - 3 * H, "delivered", t0 - 3 * H)

    first = export(
        tmp_path,
        "1.jsonl",
        now=t0,
        since=t0 - 4 * H,
        profiles=[profile],
        transport=api.transport,
        lookback=lookback,
    )
    # Between the runs: the message bounces, a record sent before the first run
    # only now becomes visible, and a new one is sent.
    api.put("late-bounce", t0 - 30 * M, "bounced", t0 + 20 * M)
    api.put("late-arrival", t0 - 10 * M, "delivered", t0 + 5 * M)
    api.put("new", t0 + 10 * M, "delivered", t0 + 11 * M)
    export(
        tmp_path,
        "2.jsonl",
        now=t0 + H,
        profiles=[profile],
        transport=api.transport,
        lookback=lookback,
    )

    assert first.records == 2
    assert statuses(tmp_path / "1.jsonl") == {"late-bounce": "sent", "old": "delivered"}
    assert statuses(tmp_path / "2.jsonl") == expected


class ShiftingKaleyra:
    """Kaleyra's page/limit log API, where mail sent during the walk shifts the pages."""

    def __init__(self, count: int, newest: datetime) -> None:
        self.rows = [self.row(f"m{i:03d}", newest - i * M) for i in range(count)]
        self.arrival = self.row("arrived-later", newest + H)

    @staticmethod
    def row(message_id: str, submitted: datetime) -> dict[str, Any]:
        return {
            "message_id": message_id,
            "status": "DELIVERED",
            "from_mail": "alerts@shop.example",
            "to_mail": f"{message_id}@example.com",
            "submitted_at": submitted.strftime("%Y-%m-%d %H:%M:%S"),
            "delivered_at": "",
        }

    def handler(self, request: httpx.Request) -> httpx.Response:
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        if page > 1 and self.rows[0] is not self.arrival:
            # A new mail lands on page 1 and pushes every row one place down.
            self.rows.insert(0, self.arrival)
        rows = self.rows[(page - 1) * limit : page * limit]
        body = {"data": rows, "error": {}, "total": len(self.rows), "limit": str(limit)}
        return httpx.Response(200, json=body)


def test_rows_repeated_by_shifting_pages_are_written_once(tmp_path: Path) -> None:
    t0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
    api = ShiftingKaleyra(150, newest=t0 - H)

    result = export(
        tmp_path,
        "out.jsonl",
        now=t0,
        since=t0 - 6 * H,
        profiles=[make_profile("kaleyra")],
        transport=lambda _: httpx.MockTransport(api.handler),
    )

    ids = [row["message_id"] for row in read_jsonl(tmp_path / "out.jsonl")]
    assert result.duplicates == 1
    assert ids == [f"m{i:03d}" for i in range(150)]


def test_a_refused_profile_leaves_file_and_checkpoints_as_they_were(tmp_path: Path) -> None:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    api = FakeEdith()
    api.put("m1", t0 - H, "delivered", t0)
    good = make_profile("edith", name="good")
    flaky = make_profile("edith", name="flaky")
    refusing = httpx.MockTransport(lambda _request: httpx.Response(401, json={"success": False}))
    export(tmp_path, "out.jsonl", now=t0, profiles=[good, flaky], transport=api.transport)
    before_file = (tmp_path / "out.jsonl").read_bytes()
    before_state = (tmp_path / "state" / "default.state.json").read_bytes()

    def transport(profile: Profile) -> httpx.BaseTransport:
        return refusing if profile.name == "flaky" else api.transport(profile)

    with pytest.raises(AuthError, match="flaky"):
        export(
            tmp_path,
            "out.jsonl",
            now=t0 + H,
            profiles=[good, flaky],
            transport=transport,
            overwrite=True,
        )

    assert (tmp_path / "out.jsonl").read_bytes() == before_file
    assert (tmp_path / "state" / "default.state.json").read_bytes() == before_state


def infobip_profile(rate_limit: float | None) -> Profile:
    return make_profile(
        "infobip",
        name="ib",
        base_url="http://sandbox.invalid",
        settings={"api_key": "demo-infobip-key", "api_version": "4"},
        rate_limit_per_minute=rate_limit,
    )


class Recorder(httpx.BaseTransport):
    """Forwards to the emulator and notes when each request was sent."""

    def __init__(self, emulator: Emulator) -> None:
        self.inner = EmulatorTransport(emulator)
        self.sent: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return self.inner.handle_request(request)


def test_infobip_v4_default_rate_limit_paces_the_export(tmp_path: Path) -> None:
    # One window at this pace, so enough records for a cursor walk of 3 pages.
    emulator = Emulator(EmulatorConfig(records=3000, seed=2, now=E))
    recorder = Recorder(emulator)

    # A profile that names no rate limit, resolved as every command resolves it.
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.ib]\nprovider = "infobip"\nbase_url = "https://sandbox.invalid"\n'
        'api_key = "demo-infobip-key"\napi_version = "4"\n'
    )
    config.chmod(0o600)
    (profile,) = resolve_profiles(["ib"], path=config, env={})
    assert profile.rate_limit_per_minute == 120

    export(
        tmp_path,
        "out.jsonl",
        now=E,
        since=E - 47 * H,
        profiles=[profile],
        transport=lambda _: recorder,
        since_last=False,
    )

    gaps = [b - a for a, b in zip(recorder.sent, recorder.sent[1:], strict=False)]
    assert len(recorder.sent) >= 3
    # 120 requests a minute: one every 0.5 s (a little slack for timer granularity).
    assert min(gaps) >= 0.45


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    faults = FaultPlan(script={1: "429ra"})
    emulator = Emulator(EmulatorConfig(records=50, seed=2, now=E, faults=faults))
    recorder = Recorder(emulator)

    result = export(
        tmp_path,
        "out.jsonl",
        now=E,
        since=E - 3 * H,
        profiles=[infobip_profile(0)],
        transport=lambda _: recorder,
        since_last=False,
    )

    assert result.records > 0
    assert recorder.sent[1] - recorder.sent[0] >= 1.0
