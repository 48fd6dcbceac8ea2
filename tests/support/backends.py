"""The backends every behaviour suite runs on, and the session's chains on them.

A test that asks for the ``backend`` fixture (directly or through ``backend_chain``, ``chain`` or
``system``) runs once per backend of its module's ``BACKENDS`` (default :data:`BACKENDS`): the
embedded chain (eth-tester, the reference), revm (the fast chain) and a Hardhat node (marked
``hardhat`` and ``rpc``; ``-m "not hardhat"`` leaves it out). tests/conftest.py parametrizes
``backend`` per module, so each module deploys once per backend, and keeps one chain per backend
for the whole session (:class:`ChainPool`); nodes start when a test first needs them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _pytest.mark import ParameterSet

from decree8.chain import Chain

from .system import ACCOUNTS

EMBEDDED = pytest.param("embedded", id="embedded")
REVM = pytest.param("revm", id="revm")
HARDHAT = pytest.param("hardhat", id="hardhat", marks=[pytest.mark.hardhat, pytest.mark.rpc])
DECREE8_NODE = pytest.param("decree8-node", id="decree8-node", marks=pytest.mark.rpc)
DECREE8_NODE_REVM = pytest.param("decree8-node-revm", id="decree8-node-revm", marks=pytest.mark.rpc)

#: Every behaviour suite: the two in-process chains and a Hardhat node.
BACKENDS: tuple[ParameterSet, ...] = (EMBEDDED, REVM, HARDHAT)
#: The in-process chains only (modules whose cost on a node is out of proportion, said where set).
IN_PROCESS: tuple[ParameterSet, ...] = (EMBEDDED, REVM)
#: The chain suite also runs on decree8's own node, on both of its EVMs.
WITH_DECREE8_NODE: tuple[ParameterSet, ...] = (*BACKENDS, DECREE8_NODE, DECREE8_NODE_REVM)

#: The session fixture that yields the URL of each node backend (tests/conftest.py).
NODE_URL_FIXTURES = {
    "hardhat": "hardhat_url",
    "decree8-node": "decree8_node_url",
    "decree8-node-revm": "decree8_revm_node_url",
}


class ChainPool:
    """One chain per backend for a session, opened on first use with :meth:`Chain.open` (node URLs
    come from the session's node fixtures, through `fixture_value`), closed by :meth:`close`."""

    def __init__(self, fixture_value: Callable[[str], str]) -> None:
        self._fixture_value = fixture_value
        self._chains: dict[str, Chain] = {}

    def get(self, backend: str) -> Chain:
        chain = self._chains.get(backend)
        if chain is None:
            if backend in NODE_URL_FIXTURES:
                chain = Chain.open(self._fixture_value(NODE_URL_FIXTURES[backend]))
            else:
                chain = Chain.open(backend, accounts=ACCOUNTS)
            self._chains[backend] = chain
        return chain

    def close(self) -> None:
        for chain in self._chains.values():
            chain.close()
        self._chains.clear()
