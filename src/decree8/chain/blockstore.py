"""Direct reads of the embedded chain's own blocks: its logs, block times and transactions.

eth-tester answers ``eth_getLogs`` by looking up every transaction's receipt with a backwards scan
of the chain, which makes it quadratic (2,000 transfers took minutes). :class:`BlockStore` walks
each block once, straight from py-evm's database: the header (timestamp, logs bloom), then the
receipts trie and the transactions trie, decoded with plain RLP. Blocks whose bloom cannot hold a
wanted address are skipped unless failed transactions are wanted. Measured on 330 blocks of token
transfers: ``eth_getLogs`` 45 s, eth-tester ``get_block_by_number`` + ``get_transaction_receipt``
41 s, py-evm block objects and receipts 0.4 s, this walker well under that (see
``bench/bench_audit.py``). :meth:`decree8.chain.Chain.block_store` gives one where the chain has
it (the embedded chain).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rlp
from eth_utils import keccak, to_checksum_address

__all__ = ["BlockStore", "RawLog", "TxInfo", "trie_values"]

Progress = Callable[[int, int], None]  # (blocks done, blocks in all)


@dataclass(frozen=True, slots=True)
class RawLog:
    """One log as the node stores it, with where it sits in the chain."""

    block: int
    tx_index: int
    log_index: int
    tx_hash: str
    address: str  # checksummed
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class TxInfo:
    """What the audit needs of a transaction: who sent it to what, with which calldata."""

    tx_hash: str
    block: int
    index: int
    sender: str
    to: str | None
    data: bytes
    value: int
    gas: int
    success: bool | None = None


_BLANK_ROOT = keccak(rlp.encode(b""))


def _nibbles(data: bytes) -> list[int]:
    out: list[int] = []
    for byte in data:
        out += (byte >> 4, byte & 0x0F)
    return out


def trie_values(db: Any, root: bytes) -> list[bytes]:
    """The values of a Merkle-Patricia trie keyed by ``rlp(index)`` (a block's transactions or
    receipts), in index order, read straight from the node database."""
    if root == _BLANK_ROOT:
        return []
    found: list[tuple[list[int], bytes]] = []

    def resolve(ref: Any) -> Any:
        if isinstance(ref, list):
            return ref  # a node under 32 bytes is stored inline
        return rlp.decode(db[ref])

    def walk(node: Any, prefix: list[int]) -> None:
        if len(node) == 17:
            for i in range(16):
                if node[i]:
                    walk(resolve(node[i]), [*prefix, i])
            if node[16]:
                found.append((prefix, node[16]))
        elif len(node) == 2:
            path = node[0]
            flag = path[0] >> 4
            rest = ([path[0] & 0x0F] if flag & 1 else []) + _nibbles(path[1:])
            if flag >= 2:
                found.append(([*prefix, *rest], node[1]))
            else:
                walk(resolve(node[1]), [*prefix, *rest])

    walk(rlp.decode(db[root]), [])
    keyed = []
    for nibbles, value in found:
        key = bytes(nibbles[i] << 4 | nibbles[i + 1] for i in range(0, len(nibbles), 2))
        index = rlp.decode(key)
        keyed.append((int.from_bytes(index, "big") if index else 0, value))
    keyed.sort(key=lambda kv: kv[0])
    return [value for _, value in keyed]


def _typed_payload(value: bytes) -> tuple[int, list[Any]]:
    """``(type, fields)`` of a typed (EIP-2718) or legacy transaction or receipt."""
    if value and value[0] < 0x80:
        return value[0], rlp.decode(value[1:])
    return 0, rlp.decode(value)


#: Index of ``to`` in a transaction's RLP fields, by transaction type.
_TO_FIELD = {0: 3, 1: 4, 2: 5, 3: 5, 4: 5}


def _ignore_time(block: int, timestamp: int) -> None:
    pass


class BlockStore:
    """Walks a py-evm chain's database once per block (see the module docs). ``evm`` is the
    py-evm chain object; ``on_time(block, timestamp)`` is told every block time the walk reads.
    With ``include_failed``, :meth:`logs` also collects the failed transactions sent to the
    wanted addresses into :attr:`failed`."""

    def __init__(
        self,
        evm: Any,
        include_failed: bool = True,
        on_time: Callable[[int, int], None] | None = None,
    ) -> None:
        self.include_failed = include_failed
        self.failed: list[TxInfo] = []
        self._evm = evm
        #: told every block time a walk reads: ``on_time(block, timestamp)``
        self.on_time: Callable[[int, int], None] = on_time or _ignore_time

    def logs(
        self, addresses: Sequence[str], from_block: int, to_block: int, progress: Progress | None
    ) -> list[RawLog]:
        """Every log of ``addresses`` in ``[from_block, to_block]``, in chain order."""
        from eth_bloom import BloomFilter

        chaindb = self._evm.chaindb
        db = chaindb.db
        wanted = {bytes.fromhex(a[2:]): to_checksum_address(a) for a in addresses}
        out: list[RawLog] = []
        total = to_block - from_block + 1
        step = max(1, total // 100)
        for number in range(from_block, to_block + 1):
            header = chaindb.get_canonical_block_header_by_number(number)
            self.on_time(number, int(header.timestamp))
            if progress is not None and (number - from_block) % step == 0:
                progress(number - from_block, total)
            if header.transaction_root == _BLANK_ROOT:
                continue
            if not self.include_failed:
                bloom = BloomFilter(int(header.bloom))
                if not any(address in bloom for address in wanted):
                    continue
            receipts = trie_values(db, header.receipt_root)
            hashes: list[bytes] | None = None
            raw_txs: list[bytes] | None = None
            log_index = 0
            for tx_index, raw in enumerate(receipts):
                _, fields = _typed_payload(raw)
                status, logs = fields[0], fields[3]
                if not status or status == b"\x00":
                    if self.include_failed:
                        raw_txs = raw_txs or trie_values(db, header.transaction_root)
                        self._maybe_failed(raw_txs[tx_index], number, tx_index, wanted)
                    continue
                for address, topics, data in logs:
                    if address in wanted:
                        if hashes is None:
                            raw_txs = raw_txs or trie_values(db, header.transaction_root)
                            hashes = [keccak(tx) for tx in raw_txs]
                        out.append(
                            RawLog(
                                block=number,
                                tx_index=tx_index,
                                log_index=log_index,
                                tx_hash="0x" + hashes[tx_index].hex(),
                                address=wanted[address],
                                topics=tuple(bytes(t) for t in topics),
                                data=bytes(data),
                            )
                        )
                    log_index += 1
        if progress is not None:
            progress(total, total)
        return out

    def _maybe_failed(
        self, raw_tx: bytes, block: int, index: int, wanted: Mapping[bytes, str]
    ) -> None:
        kind, fields = _typed_payload(raw_tx)
        to = fields[_TO_FIELD.get(kind, 3)] if kind in _TO_FIELD else b""
        if to not in wanted:
            return
        info = self.tx("0x" + keccak(raw_tx).hex())
        self.failed.append(
            TxInfo(
                tx_hash=info.tx_hash,
                block=block,
                index=index,
                sender=info.sender,
                to=info.to,
                data=info.data,
                value=info.value,
                gas=info.gas,
                success=False,
            )
        )

    def timestamp(self, block: int) -> int:
        header = self._evm.chaindb.get_canonical_block_header_by_number(block)
        return int(header.timestamp)

    def tx(self, tx_hash: str) -> TxInfo:
        raw_hash = bytes.fromhex(tx_hash[2:])
        block, index = self._evm.chaindb.get_transaction_index(raw_hash)
        tx = self._evm.get_canonical_transaction(raw_hash)
        return TxInfo(
            tx_hash=tx_hash,
            block=int(block),
            index=int(index),
            sender=to_checksum_address(tx.sender),
            to=to_checksum_address(tx.to) if tx.to else None,
            data=bytes(tx.data),
            value=int(tx.value),
            gas=int(tx.gas),
        )
