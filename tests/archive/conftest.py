"""Sandbox servers for the archive tests: one with faults, one slow enough to kill mid-sync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.harness import Sandbox, SandboxPool, ServerSpec, Site, make_site

RECORDS = 300  # per provider: ~30 a day over Kaleyra's and EDITH's 10 days
# Moderate rates of the faults retries must absorb (no 429ra: a second per hit).
FAULTS = "500=0.08,502=0.05,503=0.05,drop=0.05,429=0.05"
# Each request waits this long, so a sync of the 10 days takes about a second.
LATENCY_MS = 30.0


@pytest.fixture(scope="module")
def archive_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxPool]:
    pool = SandboxPool(tmp_path_factory.mktemp("archive-sandboxes"))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="module")
def _sandboxes(archive_pool: SandboxPool) -> list[Sandbox]:
    return archive_pool.start(
        ServerSpec(RECORDS, seed=21, faults=FAULTS),
        ServerSpec(RECORDS, seed=22, latency_ms=LATENCY_MS),
    )


@pytest.fixture(scope="module")
def faulty_site(archive_pool: SandboxPool, _sandboxes: list[Sandbox]) -> Site:
    return make_site(archive_pool, _sandboxes[0])


@pytest.fixture(scope="module")
def slow_site(archive_pool: SandboxPool, _sandboxes: list[Sandbox]) -> Site:
    return make_site(archive_pool, _sandboxes[1])
