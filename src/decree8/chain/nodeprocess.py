"""Running ``decree8 node`` (``python -m decree8.chain.node``) in a subprocess, for tests and the
CLI, and waiting for it to answer."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from decree8.chain.jsonrpc import DEFAULT_HOST
from decree8.closing import Closing
from decree8.errors import ChainError, RpcUnavailable

__all__ = ["free_port", "wait_for_rpc", "NodeProcess"]


# -- running a node in a subprocess ---------------------------------------------------------------


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _answers(url: str, timeout: float) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "result" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def wait_for_rpc(
    url: str, timeout: float = 30, process: subprocess.Popen[Any] | None = None
) -> None:
    """Waits until a JSON-RPC node at ``url`` answers ``eth_chainId``.

    Raises :class:`~decree8.errors.RpcUnavailable` after ``timeout`` seconds, or as soon as
    ``process`` (the node, when we started it) has exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RpcUnavailable(f"the node for {url} exited with code {process.returncode}")
        if _answers(url, timeout=0.5):
            return
        if time.monotonic() >= deadline:
            raise RpcUnavailable(f"no JSON-RPC node answered at {url} within {timeout:g}s")
        time.sleep(0.05)


def _src_dir() -> Path:
    return Path(__file__).resolve().parents[2]


class NodeProcess(Closing):
    """``python -m decree8.chain.node`` in a subprocess, on a free loopback port by default.

    ``start()`` returns once the node answers; ``stop()`` ends that process by its pid (SIGTERM,
    then SIGKILL). As a context manager it starts on entry and stops on exit. Its output goes
    to :attr:`log_path`.
    """

    def __init__(
        self,
        port: int | None = None,
        accounts: int = 10,
        host: str = DEFAULT_HOST,
        startup_timeout: float = 30,
        python: str = sys.executable,
        chain: str = "embedded",
    ) -> None:
        self.chain = chain
        self.host = host
        self.port = port
        self.accounts = accounts
        self.startup_timeout = startup_timeout
        self.python = python
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise ChainError("the node has not been started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> NodeProcess:
        if self.process is not None:
            raise ChainError(f"the node is already running (pid {self.process.pid})")
        if self.port is None:
            self.port = free_port(self.host)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_src_dir()), env.get("PYTHONPATH", "")) if p
        )
        fd, log_name = tempfile.mkstemp(prefix="decree8-node-", suffix=".log")
        self.log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "decree8.chain.node",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                    "--accounts",
                    str(self.accounts),
                    "--chain",
                    self.chain,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            wait_for_rpc(self.url, self.startup_timeout, self.process)
        except RpcUnavailable:
            output = self.output()
            self.stop()
            raise RpcUnavailable(
                f"decree8 node did not start on {self.url}: {output.strip()[-300:] or 'no output'}"
            ) from None
        return self

    def output(self) -> str:
        """What the node printed so far."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 5) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout)
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def close(self) -> None:
        """:meth:`stop`, for ``with``."""
        self.stop()

    def __enter__(self) -> NodeProcess:
        return self.start()
