"""A Hardhat node (tests/hardhat/hardhat.config.js) on a free loopback port: the one launcher the
test fixtures and the benchmarks share.

Started as ``node .../hardhat/internal/cli/cli.js node``, not through npx, so the pid we hold is
the node's own, and stopping it by that pid leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from decree8.chain.node import free_port, wait_for_rpc

REPO = Path(__file__).resolve().parents[2]
HARDHAT_CLI = REPO / "node_modules" / "hardhat" / "internal" / "cli" / "cli.js"
HARDHAT_DIR = REPO / "tests" / "hardhat"

__all__ = ["HARDHAT_CLI", "HARDHAT_DIR", "HardhatMissing", "hardhat_node", "stop"]


class HardhatMissing(RuntimeError):
    """Node.js or node_modules/hardhat is not installed."""


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends the process we started, by its pid: SIGTERM, then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextmanager
def hardhat_node(log: Path | None = None, timeout: float = 60.0) -> Iterator[tuple[str, int]]:
    """Starts a Hardhat node, waits until it answers JSON-RPC (``RpcUnavailable`` otherwise) and
    yields its URL and pid; stops it on leaving. Its output goes to ``log`` (or nowhere)."""
    node = shutil.which("node")
    if node is None or not HARDHAT_CLI.is_file():
        raise HardhatMissing("Hardhat needs Node.js and node_modules/hardhat: run `npm ci` first")
    port = free_port()
    with log.open("wb") if log is not None else open(os.devnull, "wb") as out:
        process = subprocess.Popen(
            [node, str(HARDHAT_CLI), "node", "--hostname", "127.0.0.1", "--port", str(port)],
            cwd=HARDHAT_DIR,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_rpc(url, timeout, process)
        yield url, process.pid
    finally:
        stop(process)
