"""Promises of ARCHITECTURE.md and the README checked from a user's side,
where earlier reviews left them unchecked (see /work/notes/fidelity.report.md)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from maillogs.cli.app import app
from maillogs.core.models import RECORD_FIELDS

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLOGS_CONFIG", str(tmp_path / "absent.toml"))
    for name in ("MAILLOGS_PROFILE", "NO_COLOR", "MAILLOGS_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def test_the_printed_schema_requires_every_key_a_record_always_carries() -> None:
    # README: "Every record has these keys, in this order"; `raw` only with --raw.
    printed = runner.invoke(app, ["schema"])
    assert printed.exit_code == 0, printed.stderr
    schema = json.loads(printed.stdout)
    always = [name for name in RECORD_FIELDS if name != "raw"]
    assert schema["required"] == always
    listed = runner.invoke(app, ["list", "--profile", "demo", "--limit", "30", "--raw"])
    assert listed.exit_code == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {row["provider"] for row in rows} == {"kaleyra", "edith", "infobip"}
    for row in rows:
        jsonschema.validate(row, schema)
    # A record without one of the always-present keys is not a maillogs record.
    incomplete = {key: value for key, value in rows[0].items() if key != "delivered_at"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(incomplete, schema)
