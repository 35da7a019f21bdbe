"""The tap's settings become maillogs profiles and a query, or one clear
error naming the setting (never a credential)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maillogs.core.errors import ConfigError
from maillogs.core.statuses import Status
from maillogs.tap.settings import read_settings

SECRET = "a-token-nobody-may-see-0123"


def settings(**config: Any) -> Any:
    warnings: list[str] = []
    return read_settings(config, warn=warnings.append, env={"MAILLOGS_CONFIG": "/nonexistent"})


def edith(**keys: Any) -> dict[str, Any]:
    return {"name": "prod", "provider": "edith", "token": SECRET, **keys}


def test_names_and_written_out_profiles_resolve_like_the_cli_ones() -> None:
    resolved = settings(
        profiles=["demo-kaleyra", edith(timeout=12, base_url=None)],
        start_date="2026-01-02T03:04:05",
        lookback="6h",
        status=["bounced"],
        recipient="@example.com",
    )
    assert [p.name for p in resolved.profiles] == ["demo-kaleyra", "prod"]
    prod = resolved.profiles[1]
    assert prod.settings["token"] == SECRET
    assert prod.timeout == 12
    assert prod.base_url.startswith("https://")  # null means the provider's default
    assert SECRET not in repr(prod)
    assert resolved.start_date == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert resolved.lookback == timedelta(hours=6)
    assert resolved.query.statuses == {Status.BOUNCED}
    assert resolved.query.recipient == "@example.com"
    assert resolved.query.since is None


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"profiles": []}, "profiles is empty"),
        ({"profiles": ["nowhere"]}, "'nowhere'"),
        ({"profiles": [{"name": "prod", "provider": "edith"}]}, "missing token"),
        ({"profiles": [edith(base_url="http://api.example.com")]}, "unencrypted"),
        ({"profiles": [edith(name="demo-x")]}, "reserved"),
        ({"profiles": [edith(), edith()]}, "prod given more than once"),
        ({"profiles": ["demo"], "lookback": "soon"}, "lookback: invalid duration"),
        ({"profiles": ["demo"], "status": ["lost"]}, "settings: status:"),
        ({"profiles": ["demo"], "recipient_type": "x"}, "settings: recipient_type:"),
        ({"profiles": ["demo"], "sender": " "}, "settings: sender needs a value"),
    ],
)
def test_a_bad_setting_is_one_config_error_without_the_secret(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**config)
    text = str(raised.value)
    assert message in text
    assert text.startswith(("tap-maillogs settings", "config file tap-maillogs settings"))
    assert "\n" not in text
    assert SECRET not in text
