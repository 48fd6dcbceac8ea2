"""ethers v6 and viem, the two JavaScript clients applications use, against ``decree8 node`` on both
chains (eth-tester and revm) and against a Hardhat node (the reference): deploy, transfers,
receipts, logs, fee history, signing, and the errors a client must classify.

The clients are installed by ``tests/node_clients/setup.sh`` into ``.jsclients/`` (pinned
versions; quick when present), which the session fixture runs; the checks themselves are in
``clients.cjs`` and print one line each.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decree8.chain.node import NodeProcess
from decree8.compile import build_project

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

pytestmark = pytest.mark.rpc


@pytest.fixture(scope="session")
def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("the node client tests need Node.js 20+ on PATH")
    done = subprocess.run(
        ["bash", str(HERE / "setup.sh")], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"tests/node_clients/setup.sh failed: {done.stdout}{done.stderr}"
    return node


@pytest.fixture(scope="session")
def probe_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    artifact = build_project(REPO, sources=["contracts/mocks/ChainProbe.sol"]).artifact(
        "ChainProbe"
    )
    path = tmp_path_factory.mktemp("clients") / "ChainProbe.json"
    path.write_text(json.dumps({"abi": artifact.abi, "bytecode": artifact.bytecode}))
    return path


@pytest.fixture(scope="module", params=["decree8-node", "decree8-node-revm", "hardhat"])
def node_url(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A node per backend: decree8's own started for these tests, Hardhat's the session's (its
    state restored afterwards)."""
    if request.param == "hardhat":
        url: str = request.getfixturevalue("hardhat_url")
        snap = _rpc(url, "evm_snapshot")
        try:
            yield url, "hardhat"
        finally:
            _rpc(url, "evm_revert", snap)
        return
    chain = "revm" if request.param == "decree8-node-revm" else "embedded"
    with NodeProcess(chain=chain) as node:
        yield node.url, "decree8"


def _rpc(url: str, method: str, *params: Any) -> Any:
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["result"]


@pytest.mark.parametrize("client", ["ethers", "viem"])
def test_the_client_deploys_sends_reads_and_signs(
    node_binary: str, probe_artifact: Path, node_url: tuple[str, str], client: str
) -> None:
    url, kind = node_url
    done = subprocess.run(
        [node_binary, str(HERE / "clients.cjs"), client, url, str(probe_artifact), kind],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-2000:]
    summary = json.loads(lines[-1])
    assert summary["failed"] == [], "\n".join(lines[:-1]) + done.stderr[-1000:]
    assert done.returncode == 0
    assert summary["passed"] >= 15
