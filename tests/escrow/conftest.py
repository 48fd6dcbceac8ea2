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


# The rule, lifecycle, access and attack tests also run on revm (issue 8: the escrow behaves the
# same on both EVMs); the state machine, replay and gas modules stay on eth-tester, the reference
# chain (pyrevm keeps storage warm between transactions, so its gas figures are lower; see
# docs/revm.md).
REVM_MODULES = {
    "test_escrow_rules",
    "test_escrow_lifecycle",
    "test_escrow_access",
    "test_escrow_attacks",
    "test_escrow_issue12",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        backends = ["embedded", "revm"] if module in REVM_MODULES else ["embedded"]
        metafunc.parametrize("backend", backends, scope="module")


@pytest.fixture(scope="module")
def chain(backend: str) -> Iterator[Chain]:
    chain = Chain.revm(accounts=12) if backend == "revm" else Chain.embedded(accounts=12)
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
