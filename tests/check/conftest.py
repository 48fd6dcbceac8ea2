"""Fixtures of the checker tests: one template build per session, one deployed system per module on
the embedded chain, and a snapshot reverted after every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from check_helpers import System, deploy_system, template_build

from decree8.chain import Chain
from decree8.compile import Build


@pytest.fixture(scope="session")
def build() -> Build:
    return template_build()


@pytest.fixture(scope="module")
def system(build: Build) -> Iterator[System]:
    chain = Chain.embedded(accounts=16)
    yield deploy_system(chain, build)
    chain.close()


@pytest.fixture
def s(system: System) -> Iterator[System]:
    """The module's system, restored after the test."""
    with system.snapshot():
        yield system
