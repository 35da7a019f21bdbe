"""The testkit covers every registered provider, and its kits agree with the registry."""

from __future__ import annotations

import tomllib

from maillogs.providers.registry import PROVIDERS, SPEC_MODULES
from tests.testkit import KITS, canary_config


def test_every_registered_provider_has_a_kit() -> None:
    registered = [name for name in PROVIDERS if f"maillogs.providers.{name}.spec" in SPEC_MODULES]
    assert list(KITS) == registered


def test_each_kit_is_its_provider() -> None:
    for name, kit in KITS.items():
        assert kit.name == name
        assert kit.logs_url.startswith(f"https://{name}.")


def test_the_canary_config_has_one_profile_per_kit_holding_its_secret() -> None:
    config = tomllib.loads(canary_config(edith="http://127.0.0.1:9"))
    profiles = config["profiles"]
    assert config["default_profile"] == next(iter(KITS.values())).profile
    assert sorted(profiles) == sorted(kit.profile for kit in KITS.values())
    for kit in KITS.values():
        profile = profiles[kit.profile]
        assert profile["provider"] == kit.name
        assert profile[PROVIDERS[kit.name].secret_keys[0]] == kit.canary
        expected = "http://127.0.0.1:9" if kit.name == "edith" else kit.base_url
        assert profile["base_url"] == expected
