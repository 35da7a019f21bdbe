"""Shared pytest fixtures."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest

from maillogs.profiles.model import Profile
from tests.support import make_profile


def pytest_configure(config: pytest.Config) -> None:
    """Give SIGINT its default action when this run was started with it ignored
    (a background job, nohup, some CI runners). exec keeps an ignored signal
    ignored, so every maillogs the tests start would ignore Ctrl-C too, and the
    tests that press it would fail or hang although maillogs is right."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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
