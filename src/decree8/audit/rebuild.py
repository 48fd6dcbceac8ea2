"""The state of the audited contracts, rebuilt from their events alone (RECORDS).

Every legally significant change of the templates emits an event that says who, what and under
which reference; applying those events in chain order gives the state:

* token: balances and total supply (``Transfer``), frozen amounts and whole-address freezes
  (``TokensFrozen``/``TokensUnfrozen``, ``AddressFrozen``/``AddressUnfrozen``), terms versions and
  acceptances (``TermsPublished``, ``TermsAccepted``), the pause (``Paused``/``Unpaused``), roles
  (``RoleGranted``/``RoleRevoked``);
* registry: attestations and revocations, the illicit-address register, prohibited jurisdictions;
* escrow: the deal book (parties, legs, state, freezes, acceptances, funded legs), credits,
  withdrawals and the amounts locked per asset.

The same state answers the rule evaluators' view calls during the replay (:class:`WorldReader`),
and is compared at the end block with the state the chain itself reports: :meth:`World.views`
lists the view calls with the answers the rebuilt state expects (the audit reads them in batches
and reports each difference). Reading those views at the block before the range seeds the state
when the audit does not start at the contract's deployment (:meth:`World.seed`); a role that no
event in the range mentions is then asked of the chain at that block, once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from decree8.audit.logs import Event, LogSource
from decree8.errors import TransactionReverted, UsageError
from decree8.rules.evaluators import ESCROW, REGISTRY, TOKEN, ZERO_ADDRESS, role_hash
from decree8.rules.state import HolderStatus

__all__ = [
    "ESCROW_ROLES",
    "REGISTRY_ROLES",
    "TOKEN_ROLES",
    "Attestation",
    "ContractState",
    "DealRecord",
    "EscrowState",
    "RegistryState",
    "TokenState",
    "View",
    "World",
    "WorldReader",
]

T = TypeVar("T")
ZERO32 = bytes(32)
FLAG_MINOR, FLAG_COMPETENCE_PASSED = 1, 2
NONE_TYPE, INDIVIDUAL = 0, 1
OPEN, FUNDED, COMPLETED, REFUNDED, DISPUTED, RESOLVED = 1, 2, 3, 4, 5, 6
UNFINISHED = frozenset({OPEN, FUNDED, DISPUTED})

TOKEN_ROLES = (
    "DEFAULT_ADMIN_ROLE",
    "PLACEMENT_AGENT_ROLE",
    "LEGAL_ORDER_AUTHORITY_ROLE",
    "LEGAL_ORDER_ROLE",
    "OVERSIGHT_ROLE",
    "TERMS_ADMIN_ROLE",
)
REGISTRY_ROLES = ("DEFAULT_ADMIN_ROLE", "REGISTRAR_ROLE", "BLOCKLIST_ROLE")
ESCROW_ROLES = (
    "DEFAULT_ADMIN_ROLE",
    "OPERATOR_ROLE",
    "LEGAL_ORDER_AUTHORITY_ROLE",
    "LEGAL_ORDER_ROLE",
    "OVERSIGHT_ROLE",
    "TERMS_ADMIN_ROLE",
)
ROLE_NAMES = {role_hash(n): n for n in {*TOKEN_ROLES, *REGISTRY_ROLES, *ESCROW_ROLES}}

#: One view call: ``(function, args)``; with the contract's address and kind it is a read.
View = tuple[str, tuple[Any, ...]]


# --------------------------------------------------------------------------------------------------
# Per-contract state
# --------------------------------------------------------------------------------------------------


@dataclass
class ContractState:
    """What every audited contract has: an address, roles, and the addresses its events name."""

    address: str
    kind: str = ""
    roles: dict[bytes, set[str]] = field(default_factory=lambda: defaultdict(set))
    role_accounts: set[str] = field(default_factory=set)
    #: (role, account) pairs whose membership is known (from an event or the chain)
    known_roles: set[tuple[bytes, str]] = field(default_factory=set)
    #: asks the chain, at the block before the range, about a pair no event told (when seeded)
    role_oracle: Callable[[bytes, str], bool] | None = None
    #: role -> its admin role, from ``RoleAdminChanged`` (see :func:`role_admin_view`)
    role_admins: dict[bytes, bytes] = field(default_factory=dict)
    events: int = 0
    changes: int = 0  # events applied and views loaded: what was derived before may be stale

    def apply(self, event: Event) -> None:
        self.events += 1
        self.changes += 1
        name, a = event.name, event.args
        if name in ("RoleGranted", "RoleRevoked"):
            role, account = bytes(a["role"]), a["account"]
            if name == "RoleGranted":
                self.roles[role].add(account)
            else:
                self.roles[role].discard(account)
            self.role_accounts.add(account)
            self.known_roles.add((role, account))
        elif name == "RoleAdminChanged":
            apply_role_admin_change(self, event)
        else:
            self._apply(event)

    def _apply(self, event: Event) -> None:  # noqa: B027 - the kinds override what they know
        """Applies an event other than a role change."""

    def has_role(self, role: bytes, account: str) -> bool:
        role = bytes(role)
        if account in self.roles.get(role, ()):
            return True
        if self.role_oracle is not None and (role, account) not in self.known_roles:
            self.known_roles.add((role, account))
            if self.role_oracle(role, account):
                self.roles[role].add(account)
                return True
        return False

    def role_names(self) -> Sequence[str]:
        return ()

    def views(self, holders: Iterable[str]) -> dict[View, Any]:
        """The view calls that check this state and the answer the rebuilt state expects. Roles
        are compared for every account a role event names (each known role) and every pair the
        audit asked about."""
        roles = {role_hash(n) for n in self.role_names()} | set(self.roles)
        pairs = {(r, a) for r in roles for a in self.role_accounts} | self.known_roles
        return {
            ("hasRole", (role, account)): account in self.roles.get(role, ())
            for role, account in sorted(pairs)
        }

    def load(self, fn: str, args: tuple[Any, ...], value: Any) -> None:
        """Takes the chain's answer to a view call as the state (seeding)."""
        if fn == "hasRole":
            role, account = bytes(args[0]), str(args[1])
            self.known_roles.add((role, account))
            if value:
                self.roles[role].add(account)
            else:
                self.roles[role].discard(account)


@dataclass
class _Terms:
    """TermsBound: versions, acceptances."""

    version: int = 0
    versions: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    accepted: dict[str, int] = field(default_factory=dict)
    seeded: dict[str, Any] = field(default_factory=dict)

    def apply(self, event: Event) -> bool:
        a = event.args
        if event.name == "TermsPublished":
            self.version = int(a["version"])
            self.versions[self.version] = (bytes(a["termsHash"]), str(a["uri"]))
            return True
        if event.name == "TermsAccepted":
            self.accepted[a["party"]] = int(a["version"])
            return True
        return False

    def current_hash(self) -> bytes:
        return self.versions.get(self.version, (ZERO32, ""))[0]

    def has_accepted(self, party: str) -> bool:
        return self.accepted.get(party, 0) == self.version

    def views(self, holders: Iterable[str]) -> dict[View, Any]:
        out: dict[View, Any] = {("termsVersion", ()): self.version}
        for version, (digest, uri) in self.versions.items():
            out[("termsOf", (version,))] = (digest, uri)
        for holder in holders:
            out[("acceptedTermsVersion", (holder,))] = self.accepted.get(holder, 0)
        return out

    def load(self, fn: str, args: tuple[Any, ...], value: Any) -> bool:
        if fn == "termsVersion":
            self.version = int(value)
        elif fn in ("termsHash", "termsUri"):
            # The current version's terms, read at the block before an audited range: a range
            # that amends no terms must know the hash its acceptances are compared with.
            self.seeded[fn] = value
        elif fn == "termsOf":
            if bytes(value[0]) != ZERO32:
                self.versions[int(args[0])] = (bytes(value[0]), str(value[1]))
        elif fn == "acceptedTermsVersion":
            if int(value):
                self.accepted[str(args[0])] = int(value)
        else:
            return False
        digest = self.seeded.get("termsHash")
        settled = self.seeded.get("version")
        if self.version and digest is not None and bytes(digest) != ZERO32:
            if self.version not in self.versions or settled == self.version:
                uri = self.seeded.get("termsUri")
                self.versions[self.version] = (bytes(digest), "" if uri is None else str(uri))
                self.seeded["version"] = self.version
        return True


@dataclass
class TokenState(ContractState):
    """A compliant token (or a token with its events, such as the LaxToken test mock)."""

    kind: str = TOKEN
    registry: str = ZERO_ADDRESS
    cap: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    supply: int = 0
    frozen_amount: dict[str, int] = field(default_factory=dict)
    frozen_whole: set[str] = field(default_factory=set)
    paused: bool = False
    terms: _Terms = field(default_factory=_Terms)
    holders: set[str] = field(default_factory=set)

    def _apply(self, event: Event) -> None:
        name, a = event.name, event.args
        if name == "Transfer":
            src, dst, value = a["from"], a["to"], int(a["value"])
            if src == ZERO_ADDRESS:
                self.supply += value
            else:
                self.balances[src] = self.balances.get(src, 0) - value
                self.holders.add(src)
            if dst == ZERO_ADDRESS:
                self.supply -= value
            else:
                self.balances[dst] = self.balances.get(dst, 0) + value
                self.holders.add(dst)
        elif name == "TokensFrozen":
            self.frozen_amount[a["holder"]] = self.frozen_amount.get(a["holder"], 0) + int(
                a["amount"]
            )
        elif name == "TokensUnfrozen":
            self.frozen_amount[a["holder"]] = self.frozen_amount.get(a["holder"], 0) - int(
                a["amount"]
            )
        elif name == "AddressFrozen":
            self.frozen_whole.add(a["holder"])
        elif name == "AddressUnfrozen":
            self.frozen_whole.discard(a["holder"])
        elif name == "Paused":
            self.paused = True
        elif name == "Unpaused":
            self.paused = False
        else:
            self.terms.apply(event)

    def role_names(self) -> Sequence[str]:
        return TOKEN_ROLES

    def views(self, holders: Iterable[str]) -> dict[View, Any]:
        holders = sorted(set(holders))
        out = super().views(holders)
        out[("totalSupply", ())] = self.supply
        out[("paused", ())] = self.paused
        out.update(self.terms.views(holders))
        for h in holders:
            out[("balanceOf", (h,))] = self.balances.get(h, 0)
            out[("frozenBalanceOf", (h,))] = self.frozen_amount.get(h, 0)
            out[("isFrozen", (h,))] = h in self.frozen_whole
        return out

    def load(self, fn: str, args: tuple[Any, ...], value: Any) -> None:
        if self.terms.load(fn, args, value):
            return
        if fn == "totalSupply":
            self.supply = int(value)
        elif fn == "paused":
            self.paused = bool(value)
        elif fn == "balanceOf":
            self.balances[str(args[0])] = int(value)
        elif fn == "frozenBalanceOf":
            self.frozen_amount[str(args[0])] = int(value)
        elif fn == "isFrozen":
            if value:
                self.frozen_whole.add(str(args[0]))
        else:
            super().load(fn, args, value)


@dataclass(frozen=True)
class Attestation:
    """``IHolderRegistry.Attestation``."""

    holder_type: int
    jurisdiction: bytes
    valid_until: int
    kyc_hash: bytes
    flags: int
    revoked: bool

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.holder_type,
            self.jurisdiction,
            self.valid_until,
            self.kyc_hash,
            self.flags,
            self.revoked,
        )


_NO_ATTESTATION = Attestation(0, bytes(2), 0, ZERO32, 0, False)


@dataclass
class RegistryState(ContractState):
    """A holder registry."""

    kind: str = REGISTRY
    attestations: dict[str, Attestation] = field(default_factory=dict)
    block_refs: dict[str, bytes] = field(default_factory=dict)
    prohibited: dict[bytes, bool] = field(default_factory=dict)

    def _apply(self, event: Event) -> None:
        name, a = event.name, event.args
        if name == "HolderAttested":
            self.attestations[a["holder"]] = Attestation(
                int(a["holderType"]),
                bytes(a["jurisdiction"]),
                int(a["validUntil"]),
                bytes(a["kycHash"]),
                int(a["flags"]),
                False,
            )
        elif name == "HolderRevoked":
            old = self.attestations.get(a["holder"], _NO_ATTESTATION)
            self.attestations[a["holder"]] = replace(old, revoked=True)
        elif name == "JurisdictionRestricted":
            self.prohibited[bytes(a["jurisdiction"])] = bool(a["prohibited"])
        elif name == "AddressBlocked":
            self.block_refs[a["account"]] = bytes(a["ref"])
        elif name == "AddressUnblocked":
            self.block_refs.pop(a["account"], None)

    def attestation(self, holder: str) -> Attestation:
        return self.attestations.get(holder, _NO_ATTESTATION)

    def status(self, holder: str, valid_at: Callable[[int], bool]) -> HolderStatus:
        """``statusOf(holder)``; ``valid_at(valid_until)`` tells whether an attestation valid
        until then is still valid at the block in question."""
        record = self.attestation(holder)
        blocked = holder in self.block_refs
        if record.holder_type == NONE_TYPE or record.revoked or not valid_at(record.valid_until):
            return HolderStatus(0, False, False, blocked)
        eligible = not (record.flags & FLAG_MINOR)
        if record.holder_type == INDIVIDUAL and not record.flags & FLAG_COMPETENCE_PASSED:
            eligible = False
        if self.prohibited.get(record.jurisdiction, False):
            eligible = False
        return HolderStatus(record.holder_type, True, eligible, blocked)

    def role_names(self) -> Sequence[str]:
        return REGISTRY_ROLES

    def views(self, holders: Iterable[str]) -> dict[View, Any]:
        holders = sorted(set(holders))
        out = super().views(holders)
        jurisdictions = set(self.prohibited)
        for h in holders:
            record = self.attestation(h)
            out[("attestationOf", (h,))] = record.as_tuple()
            out[("blockReference", (h,))] = self.block_refs.get(h, ZERO32)
            if record.holder_type:
                jurisdictions.add(record.jurisdiction)
        for j in sorted(jurisdictions):
            out[("isJurisdictionProhibited", (j,))] = self.prohibited.get(j, False)
        return out

    def load(self, fn: str, args: tuple[Any, ...], value: Any) -> None:
        if fn == "attestationOf":
            record = Attestation(
                int(value[0]),
                bytes(value[1]),
                int(value[2]),
                bytes(value[3]),
                int(value[4]),
                bool(value[5]),
            )
            if record != _NO_ATTESTATION:
                self.attestations[str(args[0])] = record
        elif fn == "blockReference":
            if bytes(value) != ZERO32:
                self.block_refs[str(args[0])] = bytes(value)
        elif fn == "isJurisdictionProhibited":
            self.prohibited[bytes(args[0])] = bool(value)
        else:
            super().load(fn, args, value)


@dataclass
class DealRecord:
    """``DealEscrow.Deal``, field for field."""

    party_a: str
    deadline: int
    purpose: int
    state: int
    frozen: bool
    party_b: str
    accepted_a: bool
    accepted_b: bool
    funded_a: bool
    funded_b: bool
    asset_a: str
    asset_b: str
    amount_a: int
    amount_b: int
    terms_hash: bytes
    opened_block: int | None = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.party_a,
            self.deadline,
            self.purpose,
            self.state,
            self.frozen,
            self.party_b,
            self.accepted_a,
            self.accepted_b,
            self.funded_a,
            self.funded_b,
            self.asset_a,
            self.asset_b,
            self.amount_a,
            self.amount_b,
            self.terms_hash,
        )


@dataclass
class EscrowState(ContractState):
    """A deal escrow."""

    kind: str = ESCROW
    registry: str = ZERO_ADDRESS
    deals: dict[int, DealRecord] = field(default_factory=dict)
    deal_count: int = 0
    credits: dict[tuple[str, str], int] = field(default_factory=dict)  # (asset, account)
    total_credits: dict[str, int] = field(default_factory=dict)
    locked: dict[str, int] = field(default_factory=dict)
    withdrawn: dict[str, int] = field(default_factory=dict)
    paused: bool = False
    terms: _Terms = field(default_factory=_Terms)
    accounts: set[str] = field(default_factory=set)
    assets: set[str] = field(default_factory=lambda: {ZERO_ADDRESS})

    def _add(self, table: dict[Any, int], key: Any, amount: int) -> None:
        table[key] = table.get(key, 0) + amount

    def _apply(self, event: Event) -> None:
        name, a = event.name, event.args
        if name == "DealOpened":
            deal_id = int(a["dealId"])
            self.deals[deal_id] = DealRecord(
                a["partyA"],
                int(a["deadline"]),
                int(a["purpose"]),
                OPEN,
                False,
                a["partyB"],
                True,
                False,
                False,
                False,
                a["assetA"],
                a["assetB"] if int(a["amountB"]) else ZERO_ADDRESS,
                int(a["amountA"]),
                int(a["amountB"]),
                bytes(a["dealTermsHash"]),
                opened_block=event.block,
            )
            self.deal_count = max(self.deal_count, deal_id)
            self.accounts.update((a["partyA"], a["partyB"]))
            self.assets.update((a["assetA"], a["assetB"]))
            return
        if name in ("Credited", "Withdrawn", "CreditDirected"):
            self._credit_event(name, a)
            return
        if name in ("Paused", "Unpaused"):
            self.paused = name == "Paused"
            return
        if self.terms.apply(event):
            return
        deal = self.deals.get(int(a.get("dealId", 0)))
        if deal is None:
            return
        if name == "DealAccepted":
            if a["party"] == deal.party_a:
                deal.accepted_a = True
            if a["party"] == deal.party_b:
                deal.accepted_b = True
        elif name == "LegFunded":
            if int(a["leg"]) == 0:
                deal.funded_a = True
            else:
                deal.funded_b = True
            if deal.funded_a and (deal.amount_b == 0 or deal.funded_b):
                deal.state = FUNDED
            self._add(self.locked, a["asset"], int(a["amount"]))
            self.assets.add(a["asset"])
        elif name == "DealCompleted":
            deal.state = COMPLETED
        elif name == "DealRefunded":
            deal.state = REFUNDED
        elif name == "DealDisputed":
            deal.state = DISPUTED
        elif name in ("DealResolved", "FundsDirected"):
            deal.state = RESOLVED
            if name == "FundsDirected":
                self.accounts.add(a["recipient"])
        elif name == "DealFrozen":
            deal.frozen = True
        elif name == "DealUnfrozen":
            deal.frozen = False

    def _credit_event(self, name: str, a: Mapping[str, Any]) -> None:
        asset, amount = a["asset"], int(a["amount"])
        self.assets.add(asset)
        if name == "Credited":
            self._add(self.credits, (asset, a["account"]), amount)
            self._add(self.total_credits, asset, amount)
            self._add(self.locked, asset, -amount)
            self.accounts.add(a["account"])
        elif name == "Withdrawn":
            self._add(self.credits, (asset, a["account"]), -amount)
            self._add(self.total_credits, asset, -amount)
            self._add(self.withdrawn, asset, amount)
            self.accounts.add(a["account"])
        else:  # CreditDirected
            self._add(self.credits, (asset, a["account"]), -amount)
            self._add(self.credits, (asset, a["recipient"]), amount)
            self.accounts.update((a["account"], a["recipient"]))

    def credit(self, account: str, asset: str) -> int:
        return self.credits.get((asset, account), 0)

    def role_names(self) -> Sequence[str]:
        return ESCROW_ROLES

    def views(self, holders: Iterable[str]) -> dict[View, Any]:
        holders = sorted(set(holders))
        out = super().views(holders)
        out[("dealCount", ())] = self.deal_count
        out[("paused", ())] = self.paused
        out.update(self.terms.views(holders))
        for deal_id, deal in sorted(self.deals.items()):
            out[("dealOf", (deal_id,))] = deal.as_tuple()
        accounts = sorted(self.accounts | set(holders))
        for asset in sorted(self.assets):
            out[("totalCredits", (asset,))] = self.total_credits.get(asset, 0)
            out[("lockedIn", (asset,))] = self.locked.get(asset, 0)
            for account in accounts:
                out[("creditOf", (account, asset))] = self.credit(account, asset)
        return out

    def load(self, fn: str, args: tuple[Any, ...], value: Any) -> None:
        if self.terms.load(fn, args, value):
            return
        if fn == "dealCount":
            self.deal_count = int(value)
        elif fn == "paused":
            self.paused = bool(value)
        elif fn == "dealOf":
            if value is not None:
                self.deals[int(args[0])] = DealRecord(*value)
        elif fn == "totalCredits":
            self.total_credits[str(args[0])] = int(value)
        elif fn == "lockedIn":
            self.locked[str(args[0])] = int(value)
        elif fn == "creditOf":
            if int(value):
                self.credits[(str(args[1]), str(args[0]))] = int(value)
        else:
            super().load(fn, args, value)


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


def apply_role_admin_change(state: ContractState, event: Event) -> None:
    """``RoleAdminChanged(role, previousAdminRole, newAdminRole)``: who administers a role (issue
    12: the legal-order role is administered by its own authority, not by the admin)."""
    state.role_admins[bytes(event.args["role"])] = bytes(event.args["newAdminRole"])


def role_admin_view(state: ContractState, role: bytes) -> bytes:
    """``getRoleAdmin(role)`` from the rebuilt events: the last ``RoleAdminChanged``, else zero
    (AccessControl's default) when the audit saw the contract from its deployment; a history that
    starts later cannot tell, and the view reverts (the evaluators then take it as unknown)."""
    role = bytes(role)
    if role in state.role_admins:
        return state.role_admins[role]
    if state.role_oracle is None:
        return ZERO32
    raise TransactionReverted(name="UnknownRoleAdmin", args={"role": role})


def _token_view(state: TokenState, fn: str, args: tuple[Any, ...]) -> Any:
    if fn == "registry":
        return state.registry
    if fn == "paused":
        return state.paused
    if fn == "hasAcceptedCurrentTerms":
        return state.terms.has_accepted(args[0])
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
    if fn == "termsVersion":
        return state.terms.version
    if fn == "termsHash":
        return state.terms.current_hash()
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
        return deal.as_tuple()
    if fn == "creditOf":
        return state.credit(args[0], args[1])
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
    if fn == "dealCount":
        return state.deal_count
    raise UsageError(f"the audit cannot answer DealEscrow.{fn}")
