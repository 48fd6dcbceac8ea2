"""The chain layer: one :class:`Chain` over web3, embedded (eth-tester) or behind JSON-RPC.

``Chain.embedded()`` runs py-evm in this process; ``Chain.rpc(url)`` talks to Hardhat,
``decree8 node`` (:mod:`decree8.chain.node`) or any development node with the ``evm_*`` methods.
Both offer funded unlocked accounts, decoded reverts, snapshots, time travel and mining.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decree8.chain import factory as _factory  # noqa: F401 - sets Chain.open and the others
from decree8.chain.errors import DecodedError, RevertDecoder
from decree8.chain.interface import Chain

if TYPE_CHECKING:
    from decree8.chain.embedded import EmbeddedChain
    from decree8.chain.rpc import RpcChain

__all__ = ["Chain", "DecodedError", "EmbeddedChain", "RevertDecoder", "RpcChain"]
# RevmChain (decree8.chain.revm) is imported lazily by Chain.revm() (decree8.chain.factory): the
# extension is optional.


def __getattr__(name: str) -> Any:
    """The backends load on first use: a command on a JSON-RPC node never imports eth-tester
    (over a second of start-up)."""
    if name == "EmbeddedChain":
        from decree8.chain.embedded import EmbeddedChain

        return EmbeddedChain
    if name == "RpcChain":
        from decree8.chain.rpc import RpcChain

        return RpcChain
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
