"""Fixtures for the chain tests: ChainProbe built with decree8.compile and deployed per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from chain_helpers import Probe, deploy_probe

from decree8.chain import Chain
from decree8.compile import Artifact, build_project

REPO = Path(__file__).resolve().parents[2]
PROBE_SOURCE = "contracts/mocks/ChainProbe.sol"


@pytest.fixture(scope="session")
def probe_artifact() -> Artifact:
    """ChainProbe, compiled once (cached under build/tests/, so warm runs compile nothing)."""
    build = build_project(
        REPO, sources=[PROBE_SOURCE], cache_dir=REPO / "build" / "tests" / "chain-probe"
    )
    return build.artifact("ChainProbe")


@pytest.fixture
def probe(chain: Chain, probe_artifact: Artifact) -> Probe:
    """ChainProbe freshly deployed on the test's chain (undone by the chain's snapshot)."""
    return deploy_probe(chain, probe_artifact)
