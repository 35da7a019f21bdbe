"""The synthetic dataset: deterministic, ordered, realistic, and lazy at any size."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta

import pytest

from maillogs.providers.registry import PROVIDERS
from maillogs.sandbox import Emulator, EmulatorConfig
from maillogs.sandbox.dataset import Dataset, to_us
from tests.sandbox.helpers import NOW


def test_same_seed_same_records_other_seed_other_records() -> None:
    a = Dataset(7, "edith", 1000, NOW)
    b = Dataset(7, "edith", 1000, NOW)
    c = Dataset(8, "edith", 1000, NOW)
    sample = [0, 1, 499, 998, 999]
    assert [a.record(i) for i in sample] == [b.record(i) for i in sample]
    assert [a.record(i).recipients for i in sample] != [c.record(i).recipients for i in sample]


def test_providers_get_different_data() -> None:
    first = [Dataset(7, p, 100, NOW).record(50).recipients for p in PROVIDERS]
    assert len(set(first)) == 3


@pytest.mark.parametrize("provider", PROVIDERS)
def test_times_are_ordered_within_the_span(provider: str) -> None:
    data = Dataset(7, provider, 5000, NOW)
    times = [data.time_us(i) for i in range(5000)]
    assert times == sorted(times)
    assert times[0] >= data.start_us
    assert times[-1] <= data.now_us
    for i in (0, 1, 2500, 4999):
        record = data.record(i)
        assert record.created_us == times[i]
        assert record.updated_us <= data.now_us
        assert record.done_us is None or times[i] <= record.done_us <= data.now_us


def test_default_spans() -> None:
    assert Dataset(1, "kaleyra", 10, NOW).span_us == to_us(NOW) - to_us(NOW - timedelta(days=10))
    assert Dataset(1, "infobip", 10, NOW).span_us == 47 * 3600 * 1_000_000


def test_index_range_agrees_with_a_scan() -> None:
    data = Dataset(3, "kaleyra", 2000, NOW)
    times = [data.time_us(i) for i in range(2000)]
    rng = random.Random(0)
    for _ in range(200):
        since, until = sorted(rng.randrange(data.start_us, data.now_us) for _ in range(2))
        expected = [i for i, t in enumerate(times) if since <= t < until]
        lo, hi = data.index_range(since, until)
        assert list(range(lo, hi)) == expected


def test_realistic_mix() -> None:
    data = Dataset(7, "edith", 5000, NOW)
    records = [data.record(i) for i in range(5000)]
    outcomes = Counter(r.outcome for r in records)
    delivered = outcomes["delivered"] + outcomes["opened"] + outcomes["clicked"]
    assert 0.6 < delivered / 5000 < 0.8
    assert len({r.sender for r in records}) >= 3
    assert len({r.recipients[0].rpartition("@")[2] for r in records}) >= 4
    assert Counter(r.recipient_type for r in records).most_common(1)[0][0] == "to"
    bounces = [r for r in records if r.outcome == "bounced"]
    assert all(r.error_code and r.error_message for r in bounces)
    assert any("5.1.1" in r.error_message for r in bounces)
    clicked = [r for r in records if r.outcome == "clicked"]
    assert all(r.clicks and r.opens for r in clicked)


def test_hostile_text_appears_about_once_in_500() -> None:
    data = Dataset(7, "edith", 2000, NOW)
    hostile = [data.record(i) for i in range(2000) if data.record(i).hostile]
    assert 4 <= len(hostile) <= 8
    texts = {r.subject for r in hostile}
    joined = "".join(texts)
    assert "\x1b[31m" in joined
    assert "\n" in joined
    assert "[bold]x[/bold]" in joined
    assert any(t.startswith("=HYPERLINK(") for t in texts)


def test_a_million_records_cost_nothing_up_front() -> None:
    started = time.perf_counter()
    data = Dataset(7, "infobip", 1_000_000, NOW)
    newest = data.record(999_999)
    middle = data.first_at_or_after(data.start_us + data.span_us // 2)
    assert 499_000 < middle < 501_000
    assert newest.created_us <= data.now_us
    # Generous bound: a materialised dataset would take tens of seconds.
    assert time.perf_counter() - started < 2


def test_ids_decode_back_to_their_record() -> None:
    emulator = Emulator(EmulatorConfig(records=100_000, now=NOW))
    for index in (0, 1, 77_777, 99_999):
        record = emulator.datasets["kaleyra"].record(index)
        assert emulator.kaleyra.find(emulator.kaleyra.message_id(record)) == record
    assert emulator.kaleyra.find("00000000-0000-4000-8000-000000000000:1") is None
    assert emulator.kaleyra.find("garbage") is None
    edith = emulator.datasets["edith"].record(4242)
    assert 4242 in emulator.edith.find(emulator.edith.ref_id(edith))
    assert emulator.edith.find("01HZZZZZZZZZZZZZZZZZZZZZZZ") == []


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Emulator(EmulatorConfig(kaleyra_timezone="Mars/Olympus"))
    with pytest.raises(ValueError, match="records"):
        Emulator(EmulatorConfig(records=0))
