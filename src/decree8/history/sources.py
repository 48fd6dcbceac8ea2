"""Reading the logs of the audited contracts, fast on either kind of chain.

Two sources, one interface (:class:`LogSource`):

* :class:`RpcLogSource` (any JSON-RPC node): ``eth_getLogs`` over block chunks that adapt to the
  node (:class:`~decree8.history.chunks.ChunkedLogReader`). Responses are used raw (no web3 result
  formatting). For the audit (:meth:`RpcLogSource.events`) a background thread fetches the next
  chunk while the caller decodes and replays the last one
  (:class:`~decree8.history.chunks.ReadAhead`).
* :class:`EmbeddedLogSource`: a chain that can read its own block database
  (:meth:`decree8.chain.Chain.block_store`, the embedded chain) is walked once per block instead
  of asked for ``eth_getLogs``, which eth-tester answers in quadratic time.
"""

from __future__ import annotations

import abc
import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from eth_utils import to_checksum_address

from decree8.errors import ChainError
from decree8.history.chunks import ChunkedLogReader, Progress, ReadAhead
from decree8.history.events import Event, EventDecoder, RawLog, TxInfo, hex_int
from decree8.history.failed import FailedScan, scan_failed

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.chain.blockstore import BlockStore

#: ``{checksummed address: contract kind}`` of the contracts whose logs are read.
Kinds = Mapping[str, str]

__all__ = [
    "EmbeddedLogSource",
    "EventChunk",
    "LogSource",
    "RpcLogSource",
    "log_source",
    "tx_from_json",
]


def _nothing() -> None:
    pass


class EventChunk(NamedTuple):
    """The decoded events of some consecutive blocks, with the number of logs they came from;
    ``last`` is set on the last chunk of the range. ``release()`` tells the source that the
    caller's own requests about the chunk are answered: it may go on fetching (see
    :class:`ReadAhead`). ``next_last`` is a hint that the next chunk is probably the last."""

    logs: int
    events: list[Event]
    last: bool = True
    release: Callable[[], None] = _nothing
    next_last: bool = False


class LogSource(abc.ABC):
    """The logs of some addresses over a block range, plus the block times and transactions the
    audit asks about afterwards (each fetched once, on demand, unless given beforehand)."""

    #: How the logs were read, for the report.
    method: str = ""

    def __init__(self) -> None:
        self._times: dict[int, int] = {}
        self._known: list[int] = []  # sorted blocks whose timestamps are known
        self._txs: dict[str, TxInfo] = {}
        self.failed: list[TxInfo] = []  # failed transactions to the addresses, when collected
        self.requests = 0
        #: How failed transactions were looked for, or why not, for the report.
        self.failed_search = ""

    @abc.abstractmethod
    def logs(
        self, addresses: Sequence[str], from_block: int, to_block: int, progress: Progress | None
    ) -> list[RawLog]:
        """Every log of ``addresses`` in ``[from_block, to_block]``, in chain order."""

    def events(
        self,
        kinds: Mapping[str, str],
        decoder: EventDecoder,
        from_block: int,
        to_block: int,
        progress: Progress | None = None,
    ) -> Iterator[EventChunk]:
        """The logs of the contracts ``kinds`` (``{checksummed address: kind}``) in
        ``[from_block, to_block]``, decoded by the ABI of their kind, in chain order, chunk by
        chunk (a log that does not decode is counted, not returned)."""
        return self._events(kinds, decoder, (from_block, to_block), progress)

    def _events(
        self, kinds: Kinds, decoder: EventDecoder, span: tuple[int, int], progress: Progress | None
    ) -> Iterator[EventChunk]:
        """:meth:`events` in one chunk: every log read, then decoded."""
        raw = self.logs(sorted(kinds), *span, progress)
        events = []
        for log in raw:
            event = decoder.decode(log, kinds[log.address])
            if event is not None:
                events.append(event)
        yield EventChunk(len(raw), events)

    @abc.abstractmethod
    def _fetch_timestamp(self, block: int) -> int: ...

    @abc.abstractmethod
    def _fetch_tx(self, tx_hash: str) -> TxInfo: ...

    def remember_timestamp(self, block: int, timestamp: int) -> None:
        if block not in self._times:
            self._times[block] = timestamp
            bisect.insort(self._known, block)

    def timestamp(self, block: int) -> int:
        """The block's time (asked of the chain once)."""
        found = self._times.get(block)
        if found is None:
            found = self._fetch_timestamp(block)
            self.remember_timestamp(block, found)
        return found

    def known_timestamp(self, block: int) -> int | None:
        return self._times.get(block)

    def bounds(self, block: int) -> tuple[int | None, int | None]:
        """The tightest known lower and upper bounds of the block's time (block times never
        decrease), without asking the chain."""
        exact = self._times.get(block)
        if exact is not None:
            return exact, exact
        at = bisect.bisect_left(self._known, block)
        low = self._times[self._known[at - 1]] if at > 0 else None
        high = self._times[self._known[at]] if at < len(self._known) else None
        return low, high

    def remember_tx(self, info: TxInfo) -> None:
        self._txs.setdefault(info.tx_hash, info)

    def tx(self, tx_hash: str) -> TxInfo:
        found = self._txs.get(tx_hash)
        if found is None:
            found = self._txs[tx_hash] = self._fetch_tx(tx_hash)
        return found


# -- JSON-RPC --------------------------------------------------------------------------------------


def _hexbytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return bytes.fromhex(str(value)[2:])


FIRST_CHUNK = 500


class RpcLogSource(LogSource):
    """Logs through chunked ``eth_getLogs``; block times and transactions asked one by one, on
    demand. With ``include_failed``, the blocks of the range are read with their transactions, in
    batches, to find the failed ones sent to the audited addresses
    (:func:`decree8.history.failed.scan_failed`; ``scan`` says what it read)."""

    method = "eth_getLogs in adaptive block chunks"

    def __init__(
        self, chain: Chain, include_failed: bool = False, reader: ChunkedLogReader | None = None
    ) -> None:
        super().__init__()
        self.chain = chain
        self._request = chain.request
        self.reader = reader or ChunkedLogReader(self._request, initial_chunk=FIRST_CHUNK)
        self.include_failed = include_failed
        self.scan: FailedScan | None = None  # what the search for failed transactions read
        self._logged: set[str] = set()  # transactions that emitted a log of the addresses

    def _ask(self, method: str, params: list[Any]) -> Any:
        self.requests += 1
        return self._request(method, params)

    def logs(
        self, addresses: Sequence[str], from_block: int, to_block: int, progress: Progress | None
    ) -> list[RawLog]:
        asked = self.reader.requests
        raw = self.reader.read(addresses, from_block, to_block, progress=progress)
        self.requests += self.reader.requests - asked
        checksums: dict[str, str] = {}
        out: list[RawLog] = []
        for item in raw:
            if item.get("removed"):
                continue
            block = self._block_of(item)
            self._logged.add(str(item["transactionHash"]).lower())
            out.append(
                RawLog(
                    block=block,
                    tx_index=hex_int(item["transactionIndex"]),
                    log_index=hex_int(item["logIndex"]),
                    tx_hash=str(item["transactionHash"]).lower(),
                    address=checksums.get(item["address"])
                    or checksums.setdefault(item["address"], to_checksum_address(item["address"])),
                    topics=tuple(_hexbytes(t) for t in item["topics"]),
                    data=_hexbytes(item["data"]),
                )
            )
        out.sort(key=lambda log: (log.block, log.log_index))
        if self.include_failed:
            self._collect_failed({a.lower() for a in addresses}, from_block, to_block)
        return out

    def _block_of(self, item: Mapping[str, Any]) -> int:
        """The log's block number; its block time is remembered when the node sends it."""
        block = hex_int(item["blockNumber"])
        stamp = item.get("blockTimestamp")
        if stamp is not None:
            self.remember_timestamp(block, hex_int(stamp))
        return block

    def _events(
        self, kinds: Kinds, decoder: EventDecoder, span: tuple[int, int], progress: Progress | None
    ) -> Iterator[EventChunk]:
        """As :meth:`LogSource.events`. A background thread fetches the next chunk of
        ``eth_getLogs`` while the caller decodes (straight from the node's hex strings) and
        replays the last (see :class:`ReadAhead`), so the node is kept busy. The first chunk is
        small, so that the caller has work early; the reader doubles it while the node answers
        quickly."""
        from_block, to_block = span
        targets = {a.lower(): (str(to_checksum_address(a)), k) for a, k in kinds.items()}
        asked = self.reader.requests
        total = to_block - from_block + 1
        ahead = ReadAhead(self.reader.read_chunks(sorted(kinds), from_block, to_block))
        try:
            for _, end, answer in ahead:
                events: list[Event] = []
                count = 0
                for item in answer:
                    if item.get("removed"):
                        continue
                    count += 1
                    target = targets.get(str(item["address"]).lower())
                    if target is None:
                        continue
                    self._logged.add(str(item["transactionHash"]).lower())
                    block = self._block_of(item)
                    event = decoder.decode_json(item, target[1], target[0], block)
                    if event is not None:
                        events.append(event)
                if any(
                    (a.block, a.log_index) > (b.block, b.log_index)
                    for a, b in zip(events, events[1:], strict=False)
                ):
                    events.sort(key=lambda e: (e.block, e.log_index))
                if progress is not None:
                    progress(end + 1 - from_block, total)
                last = end >= to_block
                next_last = not last and end + self.reader.chunk >= to_block
                yield EventChunk(count, events, last, ahead.release, next_last)
        finally:
            ahead.close()
            self.requests += self.reader.requests - asked
        if self.include_failed:
            self._collect_failed(set(targets), from_block, to_block)

    def _collect_failed(self, addresses: set[str], from_block: int, to_block: int) -> None:
        failed, self.scan = scan_failed(
            self.chain,
            addresses,
            (from_block, to_block),
            self._logged,
            self.remember_timestamp,
            lambda tx: tx_from_json(tx, success=False),
        )
        self.requests += self.scan.round_trips
        self.failed.extend(failed)
        self.failed_search = (
            f"{self.scan.blocks:,} blocks read with their transactions and "
            f"{self.scan.receipts:,} receipts of transactions to the audited contracts that left "
            f"no log of them, in {self.scan.round_trips:,} requests"
        )

    def _fetch_timestamp(self, block: int) -> int:
        found = self._ask("eth_getBlockByNumber", [hex(block), False])
        if not found:
            raise ChainError(f"the node has no block {block}")
        return hex_int(found["timestamp"])

    def _fetch_tx(self, tx_hash: str) -> TxInfo:
        found = self._ask("eth_getTransactionByHash", [tx_hash])
        if not found:
            raise ChainError(f"the node does not know transaction {tx_hash}")
        return tx_from_json(found)


def tx_from_json(tx: Mapping[str, Any], success: bool | None = None) -> TxInfo:
    return TxInfo(
        tx_hash=str(tx["hash"]).lower(),
        block=hex_int(tx["blockNumber"]),
        index=hex_int(tx["transactionIndex"]),
        sender=to_checksum_address(tx["from"]),
        to=to_checksum_address(tx["to"]) if tx.get("to") else None,
        data=_hexbytes(tx.get("input") or tx.get("data") or "0x"),
        value=hex_int(tx.get("value", 0)),
        gas=hex_int(tx.get("gas", 0)),
        success=success,
    )


# -- embedded (eth-tester / py-evm) --------------------------------------------------------------


class EmbeddedLogSource(LogSource):
    """Walks the chain's own block database once per block (see the module docs)."""

    method = "one pass over the embedded chain's blocks and receipts"

    def __init__(self, chain: Chain, include_failed: bool = True) -> None:
        super().__init__()
        self.chain = chain
        self.include_failed = include_failed
        store = chain.block_store(include_failed)
        if store is None:
            raise ChainError("this chain cannot walk its own blocks: read its logs over JSON-RPC")
        store.on_time = self.remember_timestamp
        self.store: BlockStore = store
        self.failed = store.failed
        if include_failed:
            self.failed_search = "every transaction of the range's blocks, in the chain's database"

    def logs(
        self, addresses: Sequence[str], from_block: int, to_block: int, progress: Progress | None
    ) -> list[RawLog]:
        return self.store.logs(addresses, from_block, to_block, progress)

    def _fetch_timestamp(self, block: int) -> int:
        return self.store.timestamp(block)

    def _fetch_tx(self, tx_hash: str) -> TxInfo:
        return self.store.tx(tx_hash)


#: The longest range (in blocks) whose failed transactions an audit on a chain without a block
#: store looks for by default: reading blocks with their transactions, 100 to a batch, costs about
#: 0.2 ms a block on a local Hardhat node (measured: 2,029 blocks in 0.34 s, against 4.9 s one
#: request per block), more on a remote one; longer ranges ask for it (``include_failed=True``,
#: ``--include-failed``).
FAILED_SEARCH_BLOCKS = 50_000


def log_source(
    chain: Chain, include_failed: bool | None = None, blocks: int | None = None
) -> LogSource:
    """The fastest source for ``chain``: the block walker where the chain has one
    (:meth:`~decree8.chain.Chain.block_store`: the embedded chain), chunked ``eth_getLogs``
    elsewhere. Failed transactions are looked for when ``include_failed`` is True, never when it
    is False, and by default on the embedded chain, and elsewhere (reading the range's blocks in
    batches: :mod:`decree8.history.failed`) when the range is known to have at most
    :data:`FAILED_SEARCH_BLOCKS` ``blocks``; :attr:`LogSource.failed_search` says which."""
    if chain.block_store() is not None:
        source: LogSource = EmbeddedLogSource(chain, include_failed=include_failed is not False)
    elif include_failed is None and (blocks is None or blocks > FAILED_SEARCH_BLOCKS):
        source = RpcLogSource(chain, include_failed=False)
        source.failed_search = "not looked for (include_failed was not asked)"
        if blocks is not None:
            source.failed_search = (
                f"not looked for: the range has {blocks:,} blocks, more than the "
                f"{FAILED_SEARCH_BLOCKS:,} searched by default (--include-failed reads them all)"
            )
        return source
    else:
        source = RpcLogSource(chain, include_failed=include_failed is not False)
    if include_failed is False:
        source.failed_search = "not looked for (--no-include-failed)"
    return source
