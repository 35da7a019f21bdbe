"""``sandbox serve --live``: mail arrives on the clock and changes status as it passes."""

from __future__ import annotations

from maillogs.sandbox import Emulator, EmulatorConfig
from maillogs.sandbox.dataset import Dataset
from tests.tail.conftest import FAKE_START as START
from tests.tail.conftest import FakeTime as Clock


def live(seed: int = 3) -> tuple[Emulator, Clock]:
    clock = Clock()
    return Emulator(EmulatorConfig(records=10, seed=seed, live=2.0, clock=clock.time)), clock


def arrive(emulator: Emulator, clock: Clock, at: float) -> None:
    clock.now = START + at
    emulator.handle("GET", "/nowhere", [], {})  # a request lets what is due arrive


def history(dataset: Dataset, index: int, clock: Clock) -> list[str]:
    """The outcomes record ``index`` shows every 5 s for ten minutes after its creation."""
    created = dataset.record(index).created_us / 1e6
    seen: list[str] = []
    for second in range(0, 600, 5):
        clock.now = created + second
        outcome = dataset.record(index).outcome
        if not seen or seen[-1] != outcome:
            seen.append(outcome)
    return seen


def test_records_arrive_at_the_rate_created_when_they_arrive() -> None:
    emulator, clock = live()
    edith = emulator.datasets["edith"]
    arrive(emulator, clock, 10.0)
    assert edith.size == 10 + 20  # 2 a second for 10 s
    times = [edith.record(i).created_us / 1e6 - START for i in range(10, 30)]
    assert times == sorted(times)
    assert all(i / 2 <= t < (i + 1) / 2 for i, t in enumerate(times))


def test_a_live_record_is_pending_then_answered_then_opened_minutes_later() -> None:
    emulator, clock = live()
    edith = emulator.datasets["edith"]
    arrive(emulator, clock, 60.0)
    histories = [history(edith, index, clock) for index in range(10, 60)]
    assert ["sent", "delivered"] in histories or ["sent", "bounced"] in histories
    assert any(h[:3] == ["sent", "delivered", "opened"] for h in histories)
    assert any(h[-2:] == ["opened", "clicked"] for h in histories)
    # Each provider says "not yet answered" in its own word.
    kaleyra, infobip = emulator.datasets["kaleyra"], emulator.datasets["infobip"]
    arrive(emulator, clock, 60.0)
    fresh = kaleyra.size - 1
    assert kaleyra.record(fresh).outcome in ("accepted", "blocked", "deferred", "failed")
    assert {infobip.record(i).outcome for i in range(infobip.size - 5, infobip.size)} & {
        "pending",
        "accepted",
    }


def test_the_same_seed_gives_the_same_live_mail() -> None:
    first, first_clock = live(seed=9)
    second, second_clock = live(seed=9)
    for emulator, clock in ((first, first_clock), (second, second_clock)):
        arrive(emulator, clock, 30.0)
    a, b = first.datasets["infobip"], second.datasets["infobip"]
    assert [a.record(i) for i in range(10, a.size)] == [b.record(i) for i in range(10, b.size)]
