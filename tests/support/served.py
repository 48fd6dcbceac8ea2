"""The system deployed on a `decree8 node` served in a thread, with its manifests written: what
the CLI tests (check call/tx, batches) point `--rpc` and `--manifest` at."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from decree8.chain import Chain
from decree8.chain.node import NodeServer
from decree8.compile import Build

from .system import ACCOUNTS, System, deploy_system


@contextmanager
def served_system(build: Build, folder: Path) -> Iterator[tuple[System, NodeServer]]:
    """Registry, token and escrow on a node served in a thread; their manifests in `folder`
    (``<template>.json``). The node stops when the block ends."""
    server = NodeServer(port=0, accounts=ACCOUNTS)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    chain = Chain.rpc(server.url)
    try:
        system = deploy_system(chain, build, escrow=True)
        for dep in (system.registry, system.token, system.escrow):
            dep.save(folder / f"{dep.template}.json")
        yield system, server
    finally:
        chain.close()
        server.shutdown()
        server.server_close()
        thread.join(10)
