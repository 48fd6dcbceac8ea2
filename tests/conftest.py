"""Shared fixtures: development nodes and chains.

- ``hardhat_url`` / ``decree8_node_url``: one node process each per session, on a free loopback
  port, started on first use and ended by pid at the end (also when the session fails).
- ``chain``: parametrized over the backends ``embedded``, ``revm``, ``decree8-node`` (on
  eth-tester), ``decree8-node-revm`` (``decree8 node --chain revm``) and ``hardhat``; each test
  gets the session's chain for that backend, reverted to a clean snapshot after the test.
  Node-backed params carry the ``rpc`` marker (``-m "not rpc"`` keeps to the in-process chains).
- ``embedded_chain``: the embedded chain only, same snapshot discipline.

Hypothesis profiles (``HYPOTHESIS_PROFILE``, default ``ci``): ``ci`` is small and derandomized,
``dev`` larger and random, ``long`` hundreds of examples (with ``-m slow``, the long property runs).
A test may still pass its own ``settings``; what it leaves out comes from the profile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from decree8.chain import Chain
from decree8.chain.node import NodeProcess, free_port, wait_for_rpc
from decree8.errors import RpcUnavailable

# The suite never tries to download a native solc (py-solc-x); tests of that path set it back.
os.environ.setdefault("DECREE8_NO_DOWNLOAD", "1")

REPO = Path(__file__).resolve().parents[1]
HARDHAT_DIR = Path(__file__).resolve().parent / "hardhat"
HARDHAT_CLI = REPO / "node_modules" / "hardhat" / "internal" / "cli" / "cli.js"
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

CHAIN_BACKENDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("revm", id="revm"),
    pytest.param("decree8-node", id="decree8-node", marks=pytest.mark.rpc),
    pytest.param("decree8-node-revm", id="decree8-node-revm", marks=pytest.mark.rpc),
    pytest.param("hardhat", id="hardhat", marks=pytest.mark.rpc),
]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ends the process we started, by its pid: SIGTERM, then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def hardhat_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Hardhat node (tests/hardhat/hardhat.config.js) for the session; yields its URL.

    Started as ``node .../hardhat/internal/cli/cli.js node``, not through npx, so the pid we hold is
    the node's own and killing it leaves nothing behind.
    """
    node = shutil.which("node")
    if node is None or not HARDHAT_CLI.is_file():
        pytest.fail("Hardhat tests need Node.js and node_modules/hardhat: run `npm ci` first")
    port = free_port()
    log_path = tmp_path_factory.mktemp("hardhat") / "node.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, str(HARDHAT_CLI), "node", "--hostname", "127.0.0.1", "--port", str(port)],
            cwd=HARDHAT_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_rpc(url, NODE_STARTUP_TIMEOUT, process)
        except RpcUnavailable as exc:
            output = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            pytest.fail(f"{exc}\n{output}")
        yield url
    finally:
        _stop(process)


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


@pytest.fixture(scope="session", params=CHAIN_BACKENDS)
def session_chain(request: pytest.FixtureRequest) -> Iterator[Chain]:
    """One chain per backend for the whole session (nodes start only when a test needs them)."""
    backend: str = request.param
    chain: Chain
    if backend == "embedded":
        chain = Chain.embedded()
    elif backend == "revm":
        chain = Chain.revm()
    elif backend == "decree8-node":
        chain = Chain.rpc(request.getfixturevalue("decree8_node_url"))
    elif backend == "decree8-node-revm":
        chain = Chain.rpc(request.getfixturevalue("decree8_revm_node_url"))
    else:
        chain = Chain.rpc(request.getfixturevalue("hardhat_url"))
    try:
        yield chain
    finally:
        chain.close()


@pytest.fixture
def chain(session_chain: Chain) -> Iterator[Chain]:
    """The backend's chain, reverted to the state it had before the test."""
    snap = session_chain.snapshot()
    yield session_chain
    session_chain.revert(snap)


@pytest.fixture(scope="session")
def _embedded_session_chain() -> Iterator[Chain]:
    chain = Chain.embedded()
    yield chain
    chain.close()


@pytest.fixture
def embedded_chain(_embedded_session_chain: Chain) -> Iterator[Chain]:
    """The embedded chain only, reverted to the state it had before the test."""
    snap = _embedded_session_chain.snapshot()
    yield _embedded_session_chain
    _embedded_session_chain.revert(snap)
