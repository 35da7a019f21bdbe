"""examples/meltano/meltano.yml declares the tap as it is: its command, the
extra that installs it, and exactly the settings the tap has."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import yaml

from maillogs.tap.settings import settings_schema

ROOT = Path(__file__).resolve().parents[2]


def extractor() -> dict[str, Any]:
    project = yaml.safe_load((ROOT / "examples/meltano/meltano.yml").read_text())
    (tap,) = project["plugins"]["extractors"]
    return dict(tap)


def test_the_example_installs_and_runs_the_tap_this_package_declares() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    tap = extractor()
    assert tap["executable"] in pyproject["project"]["scripts"]
    package, _, extra = tap["pip_url"].partition("[")
    assert package == pyproject["project"]["name"]
    assert extra.rstrip("]") in pyproject["project"]["optional-dependencies"]


def test_the_example_declares_every_setting_and_marks_credentials_sensitive() -> None:
    tap = extractor()
    declared = {setting["name"]: setting for setting in tap["settings"]}
    schema = settings_schema()
    assert list(declared) == list(schema["properties"])
    # Written-out profiles carry secrets (the schema marks them so).
    assert '"secret": true' in json.dumps(schema["properties"]["profiles"])
    assert declared["profiles"]["sensitive"] is True
    assert set(tap["config"]) <= set(declared)
