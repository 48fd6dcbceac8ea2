"""Fixtures of the audit tests: one build (templates and the audit mocks) per session, one deployed
system per module on the embedded chain, and a snapshot reverted after every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from audit_helpers import System, audit_build, deploy_system

from decree8.chain import Chain
from decree8.compile import Build


@pytest.fixture(scope="session")
def build() -> Build:
    return audit_build()


@pytest.fixture(scope="module")
def system(build: Build) -> Iterator[System]:
    chain = Chain.embedded(accounts=14)
    yield deploy_system(chain, build)
    chain.close()


@pytest.fixture
def s(system: System) -> Iterator[System]:
    """The module's system, restored after the test."""
    with system.snapshot():
        yield system
