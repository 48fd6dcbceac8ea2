"""Fixtures of the token and registry tests: one build per session, one deployment per module and
backend, and a snapshot reverted after every test so that tests never see each other's state.

The modules in MULTI_BACKEND (plain ERC-20 behaviour and the rule tests) run on every backend of
token_helpers.BACKENDS: eth-tester, a Hardhat node (the session's, from tests/conftest.py; marked
``rpc``) and revm. Their module-scoped ``backend`` is parametrized, so pytest groups each module's
tests by backend and deploys once per backend. The other modules run on the embedded chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from token_helpers import BACKENDS, System, deploy_system, open_chain

from decree8.chain import Chain
from decree8.compile import Build, build_project

ROOT = Path(__file__).resolve().parents[2]
#: Only what these tests deploy, so that work in progress elsewhere in contracts/ cannot break them.
SOURCES = (
    "contracts/registry",
    "contracts/token",
    "contracts/mocks/PlainERC20.sol",
    "contracts/mocks/CappedHoldingToken.sol",
)


@pytest.fixture(scope="session")
def build() -> Build:
    return build_project(ROOT, sources=SOURCES)


#: Test modules that run on every backend.
MULTI_BACKEND = frozenset({"test_erc20", "test_rules", "test_legal_orders"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ in MULTI_BACKEND and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """The module's backend: ``embedded`` unless the module is in MULTI_BACKEND."""
    return str(getattr(request, "param", "embedded"))


@pytest.fixture(scope="module")
def chain(backend: str, request: pytest.FixtureRequest) -> Iterator[Chain]:
    chain = open_chain(backend, request)
    yield chain
    chain.close()


@pytest.fixture(scope="module")
def system(build: Build, chain: Chain) -> Iterator[System]:
    """The module's deployment, made on a snapshot that is reverted when the module ends, so a
    shared node (Hardhat) is left as it was found."""
    snap = chain.snapshot()
    yield deploy_system(chain, build)
    chain.revert(snap)


@pytest.fixture(autouse=True)
def _isolated(system: System) -> Iterator[None]:
    """Every test starts from the module's deployment and leaves no trace."""
    with system.snapshot():
        yield
