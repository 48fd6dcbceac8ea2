"""The audit's fixed reads of the chain, gathered and sent together.

Besides its logs, an audit asks a node a few things whose answers it knows it will need: the
latest block, views at the end block and at the block before the range (batched into one
``eth_call`` each by :data:`decree8.rules.state.BATCH_PROGRAM`), whether a contract had code,
some block times, the senders of some transactions. :class:`ChainReads` collects them, then
:meth:`ChainReads.run` sends them: where the chain batches requests (a JSON-RPC node over HTTP:
:attr:`~decree8.chain.Chain.batches_requests`) as one JSON-RPC batch (one round trip, answered by
the node in order), elsewhere (the embedded chain, revm) one by one through the chain's own
methods, which cost no round trip. A view that the batch cannot answer (the node
refuses the batched call, or an answer does not decode) is read again on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eth_abi.exceptions import DecodingError

from decree8.abi import AbiFunction
from decree8.errors import ChainError
from decree8.history.events import TxInfo, hex_int
from decree8.history.sources import LogSource, tx_from_json
from decree8.rules.state import StateReader, batch_code, parse_batch, view_functions

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = ["VIEW_BATCH", "ChainReads", "Read"]

#: View calls per batched ``eth_call`` (each is a STATICCALL inside one call's gas).
VIEW_BATCH = 400

Read = tuple[str, str, str, tuple[Any, ...]]  # (address, kind, function, args)
Block = int | str


class ChainReads:
    """Reads gathered by the audit, made by :meth:`run`.

    Ask with :meth:`views`, :meth:`has_code`, :meth:`block_time`, :meth:`tx` and
    :meth:`block_number`; after :meth:`run`, :attr:`answers` maps each read ``(address, kind,
    function, args)`` at each block to its answer (``None`` when the view reverted),
    :attr:`code` ``(address, block)`` to whether it had code, :attr:`head` is the latest block.
    The views of a contract found without code at a block are not answered.
    Block times and transactions go to ``source`` (:meth:`LogSource.remember_timestamp`,
    :meth:`LogSource.remember_tx`), where the replay finds them.
    """

    def __init__(
        self,
        chain: Chain,
        abis: Mapping[str, Sequence[Mapping[str, Any]]],
        source: LogSource | None = None,
        functions: Mapping[str, Mapping[str, AbiFunction]] | None = None,
    ) -> None:
        self.chain = chain
        self.abis = abis
        self.source = source
        self.functions = functions or {k: view_functions(v) for k, v in abis.items()}
        self.batched = chain.batches_requests
        self.requests = 0  # HTTP round trips (or single requests) made
        self.answers: dict[Block, dict[Read, Any]] = {}
        self.code: dict[tuple[str, int], bool] = {}
        self.head: int | None = None
        self._views: dict[Block, dict[Read, None]] = {}
        self._code: list[tuple[str, int]] = []
        self._times: list[int] = []
        self._txs: list[str] = []
        self._head = False

    # -- asking ------------------------------------------------------------------------------
    def views(self, reads: Sequence[Read], block: Block) -> None:
        self._views.setdefault(block, {}).update(dict.fromkeys(reads))

    def has_code(self, address: str, block: int) -> None:
        self._code.append((address, block))

    def block_time(self, block: int) -> None:
        if self.source is None or self.source.known_timestamp(block) is None:
            self._times.append(block)

    def tx(self, tx_hash: str) -> None:
        self._txs.append(tx_hash)

    def block_number(self) -> None:
        self._head = True

    # -- sending -----------------------------------------------------------------------------
    def run(self) -> None:
        """Makes every read asked since the last run."""
        if self.batched:
            self._run_batched()
        else:
            self._run_directly()
        self._views, self._code, self._times, self._txs, self._head = {}, [], [], [], False

    def _run_directly(self) -> None:
        chain = self.chain
        if self._head:
            self.head = chain.block_number
        for address, number in self._code:
            code = chain.w3.eth.get_code(address, number)  # type: ignore[arg-type]
            self.code[(address, number)] = bool(bytes(code))
        for block, wanted in self._views.items():
            reads = [r for r in wanted if self._exists(r[0], block)]
            self.answers.setdefault(block, {}).update(self._one_by_one(reads, block))
        if self.source is not None:
            for number in self._times:
                self.source.timestamp(number)
            for tx_hash in self._txs:
                self.source.tx(tx_hash)

    def _one_by_one(self, reads: Sequence[Read], block: Block) -> dict[Read, Any]:
        reader = StateReader(self.chain, block, self.abis)
        for at in range(0, len(reads), VIEW_BATCH):
            reader.prefetch(reads[at : at + VIEW_BATCH])
        return {read: reader.try_call(read[0], read[1], read[2], *read[3]) for read in reads}

    def _run_batched(self) -> None:
        calls: list[tuple[str, list[Any]]] = []
        handlers: list[Any] = []

        def add(method: str, params: list[Any], handler: Any) -> None:
            calls.append((method, params))
            handlers.append(handler)

        if self._head:
            add("eth_blockNumber", [], ("head",))
        for address, number in self._code:
            add("eth_getCode", [address, hex(number)], ("code", address, number))
        for block, wanted in self._views.items():
            reads = list(wanted)
            tag = hex(block) if isinstance(block, int) else block
            for at in range(0, len(reads), VIEW_BATCH):
                group = reads[at : at + VIEW_BATCH]
                specs = [self._codec(read) for read in group]
                code = batch_code(
                    [(r[0], spec.encode_values(r[3])) for r, spec in zip(group, specs, strict=True)]
                )
                add("eth_call", [{"data": "0x" + code.hex()}, tag], ("views", block, group, specs))
        for number in dict.fromkeys(self._times):
            add("eth_getBlockByNumber", [hex(number), False], ("time", number))
        for tx_hash in dict.fromkeys(self._txs):
            add("eth_getTransactionByHash", [tx_hash], ("tx", tx_hash))
        if not calls:
            return
        self.requests += 1
        results = self.chain.request_batch(calls)
        retry: dict[Block, list[Read]] = {}
        for handler, result in zip(handlers, results, strict=True):
            what = handler[0]
            if what == "views":
                _, block, group, specs = handler
                done = self.answers.setdefault(block, {})
                missing = self._decode_views(result, group, specs, done)
                retry.setdefault(block, []).extend(missing)
                continue
            if isinstance(result, ChainError):
                raise result
            if what == "head":
                self.head = hex_int(result)
            elif what == "code":
                self.code[(handler[1], handler[2])] = str(result or "0x") not in ("0x", "0x0")
            elif what == "time":
                if not result:
                    raise ChainError(f"the node has no block {handler[1]}")
                if self.source is not None:
                    self.source.remember_timestamp(handler[1], hex_int(result["timestamp"]))
            elif not result:
                raise ChainError(f"the node does not know transaction {handler[1]}")
            elif self.source is not None:
                info: TxInfo = tx_from_json(result)
                self.source.remember_tx(info)
        for at_block, failed in retry.items():
            for read in failed:
                self.answers[at_block].pop(read, None)
            again = [r for r in failed if self._exists(r[0], at_block)]
            if again:
                self.requests += 1
                self.answers[at_block].update(self._one_by_one(again, at_block))

    def _exists(self, address: str, block: Block) -> bool:
        """False when :meth:`has_code` found no code at ``address`` at ``block``: its views are
        not read (they would answer nothing)."""
        return not isinstance(block, int) or self.code.get((address, block), True)

    def _codec(self, read: Read) -> AbiFunction:
        try:
            return self.functions[read[1]][read[2]]
        except KeyError:
            raise ChainError(f"the audit knows no function {read[1]}.{read[2]}") from None

    def _decode_views(
        self,
        result: Any,
        group: Sequence[Read],
        specs: Sequence[AbiFunction],
        done: dict[Read, Any],
    ) -> list[Read]:
        """Decodes one batched call's answer into ``done``; returns the reads left to make."""
        if isinstance(result, ChainError) or not isinstance(result, str):
            return list(group)
        try:
            _, answers = parse_batch(bytes.fromhex(result[2:]), len(group))
        except ValueError:
            return list(group)
        missing: list[Read] = []
        for read, spec, (ok, data) in zip(group, specs, answers, strict=True):
            if not ok:
                done[read] = None
                continue
            try:
                done[read] = spec.decode_output(data)
            except (DecodingError, ValueError, OverflowError):
                missing.append(read)
        return missing
