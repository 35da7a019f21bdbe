"""Shared pytest fixtures."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

import pytest

from maillogs.core.models import LogRecord
from maillogs.profiles.model import Profile
from tests.support import make_profile


def pytest_configure(config: pytest.Config) -> None:
    """Give SIGINT its default action when this run was started with it ignored
    (a background job, nohup, some CI runners). exec keeps an ignored signal
    ignored, so every maillogs the tests start would ignore Ctrl-C too, and the
    tests that press it would fail or hang although maillogs is right."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _records_of_the_described_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record an adapter builds in a test (in this process) is validated
    strictly against the pydantic description: records are plain tuples that
    nothing validates at run time, so an adapter that passed a provider value
    through unconverted would otherwise go unnoticed."""
    from maillogs.core.record_model import LogRecordModel
    from maillogs.providers.base import Adapter

    build = Adapter.record

    def record(self: Adapter, raw: dict[str, Any], **fields: Any) -> LogRecord:
        built = build(self, raw, **fields)
        LogRecordModel.model_validate(built._asdict(), strict=True)
        return built

    monkeypatch.setattr(Adapter, "record", record)


@pytest.fixture
def profile_factory() -> Callable[..., Profile]:
    return make_profile


@pytest.fixture(autouse=True)
def _private_state_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep each test's export checkpoints and shown notices out of the user's
    state directory, and out of other tests' way (a notice shows once per config)."""
    monkeypatch.setenv("MAILLOGS_STATE_DIR", str(tmp_path_factory.mktemp("state")))
