"""An in-process dev chain on revm (decree8's own extension): accounts, automining, receipts, logs.

:class:`RevmNode` is the typed core behind :class:`decree8.revm.RevmProvider`. It keeps the EVM
state in one :class:`decree8._evm.Evm` (revm, compiled from ``native/``) and everything a node
adds on top (blocks, transactions, receipts, a log index, the clock, snapshots) in Python. Values
are Python ints, bytes and checksummed address strings; the provider turns them into JSON-RPC hex.

How it runs a transaction, and where it differs from eth-tester (py-evm):

* Each transaction goes through revm's full handler, as on a node: nonce, balance and gas are
  validated, the fee is charged, the state is committed and the journal finalized. Cold/warm
  access, transient storage and every slot's "original value" start afresh at the next
  transaction, so gas equals eth-tester's (same hardfork, Prague by default) transaction for
  transaction. Calls and estimates run the same way and are dropped.
* One block per transaction (automine). Block ``n``'s hash is ``keccak(str(n))``, the value
  revm's ``BLOCKHASH`` returns for it, so the opcode and ``eth_getBlockByNumber`` agree.
* Base fee is 0 in every block. A transaction pays ``gas_used * price`` where the price is its
  ``gasPrice`` (legacy) or ``min(maxFeePerGas, maxPriorityFeePerGas)`` (EIP-1559, base fee 0).
  web3's defaults (``eth_gasPrice`` and ``eth_maxPriorityFeePerGas`` answer ``gas_price``, 0
  unless set) make that 0, so balances then move by value only. Fees go to the coinbase.
* State is served at any mined block. The node's EVM holds the latest state; an older block's
  state comes from a second EVM (the *history*, built on the first such read) that replays the
  node's transactions block by block with the same block environment, gas and price, and checks
  that each gives the status, gas and contract address mined. Reading just behind the head, as a
  checker does, costs one replayed transaction per new block; reads at a block after which no
  transaction changed anything but nonces (status 0, no fee) are served from the latest state.
* Snapshots are copies of revm's database, taken between transactions: they survive any number
  of later transactions.
* Unsigned transactions (``eth_sendTransaction``) get a deterministic pseudo hash and
  ``v = r = s = 0``.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address

from decree8.revm.engine import (
    _address_of_key,
    _between,
    _block_hash,
    _checksum,
    _Engine,
    _prevrandao,
    _pseudo_hash,
    keccak,
)
from decree8.revm.records import (
    Block,
    CallFrame,
    ExecutionReverted,
    Log,
    Receipt,
    RevmError,
    Transaction,
    TxRequest,
    _Mark,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_COINBASE = "0xC014BA5EC014BA5EC014BA5EC014BA5EC014BA5E"
EMPTY_CODE_HASH = keccak(b"")
HARDFORKS = ("SHANGHAI", "CANCUN", "PRAGUE", "OSAKA")
#: eth-tester's hardfork (py-evm's PragueVM): the default, so that gas matches
DEFAULT_HARDFORK = "PRAGUE"


# ---------------------------------------------------------------------------------------------
# History: the state of older blocks
# ---------------------------------------------------------------------------------------------


class _History:
    """The state after any mined block, from a second engine (the *shadow*) that replays the
    node's transactions.

    The shadow is built on the first read at an older block, from the same genesis. To serve
    block ``k`` it must hold the state after the last transaction block ``t <= k``: it goes
    forward by replaying the transactions of the blocks in between (same block number, timestamp,
    gas and price; each replay must give the status, gas and created address recorded for the
    block, else :class:`RevmError`) and back by rewinding to a mark (a copy of its database) at or
    before ``t``. Marks are kept for the last :data:`_RECENT_MARKS` transaction blocks and every
    :data:`_SPARSE_MARKS`-th one before, so memory stays bounded and going back far replays at most
    that many transactions. Reading just behind the head, the common case (a checker reads the
    block before a transaction), costs one replay per new transaction.
    """

    def __init__(self, node: RevmNode) -> None:
        self._node = node
        self._engine: _Engine | None = None
        #: (block number, mark for the state after that block, kept for good), ascending
        self._marks: list[tuple[int, _Mark, bool]] = []
        self._replayed = 0
        self._position: int | None = None

    @property
    def position(self) -> int | None:
        """The block whose state the shadow holds (None before it is built)."""
        return self._position

    def engine_at(self, number: int) -> _Engine:
        """The shadow, holding the state after block ``number``."""
        node = self._node
        engine = self._engine
        if engine is None:
            engine = self._engine = node._new_engine()
            self._marks = [(0, engine.mark(), True)]
            self._position = 0
        tx_blocks = node._tx_blocks
        end = bisect.bisect_right(tx_blocks, number)
        target = tx_blocks[end - 1] if end else 0
        if self._position is None or self._position > target:
            self._rewind_to(target)
        for block in tx_blocks[bisect.bisect_right(tx_blocks, self._position or 0) : end]:
            try:
                self._replay(engine, block)
            except RevmError:
                self._rewind_to(self._marks[-1][0])  # back to the last state known good
                raise
            self._position = block
            self._replayed += 1
            self._marks.append((block, engine.mark(), self._replayed % _SPARSE_MARKS == 0))
            self._prune()
        return engine

    def truncate(self, block_count: int) -> None:
        """The node dropped its blocks from ``block_count`` on: forget the shadow's state of them
        (the block numbers will be reused)."""
        if self._marks and (self._position is None or self._position >= block_count):
            self._rewind_to(block_count - 1)

    def _rewind_to(self, target: int) -> None:
        """Back to the latest mark at or before block ``target``."""
        assert self._engine is not None
        while self._marks[-1][0] > target:
            self._engine.forget(self._marks.pop()[1])
        block, mark, _ = self._marks[-1]
        self._engine.rewind(mark)
        self._position = block

    def _prune(self) -> None:
        """Drop the marks that are neither recent nor sparse ones."""
        assert self._engine is not None
        if len(self._marks) <= _RECENT_MARKS + 1:
            return
        index = len(self._marks) - _RECENT_MARKS - 1
        block, mark, keep = self._marks[index]
        if not keep:
            self._engine.forget(mark)
            del self._marks[index]

    def _replay(self, engine: _Engine, number: int) -> None:
        node = self._node
        block = node._blocks[number]
        for tx_hash in block.transactions:
            tx = node._transactions[tx_hash]
            receipt = node._receipts[tx_hash]
            engine.use_block(number, block.timestamp)
            request = TxRequest(sender=tx.sender, to=tx.to, value=tx.value, data=tx.data)
            try:
                outcome = engine.execute(request, tx.gas, tx.gas_price)
            except RevmError as exc:
                raise RevmError(
                    f"cannot rebuild the state of block {number} to read it: replaying its "
                    f"transaction 0x{tx_hash.hex()} was refused ({exc})"
                ) from None
            replayed = (outcome.status, outcome.gas_used, outcome.created)
            recorded = (receipt.status, receipt.gas_used, receipt.contract_address)
            if replayed != recorded:
                raise RevmError(
                    f"cannot rebuild the state of block {number} to read it: replaying its "
                    f"transaction 0x{tx_hash.hex()} gave (status, gas used, contract) "
                    f"{replayed}, mined as {recorded}"
                )


#: History marks kept for the latest transaction blocks, and one in how many before them.
_RECENT_MARKS = 16
_SPARSE_MARKS = 64


@dataclass
class _Snapshot:
    """A live snapshot: the main engine's mark plus what Python holds outside the EVM."""

    id: int
    mark: _Mark
    block_count: int
    time_offset: int
    next_timestamp: int | None


# ---------------------------------------------------------------------------------------------
# The node
# ---------------------------------------------------------------------------------------------


class RevmNode:
    """An automining dev chain on one revm EVM (:class:`decree8._evm.Evm`).

    Args:
        accounts: how many funded, unlocked accounts to create. Their private keys are 1, 2, 3...
            (as eth-tester's), so the addresses are eth-tester's too.
        balance: each account's starting balance in wei.
        chain_id: the chain id the EVM and ``eth_chainId`` report.
        hardfork: the revm spec id; ``"PRAGUE"`` (eth-tester's) by default, so gas matches.
        gas_limit: every block's gas limit, and the cap for calls and estimates.
        gas_price: what ``eth_gasPrice`` and ``eth_maxPriorityFeePerGas`` answer.
        timestamp: the genesis timestamp; wall-clock now when None.
    """

    def __init__(
        self,
        *,
        accounts: int = 10,
        balance: int = 10**24,
        chain_id: int = 1337,
        hardfork: str = DEFAULT_HARDFORK,
        gas_limit: int = 30_000_000,
        gas_price: int = 0,
        coinbase: str = DEFAULT_COINBASE,
        timestamp: int | None = None,
    ) -> None:
        spec = hardfork.upper()
        if spec not in HARDFORKS:
            raise RevmError(f"unknown hardfork {hardfork!r}: use one of {', '.join(HARDFORKS)}")
        if accounts < 0 or balance < 0 or gas_limit < 21_000 or gas_price < 0:
            raise RevmError("accounts, balance and gas price must be >= 0 and gas limit >= 21000")
        self.chain_id = chain_id
        self.hardfork = spec
        self.gas_limit = gas_limit
        self.gas_price = gas_price
        self.coinbase = to_checksum_address(coinbase)
        self.private_keys: tuple[bytes, ...] = tuple(
            i.to_bytes(32, "big") for i in range(1, accounts + 1)
        )
        self.accounts: list[str] = [_address_of_key(key) for key in self.private_keys]
        self._unlocked = {a.lower() for a in self.accounts}
        self._genesis = tuple((address, balance) for address in self.accounts)
        self._engine = self._new_engine()

        genesis_time = int(time.time()) if timestamp is None else timestamp
        self._time_offset = 0 if timestamp is None else timestamp - int(time.time())
        self._next_timestamp: int | None = None
        self._time_increased = 0
        self._blocks: list[Block] = [
            Block(
                0,
                _block_hash(0),
                b"\x00" * 32,
                genesis_time,
                gas_limit,
                0,
                self.coinbase,
                _prevrandao(0),
                0,
                (),
            )
        ]
        self._block_by_hash: dict[bytes, int] = {self._blocks[0].hash: 0}
        self._transactions: dict[bytes, Transaction] = {}
        self._receipts: dict[bytes, Receipt] = {}
        self._logs_by_block: list[tuple[Log, ...]] = [()]
        self._blocks_with_logs: list[int] = []
        self._log_blocks_by_address: dict[str, list[int]] = {}
        self._tx_blocks: list[int] = []  # blocks with a transaction
        #: blocks whose transaction changed more than its sender's nonce (it succeeded or paid a
        #: fee): before the first of these after block k, block k's balances, code and storage
        #: are the latest ones
        self._state_changes: list[int] = []
        self._history = _History(self)
        self._snapshots: list[_Snapshot] = []
        self._snapshot_counter = 0

    def _new_engine(self) -> _Engine:
        """An engine at this node's genesis (the main one, or the history's shadow)."""
        return _Engine(
            chain_id=self.chain_id,
            spec=self.hardfork,
            gas_limit=self.gas_limit,
            coinbase=self.coinbase,
            genesis=self._genesis,
        )

    # -- chain facts ----------------------------------------------------------------------

    @property
    def block_number(self) -> int:
        """The latest block's number."""
        return len(self._blocks) - 1

    @property
    def latest(self) -> Block:
        """The latest block."""
        return self._blocks[-1]

    def block(self, number: int) -> Block | None:
        """The block at ``number``, or None past the head."""
        return self._blocks[number] if 0 <= number < len(self._blocks) else None

    def block_by_hash(self, block_hash: bytes) -> Block | None:
        """The block with ``block_hash``, or None."""
        number = self._block_by_hash.get(block_hash)
        return None if number is None else self._blocks[number]

    def transaction(self, tx_hash: bytes) -> Transaction | None:
        """A mined transaction by hash, or None."""
        return self._transactions.get(tx_hash)

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """A mined transaction's receipt by hash, or None."""
        return self._receipts.get(tx_hash)

    # -- state reads (any mined block; "latest" by default) -----------------------------------

    def balance(self, address: str, block: int | str = "latest") -> int:
        """Wei held by ``address`` after ``block``."""
        return int(self._state(block).account(address).balance)

    def nonce(self, address: str, block: int | str = "latest") -> int:
        """The number of transactions sent from ``address`` (contracts: creations made)."""
        return int(self._state(block, nonce=True).account(address).nonce)

    def code(self, address: str, block: int | str = "latest") -> bytes:
        """The runtime code at ``address`` (empty for an account without code)."""
        return self._state(block).code(address)

    def storage(self, address: str, slot: int, block: int | str = "latest") -> int:
        """The value of storage ``slot`` of ``address``."""
        return self._state(block).storage(address, slot)

    # -- execution ----------------------------------------------------------------------------

    def send(self, tx: TxRequest, *, tx_hash: bytes | None = None, signed: bool = False) -> bytes:
        """Run ``tx`` in a new block and return its hash; a revert is mined with status 0.

        Raises :class:`RevmError` (nothing mined) for an unknown unsigned sender, a wrong nonce or
        chain id, gas outside ``[intrinsic, block gas limit]``, too little balance for the value
        and the fee, or a sender with code.
        """
        sender = tx.sender
        nonce, gas = self._admit(tx, signed)
        price = tx.price
        if tx_hash is None:
            tx_hash = _pseudo_hash(tx, nonce, gas, self.chain_id)

        number = len(self._blocks)
        timestamp = self._take_timestamp()
        engine = self._engine
        engine.use_block(number, timestamp)
        outcome = engine.execute(tx, gas, price)

        block_hash = _block_hash(number)
        logs = tuple(
            Log(_checksum(address), topics, data, number, block_hash, tx_hash, index)
            for index, (address, topics, data) in enumerate(outcome.logs)
        )
        self._transactions[tx_hash] = Transaction(
            tx_hash,
            sender,
            tx.to,
            tx.value,
            tx.data,
            gas,
            price,
            tx.max_fee_per_gas,
            tx.max_priority_fee_per_gas,
            nonce,
            self.chain_id,
            tx.type,
            number,
            block_hash,
        )
        self._receipts[tx_hash] = Receipt(
            tx_hash,
            sender,
            tx.to,
            number,
            block_hash,
            outcome.status,
            outcome.gas_used,
            price,
            outcome.created,
            logs,
            tx.type,
            None if outcome.status else outcome.output,
        )
        self._seal(number, timestamp, outcome.gas_used, (tx_hash,), logs, block_hash)
        self._tx_blocks.append(number)
        if outcome.status or outcome.gas_used * price:
            self._state_changes.append(number)
        return tx_hash

    def _admit(self, tx: TxRequest, signed: bool) -> tuple[int, int]:
        """The sender's nonce and the gas of ``tx``, once the node accepts to run it (see
        :meth:`send`); :class:`RevmError` otherwise."""
        sender = tx.sender
        if not signed and sender.lower() not in self._unlocked:
            raise RevmError(
                f"unknown account {sender}: eth_sendTransaction signs for "
                "the node's own accounts only (send a raw transaction instead)"
            )
        if tx.chain_id is not None and tx.chain_id != self.chain_id:
            raise RevmError(f"invalid chain id {tx.chain_id}: this chain is {self.chain_id}")
        info = self._engine.account(sender)
        nonce = int(info.nonce)
        if tx.nonce is not None and tx.nonce != nonce:
            word = "low" if tx.nonce < nonce else "high"
            raise RevmError(f"nonce too {word}: address {sender}, tx: {tx.nonce} state: {nonce}")
        if info.code_hash != EMPTY_CODE_HASH:
            raise RevmError(f"sender {sender} is not an externally owned account (it has code)")
        gas = self.estimate_gas(tx) if tx.gas is None else tx.gas
        if gas > self.gas_limit:
            raise RevmError(f"gas {gas} exceeds the block gas limit {self.gas_limit}")
        needed = gas * tx.price + tx.value
        have = int(info.balance)
        if have < needed:
            raise RevmError(
                f"insufficient funds for gas * price + value: address {sender} have {have} "
                f"want {needed}"
            )
        return nonce, gas

    def call(self, tx: TxRequest, block: int | str = "latest") -> bytes:
        """The return data of ``tx`` run at ``block`` and discarded; :class:`ExecutionReverted` if
        it reverts. ``"pending"`` runs in the next block's environment, a mined block on its state
        and in its environment."""
        engine = self._select_block(block)
        gas = self.gas_limit if tx.gas is None else min(tx.gas, self.gas_limit)
        outcome = engine.simulate(tx, gas)
        if not outcome.status:
            raise ExecutionReverted(outcome.output)
        return outcome.output

    def estimate_gas(self, tx: TxRequest, block: int | str = "pending") -> int:
        """The gas ``tx`` needs in the next block (or at ``block``): its use checked by a run with
        that limit (binary search when refunds or the 63/64 rule need more);
        :class:`ExecutionReverted` if it fails at the cap (the given gas or the block gas limit)."""
        engine = self._select_block(block)
        cap = self.gas_limit if tx.gas is None else min(tx.gas, self.gas_limit)
        outcome = engine.simulate(tx, cap)
        if not outcome.status:
            raise ExecutionReverted(outcome.output)
        used = outcome.gas_used
        guess = min(cap, (used + outcome.gas_refunded) * 64 // 63 + 2_300)
        if engine.simulate(tx, guess).status:
            high = guess
            low = used - 1
        else:
            high, low = cap, guess
        while high - low > max(1, high // 1000):
            middle = (low + high) // 2
            if engine.simulate(tx, middle).status:
                high = middle
            else:
                low = middle
        return high

    def trace_transaction(self, tx_hash: bytes) -> list[CallFrame]:
        """Replay a mined transaction on the state before it, recording its call frames (a
        reverted one shows which frame reverted, with its input and revert data)."""
        tx = self._transactions.get(tx_hash)
        if tx is None:
            raise RevmError(f"unknown transaction 0x{tx_hash.hex()}", code=-32602)
        number = tx.block_number
        engine = self._state(number - 1)
        engine.use_block(number, self._blocks[number].timestamp)
        request = TxRequest(sender=tx.sender, to=tx.to, value=tx.value, data=tx.data)
        return engine.trace(request, tx.gas)[1]

    def trace_call(self, tx: TxRequest, block: int | str = "latest") -> list[CallFrame]:
        """Run ``tx`` at ``block`` as :meth:`call` does, recording its call frames."""
        engine = self._select_block(block)
        gas = self.gas_limit if tx.gas is None else min(tx.gas, self.gas_limit)
        return engine.trace(tx, gas)[1]

    # -- mining and time ------------------------------------------------------------------

    def mine(self, blocks: int = 1, timestamp: int | None = None) -> None:
        """Mine ``blocks`` empty blocks; the first at ``timestamp`` when given."""
        if timestamp is not None:
            self.set_next_timestamp(timestamp)
        for _ in range(blocks):
            number = len(self._blocks)
            self._seal(number, self._take_timestamp(), 0, (), ())

    def increase_time(self, seconds: int) -> int:
        """Move the clock ``seconds`` forward for the next blocks (the next one is at least
        ``seconds`` after the latest, even when blocks ran ahead of the wall clock); returns the
        total of the seconds asked for so far, as Hardhat answers."""
        if seconds < 0:
            raise RevmError(f"cannot move time backwards ({seconds} seconds)")
        now = int(time.time())
        self._time_offset = max(self._time_offset + seconds, self.latest.timestamp + seconds - now)
        self._time_increased += seconds
        return self._time_increased

    def set_next_timestamp(self, timestamp: int) -> None:
        """Give the next block ``timestamp``; later blocks continue from there."""
        latest = self.latest.timestamp
        if timestamp <= latest:
            raise RevmError(f"timestamp {timestamp} is not after the latest block's {latest}")
        self._next_timestamp = timestamp

    def pending_timestamp(self) -> int:
        """The timestamp the next block gets if mined now."""
        if self._next_timestamp is not None:
            return self._next_timestamp
        return max(self.latest.timestamp + 1, int(time.time()) + self._time_offset)

    # -- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> int:
        """Save the chain (state, blocks, receipts, clock); returns an id for :meth:`revert`."""
        self._snapshot_counter += 1
        self._snapshots.append(self._take(self._snapshot_counter, self._engine.mark()))
        return self._snapshot_counter

    def revert(self, snapshot_id: int, *, keep: bool = True) -> bool:
        """Return to snapshot ``snapshot_id``; False if it is unknown. Snapshots taken after it
        are dropped; it stays usable when ``keep`` (as eth-tester's), else it is used up too
        (as Hardhat's)."""
        ids = [s.id for s in self._snapshots]
        if snapshot_id not in ids:
            return False
        target = self._snapshots[ids.index(snapshot_id)]
        for later in self._snapshots[ids.index(snapshot_id) + 1 :]:
            self._engine.forget(later.mark)
        del self._snapshots[ids.index(snapshot_id) :]
        mark = self._engine.rewind(target.mark)
        self._truncate(target.block_count)
        self._time_offset = target.time_offset
        self._next_timestamp = target.next_timestamp
        if keep:
            self._snapshots.append(self._take(snapshot_id, mark))
        else:
            self._engine.forget(mark)
        return True

    # -- logs -------------------------------------------------------------------------------

    def logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[str] = (),
        topics: Sequence[Sequence[str] | None] = (),
    ) -> list[Log]:
        """Logs in blocks ``from_block..to_block`` (inclusive) from any of ``addresses`` (all when
        empty) whose topic ``i`` is one of ``topics[i]`` (any when None), from the block index."""
        to_block = min(to_block, self.block_number)
        if from_block > to_block:
            return []
        if addresses:
            wanted = {a.lower() for a in addresses}
            numbers: Iterable[int] = sorted(
                {
                    n
                    for a in wanted
                    for n in _between(self._log_blocks_by_address.get(a, []), from_block, to_block)
                }
            )
        else:
            wanted = set()
            numbers = _between(self._blocks_with_logs, from_block, to_block)
        topic_sets = [None if t is None else {x.lower() for x in t} for t in topics]
        found: list[Log] = []
        for number in numbers:
            for log in self._logs_by_block[number]:
                if wanted and log.address.lower() not in wanted:
                    continue
                if len(topic_sets) > len(log.topics):
                    if any(s is not None for s in topic_sets[len(log.topics) :]):
                        continue
                if all(
                    s is None or log.topics[i] in s
                    for i, s in enumerate(topic_sets)
                    if i < len(log.topics)
                ):
                    found.append(log)
        return found

    # -- internals --------------------------------------------------------------------------

    def block_of(self, block: int | str) -> int:
        """The number of the mined block ``block`` names (a tag or a number); "pending" names
        the latest block. :class:`RevmError` for a block that does not exist."""
        if block in ("latest", "pending", "safe", "finalized"):
            return self.block_number
        if block == "earliest":
            return 0
        if not isinstance(block, int):
            raise RevmError(f"unknown block tag {block!r}", code=-32602)
        if block > self.block_number or block < 0:
            raise RevmError(f"block {block} does not exist (latest is {self.block_number})")
        return block

    def _state(self, block: int | str, *, nonce: bool = False) -> _Engine:
        """The engine holding the state after ``block``: the node's own when no transaction
        since changed what is read (``nonce``: any transaction does), else the history's."""
        number = self.block_of(block)
        changes = self._tx_blocks if nonce else self._state_changes
        if not changes or number >= changes[-1]:
            return self._engine
        return self._history.engine_at(number)

    def _select_block(self, block: int | str) -> _Engine:
        """The engine for a call at ``block``, set to run in that block's environment."""
        if block == "pending":
            self._engine.use_block(len(self._blocks), self.pending_timestamp())
            return self._engine
        number = self.block_of(block)
        engine = self._state(number)
        engine.use_block(number, self._blocks[number].timestamp)
        return engine

    def _take(self, snapshot_id: int, mark: _Mark) -> _Snapshot:
        return _Snapshot(
            snapshot_id,
            mark,
            len(self._blocks),
            self._time_offset,
            self._next_timestamp,
        )

    def _truncate(self, block_count: int) -> None:
        for block in self._blocks[block_count:]:
            del self._block_by_hash[block.hash]
            for tx_hash in block.transactions:
                self._transactions.pop(tx_hash, None)
                self._receipts.pop(tx_hash, None)
        del self._blocks[block_count:]
        del self._logs_by_block[block_count:]
        del self._blocks_with_logs[bisect.bisect_left(self._blocks_with_logs, block_count) :]
        del self._tx_blocks[bisect.bisect_left(self._tx_blocks, block_count) :]
        del self._state_changes[bisect.bisect_left(self._state_changes, block_count) :]
        for numbers in self._log_blocks_by_address.values():
            del numbers[bisect.bisect_left(numbers, block_count) :]
        self._history.truncate(block_count)

    def _take_timestamp(self) -> int:
        timestamp = self.pending_timestamp()
        if self._next_timestamp is not None:
            self._time_offset = timestamp - int(time.time())
            self._next_timestamp = None
        return timestamp

    def _seal(
        self,
        number: int,
        timestamp: int,
        gas_used: int,
        transactions: tuple[bytes, ...],
        logs: tuple[Log, ...],
        block_hash: bytes | None = None,
    ) -> None:
        block = Block(
            number,
            block_hash or _block_hash(number),
            self._blocks[-1].hash,
            timestamp,
            self.gas_limit,
            gas_used,
            self.coinbase,
            _prevrandao(number),
            0,
            transactions,
        )
        self._blocks.append(block)
        self._block_by_hash[block.hash] = number
        self._logs_by_block.append(logs)
        if logs:
            self._blocks_with_logs.append(number)
            for address in {log.address.lower() for log in logs}:
                self._log_blocks_by_address.setdefault(address, []).append(number)
