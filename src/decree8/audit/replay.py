"""The replay: events applied in chain order to the state rebuilt from events alone, the rule
evaluators run before each state-changing action against the state as it stood (see
:mod:`decree8.audit.audit`, step 3)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from decree8.history import (
    EscrowState,
    Event,
    LogSource,
    RegistryState,
    TokenState,
    TxInfo,
    World,
    WorldReader,
)
from decree8.result import Finding
from decree8.rules.engine import evaluate
from decree8.rules.evaluators import (
    ESCROW,
    INDIVIDUAL,
    OPERATOR,
    REGISTRY,
    TOKEN,
    ZERO_ADDRESS,
    TxContext,
)
from decree8.rules.pack import RulePack
from decree8.rules.solidity import HolderType
from decree8.rules.state import HolderStatus

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------------------------------
# The replay
# --------------------------------------------------------------------------------------------------


class _Replay:
    """Applies events in order and evaluates the rules before each action.

    A plain token transfer whose parties the rebuilt state shows identified, eligible, unblocked
    and unfrozen, to a receiver that accepted the current terms, while not paused, and not a sale
    between two individuals, breaks no rule: the evaluators are run only for the others (``fast``
    False runs them for every transfer; the tests check both give the same findings).
    """

    fast = True

    def __init__(
        self,
        world: World,
        source: LogSource,
        pack: RulePack,
        findings: list[Finding],
        end_time: int | None = None,
    ) -> None:
        self.world = world
        self.source = source
        self.pack = pack
        self.findings = findings
        self.end_time = end_time  # the end block's time, when known
        self.counts: Counter[str] = Counter()
        self._statuses: dict[tuple[str, str], tuple[int, HolderStatus]] = {}

    # -- helpers ---------------------------------------------------------------------------------
    def _ctx(
        self, event: Event, kind: str, function: str, args: Mapping[str, Any], sender: str
    ) -> TxContext:
        return TxContext(
            contract=kind,
            address=event.address,
            function=function,
            args=args,
            sender=sender,
            source="audit",
            tx_hash=event.tx_hash,
            block=event.block,
            timestamp=self.source.known_timestamp(event.block),
            pack=self.pack,
        )

    def _run(self, ctx: TxContext, what: str, reader: WorldReader | None = None) -> None:
        self.counts[what] += 1
        reader = reader or WorldReader(self.world, int(ctx.block or 0), self.source)
        found = evaluate(ctx, reader, self.pack)
        for finding in found:
            if finding.timestamp is None and finding.block is not None:
                finding = replace(finding, timestamp=self.source.timestamp(finding.block))
            self.findings.append(finding)

    def _spender(self, event: Event) -> str:
        """Who called the contract that emitted ``event``: the transaction's sender when it
        called the contract directly, else the contract it called (the nearest caller known)."""
        info: TxInfo = self.source.tx(event.tx_hash)
        if info.to == event.address or info.to is None:
            return info.sender
        return info.to

    # -- one transaction -------------------------------------------------------------------------
    def transaction(self, events: Sequence[Event]) -> None:
        consumed: set[int] = set()
        for i, event in enumerate(events):
            if i not in consumed:
                kind = self.world.contracts[event.address].kind
                if event.name in ("RoleGranted", "RoleRevoked"):
                    self._role_action(event, kind)
                elif kind == TOKEN:
                    self._token_action(events, i, consumed)
                elif kind == REGISTRY:
                    self._registry_action(event)
                else:
                    self._escrow_action(event)
            self.world.apply(event)

    def _role_action(self, event: Event, kind: str) -> None:
        """A grant or revocation of a role is a legally significant action (issue 12): it is
        evaluated like the ``grantRole``/``revokeRole`` call that made it (LEGAL-ORDER findings
        for legal-order roles granted by or to the admin), except the grants a contract makes to
        itself at deployment, which have no caller to judge."""
        a = event.args
        info: TxInfo = self.source.tx(event.tx_hash)
        if info.to is None:  # the constructor's own grants
            return
        fn = "grantRole" if event.name == "RoleGranted" else "revokeRole"
        args = {"role": bytes(a["role"]), "account": a["account"]}
        self._run(self._ctx(event, kind, fn, args, a["sender"]), "role change")

    def _token_action(self, events: Sequence[Event], i: int, consumed: set[int]) -> None:
        event = events[i]
        a, name = event.args, event.name
        if name == "Transfer":
            self._transfer(events, i, consumed)
        elif name in ("AddressFrozen", "AddressUnfrozen"):
            fn = "freeze" if name == "AddressFrozen" else "unfreeze"
            args = {"holder": a["holder"], "orderRef": a["orderRef"]}
            self._run(self._ctx(event, TOKEN, fn, args, a["by"]), "legal order")
        elif name in ("TokensFrozen", "TokensUnfrozen"):
            fn = "freezeAmount" if name == "TokensFrozen" else "unfreezeAmount"
            args = {"holder": a["holder"], "amount": a["amount"], "orderRef": a["orderRef"]}
            self._run(self._ctx(event, TOKEN, fn, args, a["by"]), "legal order")
        elif name in ("Paused", "Unpaused"):
            fn = "pause" if name == "Paused" else "unpause"
            self._run(self._ctx(event, TOKEN, fn, {}, a["account"]), "pause")
        else:
            self._terms_action(event, TOKEN)

    def _terms_action(self, event: Event, kind: str) -> None:
        a = event.args
        if event.name == "TermsAccepted":
            args = {"version": a["version"], "contentHash": a["termsHash"]}
            self._run(self._ctx(event, kind, "acceptTerms", args, a["party"]), "terms acceptance")
        elif event.name == "TermsPublished" and int(a["version"]) > 1:
            args = {"contentHash": a["termsHash"], "uri": a["uri"]}
            self._run(self._ctx(event, kind, "amendTerms", args, a["by"]), "terms amendment")

    def _transfer(self, events: Sequence[Event], i: int, consumed: set[int]) -> None:
        event = events[i]
        token = event.address
        src, dst, value = event.args["from"], event.args["to"], int(event.args["value"])
        rest = list(enumerate(events))[i + 1 :] if len(events) > i + 1 else []
        forced = _companion(rest, event, "ForcedTransfer", "amount", consumed)
        if forced is not None:
            args = {"from": src, "to": dst, "amount": value, "orderRef": forced.args["orderRef"]}
            self._run(
                self._ctx(event, TOKEN, "forcedTransfer", args, forced.args["by"]),
                "forced transfer",
            )
            return
        if len(events) > 1 and self._escrow_leg(events, event):  # a leg comes with its event
            return
        if src == ZERO_ADDRESS:
            args = {"to": dst, "amount": value}
            self._run(self._ctx(event, TOKEN, "issue", args, self._spender(event)), "issuance")
            return
        stated = _companion(rest, event, "TransferPurposeStated", "value", consumed)
        purpose = int(stated.args["purpose"]) if stated is not None else 0
        state = self.world.of(token, TokenState)
        source_status = self._status(event.block, state.registry, src)
        target_status = self._status(event.block, state.registry, dst)
        between_individuals = (
            src != dst
            and source_status is not None
            and source_status.holder_type == INDIVIDUAL
            and target_status is not None
            and target_status.holder_type == INDIVIDUAL
        )
        if between_individuals:
            self.counts["transfer between individuals"] += 1
        to_operator = (  # FOREIGN-PLATFORM looks at transfers from individuals to operators
            src != dst
            and source_status is not None
            and source_status.holder_type == INDIVIDUAL
            and target_status is not None
            and target_status.holder_type == OPERATOR
            and purpose == 0
        )
        if (
            self.fast
            and not to_operator
            and self._clean_transfer(
                state, src, dst, (source_status, target_status), between_individuals, purpose
            )
        ):
            self.counts["transfer"] += 1
            return
        operator = src
        if between_individuals and purpose == 0:
            operator = self._spender(event)
        if purpose:
            fn = "transferFromWithPurpose"
            args = {"from": src, "to": dst, "value": value, "purpose": purpose}
        else:
            fn, args = "transferFrom", {"from": src, "to": dst, "value": value}
        self._run(self._ctx(event, TOKEN, fn, args, operator), "transfer")

    def _status(self, block: int, registry: str, holder: str) -> HolderStatus | None:
        """``statusOf(holder)`` in the rebuilt ``registry`` at ``block`` (``None`` when the
        registry is not audited). A status that cannot change before the registry does (no
        attestation, revoked, or valid past the end block's time) is kept across transactions
        until the registry changes."""
        state = self.world.contracts.get(registry)
        if not isinstance(state, RegistryState):
            return None
        key = (registry, holder)
        kept = self._statuses.get(key)
        if kept is not None and kept[0] == state.changes:
            return kept[1]
        status = state.status(holder, WorldReader(self.world, block, self.source).valid_at)
        record = state.attestation(holder)
        if (
            record.holder_type == HolderType.NONE
            or record.revoked
            or (self.end_time is not None and record.valid_until > self.end_time)
        ):
            self._statuses[key] = (state.changes, status)
        return status

    def _clean_transfer(
        self,
        token: TokenState,
        src: str,
        dst: str,
        statuses: tuple[HolderStatus | None, HolderStatus | None],
        between_individuals: bool,
        purpose: int,
    ) -> bool:
        """Whether a transfer plainly passes every rule (see the class docs)."""
        if token.paused or (between_individuals and purpose == 0):
            return False
        if src in token.frozen_whole or dst in token.frozen_whole or token.frozen_amount.get(src):
            return False
        if not token.terms.has_accepted(dst):
            return False
        for status in statuses:
            if status is None or status.blocked or not status.identified or not status.eligible:
                return False
        return True

    def _escrow_leg(self, events: Sequence[Event], transfer: Event) -> bool:
        """Whether ``transfer`` is an audited escrow pulling a funded leg or paying a withdrawal
        (checked with the escrow's ``fund`` or ``withdraw``)."""
        src, dst = transfer.args["from"], transfer.args["to"]
        for other in events:
            if self.world.kind_of(other.address) != ESCROW or other.args.get("asset") != (
                transfer.address
            ):
                continue
            if (
                other.name == "LegFunded"
                and other.address == dst
                and other.args["depositor"] == src
            ):
                return True
            if other.name == "Withdrawn" and other.address == src and other.args["account"] == dst:
                return True
        return False

    def _registry_action(self, event: Event) -> None:
        a, name = event.args, event.name
        what = "registry change"
        if name == "HolderAttested":
            args = {k: a[k] for k in ("holder", "holderType", "jurisdiction", "validUntil")}
            args.update(kycHash=a["kycHash"], flags=a["flags"])
            self._run(self._ctx(event, REGISTRY, "attest", args, a["by"]), what)
        elif name == "HolderRevoked":
            args = {"holder": a["holder"], "reason": a["reason"]}
            self._run(self._ctx(event, REGISTRY, "revoke", args, a["by"]), what)
        elif name == "JurisdictionRestricted":
            args = {k: a[k] for k in ("jurisdiction", "prohibited", "ref")}
            ctx = self._ctx(event, REGISTRY, "setJurisdictionProhibited", args, a["by"])
            self._run(ctx, what)
        elif name in ("AddressBlocked", "AddressUnblocked"):
            fn = "blockAddress" if name == "AddressBlocked" else "unblockAddress"
            args = {"account": a["account"], "ref": a["ref"]}
            self._run(self._ctx(event, REGISTRY, fn, args, a["by"]), what)

    def _escrow_action(self, event: Event) -> None:
        a, name = event.args, event.name
        ctx: TxContext | None = None
        what = "deal step"
        if name == "DealOpened":
            args = {
                "counterparty": a["partyB"],
                "assetA": a["assetA"],
                "amountA": a["amountA"],
                "assetB": a["assetB"],
                "amountB": a["amountB"],
                "deadline": a["deadline"],
                "purpose": a["purpose"],
                "dealTermsHash": a["dealTermsHash"],
            }
            ctx, what = self._ctx(event, ESCROW, "openDeal", args, a["partyA"]), "deal opened"
        elif name == "DealAccepted":
            deal = self.world.of(event.address, EscrowState).deals.get(int(a["dealId"]))
            if deal is None or a["party"] != deal.party_a:  # party A accepts by opening
                args = {"dealId": a["dealId"], "dealTermsHash": a["termsHash"]}
                ctx = self._ctx(event, ESCROW, "acceptDeal", args, a["party"])
        elif name == "LegFunded":
            ctx = self._ctx(event, ESCROW, "fund", {"dealId": a["dealId"]}, a["depositor"])
            if a["asset"] == ZERO_ADDRESS:
                ctx = replace(ctx, value=int(a["amount"]))
        elif name in ("DealCompleted", "DealRefunded"):
            fn = "complete" if name == "DealCompleted" else "refund"
            ctx = self._ctx(event, ESCROW, fn, {"dealId": a["dealId"]}, a["by"])
        elif name == "DealDisputed":
            args = {"dealId": a["dealId"], "reason": a["reason"]}
            ctx = self._ctx(event, ESCROW, "dispute", args, a["by"])
        elif name == "DealResolved":
            args = {k: a[k] for k in ("dealId", "toPartyABps", "resolutionRef")}
            ctx = self._ctx(event, ESCROW, "resolve", args, self._spender(event))
        elif name in ("DealFrozen", "DealUnfrozen"):
            fn = "freezeDeal" if name == "DealFrozen" else "unfreezeDeal"
            args = {"dealId": a["dealId"], "orderRef": a["orderRef"]}
            ctx, what = self._ctx(event, ESCROW, fn, args, self._spender(event)), "legal order"
        elif name == "FundsDirected":
            args = {k: a[k] for k in ("dealId", "recipient", "orderRef")}
            ctx = self._ctx(event, ESCROW, "directFunds", args, self._spender(event))
            what = "legal order"
        elif name == "CreditDirected":
            args = {k: a[k] for k in ("account", "asset", "recipient", "orderRef")}
            ctx = self._ctx(event, ESCROW, "directCredit", args, self._spender(event))
            what = "legal order"
        elif name == "Withdrawn":
            ctx = self._ctx(event, ESCROW, "withdraw", {"asset": a["asset"]}, a["account"])
            what = "withdrawal"
        elif name in ("Paused", "Unpaused"):
            fn = "pause" if name == "Paused" else "unpause"
            ctx, what = self._ctx(event, ESCROW, fn, {}, a["account"]), "pause"
        else:
            self._terms_action(event, ESCROW)
        if ctx is not None:
            self._run(ctx, what)


def _companion(
    rest: Sequence[tuple[int, Event]], transfer: Event, name: str, amount: str, consumed: set[int]
) -> Event | None:
    """The first later event ``name`` of the same token that states the same movement as the
    ``Transfer`` event ``transfer`` (its amount in argument ``amount``), marked consumed."""
    movement = (transfer.args["from"], transfer.args["to"], int(transfer.args["value"]))
    for j, later in rest:
        if (
            later.address == transfer.address
            and later.name == name
            and (later.args["from"], later.args["to"], int(later.args[amount])) == movement
        ):
            consumed.add(j)
            return later
    return None
