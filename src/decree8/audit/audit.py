"""``audit``: did every transaction a deployment took comply with the rules at the time?

1. Which contracts: the tokens, registries and escrows named (manifests or addresses), plus the
   registry each token and escrow reads (``registry()``).
2. Their logs over the block range, read once (:mod:`decree8.audit.logs`) and decoded by ABI.
3. Replay: events are applied in chain order to a state rebuilt from events alone
   (:mod:`decree8.audit.rebuild`). Before each state-changing action (a transfer, an issuance, a
   legal order, a registry change, a terms acceptance, each step of a deal) the rule evaluators of
   :mod:`decree8.rules.evaluators` run against that state, as it stood before the action, through
   :class:`~decree8.audit.rebuild.WorldReader`: no chain request per transaction. The call behind
   an action is reconstructed from its events (``Transfer`` + ``TransferPurposeStated`` is a
   ``transferWithPurpose``; ``Transfer`` + ``ForcedTransfer`` a ``forcedTransfer``; ``LegFunded``
   a ``fund``, which also covers the token pulled into the escrow ...). Who sent a transaction is
   asked of the chain only when a rule needs it: the issuer of a mint (ISSUER-HTP) and the spender
   of a transfer between two individuals without a stated purpose (P2P-SALE).
4. At the end block: no deal is funded, expired and unrefunded (FUNDS-RETURN), the supply is within
   the cap (SUPPLY-CAP), and the rebuilt state equals what the contracts' views answer, read in
   batches at that block (RECORDS: each difference is a finding naming the view that differs).
5. Failed transactions sent to the audited contracts (found cheaply on the embedded chain, with
   ``include_failed`` on a JSON-RPC node) are explained by their decoded revert and its rule.

Steps 2 and 3 run chunk by chunk: on a JSON-RPC node the next chunk of logs is fetched by a
background thread while the last one is decoded and replayed, and the state before the range is
read as the chunks name new holders (:class:`_Seeder`). What the replay will ask of the chain
(that state, block times, transaction senders) goes in one JSON-RPC batch per chunk that needs
any (:mod:`decree8.audit.batch`); the views compared at the end are read while the last chunk is
replayed. A whole audit is a handful of round trips, whatever the length of the history.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, to_checksum_address

from decree8.audit.batch import VIEW_BATCH, ChainReads, Read
from decree8.audit.logs import Event, EventDecoder, LogSource, TxInfo, log_source
from decree8.audit.rebuild import (
    NONE_TYPE,
    UNFINISHED,
    EscrowState,
    RegistryState,
    TokenState,
    World,
    WorldReader,
)
from decree8.check.decode import ContractAbi
from decree8.errors import UsageError
from decree8.report.finding import Check, Finding, Report
from decree8.rules.evaluators import (
    ESCROW,
    INDIVIDUAL,
    OPERATOR,
    REGISTRY,
    TOKEN,
    ZERO_ADDRESS,
    TxContext,
    evaluate,
    role_hash,
    rule_for_error,
)
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack
from decree8.rules.state import HolderStatus, StateReader, ViewFunction, view_functions
from decree8.templates.params import reference_text

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Build
    from decree8.deploy import Deployment

__all__ = ["VIEW_BATCH", "AuditStats", "Refusal", "audit", "contract_kinds", "read_views"]

KINDS = (TOKEN, REGISTRY, ESCROW)
#: Refused transactions listed one by one in the report's facts (the rest are counted).
REFUSALS_LISTED = 20

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Refusal:
    """A failed transaction to an audited contract, explained."""

    tx_hash: str
    block: int
    contract: str
    function: str
    error: str
    rule_id: str | None
    rule_not_in_force: str | None = None

    @property
    def label(self) -> str:
        """``(P2P-SALE)`` for a refusal under a rule in force, else ``REFUSED (no rule ...)``."""
        if self.rule_id is not None:
            return f"({self.rule_id})"
        if self.rule_not_in_force is not None:
            return f"REFUSED ({self.rule_not_in_force} was not in force then)"
        return "REFUSED (no rule)"


@dataclass
class AuditStats:
    """Counts and timings of one audit (also summarised in the report's facts)."""

    blocks: int = 0
    logs: int = 0
    events: int = 0
    undecoded: int = 0
    transactions: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    views_compared: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    refusals: list[Refusal] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Which contracts
# --------------------------------------------------------------------------------------------------


def _kind_from_abi(abi: Iterable[Mapping[str, Any]]) -> str | None:
    events = {str(e.get("name")) for e in abi if e.get("type") == "event"}
    if "DealOpened" in events:
        return ESCROW
    if "HolderAttested" in events:
        return REGISTRY
    if {"Transfer", "TermsAccepted"} <= events:
        return TOKEN
    return None


def _probe_kind(chain: Chain, address: str, abis: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """The kind of decree8 contract at ``address``, told by the views it answers."""
    if not bytes(chain.w3.eth.get_code(address)):  # type: ignore[arg-type]
        raise UsageError(f"there is no contract at {address} on this chain")
    reader = StateReader(chain, "latest", abis)
    for kind, fn in ((ESCROW, "dealCount"), (TOKEN, "cap"), (REGISTRY, "operatorRegistration")):
        if reader.try_call(address, kind, fn) is not None:
            return kind
    raise UsageError(
        f"the contract at {address} is not a decree8 token, registry or escrow; pass its --manifest"
    )


def contract_kinds(
    chain: Chain,
    abis: Mapping[str, Sequence[Mapping[str, Any]]],
    deployments: Iterable[Deployment] = (),
    addresses: Iterable[str] = (),
) -> dict[str, str]:
    """``{address: kind}`` of the contracts to audit: those named, and the registries their tokens
    and escrows read."""
    kinds = _named_kinds(chain, abis, deployments, addresses)
    reads = ChainReads(chain, abis)
    _add_registries(kinds, reads, lambda: reads.run())
    return kinds


def _named_kinds(
    chain: Chain,
    abis: Mapping[str, Sequence[Mapping[str, Any]]],
    deployments: Iterable[Deployment],
    addresses: Iterable[str],
) -> dict[str, str]:
    """``{address: kind}`` of the contracts named (their registries not yet)."""
    kinds: dict[str, str] = {}
    for dep in deployments:
        if dep.chain_id != chain.chain_id:
            raise UsageError(
                f"deployment {dep.address} is on chain {dep.chain_id}, but the node is chain "
                f"{chain.chain_id}: use the --rpc of the chain it was deployed to"
            )
        kind = dep.contract if dep.contract in KINDS else _kind_from_abi(dep.abi)
        if kind is None:
            kind = _probe_kind(chain, to_checksum_address(dep.address), abis)
        kinds[to_checksum_address(dep.address)] = kind
    for text in addresses:
        if not (isinstance(text, str) and is_address(text) and text.startswith("0x")):
            raise UsageError(f"{text!r} is not an address (0x followed by 40 hex digits)")
        address = str(to_checksum_address(text))
        if address not in kinds:
            kinds[address] = _probe_kind(chain, address, abis)
    if not kinds:
        raise UsageError("name the contracts to audit: --manifest FILE or an ADDRESS")
    return kinds


def _add_registries(kinds: dict[str, str], reads: ChainReads, run: Callable[[], None]) -> None:
    """Adds to ``kinds`` the registry each token and escrow reads, asked (at the latest block)
    through ``reads``, which ``run`` makes along with whatever else was asked of it."""
    wanted = [(a, k, "registry", ()) for a, k in kinds.items() if k in (TOKEN, ESCROW)]
    reads.views(wanted, "latest")
    run()
    for read in wanted:
        registry = reads.answers.get("latest", {}).get(read)
        if not isinstance(registry, str):
            raise UsageError(f"{read[1]} {read[0]} does not answer registry(): not a decree8 one")
        kinds.setdefault(registry, REGISTRY)


# --------------------------------------------------------------------------------------------------
# Views read in batches
# --------------------------------------------------------------------------------------------------


def read_views(
    chain: Chain,
    abis: Mapping[str, Sequence[Mapping[str, Any]]],
    reads: Iterable[Read],
    block: int,
) -> dict[Read, Any]:
    """The answers to view calls ``(address, kind, function, args)`` at ``block``, made
    :data:`VIEW_BATCH` at a time in one ``eth_call`` each (on a JSON-RPC node, every batch in one
    round trip). A view that reverts answers ``None``."""
    wanted = list(reads)
    batch = ChainReads(chain, abis)
    batch.views(wanted, block)
    batch.run()
    found = batch.answers.get(block, {})
    return {read: found.get(read) for read in wanted}


def _same(fn: str, expected: Any, actual: Any) -> bool:
    if fn == "termsOf" and isinstance(actual, tuple):
        actual = actual[:2]
    return bool(_plain(expected) == _plain(actual))


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, bool):
        return value
    return value


def _show(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return str(value)


def _call_text(fn: str, args: tuple[Any, ...]) -> str:
    return f"{fn}({', '.join(_show(a) for a in args)})"


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
        for j, later in rest:
            if (
                later.address == token
                and later.name == "ForcedTransfer"
                and (later.args["from"], later.args["to"], int(later.args["amount"]))
                == (src, dst, value)
            ):
                consumed.add(j)
                args = {
                    "from": src,
                    "to": dst,
                    "amount": value,
                    "orderRef": later.args["orderRef"],
                }
                self._run(
                    self._ctx(event, TOKEN, "forcedTransfer", args, later.args["by"]),
                    "forced transfer",
                )
                return
        if len(events) > 1 and self._escrow_leg(events, event):  # a leg comes with its event
            return
        if src == ZERO_ADDRESS:
            args = {"to": dst, "amount": value}
            self._run(self._ctx(event, TOKEN, "issue", args, self._spender(event)), "issuance")
            return
        purpose = 0
        for j, later in rest:
            if (
                later.address == token
                and later.name == "TransferPurposeStated"
                and (later.args["from"], later.args["to"], int(later.args["value"]))
                == (src, dst, value)
            ):
                consumed.add(j)
                purpose = int(later.args["purpose"])
                break
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
            fn, args = (
                "transferFromWithPurpose",
                {
                    "from": src,
                    "to": dst,
                    "value": value,
                    "purpose": purpose,
                },
            )
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
            record.holder_type == NONE_TYPE
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


# --------------------------------------------------------------------------------------------------
# End-block checks
# --------------------------------------------------------------------------------------------------


def _end_findings(
    world: World, end: int, end_time: int, pack: RulePack
) -> tuple[list[Finding], int]:
    """FUNDS-RETURN and SUPPLY-CAP at the end block; also the number of deals looked at."""
    out: list[Finding] = []
    deals = 0
    for escrow in world.escrows():
        for deal_id, deal in sorted(escrow.deals.items()):
            deals += 1
            if deal.state not in UNFINISHED or not (deal.funded_a or deal.funded_b):
                continue
            if deal.frozen or deal.deadline > end_time:
                continue
            out.append(
                Finding.for_rule(
                    "FUNDS-RETURN",
                    f"deal {deal_id} of escrow {escrow.address} passed its deadline "
                    f"{deal.deadline} and its funded legs were still not returned at block {end} "
                    f"(block time {end_time})",
                    pack=pack,
                    source="audit",
                    contract=escrow.address,
                    block=end,
                    timestamp=end_time,
                    parties=[("party A", deal.party_a), ("party B", deal.party_b)],
                    details={
                        "deal": deal_id,
                        "deadline": deal.deadline,
                        "funded_a": deal.funded_a,
                        "funded_b": deal.funded_b,
                    },
                )
            )
    out.extend(
        Finding.for_rule(
            "SUPPLY-CAP",
            f"the total supply of token {token.address} is {token.supply} at block {end}, "
            f"above its cap {token.cap}",
            pack=pack,
            source="audit",
            contract=token.address,
            block=end,
            timestamp=end_time,
            details={"supply": token.supply, "cap": token.cap},
        )
        for token in world.tokens()
        if token.cap and token.supply > token.cap
    )
    return out, deals


def _records_findings(
    expected: Mapping[Read, Any],
    actual: Mapping[Read, Any],
    end: int,
    end_time: int,
    pack: RulePack,
) -> list[Finding]:
    out = []
    for read, value in expected.items():
        address, kind, fn, args = read
        found = actual.get(read)
        if _same(fn, value, found):
            continue
        holders = [("holder", str(a)) for a in args if isinstance(a, str) and a.startswith("0x")]
        out.append(
            Finding.for_rule(
                "RECORDS",
                f"{kind} {address}: {_call_text(fn, args)} is {_show(found)} on chain at block "
                f"{end}, but its events rebuild {_show(value)}: the state changed without the "
                "event that records it",
                pack=pack,
                source="audit",
                contract=address,
                function=fn,
                block=end,
                timestamp=end_time,
                parties=holders,
                details={"view": _call_text(fn, args), "on_chain": found, "rebuilt": value},
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Failed transactions
# --------------------------------------------------------------------------------------------------


def _refusal(chain: Chain, info: TxInfo, kind: str, cabi: ContractAbi, pack: RulePack) -> Refusal:
    """A failed transaction, its revert recovered in its own block's context (see
    :func:`decree8.chain.replay.mined_revert`) and mapped to the rule in force that governs it;
    without one it is a REFUSED transaction."""
    from decree8.chain.replay import mined_revert

    try:
        fn = cabi.function_for(info.data)
        function = fn.name
    except UsageError:
        function = "0x" + info.data[:4].hex()
    tx = {
        "from": info.sender,
        "to": info.to,
        "input": "0x" + info.data.hex(),
        "gas": info.gas,
        "value": info.value,
    }
    rule_id = not_in_force = None
    try:
        receipt = chain.w3.eth.get_transaction_receipt(info.tx_hash)  # type: ignore[arg-type]
        timestamp = int(chain.w3.eth.get_block(info.block)["timestamp"])
        revert = mined_revert(chain, tx, receipt)
    except Exception:  # noqa: BLE001 - a node that cannot say leaves the refusal unexplained
        error = "reverted; this node could not tell why"
        return Refusal(info.tx_hash, info.block, str(info.to), function, error, None)
    err = revert.error
    if err.name:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in err.args.items())
        error = f"{err.name}({shown})"
        rule_id = rule_for_error(kind, function, err.name, err.args, pack)
        if rule_id is not None and not pack.in_force(rule_id, timestamp):
            rule_id, not_in_force = None, rule_id
    elif err.data:
        error = f"unknown revert 0x{err.data.hex()}"
    else:
        error = revert.text or "reverted without data"
    return Refusal(info.tx_hash, info.block, str(info.to), function, error, rule_id, not_in_force)


# --------------------------------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------------------------------


#: ``id(abi) -> (abi, its view functions)``: a build's ABIs are parsed once per process (the ABI
#: is kept, so that its id is not reused while cached).
_FUNCTIONS: dict[int, tuple[Sequence[Mapping[str, Any]], dict[str, ViewFunction]]] = {}


def _view_functions(abi: Sequence[Mapping[str, Any]]) -> dict[str, ViewFunction]:
    found = _FUNCTIONS.get(id(abi))
    if found is None or found[0] is not abi:
        if len(_FUNCTIONS) >= 32:
            _FUNCTIONS.clear()
        found = _FUNCTIONS[id(abi)] = (abi, view_functions(abi))
    return found[1]


def _template_abis(build: Build | None, abis: Mapping[str, Any] | None) -> dict[str, Any]:
    if abis is not None:
        return {k: list(v) for k, v in abis.items()}
    if build is None:
        raise UsageError("the audit needs the template build (or their ABIs)")
    return {kind: build.artifact(kind).abi for kind in KINDS}


class _Background:
    """``work()`` run by a thread; :meth:`join` waits for it and raises what it raised."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._error: BaseException | None = None

        def run() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - raised by join()
                self._error = exc

        self._thread = threading.Thread(target=run, name="decree8-compare", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


class _LazyReader:
    """A :class:`StateReader` at one block, made on first use (most audits never need it)."""

    def __init__(self, chain: Chain, block: int, abis: Mapping[str, Any]) -> None:
        self.chain, self.block, self.abis = chain, block, abis
        self._reader: StateReader | None = None

    def oracle(self, address: str, kind: str) -> Callable[[bytes, str], bool]:
        def has_role(role: bytes, account: str) -> bool:
            if self._reader is None:
                self._reader = StateReader(self.chain, self.block, self.abis)
            return bool(self._reader.call(address, kind, "hasRole", role, account))

        return has_role


#: Events whose evaluators read the block time (an attestation must outlive its block; a deal
#: completed after its deadline).
_TIMED_EVENTS = frozenset({"HolderAttested", "DealCompleted"})
#: Escrow events whose action is checked against the transaction's sender.
_SENDER_EVENTS = frozenset(
    {"DealResolved", "DealFrozen", "DealUnfrozen", "FundsDirected", "CreditDirected"}
)


def _wanted_from_chain(
    events: Sequence[Event], kinds: Mapping[str, str]
) -> tuple[set[int], set[str]]:
    """The blocks whose times and the transactions whose senders the replay will ask for,
    whatever the state: each fetched beforehand, together, instead of one by one."""
    blocks: set[int] = set()
    txs: set[str] = set()
    for event in events:
        name = event.name
        if name == "Transfer":
            if event.args["from"] == ZERO_ADDRESS and kinds.get(event.address) == TOKEN:
                txs.add(event.tx_hash)  # an issuance: ISSUER-HTP checks who sent it
        elif name in _TIMED_EVENTS:
            blocks.add(event.block)
        elif name in _SENDER_EVENTS:
            txs.add(event.tx_hash)
    return blocks, txs


class _Seeder:
    """The state, before the range, of the audited contracts that already existed then, read in
    step with the replay: before each chunk of events is replayed, the views that the chunk adds
    to what :meth:`World.views` would compare for those contracts (new holders, deals, roles of
    the accounts that act), the deals its events mention and the roles of its actors.

    A view first wanted for a chunk concerns state that no earlier event of the range touched (an
    event that changes a holder's balance or attestation, a deal, a role, names it), so its
    answer at the block before the range is the state the replay must start that chunk from.
    """

    def __init__(self, kinds: Mapping[str, str], candidates: Sequence[str]) -> None:
        self.preview = World(kinds)
        self.candidates = list(candidates)
        self.asked: set[Read] = set()
        self.actors: dict[str, set[str]] = {a: set() for a in candidates}
        self.deals: dict[str, set[int]] = {a: set() for a in candidates}

    def drop(self, absent: Iterable[str]) -> None:
        """Forgets the candidates that had no code before the range."""
        gone = set(absent)
        self.candidates = [a for a in self.candidates if a not in gone]

    def reads(self, events: Sequence[Event], named: Iterable[str]) -> list[Read]:
        """The views to read for ``events``, the next chunk (``named``: every address that the
        events decoded so far name)."""
        if not self.candidates:
            return []
        wanted = set(self.candidates)
        for event in events:
            if event.address in wanted:
                self.preview.contracts[event.address].apply(event)
                key = "account" if event.name in ("Paused", "Unpaused") else "by"
                actor = event.args.get(key)
                if isinstance(actor, str):
                    self.actors[event.address].add(actor)
                if "dealId" in event.args:
                    self.deals[event.address].add(int(event.args["dealId"]))
        self.preview.seen = {a for a in named if a != ZERO_ADDRESS}
        holders = self.preview.holders()
        reads: list[Read] = []
        for address in self.candidates:
            state = self.preview.contracts[address]
            reads += [(address, state.kind, fn, args) for fn, args in state.views(holders)]
            if isinstance(state, TokenState | EscrowState):  # the current terms, not in views
                reads += [
                    (address, state.kind, "termsHash", ()),
                    (address, state.kind, "termsUri", ()),
                ]
            reads += [
                (address, state.kind, "hasRole", (role_hash(role), actor))
                for role in state.role_names()
                for actor in sorted(self.actors[address])
            ]
            if isinstance(state, EscrowState):
                reads += [(address, ESCROW, "dealOf", (d,)) for d in sorted(self.deals[address])]
        new = [r for r in dict.fromkeys(reads) if r not in self.asked]
        self.asked.update(new)
        return new


def audit(
    chain: Chain,
    build: Build | None = None,
    *,
    deployments: Iterable[Deployment] = (),
    addresses: Iterable[str] = (),
    from_block: int | None = None,
    to_block: int | None = None,
    include_failed: bool | None = None,
    progress: Progress | None = None,
    pack: RulePack | None = None,
    abis: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    stats: AuditStats | None = None,
    observer: Callable[[Sequence[Event], World, LogSource], None] | None = None,
) -> Report:
    """Audits the history of the named contracts over ``[from_block, to_block]`` (default: from
    the earliest manifest's deployment block, or 0, to the latest block). See the module docs.

    ``include_failed``: explain failed transactions to the audited contracts (default: yes on the
    embedded chain, where it is cheap; no on a JSON-RPC node, where it costs a request per block).
    ``stats`` (optional) receives counts and timings. ``observer`` (optional) is called after
    each replayed transaction with its events, the rebuilt state and the log source (see
    :class:`decree8.report.history.HistoryRecorder`).

    On a JSON-RPC node the audit makes a handful of round trips whatever the history: one for the
    latest block and the registries, the log chunks (fetched one ahead while the last is
    decoded), one for everything the replay needs from the chain (views at the end block and
    before the range, block times, transaction senders), one for the views compared at the end.
    """
    started = time.perf_counter()
    stats = stats if stats is not None else AuditStats()
    pack = pack or load_pack()
    abis_ = _template_abis(build, abis)
    for abi in abis_.values():
        chain.register_abi(abi)
    functions = {kind: _view_functions(abi) for kind, abi in abis_.items()}
    deployments, addresses = list(deployments), list(addresses)
    kinds = _named_kinds(chain, abis_, deployments, addresses)
    reads = ChainReads(chain, abis_, functions=functions)
    reads.block_number()
    caps = [(a, k, "cap", ()) for a, k in kinds.items() if k == TOKEN]
    reads.views(caps, "latest")  # an immutable: the same at every block
    _add_registries(kinds, reads, reads.run)  # one round trip with the latest block
    round_trips = reads.requests
    immutables = reads.answers.get("latest", {})

    latest = int(reads.head if reads.head is not None else chain.block_number)
    end = latest if to_block is None else int(to_block)
    if from_block is None:
        start = min((int(d.block) for d in deployments), default=0) if not addresses else 0
    else:
        start = int(from_block)
    if start < 0 or end < start:
        raise UsageError(f"the block range {start}-{end} is empty or negative")
    if end > latest:
        raise UsageError(f"--to-block {end} is after the latest block {latest}")

    world = World(kinds)
    for read, value in immutables.items():
        state = world.contracts[read[0]]
        if read[2] == "registry" and isinstance(state, TokenState | EscrowState):
            state.registry = str(value)
        elif read[2] == "cap" and isinstance(state, TokenState):
            state.cap = int(value or 0)

    # -- read, decode and replay, chunk by chunk -----------------------------------------------
    # Each chunk of logs is replayed while the next is read. Before a chunk is replayed, one
    # round trip (when it needs any) brings what its replay will ask of the chain: the state
    # before the range of the contracts that existed then, block times, transaction senders.
    source = log_source(chain, include_failed)
    blocks_done = None if progress is None else (lambda d, t: progress("blocks", d, t))
    decoder = EventDecoder(abis_)
    before = start - 1
    deployed = {str(to_checksum_address(d.address)): int(d.block) for d in deployments}
    candidates = sorted(a for a in kinds if deployed.get(a, before) <= before) if start > 0 else []
    seeder = _Seeder(kinds, candidates)
    registrations = [(a, k, "issuerRegistration", ()) for a, k in kinds.items() if k == TOKEN] + [
        (a, k, "operatorRegistration", ()) for a, k in kinds.items() if k != TOKEN
    ]
    legal = dict.fromkeys(registrations)
    compare = ChainReads(chain, abis_, source, functions)
    speculation: _Background | None = None
    seeded: list[str] = []
    findings: list[Finding] = []
    replay = _Replay(world, source, pack, findings)
    first = True
    clock = {"read": 0.0, "seed": 0.0, "replay": 0.0}
    mark = time.perf_counter()
    for chunk in source.events(kinds, decoder, start, end, blocks_done):
        now = time.perf_counter()
        clock["read"] += now - mark
        mark = now
        stats.logs += chunk.logs
        stats.events += len(chunk.events)
        reads = ChainReads(chain, abis_, source, functions)
        if first:
            reads.block_time(end)
            for address in candidates:
                reads.has_code(address, before)
        if reads.batched:  # elsewhere asking on demand costs no round trip
            blocks, txs = _wanted_from_chain(chunk.events, kinds)
            for number in sorted(blocks):
                reads.block_time(number)
            for tx_hash in sorted(txs):
                reads.tx(tx_hash)
        seed_reads = seeder.reads(chunk.events, decoder.addresses()) if seeder.candidates else []
        reads.views(seed_reads, before)
        reads.run()
        chunk.release()
        round_trips += reads.requests
        first_chunk = first
        if first:
            first = False
            replay.end_time = source.known_timestamp(end)
            seeder.drop(a for a in candidates if not reads.code.get((a, before)))
            seeded = list(seeder.candidates)
            lazy = _LazyReader(chain, before, abis_)
            for address in seeded:
                state = world.contracts[address]
                state.role_oracle = lazy.oracle(address, state.kind)
        if seed_reads and seeded:
            at_before = reads.answers.get(before, {})
            world.seed({r: at_before.get(r) for r in seed_reads if r in at_before})
        now = time.perf_counter()
        clock["seed"] += now - mark
        mark = now

        if (
            speculation is None
            and (chunk.last or chunk.next_last)
            and not first_chunk
            and compare.batched
        ):
            # The views compared at the end, as far as they are known now, read while this chunk
            # replays (from the chunk before the last, the node answers them right after the last
            # chunk of logs, instead of waiting for it to be decoded); any the replay or the last
            # chunk adds are read after it.
            compare.views([*world.views(also=decoder.addresses() - {ZERO_ADDRESS}), *legal], end)
            speculation = _Background(compare.run)
        by_tx: dict[str, list[Event]] = defaultdict(list)
        for event in chunk.events:
            by_tx[event.tx_hash].append(event)
        for tx_events in by_tx.values():
            replay.transaction(tx_events)
            if observer is not None:
                observer(tx_events, world, source)
        stats.transactions += len(by_tx)
        if progress is not None:
            progress("transactions", stats.transactions, stats.transactions)
        now = time.perf_counter()
        clock["replay"] += now - mark
        mark = now
    stats.blocks = end - start + 1
    stats.undecoded = stats.logs - stats.events
    stats.actions = replay.counts
    stats.seconds.update(clock)

    # -- end block ---------------------------------------------------------------------------
    began = time.perf_counter()
    end_time = source.timestamp(end)
    end_found, deals = _end_findings(world, end, end_time, pack)
    findings += end_found
    expected = world.views()
    if speculation is not None:
        speculation.join()
    known = compare.answers.get(end, {})
    compare.views([r for r in [*expected, *legal] if r not in known], end)
    compare.run()
    actual = compare.answers.get(end, {})
    legal = {read: actual.get(read) for read in legal}
    findings += _records_findings(expected, actual, end, end_time, pack)
    stats.views_compared = len(expected)
    stats.seconds["compare"] = time.perf_counter() - began

    # -- failed transactions -----------------------------------------------------------------
    cabis: dict[str, ContractAbi] = {}
    for info in source.failed:
        if info.to is not None and start <= info.block <= end and info.to in kinds:
            kind = kinds[info.to]
            cabi = cabis.get(kind) or cabis.setdefault(kind, ContractAbi(kind, abis_[kind]))
            stats.refusals.append(_refusal(chain, info, kind, cabi, pack))
    stats.requests = source.requests + round_trips + compare.requests
    stats.seconds["total"] = time.perf_counter() - started

    findings.sort(key=lambda f: (f.block if f.block is not None else -1, f.rule_id))
    return Report(
        title="decree8 audit",
        subject=tuple(
            f"{kinds[a]} {a}" for a in sorted(kinds, key=lambda a: KINDS.index(kinds[a]))
        ),
        chain_id=chain.chain_id,
        block_range=(start, end),
        findings=tuple(findings),
        checks=_checks(world, replay.counts, findings, stats, deals, end),
        facts=_facts(world, stats, source, seeded, legal, before)
        + _law_facts(pack, source.timestamp(start), end_time, stats),
        transactions=stats.transactions + len(stats.refusals),
    )


# --------------------------------------------------------------------------------------------------
# Checks and facts
# --------------------------------------------------------------------------------------------------


def _checks(
    world: World,
    counts: Mapping[str, int],
    findings: Sequence[Finding],
    stats: AuditStats,
    deals: int,
    end: int,
) -> tuple[Check, ...]:
    failing = {f.rule_id for f in findings}
    moves = counts["transfer"] + counts["issuance"]
    legs = counts["deal step"] + counts["deal opened"] + counts["withdrawal"]
    legal = counts["legal order"] + counts["forced transfer"]
    rows: list[tuple[str, str, str, int]] = [
        (
            "ILLICIT-ADDRESS",
            f"{moves:,} token movements and {legs:,} deal steps screened against the "
            "illicit-address register",
            "token movements",
            moves + legs,
        ),
        (
            "HOLDER-IDENTIFIED",
            f"{moves:,} token movements and {legs:,} deal steps: every party identified at its "
            "block",
            "token movements",
            moves + legs,
        ),
        (
            "HOLDER-ELIGIBLE",
            f"{moves:,} token movements and {legs:,} deal steps: every identified party eligible "
            "at its block",
            "token movements",
            moves + legs,
        ),
        (
            "TERMS-ACCEPTED",
            f"{moves:,} token receipts: every receiver had accepted the current terms",
            "token movements",
            moves,
        ),
        (
            "P2P-SALE",
            f"{counts['transfer between individuals']:,} transfers between two individuals: each "
            "stated a non-sale purpose or went through a compliant operator",
            "transfers between individuals",
            counts["transfer between individuals"],
        ),
        (
            "LEGAL-ORDER",
            f"{moves:,} token movements checked against freezes; {legal:,} legal-order actions "
            "made by the legal-order role with an order reference",
            "token movements and legal orders",
            moves + legal,
        ),
        (
            "OVERSIGHT-PAUSE",
            f"{moves + legs:,} token movements and deal steps checked against the pause",
            "token movements",
            moves + legs,
        ),
        (
            "ISSUER-HTP",
            f"{counts['issuance']:,} issuances made by the placement agent",
            "issuances",
            counts["issuance"],
        ),
        (
            "SUPPLY-CAP",
            f"{counts['issuance']:,} issuances kept the total supply within the cap",
            "issuances",
            counts["issuance"],
        ),
        (
            "TERMS-BOUND",
            f"{counts['terms acceptance']:,} terms acceptances named the current version and "
            f"hash; {counts['terms amendment']:,} amendments by the terms admin",
            "terms",
            counts["terms acceptance"] + counts["terms amendment"],
        ),
        (
            "RECORDS",
            f"state of {len(world.contracts)} contracts rebuilt from {stats.events:,} events "
            f"matches {stats.views_compared:,} views read at block {end}",
            "contract state",
            stats.views_compared,
        ),
    ]
    if world.escrows():
        rows += [
            (
                "NOT-PAYMENT",
                f"{counts['deal opened']:,} deals opened: none for payment for goods, works or "
                "services",
                "deals",
                counts["deal opened"],
            ),
            (
                "FUNDS-RETURN",
                f"{deals:,} deals: none funded, past its deadline and unrefunded at block {end}",
                "deals",
                deals,
            ),
        ]
    if counts["registry change"]:
        rows.append(
            (
                "HOLDER-IDENTIFIED",
                f"{counts['registry change']:,} registry changes made by the registrar or "
                "blocklist role, with references",
                "registry changes",
                counts["registry change"],
            )
        )
    refused = Counter(r.rule_id for r in stats.refusals if r.rule_id)
    for rule_id, n in sorted(refused.items()):
        rows.append(
            (rule_id, f"{n:,} transactions refused by the contract under this rule", "refused", n)
        )
    return tuple(
        Check(rule_id, text, scope, count, passed=rule_id not in failing)
        for rule_id, text, scope, count in rows
    )


def _law_facts(
    pack: RulePack, start_time: int, end_time: int, stats: AuditStats
) -> tuple[tuple[str, str], ...]:
    """The version of the law applied: each transaction is judged by the rules in force on its
    block's day (Minsk time); which versions the range spans, and the verdicts of its
    transactions."""
    first, last = pack.law_at(start_time), pack.law_at(end_time)
    facts = [("law applied", "the rules in force at each block's time (no retroactivity)")]
    if first.since == last.since:
        facts.append(("law version", f"{last.label} (the whole range)"))
    else:
        entering = [r for r in last.in_force if r not in first.in_force]
        facts.append(
            (
                "law version",
                f"{first.label} at the first block ({first.day:%d.%m.%Y}) to {last.label} at "
                f"the end block ({last.day:%d.%m.%Y}); in force during the range: "
                + ", ".join(f"{r} ({pack.rule(r).period.describe()})" for r in entering),
            )
        )
    not_yet = list(last.not_yet)
    if not_yet:
        facts.append(("not in force at the end block", ", ".join(not_yet)))
    uncertain = sorted(set(first.uncertain) | set(last.uncertain))
    if uncertain:
        facts.append(
            (
                "approximate entry into force",
                ", ".join(f"{r}: {pack.rule(r).period.describe()}" for r in uncertain),
            )
        )
    refused = sum(1 for r in stats.refusals if r.rule_id is None)
    facts.append(
        (
            "verdicts",
            f"{stats.transactions:,} mined transactions judged by their events; "
            f"{len(stats.refusals) - refused:,} failed under a rule in force (attempted "
            f"violations the contract refused); {refused:,} REFUSED (failed for a reason that is "
            "no rule in force)",
        )
    )
    return tuple(facts)


def _facts(
    world: World,
    stats: AuditStats,
    source: LogSource,
    seeded: Sequence[str],
    legal: Mapping[Read, Any],
    before: int = -1,
) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = []
    for (address, kind, fn, _), value in legal.items():
        label = "issuer HTP registration" if fn == "issuerRegistration" else "operator registration"
        is_bytes = isinstance(value, bytes | bytearray)
        shown = reference_text(bytes(value)) if is_bytes else _show(value)
        facts.append((f"{kind} {address} {label}", shown))
    for token in world.tokens():
        digest, uri = token.terms.versions.get(token.terms.version, (b"", ""))
        facts.append((f"CompliantToken {token.address} cap", str(token.cap)))
        facts.append((f"CompliantToken {token.address} registry", token.registry))
        facts.append(
            (
                f"CompliantToken {token.address} terms",
                f"v{token.terms.version} {_show(digest)} {uri}",
            )
        )
    facts += [
        ("log reading", source.method),
        ("events", f"{stats.events:,} decoded of {stats.logs:,} logs in {stats.blocks:,} blocks"),
        ("chain requests", f"{stats.requests:,}"),
        ("audit time", f"{stats.seconds.get('total', 0.0):.2f} s"),
    ]
    if seeded:
        facts.append(
            (
                "state before the range",
                f"read from the chain at block {before} for " + ", ".join(seeded),
            )
        )
    if stats.undecoded:
        facts.append(("undecoded logs", f"{stats.undecoded:,}"))
    facts.append(("failed transactions", f"{len(stats.refusals):,}"))
    for refusal in stats.refusals[:REFUSALS_LISTED]:
        facts.append(
            (
                f"refused {refusal.tx_hash}",
                f"block {refusal.block}: {refusal.function} -> {refusal.error} {refusal.label}",
            )
        )
    return tuple(facts)
