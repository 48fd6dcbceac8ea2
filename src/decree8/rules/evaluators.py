"""Rule evaluators: plain functions that tell which rules a decoded transaction breaks.

An evaluator is ``(ctx: TxContext, state: StateView) -> list[Finding]``, registered under its rule
ID with :func:`evaluator`. It looks at one decoded call (``ctx``) and the chain state the call runs
on (``state``, read at one block) and returns a finding for every way the call breaks its rule: the
checker runs every evaluator, so a verdict lists **every** failing rule, where the contract reverts
on the first. The same evaluators serve pre-flight checks (state at ``latest``), mined transactions
(state at the block before) and audits.

The contract logic they mirror (the order of checks is the contracts' own; see the NatSpec of
``CompliantToken._restrictionCode``, ``DealEscrow`` and ``HolderRegistry``):

* a token movement (``transfer``, ``transferFrom``, the ``...WithPurpose`` variants, ``issue``, and
  the ERC-20 legs an escrow pulls on ``fund`` or pays on ``withdraw``) is checked for
  OVERSIGHT-PAUSE, SUPPLY-CAP (issuance), ILLICIT-ADDRESS, HOLDER-IDENTIFIED, HOLDER-ELIGIBLE
  (identified parties only), TERMS-ACCEPTED (receiver), LEGAL-ORDER (whole and partial freezes)
  P2P-SALE (two individuals, no purpose, no compliant Operator-type spender) and FOREIGN-PLATFORM
  (an individual attested in BY to an operator attested elsewhere, no purpose);
* privileged calls are checked against the role that gates them (:data:`ROLE_GATES`) and the
  reference they must carry (:data:`REFERENCE_ARGS`);
* escrow calls are checked for the pause, the escrow's terms, the admission of every party the
  contract screens, NOT-PAYMENT, deal freezes and FUNDS-RETURN (completing after the deadline).

:func:`rule_for_error` maps a decoded revert of one of the three contracts to the rule it stands for
(``None`` for errors that are not a rule, such as ``ERC20InsufficientBalance``).

This module holds what every evaluator shares (the context, the registry, the reads of state, the
movements a call makes); the evaluators themselves are in :mod:`decree8.rules.acts` and
:mod:`decree8.rules.parties`, and :func:`decree8.rules.engine.evaluate` runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak

from decree8.rules.finding import Finding
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack
from decree8.rules.solidity import Deal, HolderType
from decree8.rules.state import HolderStatus, StateView

__all__ = [
    "EVALUATORS",
    "REFERENCE_ARGS",
    "ROLE_GATES",
    "ZERO_ADDRESS",
    "Evaluator",
    "Movement",
    "TxContext",
    "evaluator",
    "movements",
    "prefetch_plan",
    "role_hash",
    "rule_for_error",
]

TOKEN = "CompliantToken"
REGISTRY = "HolderRegistry"
ESCROW = "DealEscrow"

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO32 = bytes(32)

INDIVIDUAL, OPERATOR = HolderType.INDIVIDUAL, HolderType.OPERATOR
# CompliantToken purposes
PURPOSE_NONE = 0
PURPOSE_NAMES = {0: "none", 1: "gift", 2: "inheritance", 3: "own wallet"}
# DealEscrow
PAYMENT_PURPOSE = 5
BPS = 10_000


def role_hash(name: str) -> bytes:
    """The AccessControl role id of ``name`` (``DEFAULT_ADMIN_ROLE`` is zero)."""
    return ZERO32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)


#: The calls that execute a legal order, by contract.
LEGAL_ORDER_ACTIONS: Mapping[str, tuple[str, ...]] = {
    TOKEN: ("freeze", "unfreeze", "freezeAmount", "unfreezeAmount", "forcedTransfer"),
    ESCROW: ("freezeDeal", "unfreezeDeal", "directFunds", "directCredit"),
}

#: ``(contract, function) -> (role, rule ID)``: the role a privileged function needs and the rule
#: it serves.
ROLE_GATES: Mapping[tuple[str, str], tuple[str, str]] = {
    (TOKEN, "issue"): ("PLACEMENT_AGENT_ROLE", "ISSUER-HTP"),
    **{(TOKEN, fn): ("LEGAL_ORDER_ROLE", "LEGAL-ORDER") for fn in LEGAL_ORDER_ACTIONS[TOKEN]},
    (TOKEN, "pause"): ("OVERSIGHT_ROLE", "OVERSIGHT-PAUSE"),
    (TOKEN, "unpause"): ("OVERSIGHT_ROLE", "OVERSIGHT-PAUSE"),
    (TOKEN, "amendTerms"): ("TERMS_ADMIN_ROLE", "TERMS-BOUND"),
    (TOKEN, "registerEscrow"): ("LEGAL_ORDER_AUTHORITY_ROLE", "LEGAL-ORDER"),
    (REGISTRY, "attest"): ("REGISTRAR_ROLE", "HOLDER-IDENTIFIED"),
    (REGISTRY, "revoke"): ("REGISTRAR_ROLE", "HOLDER-IDENTIFIED"),
    (REGISTRY, "setJurisdictionProhibited"): ("REGISTRAR_ROLE", "HOLDER-ELIGIBLE"),
    (REGISTRY, "blockAddress"): ("BLOCKLIST_ROLE", "ILLICIT-ADDRESS"),
    (REGISTRY, "unblockAddress"): ("BLOCKLIST_ROLE", "ILLICIT-ADDRESS"),
    **{(ESCROW, fn): ("LEGAL_ORDER_ROLE", "LEGAL-ORDER") for fn in LEGAL_ORDER_ACTIONS[ESCROW]},
    (ESCROW, "pause"): ("OVERSIGHT_ROLE", "OVERSIGHT-PAUSE"),
    (ESCROW, "unpause"): ("OVERSIGHT_ROLE", "OVERSIGHT-PAUSE"),
    (ESCROW, "amendTerms"): ("TERMS_ADMIN_ROLE", "TERMS-BOUND"),
}

#: ``(contract, function) -> roles``: other roles that may also make a gated call. (The 2025
#: amendments of the HTP rules let an operator appoint identification agents: when the registry
#: template gives them a role of their own for ``attest``, it goes here, and HOLDER-IDENTIFIED
#: accepts attestations they make.)
ALSO_ALLOWED: Mapping[tuple[str, str], tuple[str, ...]] = {}

#: ``(contract, function) -> (argument, rule ID)``: a bytes32 argument that must not be zero.
REFERENCE_ARGS: Mapping[tuple[str, str], tuple[str, str]] = {
    **{(TOKEN, fn): ("orderRef", "LEGAL-ORDER") for fn in LEGAL_ORDER_ACTIONS[TOKEN]},
    (TOKEN, "registerEscrow"): ("ref", "LEGAL-ORDER"),
    (REGISTRY, "attest"): ("kycHash", "HOLDER-IDENTIFIED"),
    (REGISTRY, "blockAddress"): ("ref", "ILLICIT-ADDRESS"),
    (REGISTRY, "unblockAddress"): ("ref", "ILLICIT-ADDRESS"),
    **{(ESCROW, fn): ("orderRef", "LEGAL-ORDER") for fn in LEGAL_ORDER_ACTIONS[ESCROW]},
    (ESCROW, "openDeal"): ("dealTermsHash", "TERMS-BOUND"),
    (ESCROW, "dispute"): ("reason", "RECORDS"),
    (ESCROW, "resolve"): ("resolutionRef", "RECORDS"),
}

_REFERENCE_WHAT = {
    "orderRef": "the legal order's reference",
    "kycHash": "the hash of the operator's KYC record",
    "ref": "the reference to the entry in the illicit-address register",
    "dealTermsHash": "the hash of the deal's terms",
    "reason": "the reason for the dispute",
    "resolutionRef": "the reference of the resolution",
}


# --------------------------------------------------------------------------------------------------
# Context and registry
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TxContext:
    """One decoded call: which contract (``contract`` is the template's contract name), which
    function with which arguments (by ABI parameter name), from whom, with how much ETH; plus where
    the findings come from (``source``) and, for a mined transaction, its hash, block and block
    time."""

    contract: str
    address: str
    function: str
    args: Mapping[str, Any]
    sender: str
    value: int = 0
    source: str = "preflight"
    template: str | None = None
    tx_hash: str | None = None
    block: int | None = None
    timestamp: int | None = None
    pack: RulePack | None = field(default=None, compare=False, repr=False)

    def is_(self, contract: str, *functions: str) -> bool:
        return self.contract == contract and (not functions or self.function in functions)

    def arg(self, name: str) -> Any:
        return self.args[name]

    def caller_finding(self, rule_id: str, message: str) -> Finding:
        """A finding of ``rule_id`` about this call that names its caller."""
        return self.finding(rule_id, message, parties=[("caller", self.sender)])

    def finding(
        self,
        rule_id: str,
        message: str,
        parties: Iterable[tuple[str, str]] = (),
        details: Mapping[str, Any] | None = None,
        code: int | None = None,
    ) -> Finding:
        """A finding of ``rule_id`` about this call, basis and confidence from the pack."""
        context: dict[str, Any] = {
            "source": self.source,
            "contract": self.address,
            "function": self.function,
            "tx_hash": self.tx_hash,
            "block": self.block,
            "timestamp": self.timestamp,
            "parties": tuple(parties),
            "details": dict(details or {}),
        }
        if code is not None:
            context["code"] = code
        return Finding.for_rule(rule_id, message, pack=self.pack, **context)


Evaluator = Callable[[TxContext, StateView], list[Finding]]

#: Evaluators by rule ID, in registration order (each rule has at most one).
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(rule_id: str) -> Callable[[Evaluator], Evaluator]:
    """Registers the decorated function as the evaluator of ``rule_id``."""

    def register(fn: Evaluator) -> Evaluator:
        if rule_id in EVALUATORS:
            raise ValueError(f"rule {rule_id} already has an evaluator")
        EVALUATORS[rule_id] = fn
        return fn

    return register


# --------------------------------------------------------------------------------------------------
# Shared reads
# --------------------------------------------------------------------------------------------------


def _registry_of(state: StateView, address: str, contract: str) -> str:
    return str(state.call(address, contract, "registry"))


def _status(state: StateView, registry: str, holder: str) -> HolderStatus:
    return state.holder_status(registry, holder)


def _deal(ctx: TxContext, state: StateView) -> Deal | None:
    """The deal ``ctx`` acts on (``dealId`` argument), or ``None`` when there is no such deal."""
    if "dealId" not in ctx.args:
        return None
    raw = state.try_call(ctx.address, ESCROW, "dealOf", ctx.args["dealId"])
    return None if raw is None else Deal(*raw)


@dataclass(frozen=True)
class Movement:
    """Tokens a call moves through a compliant token's ``_update``: ``operator`` is the token's
    ``msg.sender``, ``sender`` is the zero address for issuance."""

    token: str
    operator: str
    sender: str
    receiver: str
    value: int
    purpose: int
    via: str  # what moves them: "transfer", "issue", "escrow funding", "escrow withdrawal"

    @property
    def minting(self) -> bool:
        return self.sender == ZERO_ADDRESS

    def parties(self) -> tuple[tuple[str, str], ...]:
        if self.minting:
            return (("to", self.receiver),)
        return (("from", self.sender), ("to", self.receiver))


def movements(ctx: TxContext, state: StateView) -> tuple[Movement, ...]:
    """The token movements ``ctx`` makes (memoised per state reader)."""
    return state.memo(("movements", id(ctx)), lambda: tuple(_movements(ctx, state)))


def _movements(ctx: TxContext, state: StateView) -> Iterable[Movement]:
    a, me = ctx.args, ctx.sender
    if ctx.contract == TOKEN:
        token = ctx.address
        if ctx.function == "transfer":
            yield Movement(token, me, me, a["to"], a["value"], PURPOSE_NONE, "transfer")
        elif ctx.function == "transferFrom":
            yield Movement(token, me, a["from"], a["to"], a["value"], PURPOSE_NONE, "transfer")
        elif ctx.function == "transferWithPurpose":
            yield Movement(token, me, me, a["to"], a["value"], a["purpose"], "transfer")
        elif ctx.function == "transferFromWithPurpose":
            yield Movement(token, me, a["from"], a["to"], a["value"], a["purpose"], "transfer")
        elif ctx.function == "issue":
            yield Movement(token, me, ZERO_ADDRESS, a["to"], a["amount"], PURPOSE_NONE, "issue")
    elif ctx.contract == ESCROW and ctx.function == "fund":
        deal = _deal(ctx, state)
        if deal is None:
            return
        if me == deal.party_a:
            asset, amount = deal.asset_a, deal.amount_a
        elif me == deal.party_b and deal.two_sided:
            asset, amount = deal.asset_b, deal.amount_b
        else:
            return
        if asset != ZERO_ADDRESS and state.template_of(asset) == TOKEN:
            yield Movement(
                asset, ctx.address, me, ctx.address, amount, PURPOSE_NONE, "escrow funding"
            )
    elif ctx.contract == ESCROW and ctx.function == "withdraw":
        asset = a["asset"]
        if asset == ZERO_ADDRESS or state.template_of(asset) != TOKEN:
            return
        credit = int(state.call(ctx.address, ESCROW, "creditOf", me, asset))
        if credit:
            yield Movement(
                asset, ctx.address, ctx.address, me, credit, PURPOSE_NONE, "escrow withdrawal"
            )


def _movement_statuses(
    state: StateView, mv: Movement
) -> tuple[HolderStatus | None, HolderStatus, str]:
    registry = _registry_of(state, mv.token, TOKEN)
    receiver = _status(state, registry, mv.receiver)
    sender = None if mv.minting else _status(state, registry, mv.sender)
    return sender, receiver, registry


def _where(mv: Movement) -> dict[str, Any]:
    return {"token": mv.token, "value": mv.value, "via": mv.via}


def _moved(ctx: TxContext, mv: Movement, rule_id: str, message: str, **details: Any) -> Finding:
    """A finding of ``rule_id`` about the movement ``mv`` of ``ctx``, naming its parties."""
    return ctx.finding(rule_id, message, parties=mv.parties(), details={**_where(mv), **details})


def _admissions(ctx: TxContext, state: StateView) -> list[tuple[str, str]]:
    """``(role, address)`` of every party an escrow call screens against the registry."""
    if ctx.contract != ESCROW:
        return []
    me = ctx.sender
    if ctx.function == "openDeal":
        return [("opener", me)]
    deal = _deal(ctx, state)
    if deal is None:
        return []
    if ctx.function == "acceptDeal":
        return [("party B", me)] if me == deal.party_b else []
    if ctx.function == "fund":
        if me == deal.party_a:
            return [("party A", me)]
        if me == deal.party_b and deal.two_sided:
            return [("party B", me)]
        return []
    if ctx.function == "complete":
        out = [("party B (receives leg A)", deal.party_b)]
        if deal.two_sided:
            out.append(("party A (receives leg B)", deal.party_a))
        return out
    if ctx.function == "resolve":
        bps = int(ctx.args["toPartyABps"])
        out = []
        if bps != 0:
            out.append(("party A (receives a share)", deal.party_a))
        if bps != BPS:
            out.append(("party B (receives a share)", deal.party_b))
        return out
    return []


def _escrow_registry(ctx: TxContext, state: StateView) -> str:
    return _registry_of(state, ctx.address, ESCROW)


def _role_findings(ctx: TxContext, state: StateView, rule_id: str) -> list[Finding]:
    gate = ROLE_GATES.get((ctx.contract, ctx.function))
    if gate is None or gate[1] != rule_id:
        return []
    role, _ = gate
    for allowed in (role, *ALSO_ALLOWED.get((ctx.contract, ctx.function), ())):
        if state.has_role(ctx.address, ctx.contract, role_hash(allowed), ctx.sender):
            return []
    return [
        ctx.finding(
            rule_id,
            f"{ctx.sender} calls {ctx.function} without {role}",
            parties=[("caller", ctx.sender)],
            details={"role": role},
        )
    ]


def _reference_findings(ctx: TxContext, rule_id: str) -> list[Finding]:
    spec = REFERENCE_ARGS.get((ctx.contract, ctx.function))
    if spec is None or spec[1] != rule_id:
        return []
    name, _ = spec
    if bytes(ctx.args[name]) != ZERO32:
        return []
    what = _REFERENCE_WHAT.get(name, name)
    return [
        ctx.finding(
            rule_id,
            f"{ctx.function} must carry {what} ({name}), but it is zero",
            parties=[("caller", ctx.sender)],
            details={"argument": name},
        )
    ]


def _escrow_paused(ctx: TxContext, state: StateView) -> bool:
    return ctx.is_(ESCROW, "openDeal", "acceptDeal", "fund", "complete", "resolve") and bool(
        state.call(ctx.address, ESCROW, "paused")
    )


Read = tuple[str, str, str, tuple[Any, ...]]


def prefetch_plan(ctx: TxContext, state: StateView) -> list[Read]:
    """The view calls the evaluators will make for ``ctx``, as far as they are known before any
    evaluator runs, so that :meth:`StateReader.prefetch` makes them in one ``eth_call``. (A read
    missing here is made on demand; an extra one only costs its share of the batch.)"""
    reads: list[Read] = []
    gate = ROLE_GATES.get((ctx.contract, ctx.function))
    if gate is not None:
        reads.append((ctx.address, ctx.contract, "hasRole", (role_hash(gate[0]), ctx.sender)))
    for mv in movements(ctx, state):
        token, registry = mv.token, _registry_of(state, mv.token, TOKEN)
        reads += [
            (token, TOKEN, "paused", ()),
            (token, TOKEN, "hasAcceptedCurrentTerms", (mv.receiver,)),
            (token, TOKEN, "isFrozen", (mv.receiver,)),
            (registry, REGISTRY, "statusOf", (mv.receiver,)),
        ]
        if mv.minting:
            reads += [(token, TOKEN, "totalSupply", ()), (token, TOKEN, "cap", ())]
            continue
        reads += [
            (registry, REGISTRY, "statusOf", (mv.sender,)),
            (token, TOKEN, "isFrozen", (mv.sender,)),
            (token, TOKEN, "frozenBalanceOf", (mv.sender,)),
            (token, TOKEN, "balanceOf", (mv.sender,)),
        ]
        if mv.operator not in (mv.sender, mv.receiver):
            reads.append((registry, REGISTRY, "statusOf", (mv.operator,)))
        # FOREIGN-PLATFORM compares the parties' jurisdictions; a mined check compares their
        # expiry with the transaction's own block time
        reads += [
            (registry, REGISTRY, "attestationOf", (mv.sender,)),
            (registry, REGISTRY, "attestationOf", (mv.receiver,)),
        ]
    if ctx.contract == ESCROW:
        reads.append((ctx.address, ESCROW, "paused", ()))
        if ctx.function in ("openDeal", "acceptDeal"):
            reads.append((ctx.address, ESCROW, "hasAcceptedCurrentTerms", (ctx.sender,)))
        parties = _admissions(ctx, state)
        if parties:
            registry = _escrow_registry(ctx, state)
            for _, party in parties:
                reads += [
                    (registry, REGISTRY, "statusOf", (party,)),
                    (registry, REGISTRY, "attestationOf", (party,)),
                ]
    return reads


# --------------------------------------------------------------------------------------------------
# Reverts to rules
# --------------------------------------------------------------------------------------------------

_CODED_ERRORS = frozenset(
    {
        "TransferRestricted",
        "DealRestricted",
        "WithdrawalRestricted",
        "CallerRestricted",
        "RoleRestricted",
    }
)

#: The escrow's deadline refusals, both ways: a deal step after the deadline (accepting, funding,
#: completing, disputing: the deal must be refunded) and a refund before it. FUNDS-RETURN
#: governs both; every other refusal that names no rule is a REFUSED verdict, not a violation.
_DEADLINE_ERRORS = frozenset({"DeadlinePassed", "DeadlineNotReached"})

_ERROR_RULES: Mapping[str, str] = {
    "TermsVersionNotCurrent": "TERMS-BOUND",
    "TermsHashMismatch": "TERMS-BOUND",
    "TermsEmpty": "TERMS-BOUND",
    "DealTermsMismatch": "TERMS-BOUND",
    "MissingOrderReference": "LEGAL-ORDER",
    "HolderTypeNone": "HOLDER-IDENTIFIED",
    "ValidUntilNotInFuture": "HOLDER-IDENTIFIED",
    "MissingKycHash": "HOLDER-IDENTIFIED",
    "MissingReference": "ILLICIT-ADDRESS",
    "TermsUnchanged": "TERMS-BOUND",
    "OrderAgainstEscrow": "LEGAL-ORDER",
    "NotAnAttester": "HOLDER-IDENTIFIED",
    "DeadlineTooFar": "FUNDS-RETURN",
}

_ROLE_NAMES = {
    role_hash(name): name
    for name in (
        "DEFAULT_ADMIN_ROLE",
        "PLACEMENT_AGENT_ROLE",
        "LEGAL_ORDER_ROLE",
        "OVERSIGHT_ROLE",
        "TERMS_ADMIN_ROLE",
        "REGISTRAR_ROLE",
        "BLOCKLIST_ROLE",
        "OPERATOR_ROLE",
        "LEGAL_ORDER_AUTHORITY_ROLE",
    )
}


def rule_for_error(
    contract: str,
    function: str,
    name: str | None,
    args: Mapping[str, Any],
    pack: RulePack | None = None,
) -> str | None:
    """The rule ID a revert ``name(args)`` of ``contract.function`` stands for, or ``None`` when
    the error is not a rule (``ERC20InsufficientBalance``, ``InvalidDealState`` ...)."""
    if name is None:
        return None
    pack = pack or load_pack()
    if name in _CODED_ERRORS:
        code = int(args.get("code", 0))
        try:
            return pack.by_code(code).id
        except Exception:  # noqa: BLE001 - an unknown code names no rule
            return None
    if name == "AccessControlUnauthorizedAccount":
        gate = ROLE_GATES.get((contract, function))
        needed = _ROLE_NAMES.get(bytes(args.get("neededRole", b"")))
        allowed = ALSO_ALLOWED.get((contract, function), ())
        if gate is not None and (gate[0] == needed or needed in allowed):
            return gate[1]
        return None
    if name == "ReferenceEmpty":
        spec = REFERENCE_ARGS.get((contract, function))
        return spec[1] if spec is not None else None
    if name == "MissingJurisdiction":
        return "HOLDER-ELIGIBLE" if function == "setJurisdictionProhibited" else "HOLDER-IDENTIFIED"
    if name in _DEADLINE_ERRORS and contract == ESCROW:
        return "FUNDS-RETURN"
    return _ERROR_RULES.get(name)
