"""Records are plain named tuples (issue 17); the pydantic description in
``core/record_model.py`` is their contract. Adapters' records, from every kind
of row the sandbox serves in the documented shapes, must satisfy it exactly,
and their JSON must be what pydantic itself writes for them."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from maillogs.core.fields import RECORD_FIELDS
from maillogs.core.models import LogRecord
from maillogs.core.query import Query
from maillogs.core.record_model import DESCRIPTIONS, LogRecordModel
from maillogs.core.recordjson import RecordEncoder
from maillogs.core.statuses import Status
from maillogs.engine import fetch_records, make_plans, open_adapters
from maillogs.providers.edith.spec import DEMO_TOKEN
from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_KEY
from maillogs.providers.kaleyra.spec import DEMO_API_KEY as KALEYRA_KEY
from maillogs.providers.kaleyra.spec import DEMO_SID
from maillogs.sandbox import Emulator, EmulatorConfig, EmulatorTransport
from tests.support import make_profile

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
SETTINGS: dict[str, dict[str, Any]] = {
    "kaleyra": {"sid": DEMO_SID, "api_key": KALEYRA_KEY},
    "edith": {"token": DEMO_TOKEN},
    "infobip": {"api_key": INFOBIP_KEY, "api_version": "4"},
    "infobip-v1": {"api_key": INFOBIP_KEY, "api_version": "1"},
}


def test_the_record_is_the_public_field_list_and_every_description_names_a_field() -> None:
    assert LogRecord._fields == (*RECORD_FIELDS, "raw")
    assert tuple(LogRecordModel.model_fields) == LogRecord._fields
    # A description under a misspelt name would silently describe nothing.
    assert set(DESCRIPTIONS) <= set(LogRecord._fields)
    assert LogRecordModel.model_fields["status_scope"].default == "recipient"


def _sandbox_records(kind: str, *, keep_raw: bool) -> list[LogRecord]:
    provider = kind.split("-")[0]
    profile = make_profile(provider, base_url="http://sandbox.test", settings=SETTINGS[kind])
    emulator = Emulator(EmulatorConfig(records=600, now=NOW))
    query = Query(since=NOW - timedelta(days=11))
    with open_adapters(
        [profile],
        transport_factory=lambda _p: EmulatorTransport(emulator),
        now=NOW,
        keep_raw=keep_raw,
    ) as adapters:
        plans = make_plans(adapters, query, lambda _w: None)
        return list(fetch_records(plans, query, concurrency=2))


@pytest.mark.parametrize("kind", sorted(SETTINGS))
def test_adapters_build_records_of_exactly_the_described_types(kind: str) -> None:
    records = _sandbox_records(kind, keep_raw=True)
    assert len(records) >= 100
    for record in records:
        # Strict: a status given as text, a time as text or a number as text fails.
        model = LogRecordModel.model_validate(record._asdict(), strict=True)
        assert type(record.status) is Status
        assert dict(model) == record._asdict()


@pytest.mark.parametrize("kind", sorted(SETTINGS))
def test_json_and_csv_values_are_pydantics_own(kind: str) -> None:
    records = _sandbox_records(kind, keep_raw=True)
    keys = (*RECORD_FIELDS, "raw")
    encoder = RecordEncoder(keys)
    for record in records:
        model = LogRecordModel.model_validate(record._asdict())
        assert encoder.text(record) == model.model_dump_json()
        assert record.to_json_dict(with_raw=True) == model.model_dump(mode="json")


def _awkward(n: int, rng: random.Random) -> LogRecord:
    offset = timezone(timedelta(minutes=rng.choice([0, 330, -300, 60])))
    price = rng.choice(
        [
            rng.uniform(0, 1) * 10 ** rng.randint(-12, 20),
            float(rng.randint(0, 10**6)),
            math.inf,
            -math.inf,
            math.nan,
            None,
        ]
    )
    text = "".join(chr(rng.randint(0, 0x2100)) for _ in range(rng.randint(0, 12)))
    return LogRecord(
        provider="kaleyra",
        profile="p",
        message_id=f"m{n}",
        status=rng.choice(list(Status)),
        provider_status=text or None,
        sender=None,
        recipient=text,
        recipient_type=rng.choice(["to", "cc", "bcc", None]),
        submitted_at=datetime(2024, 1, 1, tzinfo=offset)
        + timedelta(microseconds=rng.randint(0, 10**13)),
        opened=rng.choice([True, False, None]),
        price=price,
        status_scope=rng.choice(["recipient", "message"]),
    )


def test_awkward_values_encode_as_pydantic_encodes_them() -> None:
    """Exponents (1e-9, not 1e-09), infinities and NaN (null), offsets other than
    UTC, microseconds and every kind of character: as pydantic wrote them when
    records were its models, whatever the key order."""
    rng = random.Random(17)
    reordered = ("price", "status", "submitted_at", "recipient", "opened")
    for n in range(3000):
        record = _awkward(n, rng)
        model = LogRecordModel.model_validate(record._asdict())
        assert RecordEncoder(RECORD_FIELDS).text(record) == model.model_dump_json(exclude={"raw"})
        # Each key's text as pydantic writes it alone, in the order asked for.
        pairs = [model.model_dump_json(include={key})[1:-1] for key in reordered]
        assert RecordEncoder(reordered).text(record) == "{" + ",".join(pairs) + "}"
        expected = model.model_dump(mode="json")
        values = RecordEncoder(reordered).values(record)
        # NaN is not equal to itself: compare its text.
        assert [repr(v) for v in values] == [repr(expected[key]) for key in reordered]
