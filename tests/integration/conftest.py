"""Integration fixtures: sandbox servers started once per session, stopped at the end.

See ``harness.py`` for how the servers and the CLI are run, and
``reference.py`` for where the expected records come from.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.harness import (
    BIG_RECORDS,
    BIG_SEED,
    MAIN_RECORDS,
    MAIN_SEED,
    Sandbox,
    SandboxPool,
    ServerSpec,
    Site,
    make_site,
)


@pytest.fixture(scope="session")
def sandbox_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxPool]:
    pool = SandboxPool(tmp_path_factory.mktemp("sandboxes"))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def _healthy_sandboxes(sandbox_pool: SandboxPool) -> list[Sandbox]:
    return sandbox_pool.start(
        ServerSpec(MAIN_RECORDS, MAIN_SEED), ServerSpec(BIG_RECORDS, BIG_SEED)
    )


@pytest.fixture(scope="session")
def site(sandbox_pool: SandboxPool, _healthy_sandboxes: list[Sandbox]) -> Site:
    """A fault-free server with 2,500 records per provider."""
    return make_site(sandbox_pool, _healthy_sandboxes[0])


@pytest.fixture(scope="session")
def big_site(sandbox_pool: SandboxPool, _healthy_sandboxes: list[Sandbox]) -> Site:
    """A fault-free server with 10,000 records per provider (used for Infobip only)."""
    return make_site(sandbox_pool, _healthy_sandboxes[1])
