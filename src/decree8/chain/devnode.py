"""Node control through the `evm_*` JSON-RPC methods that Hardhat, `decree8 node` and the revm
provider all answer: snapshots, exact time travel and mining. Shared by every chain that reaches its
EVM through a JSON-RPC-shaped request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decree8.errors import ChainError

__all__ = ["DevNodeControl"]


class DevNodeControl:
    """Mixin for a :class:`~decree8.chain.interface.Chain` whose provider answers the ``evm_*``
    methods (an HTTP development node, or the in-process revm provider)."""

    if TYPE_CHECKING:  # provided by Chain

        def request(self, method: str, params: list[Any] | None = None) -> Any: ...

        def timestamp(self) -> int: ...

    def snapshot(self) -> int:
        result = self.request("evm_snapshot")
        return int(result, 16) if isinstance(result, str) else int(result)

    def revert(self, snap_id: int) -> None:
        if self.request("evm_revert", [hex(snap_id)]) is not True:
            raise ChainError(
                f"no snapshot {snap_id} to revert to (a revert uses up its snapshot and later ones)"
            )

    def time_travel(self, seconds: int) -> None:
        # evm_increaseTime moves an offset from the node's wall clock, which can trail the latest
        # block when blocks come faster than one a second: setting the next timestamp is exact.
        if seconds < 0:
            raise ChainError(f"time only moves forward: cannot travel {seconds}s")
        if seconds:
            self.set_next_timestamp(self.timestamp() + seconds)
        self.request("evm_mine")

    def set_next_timestamp(self, timestamp: int) -> None:
        latest = self.timestamp()
        if timestamp <= latest:
            raise ChainError(
                f"the next block's timestamp {timestamp} must be after the latest block's "
                f"({latest})"
            )
        self.request("evm_setNextBlockTimestamp", [timestamp])

    def mine(self, blocks: int = 1) -> None:
        if blocks < 0:
            raise ChainError(f"cannot mine {blocks} blocks")
        for _ in range(blocks):
            self.request("evm_mine")
