"""Provider-declared sandbox knobs: ``serve`` offers each as an option, and the
emulator's settings are exactly the ones the registered specs declare."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from maillogs.cli.commands.sandbox import sandbox_app
from maillogs.providers.registry import PROVIDERS
from maillogs.sandbox import Emulator, EmulatorConfig

KNOBS = [knob for spec in PROVIDERS.values() if spec.sandbox for knob in spec.sandbox.knobs]


def test_every_provider_knob_is_a_serve_option_with_its_help() -> None:
    result = CliRunner().invoke(sandbox_app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert len(KNOBS) >= 3  # Kaleyra's zone, EDITH's token lifetime, Infobip's rate limit
    for knob in KNOBS:
        line = next(line for line in result.stdout.splitlines() if knob.option in line)
        assert knob.help.split(":")[0] in " ".join(line.split())


def test_a_knob_reaches_its_emulator() -> None:
    # EDITH's page token lifetime: 0 seconds means every follow-up token has expired.
    assert Emulator(EmulatorConfig(token_ttl_s=0)).edith.token_ttl_s == 0.0
    assert Emulator(EmulatorConfig()).edith.token_ttl_s == 300.0


def test_an_undeclared_knob_is_refused() -> None:
    with pytest.raises(TypeError, match="no setting mailgun_region"):
        EmulatorConfig(mailgun_region="eu")


def test_a_knob_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="token_ttl_s takes a float"):
        EmulatorConfig(token_ttl_s="soon")


def test_the_demo_runs_each_emulator_as_its_spec_says() -> None:
    from maillogs.sandbox.transport import demo_transport

    knobs = demo_transport().emulator.config.knobs  # type: ignore[attr-defined]
    for knob in KNOBS:
        assert knobs[knob.name] == (knob.default if knob.demo is None else knob.demo)
    # Infobip's documented request budget is enforced in the demo, as in production.
    assert knobs["infobip_rate_limit"] is True
