"""Fixtures of the revm backend tests: one build of the probe contracts, fresh chains per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from revm_helpers import new_web3
from web3 import Web3

from decree8.compile import Artifact, Build, build_project
from decree8.revm import RevmProvider

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("contracts/mocks/ChainProbe.sol", "tests/revm/fixtures/RevmProbe.sol")


@pytest.fixture(scope="session")
def build() -> Build:
    return build_project(ROOT, sources=SOURCES)


@pytest.fixture(scope="session")
def chain_probe(build: Build) -> Artifact:
    return build.artifact("ChainProbe")


@pytest.fixture(scope="session")
def revm_probe(build: Build) -> Artifact:
    return build.artifact("RevmProbe")


@pytest.fixture
def provider() -> RevmProvider:
    return RevmProvider()


@pytest.fixture
def w3(provider: RevmProvider) -> Web3:
    return Web3(provider)


@pytest.fixture(params=["revm", "eth-tester"])
def any_w3(request: pytest.FixtureRequest) -> Web3:
    """The same test on revm and on eth-tester: the behaviour must not depend on the backend."""
    return new_web3(request.param)
