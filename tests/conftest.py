"""Shared fixtures: development nodes and chains.

- ``hardhat_url`` / ``decree8_node_url``: one node process each per session, on a free loopback
  port, started on first use and ended by pid at the end (also when the session fails).
- ``backend``: parametrized per module over the module's ``BACKENDS`` (default: ``embedded``,
  ``revm``, ``hardhat``; see tests/support/backends.py). ``backend_chain`` is the session's chain
  on it (one per backend, from ``chain_pool``), reverted when the module ends; ``chain`` the same,
  reverted after each test. Hardhat params carry the ``hardhat`` and ``rpc`` markers
  (``-m "not hardhat"`` leaves them out).
- ``build``: the templates and the mocks; ``system`` (defined by each suite's conftest: what it
  deploys) and ``s``, the module's system restored after each test.
- ``embedded_chain``: the embedded chain only, same snapshot discipline.

Hypothesis profiles (``HYPOTHESIS_PROFILE``, default ``ci``): ``ci`` is small and derandomized,
``dev`` larger and random, ``long`` hundreds of examples (with ``-m slow``, the long property runs).
A test may still pass its own ``settings``; what it leaves out comes from the profile.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from decree8.chain import Chain
from decree8.chain.node import NodeProcess
from decree8.compile import Build
from decree8.errors import RpcUnavailable
from support import BACKENDS, ChainPool, System, suite_build
from support.hardhat import HardhatMissing, hardhat_node

# The suite never tries to download a native solc (py-solc-x); tests of that path set it back.
os.environ.setdefault("DECREE8_NO_DOWNLOAD", "1")

NODE_STARTUP_TIMEOUT = 60.0

# Chain-backed examples are slow by hypothesis' standards, so no deadline and no too_slow check.
_CHAIN_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
}
settings.register_profile(
    "ci",
    max_examples=10,
    stateful_step_count=15,
    derandomize=True,
    database=None,
    print_blob=True,
    **_CHAIN_SETTINGS,
)
settings.register_profile("dev", max_examples=50, stateful_step_count=25, **_CHAIN_SETTINGS)
settings.register_profile(
    "long", max_examples=300, stateful_step_count=40, database=None, **_CHAIN_SETTINGS
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def hardhat_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Hardhat node (tests/hardhat/hardhat.config.js) for the session; yields its URL (started
    and stopped by pid: :func:`support.hardhat.hardhat_node`)."""
    log_path = tmp_path_factory.mktemp("hardhat") / "node.log"
    with contextlib.ExitStack() as stack:
        try:
            url, _ = stack.enter_context(hardhat_node(log_path, NODE_STARTUP_TIMEOUT))
        except HardhatMissing as exc:
            pytest.fail(str(exc))
        except RpcUnavailable as exc:
            output = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            pytest.fail(f"{exc}\n{output}")
        yield url


@pytest.fixture(scope="session")
def decree8_node_url() -> Iterator[str]:
    """``python -m decree8.chain.node`` for the session; yields its URL."""
    with NodeProcess(startup_timeout=NODE_STARTUP_TIMEOUT) as node:
        yield node.url


@pytest.fixture(scope="session")
def decree8_revm_node_url() -> Iterator[str]:
    """``python -m decree8.chain.node --chain revm`` (the fast chain) for the session."""
    with NodeProcess(startup_timeout=NODE_STARTUP_TIMEOUT, chain="revm") as node:
        yield node.url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The one way a suite runs per backend: a test that needs ``backend`` runs on each of its
    module's ``BACKENDS`` (default support.BACKENDS: embedded, revm, hardhat), grouped per module
    so that a module deploys once per backend. ``@pytest.mark.backends("embedded", ...)`` keeps a
    test to the backends named, where decree8 does not do the same on every backend yet."""
    if "backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "BACKENDS", BACKENDS)
        only = metafunc.definition.get_closest_marker("backends")
        if only is not None:  # a test the product does not support on every backend (says why)
            backends = [b for b in backends if b.values[0] in only.args]
        metafunc.parametrize("backend", backends, scope="module")


@pytest.fixture(scope="session")
def chain_pool(request: pytest.FixtureRequest) -> Iterator[ChainPool]:
    """One chain per backend for the session (nodes start when a test first needs them)."""
    pool = ChainPool(request.getfixturevalue)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="module")
def backend_chain(backend: str, chain_pool: ChainPool) -> Iterator[Chain]:
    """The session's chain on the module's backend, reverted when the module ends (so what a
    module deploys never reaches the next one, also on a shared node)."""
    with chain_pool.get(backend).reverting() as chain:
        yield chain


@pytest.fixture
def chain(backend_chain: Chain) -> Iterator[Chain]:
    """The backend's chain, reverted to the state it had before the test."""
    with backend_chain.reverting() as chain:
        yield chain


@pytest.fixture
def embedded_chain(chain_pool: ChainPool) -> Iterator[Chain]:
    """The embedded chain only, reverted to the state it had before the test."""
    with chain_pool.get("embedded").reverting() as chain:
        yield chain


@pytest.fixture(scope="session")
def build() -> Build:
    """The templates and every mock the suites deploy, compiled once per session."""
    return suite_build()


@pytest.fixture
def s(system: System) -> Iterator[System]:
    """The module's deployed ``system`` (each suite's conftest says what it deploys), restored
    after the test."""
    with system.snapshot():
        yield system
