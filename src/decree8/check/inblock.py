"""The state a mined transaction ran on when transactions before it in its block changed
decree8's contracts.

A node answers view calls at the end of a block, so the state between two transactions of one
block cannot be read. It is rebuilt instead, as an audit rebuilds a range
(:mod:`decree8.history`): the contracts that the earlier transactions' events touched are
seeded with their state at the end of the block before (read from the chain, for every address
those events and the checked call name), then those events are applied in order. Every rule
evaluator reads that state for those contracts (and the chain's state at the block before for the
others) at the checked transaction's own block time. The templates' events suffice to rebuild
their state (the RECORDS rule); a change made without its event (a defective contract) is not
seen here, and is what an audit's RECORDS comparison finds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from decree8.errors import TransactionReverted, UsageError
from decree8.history import EscrowState, Event, TokenState, World, WorldReader
from decree8.rules.evaluators import ESCROW, REGISTRY, TOKEN, ZERO_ADDRESS
from decree8.rules.state import HolderStatus, StateReader

if TYPE_CHECKING:
    from decree8.check.context import BlockContext
    from decree8.check.core import CheckerBase as Checker

__all__ = ["InBlockReader", "in_block_state"]

T = TypeVar("T")
KINDS = (TOKEN, REGISTRY, ESCROW)
#: Seeding reads in rounds: the second asks what the first revealed (the jurisdictions of the
#: attestations read, the terms of the current version).
SEED_ROUNDS = 2


class _BlockTime:
    """The two questions a :class:`WorldReader` asks of a log source, for one block."""

    def __init__(self, block: int, timestamp: int) -> None:
        self.block, self.time = block, timestamp

    def timestamp(self, block: int) -> int:
        return self.time

    def known_timestamp(self, block: int) -> int | None:
        return self.time

    def bounds(self, block: int) -> tuple[int | None, int | None]:
        return self.time, self.time


class InBlockReader:
    """A :class:`~decree8.rules.state.StateView`: the rebuilt contracts from ``world``, every
    other read from ``base`` (the chain at the block before), all at the transaction's time."""

    def __init__(self, world: World, base: StateReader, block: int, timestamp: int) -> None:
        self.world = world
        self.base = base
        self._world = WorldReader(world, block, _BlockTime(block, timestamp))  # type: ignore[arg-type]
        self._timestamp = timestamp
        self._memo: dict[Hashable, Any] = {}

    @property
    def timestamp(self) -> int:
        return self._timestamp

    def _rebuilt(self, address: str) -> bool:
        return address in self.world.contracts

    def call(self, address: str, contract: str, fn: str, *args: Any) -> Any:
        if self._rebuilt(address):
            try:
                return self._world.call(address, contract, fn, *args)
            except UsageError:
                pass  # a view the rebuilt state does not keep: its events never change it
        return self.base.call(address, contract, fn, *args)

    def try_call(self, address: str, contract: str, fn: str, *args: Any) -> Any | None:
        try:
            return self.call(address, contract, fn, *args)
        except TransactionReverted:
            return None

    def holder_status(self, registry: str, holder: str) -> HolderStatus:
        if self._rebuilt(registry):
            return self._world.holder_status(registry, holder)
        return self.base.holder_status(registry, holder)

    def has_role(self, address: str, contract: str, role: bytes, account: str) -> bool:
        if self._rebuilt(address):
            return self._world.has_role(address, contract, role, account)
        return self.base.has_role(address, contract, role, account)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = compute()
        found: T = self._memo[key]
        return found

    def prefetch(self, reads: Iterable[tuple[str, str, str, Sequence[Any]]]) -> None:
        self.base.prefetch(r for r in reads if not self._rebuilt(r[0]))

    def template_of(self, address: str) -> str | None:
        return self.base.template_of(address)


def in_block_state(
    checker: Checker, where: BlockContext, also: Iterable[str] = (), deals: Iterable[int] = ()
) -> InBlockReader | None:
    """The state the transaction at ``where`` ran on, when the transactions before it in its
    block emitted events of decree8's contracts (``None`` when they emitted none: the state at
    the end of the block before is then the state it ran on, as far as the rules look).
    ``also`` are addresses the checked call names, ``deals`` the deals it acts on."""
    w3 = checker.chain.w3
    events: list[Event] = []
    for position, tx_hash in enumerate(where.before):
        receipt = w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        if int(receipt["status"]) != 1:
            continue
        events.extend(
            Event(
                found.name,
                str(found.contract),
                found.address,
                found.args,
                where.number,
                tx_hash,
                position,
                found.log_index,
            )
            for found in checker.decode_logs(receipt["logs"])
            if found.contract in KINDS
        )
    if not events:
        return None
    parent = max(where.number - 1, 0)
    base = checker.state_at(parent, where.timestamp)
    world = World({e.address: e.kind for e in events})
    world.seen = {a for a in also if a != ZERO_ADDRESS}
    named_deals = set(deals)
    for event in events:
        world.seen.update(
            v for v in event.args.values() if isinstance(v, str) and v.startswith("0x")
        )
        if "dealId" in event.args:
            named_deals.add(int(event.args["dealId"]))
    world.seen.discard(ZERO_ADDRESS)
    for address, state in world.contracts.items():
        kind = state.kind
        if isinstance(state, TokenState | EscrowState):
            state.registry = str(base.call(address, kind, "registry"))
        if isinstance(state, TokenState):
            state.cap = int(base.call(address, kind, "cap"))
        state.role_oracle = _oracle(base, address, kind)
    _seed(world, base, named_deals)
    for event in events:
        world.apply(event)
    return InBlockReader(world, base, where.number, where.timestamp)


def _oracle(base: StateReader, address: str, kind: str) -> Callable[[bytes, str], bool]:
    def has_role(role: bytes, account: str) -> bool:
        return bool(base.call(address, kind, "hasRole", role, account))

    return has_role


def _seed(world: World, base: StateReader, deals: set[int]) -> None:
    """Loads the state at the block before for every view the rebuilt contracts answer about the
    addresses seen, and the deals named."""
    asked: set[tuple[str, str, str, tuple[Any, ...]]] = set()
    for _ in range(SEED_ROUNDS):
        reads = [r for r in world.views() if r not in asked]
        for address, state in world.contracts.items():
            if isinstance(state, TokenState | EscrowState):
                kind = state.kind
                reads += [(address, kind, "termsHash", ()), (address, kind, "termsUri", ())]
            if isinstance(state, EscrowState):
                reads += [(address, ESCROW, "dealOf", (d,)) for d in sorted(deals)]
        reads = [r for r in dict.fromkeys(reads) if r not in asked and r[2] != "hasRole"]
        if not reads:
            return
        asked.update(reads)
        base.prefetch(reads)
        answers = {}
        for read in reads:
            try:
                answers[read] = base.call(read[0], read[1], read[2], *read[3])
            except (TransactionReverted, UsageError):
                continue
        world.seed(answers)
