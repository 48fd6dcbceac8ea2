"""The state of the audited contracts, rebuilt from their events alone (RECORDS): token and
registry here, the escrow in :mod:`decree8.history.escrow`, all of them in
:mod:`decree8.history.world`.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from decree8.errors import TransactionReverted
from decree8.history.events import Event
from decree8.rules.evaluators import REGISTRY, TOKEN, ZERO_ADDRESS, role_hash
from decree8.rules.solidity import HolderStatus, HolderType, eligible_if_identified

__all__ = [
    "ESCROW_ROLES",
    "REGISTRY_ROLES",
    "ROLE_NAMES",
    "TOKEN_ROLES",
    "Attestation",
    "ContractState",
    "RegistryState",
    "TermsState",
    "TokenState",
    "View",
    "apply_role_admin_change",
    "role_admin_view",
]

ZERO32 = bytes(32)

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
class TermsState:
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
    terms: TermsState = field(default_factory=TermsState)
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
        if record.holder_type == HolderType.NONE or record.revoked:
            return HolderStatus(0, False, False, blocked)
        if not valid_at(record.valid_until):
            return HolderStatus(0, False, False, blocked)
        prohibited = self.prohibited.get(record.jurisdiction, False)
        eligible = eligible_if_identified(record.holder_type, record.flags, prohibited)
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
