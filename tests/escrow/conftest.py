"""Fixtures of the escrow tests: one build per session, one deployment of the whole system per
module on the embedded chain, and a snapshot reverted after every test so that tests never see each
other's state.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from escrow_helpers import EscrowSystem, build_escrow_project, deploy_system

from decree8.chain import Chain
from decree8.compile import Build


@pytest.fixture(scope="session")
def escrow_build() -> Build:
    return build_escrow_project()


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    chain = Chain.embedded(accounts=12)
    yield chain
    chain.close()


@pytest.fixture(scope="module")
def system(escrow_build: Build, chain: Chain) -> EscrowSystem:
    return deploy_system(chain, escrow_build)


@pytest.fixture(autouse=True)
def _isolated(system: EscrowSystem) -> Iterator[None]:
    """Every test starts from the module's deployment and leaves no trace."""
    with system.snapshot():
        yield
