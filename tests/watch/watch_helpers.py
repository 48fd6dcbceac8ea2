"""Helpers of the watch tests: a real `decree8 node` subprocess with the registry, token and
escrow of support.deploy_system deployed on it, their manifests, and a way to run
`decree8 watch` as a real subprocess (so that it can be killed with SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from decree8.chain import Chain
from decree8.chain.node import NodeProcess
from decree8.compile import Build
from support import System, deploy_system

DECREE8 = str(Path(sys.executable).with_name("decree8"))


class Deployed:
    """A node process with the system deployed and manifests in ``folder``."""

    def __init__(self, node: NodeProcess, system: System, folder: Path) -> None:
        self.node = node
        self.s = system
        self.folder = folder

    @property
    def url(self) -> str:
        return self.node.url

    @property
    def manifests(self) -> list[str]:
        out: list[str] = []
        for name in ("holder-registry", "compliant-token", "deal-escrow"):
            out += ["--manifest", str(self.folder / f"{name}.json")]
        return out

    def head(self) -> int:
        return int(self.s.chain.block_number)


def deploy_on(node: NodeProcess, build: Build, folder: Path) -> Deployed:
    chain = Chain.rpc(node.url)
    system = deploy_system(chain, build, escrow=True)
    for dep in (system.registry, system.token, system.escrow):
        dep.save(folder / f"{dep.template}.json")
    return Deployed(node, system, folder)


def watch_args(url: str, *args: str) -> list[str]:
    return [DECREE8, "--rpc", url, "watch", *args]


def run_watch(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        watch_args(url, *args), capture_output=True, text=True, timeout=timeout, check=False
    )


def start_watch(url: str, *args: str, log: Path) -> subprocess.Popen[str]:
    """`decree8 watch` in the background: stderr to ``log``, stdout to ``log`` + ``.out``."""
    with log.open("a") as err, Path(f"{log}.out").open("a") as out:
        return subprocess.Popen(watch_args(url, *args), stdout=out, stderr=err, text=True)


def stored_position(db: Path) -> int | None:
    from decree8.watch import SqliteStore

    try:
        store = SqliteStore(db, readonly=True)
    except Exception:  # not created yet
        return None
    try:
        return store.position()
    except Exception:  # the tables may not exist yet
        return None
    finally:
        store.close()


def stored_checks(db: Path) -> dict[str, int]:
    from decree8.watch import SqliteStore

    store = SqliteStore(db, readonly=True)
    try:
        return store.check_counts()
    finally:
        store.close()


def kill9(process: subprocess.Popen[str]) -> None:
    """SIGKILL by pid: the watcher gets no chance to clean up."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("decree8: error: "), result.stderr
    return lines[0]


def wait_for(predicate: Callable[[], bool], timeout: float = 60, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class FlakyProxy:
    """A TCP proxy on 127.0.0.1 in front of a node that can be taken down (every connection is cut
    and new ones are closed at once) and brought back: a node that goes away and comes back."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.down = False
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def take_down(self) -> None:
        self.down = True
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def bring_back(self) -> None:
        self.down = False

    def close(self) -> None:
        self.take_down()
        self.server.close()
