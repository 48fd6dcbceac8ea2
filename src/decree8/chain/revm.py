"""A chain on revm (the Rust EVM inside Foundry and Reth) in this process, through pyrevm.

Same API as the other chains; much faster for property tests. The difference from eth-tester that
tests must allow for (see docs/revm.md): pyrevm keeps storage slots and accounts warm across
transactions, so the second and later touches of a slot cost less gas than on eth-tester. State at
older blocks is rebuilt by replaying transactions (:mod:`decree8.revm.node`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from web3 import Web3
from web3.types import RPCEndpoint

from decree8.chain.devnode import DevNodeControl
from decree8.chain.interface import Chain
from decree8.errors import ChainError, ToolchainError

__all__ = ["RevmChain"]

# web3 middlewares that only cost time on an in-process node that never needs them
_LEAN_MIDDLEWARE = ("ens_name_to_address", "attrdict")


class RevmChain(DevNodeControl, Chain):
    """An in-process revm chain with ``accounts`` funded, unlocked accounts (eth-tester's keys)."""

    def __init__(self, accounts: int = 10, **options: Any) -> None:
        try:
            from decree8.revm import RevmProvider
        except ImportError as exc:  # pyrevm is an optional extra
            raise ToolchainError(
                "the revm chain needs pyrevm: pip install 'decree8[revm]'"
            ) from exc
        self.provider = RevmProvider(accounts=accounts, **options)
        w3 = Web3(self.provider)
        for name in _LEAN_MIDDLEWARE:
            try:
                w3.middleware_onion.remove(name)
            except (ValueError, KeyError):
                pass
        super().__init__(w3)

    def snapshot(self) -> int:
        with self._guard():
            return self.provider.node.snapshot()

    def revert(self, snap_id: int) -> None:
        # used up by its revert, with every later one, as on the other backends (the provider's
        # evm_revert keeps it, as eth-tester's does)
        with self._guard():
            if not self.provider.node.revert(snap_id, keep=False):
                raise ChainError(
                    f"no snapshot {snap_id} to revert to "
                    "(a revert uses up its snapshot and later ones)"
                )

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        """Sends one raw request to the provider; ChainError if it refuses."""
        with self._guard():
            response = self.provider.make_request(RPCEndpoint(method), params or [])
        error = response.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, Mapping) else error
            raise ChainError(f"the revm chain refused {method}: {message}")
        return response.get("result")
