"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from maillogs.profiles.model import Profile
from tests.support import make_profile


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
