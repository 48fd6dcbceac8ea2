"""Helpers of the watch tests: a real `decree8 node` subprocess with the registry, token and
escrow of tests/check deployed on it, their manifests, and a way to run `decree8 watch` as a real
subprocess (so that it can be killed with SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "check"))

from check_helpers import System, deploy_system  # noqa: E402

from decree8.chain import Chain  # noqa: E402
from decree8.chain.node import NodeProcess  # noqa: E402
from decree8.compile import Build  # noqa: E402

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
    system = deploy_system(chain, build)
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
    with log.open("w") as err:
        return subprocess.Popen(
            watch_args(url, *args),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )


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
