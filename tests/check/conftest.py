"""The checker suite: registry, token and escrow (support.deploy_system, escrow=True) deployed once
per module and backend (embedded, revm, Hardhat: tests/conftest.py); ``s`` is restored after every
test."""

from __future__ import annotations

import pytest

from decree8.chain import Chain
from decree8.compile import Build
from support import System, deploy_system


@pytest.fixture(scope="module")
def system(backend_chain: Chain, build: Build) -> System:
    return deploy_system(backend_chain, build, escrow=True)
