"""Failed transactions sent to the audited contracts, found on any JSON-RPC chain.

A reverted transaction leaves no log, so ``eth_getLogs`` never shows it. The only portable way to
find one is to read the blocks with their transactions and ask the status of those sent to the
audited contracts:

* the blocks of the range are read with their transactions (``eth_getBlockByNumber``, full), in
  batches of :data:`BATCH` blocks, one round trip each on a node that takes JSON-RPC batches
  (:meth:`decree8.chain.Chain.request_batch`);
* a receipt is asked only for a transaction sent to an audited contract that emitted no log of
  the audited contracts (one that did, succeeded: a failed transaction keeps no log), again
  batched, so that these reads grow with the transactions sent to the audited contracts, not
  with the whole chain's;
* the block times read on the way are kept (the audit asks them later).

The embedded chain is not read this way: it walks its own block database, failed transactions
included (:class:`decree8.history.sources.EmbeddedLogSource`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from decree8.errors import ChainError
from decree8.history.events import TxInfo, hex_int

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = ["BATCH", "FailedScan", "scan_failed"]

#: Blocks (or receipts) asked for in one JSON-RPC batch.
BATCH = 100


@dataclass
class FailedScan:
    """What :func:`scan_failed` read: the blocks, the receipts asked for, the round trips."""

    blocks: int = 0
    receipts: int = 0
    round_trips: int = 0


def scan_failed(
    chain: Chain,
    addresses: Collection[str],
    span: tuple[int, int],
    logged: Collection[str],
    on_time: Callable[[int, int], None],
    to_tx: Callable[[Mapping[str, Any]], TxInfo],
) -> tuple[list[TxInfo], FailedScan]:
    """The failed transactions sent to ``addresses`` (lower case) in the blocks ``span``
    (inclusive), in chain order, and what was read to find them (see the module docs).
    ``logged``: hashes (lower case) of the transactions that emitted a log of the audited
    contracts (they succeeded); ``on_time(block, timestamp)`` is told each block's time;
    ``to_tx`` turns a transaction's JSON into a :class:`TxInfo`."""
    scan = FailedScan()
    candidates: list[Mapping[str, Any]] = []
    first, last = span
    for start in range(first, last + 1, BATCH):
        numbers = range(start, min(start + BATCH, last + 1))
        answers = _batch(chain, [("eth_getBlockByNumber", [hex(n), True]) for n in numbers], scan)
        for number, block in zip(numbers, answers, strict=True):
            if not block:
                raise ChainError(f"the node has no block {number}: the range cannot be audited")
            scan.blocks += 1
            on_time(number, hex_int(block["timestamp"]))
            for tx in block.get("transactions", []):
                to = tx.get("to") if isinstance(tx, Mapping) else None
                if to and str(to).lower() in addresses and str(tx["hash"]).lower() not in logged:
                    candidates.append(tx)
    failed: list[TxInfo] = []
    for start in range(0, len(candidates), BATCH):
        part = candidates[start : start + BATCH]
        receipts = _batch(chain, [("eth_getTransactionReceipt", [tx["hash"]]) for tx in part], scan)
        scan.receipts += len(part)
        for tx, receipt in zip(part, receipts, strict=True):
            if receipt and hex_int(receipt.get("status", 1)) == 0:
                failed.append(to_tx(tx))
    return failed, scan


def _batch(chain: Chain, calls: list[tuple[str, list[Any]]], scan: FailedScan) -> list[Any]:
    """The answers of ``calls``, in one batch where the chain takes batches; a refused call is
    an error (the audit cannot say it found every failed transaction without it)."""
    scan.round_trips += 1 if chain.batches_requests else len(calls)
    answers = chain.request_batch(calls)
    for answer in answers:
        if isinstance(answer, ChainError):
            raise answer
    return answers
