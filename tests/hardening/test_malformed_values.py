"""Issue 13.5: values Python itself chokes on are bad data (65) or a kept record, never 70.

A lone surrogate escape decodes to text no UTF-8 writer can encode; a time in
year 1 or 9999 overflows when its offset is applied; an integer of 5,000 digits
exceeds Python's int-to-text limit inside ``json``. Each is sent by every
provider, in a field and in an extra key of the row, and read back in every
output format (the table too, and ``--raw`` where there is one).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
import respx

from maillogs.fetch.jsonbody import decode_json
from tests.hardening.conftest import Outcome, assert_one_line_error, invoke
from tests.hardening.test_provider_data import NAMES, PROVIDERS, Provider, mutant_page
from tests.testkit import KITS

FORMATS = ["table", "json", "jsonl", "csv", "tsv"]
SURROGATE = "\ud800"
# Python cannot even make this number (its int-to-text limit), so the body
# carries a marker that ``body_of`` swaps for the digits.
HUGE_DIGITS = "9" * 5000
HUGE = "<huge-integer>"


def body_of(page: dict[str, Any]) -> bytes:
    # ensure_ascii: the surrogate travels as the six characters \ud800, as a provider sends it.
    text = json.dumps(page).replace(f'"-{HUGE}"', f"-{HUGE_DIGITS}")
    return text.replace(f'"{HUGE}"', HUGE_DIGITS).encode("ascii")


def run(provider: Provider, body: bytes, fmt: str, *extra: str) -> Outcome:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.get(url__startswith=provider.url).mock(return_value=httpx.Response(200, content=body))
        return invoke("list", "--profile", provider.profile, "--all", "--format", fmt, *extra)


def message_ids(outcome: Outcome, fmt: str) -> list[str]:
    """The message ids in the output, read back in its own format."""
    if fmt == "table":
        return [i for i in ("good-1", "mutant", "good-2") if i in outcome.stdout]
    if fmt == "json":
        return [r["message_id"] for r in json.loads(outcome.stdout)]
    if fmt == "jsonl":
        return [json.loads(line)["message_id"] for line in outcome.stdout.splitlines()]
    rows = csv.DictReader(io.StringIO(outcome.stdout), delimiter="\t" if fmt == "tsv" else ",")
    return [row["message_id"] for row in rows]


def check_all_kept(outcome: Outcome, fmt: str) -> None:
    assert outcome.code == 0, outcome.output[-1500:]
    assert "internal error" not in outcome.stderr
    assert set(message_ids(outcome, fmt)) >= {"good-1", "mutant", "good-2"}, outcome.stdout


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_a_lone_surrogate_is_kept_as_a_replacement_character(
    canary_config_path: object, name: str, fmt: str
) -> None:
    provider = PROVIDERS[name]
    page = mutant_page(provider, KITS[name].text_field, f"shop{SURROGATE}@example.com")
    page["note" + SURROGATE] = SURROGATE  # and in a key the adapter never reads
    outcome = run(provider, body_of(page), fmt)
    check_all_kept(outcome, fmt)
    assert "shop\ufffd@example.com" in outcome.stdout


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
@pytest.mark.parametrize("name", NAMES)
def test_a_lone_surrogate_in_the_raw_record(
    canary_config_path: object, name: str, fmt: str
) -> None:
    provider = PROVIDERS[name]
    page = mutant_page(provider, "unexpected", [{"deep": SURROGATE + "x"}])
    outcome = run(provider, body_of(page), fmt, "--raw")
    check_all_kept(outcome, fmt)
    assert "\ufffdx" in outcome.stdout


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_an_integer_of_5000_digits_anywhere_keeps_the_record(
    canary_config_path: object, name: str, fmt: str
) -> None:
    provider = PROVIDERS[name]
    page = mutant_page(provider, "unexpected", HUGE)
    page["meta"] = {"count": f"-{HUGE}"}
    outcome = run(provider, body_of(page), fmt)
    check_all_kept(outcome, fmt)


@pytest.mark.parametrize("name", NAMES)
def test_a_5000_digit_integer_keeps_its_digits_in_raw(
    canary_config_path: object, name: str
) -> None:
    provider = PROVIDERS[name]
    outcome = run(provider, body_of(mutant_page(provider, "unexpected", HUGE)), "jsonl", "--raw")
    check_all_kept(outcome, "jsonl")
    mutant = next(
        json.loads(line)
        for line in outcome.stdout.splitlines()
        if json.loads(line)["message_id"] == "mutant"
    )
    assert mutant["raw"]["unexpected"] == HUGE_DIGITS


@pytest.mark.parametrize(
    ("name", "field"), [("kaleyra", "sale_price"), ("infobip", "price")], ids=["kaleyra", "infobip"]
)
def test_a_5000_digit_price_is_no_price(canary_config_path: object, name: str, field: str) -> None:
    provider = PROVIDERS[name]
    value: Any = HUGE if name == "kaleyra" else {"pricePerMessage": HUGE, "currency": "EUR"}
    outcome = run(provider, body_of(mutant_page(provider, field, value)), "jsonl")
    check_all_kept(outcome, "jsonl")
    records = [json.loads(line) for line in outcome.stdout.splitlines()]
    # JSON has no infinity: a number too big for a float is no price at all.
    assert all(r["price"] is None for r in records if r["message_id"] == "mutant")


def test_a_5000_digit_total_is_bad_data(canary_config_path: object) -> None:
    provider = PROVIDERS["kaleyra"]
    page = provider.page([provider.row("good-1")])
    page["total"] = HUGE
    outcome = run(provider, body_of(page), "jsonl")
    assert outcome.code == 65, outcome.output
    assert_one_line_error(outcome)
    assert "Kaleyra" in outcome.stderr


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("name", "value"), [(n, v) for n in NAMES for v in KITS[n].overflowing_times], ids=str
)
def test_a_time_that_overflows_is_bad_data(
    canary_config_path: object, name: str, value: str, fmt: str
) -> None:
    provider = PROVIDERS[name]
    outcome = run(provider, body_of(mutant_page(provider, KITS[name].time_field, value)), fmt)
    assert outcome.code == 65, outcome.output[-1500:]
    assert_one_line_error(outcome)
    assert provider.title in outcome.stderr
    assert "out of range" in outcome.stderr


def test_decode_json_leaves_valid_pairs_and_ordinary_numbers_alone() -> None:
    body = b'{"s": "\\ud83d\\ude00 \\udc00", "n": [1, -2, 3.5], "k\\ud800": null}'
    assert decode_json(body) == {"s": "\U0001f600 \ufffd", "n": [1, -2, 3.5], "k\ufffd": None}
