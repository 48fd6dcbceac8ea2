"""A transaction's own context: its block's number and time, and the transactions before it in
that block.

A mined transaction ran in block N, at block N's time, on the state that the transactions before
it in block N left. View calls can only read the state at the end of a block, so:

* the rules are evaluated on the state at the end of block N-1 with the block time of N (the
  holder registry's answers are corrected for attestations that expire by then: see
  :meth:`decree8.rules.state.StateReader.holder_status`); when transactions earlier in block N
  emitted events of decree8's contracts, the state is rebuilt from the state at N-1 and those
  events (:mod:`decree8.check.inblock`), as an audit rebuilds it;
* the revert of a failed transaction is recovered in its own context
  (:func:`decree8.chain.replay.mined_revert`).

A pre-flight check runs in the context of the next block: the node's ``pending`` block, whose
time is the next block's (exactly on the in-process chains and after ``evm_setNextBlockTimestamp``;
the wall clock on a node that stamps blocks with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from decree8.chain.replay import RECOVERED_BY, MinedRevert, mined_revert
from decree8.hexutil import to_0x

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = ["RECOVERED_BY", "BlockContext", "MinedRevert", "block_context", "mined_revert"]


@dataclass(frozen=True)
class BlockContext:
    """Where a mined transaction ran: block ``number`` at ``timestamp``, at position ``index``,
    after ``before`` (the hashes of the transactions before it in that block)."""

    number: int
    timestamp: int
    index: int
    before: tuple[str, ...] = ()
    count: int = 1  # transactions in the block

    @property
    def alone(self) -> bool:
        """Whether the transaction is the only one in its block."""
        return self.count == 1


def block_context(chain: Chain, receipt: Any) -> BlockContext:
    """The :class:`BlockContext` of the mined transaction whose receipt is ``receipt``."""
    number = int(receipt["blockNumber"])
    index = int(receipt.get("transactionIndex") or 0)
    block = chain.w3.eth.get_block(number, full_transactions=False)
    hashes = [to_0x(h) for h in block.get("transactions", [])]
    return BlockContext(
        number, int(block["timestamp"]), index, tuple(hashes[:index]), max(len(hashes), 1)
    )
