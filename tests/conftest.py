"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from maillogs.profiles.model import Profile
from tests.support import make_profile


@pytest.fixture
def profile_factory() -> Callable[..., Profile]:
    return make_profile
