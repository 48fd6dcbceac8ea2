"""The token and registry suite: a registry and a compliant token (support.deploy_system) deployed
once per module and backend (embedded, revm, Hardhat: tests/conftest.py), and a snapshot reverted
after every test so that tests never see each other's state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from decree8.chain import Chain
from decree8.compile import Build
from support import System, deploy_system


@pytest.fixture(scope="module")
def system(backend_chain: Chain, build: Build) -> System:
    return deploy_system(backend_chain, build)


@pytest.fixture(autouse=True)
def _isolated(system: System) -> Iterator[None]:
    with system.snapshot():
        yield
