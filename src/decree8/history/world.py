"""The rebuilt state of every audited contract (:class:`World`), and the rule evaluators' view
of it (:class:`WorldReader`): view calls answered from the state, no chain request."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from decree8.errors import TransactionReverted, UsageError
from decree8.history.contracts import (
    ContractState,
    RegistryState,
    TokenState,
    role_admin_view,
)
from decree8.history.escrow import EscrowState
from decree8.history.events import Event
from decree8.history.sources import LogSource
from decree8.rules.evaluators import ESCROW, REGISTRY, TOKEN, ZERO_ADDRESS
from decree8.rules.solidity import HolderStatus

__all__ = ["World", "WorldReader"]

T = TypeVar("T")


_KINDS: dict[str, type[ContractState]] = {
    TOKEN: TokenState,
    REGISTRY: RegistryState,
    ESCROW: EscrowState,
}


# --------------------------------------------------------------------------------------------------
# The world: every audited contract
# --------------------------------------------------------------------------------------------------


class World:
    """The rebuilt state of every audited contract, by address."""

    def __init__(self, kinds: Mapping[str, str]) -> None:
        self.contracts: dict[str, ContractState] = {}
        for address, kind in kinds.items():
            if kind not in _KINDS:
                raise UsageError(f"cannot audit a {kind}: not a decree8 contract kind")
            self.contracts[address] = _KINDS[kind](address=address)
        self.seen: set[str] = set()  # every address an event names
        self.events = 0

    def kind_of(self, address: str) -> str | None:
        found = self.contracts.get(address)
        return None if found is None else found.kind

    def of(self, address: str, cls: type[T]) -> T:
        found = self.contracts.get(address)
        if not isinstance(found, cls):
            raise UsageError(f"{address} is not an audited {cls.__name__.removesuffix('State')}")
        return found

    def tokens(self) -> list[TokenState]:
        return [c for c in self.contracts.values() if isinstance(c, TokenState)]

    def registries(self) -> list[RegistryState]:
        return [c for c in self.contracts.values() if isinstance(c, RegistryState)]

    def escrows(self) -> list[EscrowState]:
        return [c for c in self.contracts.values() if isinstance(c, EscrowState)]

    def apply(self, event: Event) -> None:
        self.events += 1
        seen = self.seen
        for value in event.args.values():
            if type(value) is str and len(value) == 42 and value.startswith("0x"):
                seen.add(value)
        seen.discard(ZERO_ADDRESS)
        self.contracts[event.address].apply(event)

    def holders(self) -> list[str]:
        """Every address seen in events, and the audited contracts themselves."""
        return sorted(self.seen | set(self.contracts))

    def views(self, also: Iterable[str] = ()) -> dict[tuple[str, str, str, tuple[Any, ...]], Any]:
        """``(address, kind, function, args) -> expected answer`` for every audited contract,
        for the :meth:`holders` and the addresses ``also``."""
        holders = sorted(set(self.holders()).union(also)) if also else self.holders()
        out: dict[tuple[str, str, str, tuple[Any, ...]], Any] = {}
        for address, state in self.contracts.items():
            for (fn, args), value in state.views(holders).items():
                out[(address, state.kind, fn, args)] = value
        return out

    def seed(self, answers: Mapping[tuple[str, str, str, tuple[Any, ...]], Any]) -> None:
        """Takes the chain's answers to :meth:`views` (read at the block before the audited
        range) as the starting state."""
        for (address, _kind, fn, args), value in answers.items():
            state = self.contracts[address]
            state.changes += 1
            state.load(fn, args, value)


# --------------------------------------------------------------------------------------------------
# The evaluators' view of the rebuilt state
# --------------------------------------------------------------------------------------------------


class WorldReader:
    """Answers the rule evaluators' view calls (the :class:`~decree8.rules.state.StateReader`
    methods they use) from the rebuilt :class:`World` as it stands before one action, at
    ``block``: no chain request, except a block's time when an attestation's expiry falls between
    the block times already known (and for the evaluators that read the block time itself)."""

    def __init__(self, world: World, block: int, source: LogSource) -> None:
        self.world = world
        self.block = block
        self.source = source
        self.calls = 0
        self._memo: dict[Hashable, Any] = {}

    @property
    def timestamp(self) -> int:
        return self.source.timestamp(self.block)

    def valid_at(self, valid_until: int) -> bool:
        """Whether ``block.timestamp < valid_until`` at this reader's block."""
        low, high = self.source.bounds(self.block)
        if high is not None and high < valid_until:
            return True
        if low is not None and low >= valid_until:
            return False
        return self.timestamp < valid_until

    def prefetch(self, reads: Iterable[Any]) -> None:
        """Nothing to fetch: the state is in memory."""

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = compute()
        found: T = self._memo[key]
        return found

    def template_of(self, address: str) -> str | None:
        return self.world.kind_of(address)

    def holder_status(self, registry: str, holder: str) -> HolderStatus:
        key = ("status", registry, holder)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self.world.of(registry, RegistryState).status(
                holder, self.valid_at
            )
        status: HolderStatus = found
        return status

    def has_role(self, address: str, contract: str, role: bytes, account: str) -> bool:
        return self.world.contracts[address].has_role(role, account)

    def try_call(self, address: str, contract: str, fn: str, *args: Any) -> Any | None:
        try:
            return self.call(address, contract, fn, *args)
        except TransactionReverted:
            return None

    def call(self, address: str, contract: str, fn: str, *args: Any) -> Any:
        self.calls += 1
        state = self.world.contracts.get(address)
        if state is None:
            raise UsageError(f"the audit has no state of {address} (ask for {fn})")
        if fn == "hasRole":
            return state.has_role(bytes(args[0]), str(args[1]))
        if fn == "getRoleAdmin":
            return role_admin_view(state, bytes(args[0]))
        if isinstance(state, TokenState):
            return _token_view(state, fn, args)
        if isinstance(state, RegistryState):
            return _registry_view(self, state, fn, args)
        if isinstance(state, EscrowState):
            return _escrow_view(state, fn, args)
        raise UsageError(f"the audit cannot answer {contract}.{fn}")


def _common_view(state: TokenState | EscrowState, fn: str, args: tuple[Any, ...]) -> Any:
    """The views token and escrow share (registry, pause, terms); ``_MISSING`` for others."""
    if fn == "registry":
        return state.registry
    if fn == "paused":
        return state.paused
    if fn == "hasAcceptedCurrentTerms":
        return state.terms.has_accepted(args[0])
    if fn == "termsVersion":
        return state.terms.version
    if fn == "termsHash":
        return state.terms.current_hash()
    return _MISSING


_MISSING = object()


def _token_view(state: TokenState, fn: str, args: tuple[Any, ...]) -> Any:
    found = _common_view(state, fn, args)
    if found is not _MISSING:
        return found
    if fn == "isFrozen":
        return args[0] in state.frozen_whole
    if fn == "frozenBalanceOf":
        return state.frozen_amount.get(args[0], 0)
    if fn == "balanceOf":
        return state.balances.get(args[0], 0)
    if fn == "totalSupply":
        return state.supply
    if fn == "cap":
        return state.cap
    raise UsageError(f"the audit cannot answer CompliantToken.{fn}")


def _registry_view(
    reader: WorldReader, state: RegistryState, fn: str, args: tuple[Any, ...]
) -> Any:
    if fn == "statusOf":
        return tuple(reader.holder_status(state.address, args[0]))
    if fn == "isBlocked":
        return args[0] in state.block_refs
    if fn == "isIdentified":
        return state.status(args[0], reader.valid_at).identified
    if fn == "attestationOf":
        return state.attestation(args[0]).as_tuple()
    raise UsageError(f"the audit cannot answer HolderRegistry.{fn}")


def _escrow_view(state: EscrowState, fn: str, args: tuple[Any, ...]) -> Any:
    if fn == "dealOf":
        deal = state.deals.get(int(args[0]))
        if deal is None:
            raise TransactionReverted(name="UnknownDeal", args={"dealId": int(args[0])})
        return tuple(deal)
    if fn == "creditOf":
        return state.credit(args[0], args[1])
    found = _common_view(state, fn, args)
    if found is not _MISSING:
        return found
    if fn == "dealCount":
        return state.deal_count
    raise UsageError(f"the audit cannot answer DealEscrow.{fn}")
