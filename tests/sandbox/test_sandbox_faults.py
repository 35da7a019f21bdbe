"""Fault injection: spec parsing, determinism, and what each fault looks like to a client."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from maillogs.sandbox import (
    Emulator,
    EmulatorConfig,
    EmulatorTransport,
    FaultPlan,
    parse_faults,
)
from tests.sandbox.helpers import EDITH, INFOBIP, KALEYRA, KALEYRA_LOGS, NOW, fixture_json


def test_parse_a_full_spec() -> None:
    plan = parse_faults(
        " 429=0.1, 429ra=0.05,500=0.02,502=0.01,503=0.05,drop=0.02,malformed=0.01,expire=0.05 ",
        latency_ms=25,
        seed=3,
    )
    assert plan.rates == {
        "429": 0.1,
        "429ra": 0.05,
        "500": 0.02,
        "502": 0.01,
        "503": 0.05,
        "drop": 0.02,
        "malformed": 0.01,
        "expire": 0.05,
    }
    assert plan.latency_ms == 25
    assert plan.seed == 3


def test_empty_spec_means_no_faults() -> None:
    plan = parse_faults("")
    assert plan.rates == {}
    assert all(plan.decide(n) is None for n in range(1, 1000))


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("429", "no '=PROBABILITY'"),
        ("404=0.1", "unknown fault kind"),
        ("timeout=0.1", "unknown fault kind"),
        ("429=lots", "not a number"),
        ("429=1.5", "between 0 and 1"),
        ("429=-0.1", "between 0 and 1"),
        ("429=nan", "between 0 and 1"),
        ("429=0.6,503=0.6", "more than 1"),
        ("429=0.1,429=0.2", "given twice"),
        ("429=0.1,,503=0.1", "empty item"),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_faults(spec)


def test_decisions_depend_on_seed_and_request_number_only() -> None:
    spec = "429=0.2,503=0.1,drop=0.1"
    first = [parse_faults(spec, seed=1).decide(n) for n in range(1, 2001)]
    again = [parse_faults(spec, seed=1).decide(n) for n in range(1, 2001)]
    other = [parse_faults(spec, seed=2).decide(n) for n in range(1, 2001)]
    assert first == again
    assert first != other
    counts = Counter(first)
    assert 300 < counts["429"] < 500
    assert 130 < counts["503"] < 270
    assert 130 < counts["drop"] < 270
    assert 1100 < counts[None] < 1300


def test_script_overrides_rates() -> None:
    plan = FaultPlan(rates={"503": 1.0}, script={2: "ok", 3: "drop"})
    assert [plan.decide(n) for n in (1, 2, 3)] == ["503", None, "drop"]
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultPlan(script={1: "explode"})


def scripted(fault: str) -> httpx.Client:
    emulator = Emulator(EmulatorConfig(now=NOW, faults=FaultPlan(script={1: fault})))
    return httpx.Client(transport=EmulatorTransport(emulator), base_url="http://sandbox.test")


def test_429_has_no_retry_after_but_429ra_does() -> None:
    plain = scripted("429").get("/email/4/logs", headers=INFOBIP)
    assert plain.status_code == 429
    assert "retry-after" not in plain.headers
    assert plain.json() == fixture_json("infobip_openapi_extract.json")["examples"]["ApiError429"]
    with_hint = scripted("429ra").get("/email/1/logs", headers=INFOBIP)
    assert with_hint.status_code == 429
    assert with_hint.headers["retry-after"] == "1"
    assert with_hint.json()["requestError"]["serviceException"]["messageId"] == "TOO_MANY_REQUESTS"


def test_errors_come_in_each_providers_style() -> None:
    kaleyra = scripted("500").get(KALEYRA_LOGS, headers=KALEYRA)
    assert kaleyra.status_code == 500
    assert kaleyra.json()["error"]["code"] == "E500"
    edith = scripted("429").get("/v1/email/logs", headers=EDITH)
    assert edith.json()["success"] is False
    infobip = scripted("500").get("/email/1/logs", headers=INFOBIP)
    assert (
        infobip.json()
        == fixture_json("infobip_openapi_extract.json")["examples"]["ApiException500"]
    )


@pytest.mark.parametrize("status", ["502", "503"])
def test_gateway_errors_are_html(status: str) -> None:
    response = scripted(status).get(KALEYRA_LOGS, headers=KALEYRA)
    assert response.status_code == int(status)
    assert response.headers["content-type"].startswith("text/html")


def test_malformed_is_a_200_with_broken_json() -> None:
    response = scripted("malformed").get("/v1/email/logs", headers=EDITH)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_drop_raises_what_httpx_raises_for_a_hang_up() -> None:
    client = scripted("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(KALEYRA_LOGS, headers=KALEYRA)
    assert client.get(KALEYRA_LOGS, headers=KALEYRA).status_code == 200


def test_the_n_th_request_fails_and_requests_are_counted(
    make_client: Callable[..., httpx.Client],
) -> None:
    client = make_client(faults=FaultPlan(script={3: "503"}))
    statuses = [client.get(KALEYRA_LOGS, headers=KALEYRA).status_code for _ in range(5)]
    assert statuses == [200, 200, 503, 200, 200]
    assert client.emulator.request_count == 5  # type: ignore[attr-defined]


def test_latency_is_slept_by_the_transport() -> None:
    slept: list[float] = []
    emulator = Emulator(EmulatorConfig(now=NOW, faults=FaultPlan(latency_ms=40)))
    client = httpx.Client(
        transport=EmulatorTransport(emulator, sleep=slept.append), base_url="http://sandbox.test"
    )
    client.get(KALEYRA_LOGS, headers=KALEYRA)
    client.get("/nowhere")
    assert slept == [0.04, 0.04]
