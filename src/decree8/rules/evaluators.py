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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from eth_utils import keccak

from decree8.report.finding import Finding
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack
from decree8.rules.state import HolderStatus, StateView

__all__ = [
    "EVALUATORS",
    "REFERENCE_ARGS",
    "ROLE_GATES",
    "ZERO_ADDRESS",
    "Evaluator",
    "Movement",
    "TxContext",
    "evaluate",
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

# IHolderRegistry.HolderType
INDIVIDUAL, OPERATOR = 1, 3
# CompliantToken purposes
PURPOSE_NONE = 0
PURPOSE_NAMES = {0: "none", 1: "gift", 2: "inheritance", 3: "own wallet"}
# DealEscrow
PAYMENT_PURPOSE = 5
DEAL_STATES = ("None", "Open", "Funded", "Completed", "Refunded", "Disputed", "Resolved")
BPS = 10_000


def role_hash(name: str) -> bytes:
    """The AccessControl role id of ``name`` (``DEFAULT_ADMIN_ROLE`` is zero)."""
    return ZERO32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)


#: ``(contract, function) -> (role, rule ID)``: the role a privileged function needs and the rule
#: it serves.
ROLE_GATES: Mapping[tuple[str, str], tuple[str, str]] = {
    (TOKEN, "issue"): ("PLACEMENT_AGENT_ROLE", "ISSUER-HTP"),
    **{
        (TOKEN, fn): ("LEGAL_ORDER_ROLE", "LEGAL-ORDER")
        for fn in ("freeze", "unfreeze", "freezeAmount", "unfreezeAmount", "forcedTransfer")
    },
    (TOKEN, "pause"): ("OVERSIGHT_ROLE", "OVERSIGHT-PAUSE"),
    (TOKEN, "unpause"): ("OVERSIGHT_ROLE", "OVERSIGHT-PAUSE"),
    (TOKEN, "amendTerms"): ("TERMS_ADMIN_ROLE", "TERMS-BOUND"),
    (TOKEN, "registerEscrow"): ("LEGAL_ORDER_AUTHORITY_ROLE", "LEGAL-ORDER"),
    (REGISTRY, "attest"): ("REGISTRAR_ROLE", "HOLDER-IDENTIFIED"),
    (REGISTRY, "revoke"): ("REGISTRAR_ROLE", "HOLDER-IDENTIFIED"),
    (REGISTRY, "setJurisdictionProhibited"): ("REGISTRAR_ROLE", "HOLDER-ELIGIBLE"),
    (REGISTRY, "blockAddress"): ("BLOCKLIST_ROLE", "ILLICIT-ADDRESS"),
    (REGISTRY, "unblockAddress"): ("BLOCKLIST_ROLE", "ILLICIT-ADDRESS"),
    **{
        (ESCROW, fn): ("LEGAL_ORDER_ROLE", "LEGAL-ORDER")
        for fn in ("freezeDeal", "unfreezeDeal", "directFunds", "directCredit")
    },
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
    **{
        (TOKEN, fn): ("orderRef", "LEGAL-ORDER")
        for fn in ("freeze", "unfreeze", "freezeAmount", "unfreezeAmount", "forcedTransfer")
    },
    (TOKEN, "registerEscrow"): ("ref", "LEGAL-ORDER"),
    (REGISTRY, "attest"): ("kycHash", "HOLDER-IDENTIFIED"),
    (REGISTRY, "blockAddress"): ("ref", "ILLICIT-ADDRESS"),
    (REGISTRY, "unblockAddress"): ("ref", "ILLICIT-ADDRESS"),
    **{
        (ESCROW, fn): ("orderRef", "LEGAL-ORDER")
        for fn in ("freezeDeal", "unfreezeDeal", "directFunds", "directCredit")
    },
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


def evaluate(ctx: TxContext, state: StateView, pack: RulePack | None = None) -> list[Finding]:
    """Every finding of every evaluator for ``ctx``, in rule-pack order, without duplicates.

    Only the law in force at the call's block time applies (``ctx.timestamp``, else the block time
    ``state`` reads at): an evaluator whose rule is not in force then is not run, and a finding an
    evaluator makes of another rule that is not in force is dropped (no retroactivity; see
    :meth:`decree8.rules.pack.RulePack.law_at`)."""
    pack = pack or ctx.pack or load_pack()
    moment = ctx.timestamp if ctx.timestamp is not None else state.timestamp
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for rule, fn in pack.bind(EVALUATORS):
        if not rule.in_force_at(moment):
            continue
        for found in fn(ctx, state):
            key = (found.rule_id, found.message)
            if key not in seen and pack.in_force(found.rule_id, moment):
                seen.add(key)
                out.append(found)
    return out


# --------------------------------------------------------------------------------------------------
# Shared reads
# --------------------------------------------------------------------------------------------------


def _registry_of(state: StateView, address: str, contract: str) -> str:
    return str(state.call(address, contract, "registry"))


def _status(state: StateView, registry: str, holder: str) -> HolderStatus:
    return state.holder_status(registry, holder)


class Deal(NamedTuple):
    """``DealEscrow.Deal``."""

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

    @property
    def two_sided(self) -> bool:
        return self.amount_b != 0

    @property
    def unfinished(self) -> bool:
        return DEAL_STATES[self.state] in ("Open", "Funded", "Disputed")


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


# --------------------------------------------------------------------------------------------------
# Governance of the legal-order roles (issue 12)
# --------------------------------------------------------------------------------------------------

#: The roles whose holders execute legal orders or appoint those who do.
LEGAL_ORDER_ROLES = ("LEGAL_ORDER_ROLE", "LEGAL_ORDER_AUTHORITY_ROLE")
#: The calls that execute a legal order, by contract.
LEGAL_ORDER_ACTIONS: Mapping[str, tuple[str, ...]] = {
    TOKEN: ("freeze", "unfreeze", "freezeAmount", "unfreezeAmount", "forcedTransfer"),
    ESCROW: ("freezeDeal", "unfreezeDeal", "directFunds", "directCredit"),
}


def _holds(ctx: TxContext, state: StateView, role: str, account: str) -> bool:
    return bool(state.has_role(ctx.address, ctx.contract, role_hash(role), account))


def _legal_role_administered_by_admin(ctx: TxContext, state: StateView) -> bool:
    """Whether the contract lets its admin grant ``LEGAL_ORDER_ROLE`` (templates before issue 12,
    or a derived contract that changed the role's admin)."""
    admin = state.try_call(ctx.address, ctx.contract, "getRoleAdmin", role_hash("LEGAL_ORDER_ROLE"))
    return admin is not None and bytes(admin) == ZERO32


def legal_order_governance_findings(ctx: TxContext, state: StateView) -> list[Finding]:
    """LEGAL-ORDER findings about who holds the power of legal orders (issue 12):

    * a grant of ``LEGAL_ORDER_ROLE`` or ``LEGAL_ORDER_AUTHORITY_ROLE`` made by the contract's admin
      (``DEFAULT_ADMIN_ROLE``), or to an account that is the admin: the admin would choose who
      executes legal orders, or execute them itself;
    * accepting the admin role by an account that holds a legal-order role;
    * a legal-order action (freeze, forced transfer, fund or credit direction) by an account that
      holds the admin role too, or under a ``LEGAL_ORDER_ROLE`` that the admin hands out (so the
      executor may have it from the admin, as in the self-granted forced transfer the review found).

    The current templates refuse all of these (the contract reverts); the findings catch them in
    pre-flight, in mined transactions and in audits of earlier deployments."""
    if ctx.contract not in (TOKEN, ESCROW):
        return []
    out: list[Finding] = []
    if ctx.function == "grantRole":
        role = bytes(ctx.args.get("role", b""))
        account = str(ctx.args.get("account", ""))
        names = {role_hash(n): n for n in LEGAL_ORDER_ROLES}
        if role in names:
            if _holds(ctx, state, "DEFAULT_ADMIN_ROLE", ctx.sender):
                out.append(
                    ctx.finding(
                        "LEGAL-ORDER",
                        f"the admin {ctx.sender} grants {names[role]} to {account}: legal orders "
                        "must be executed under their own authority, never one the admin appoints",
                        parties=[("admin", ctx.sender), ("grantee", account)],
                        details={"role": names[role]},
                    )
                )
            if _holds(ctx, state, "DEFAULT_ADMIN_ROLE", account):
                out.append(
                    ctx.finding(
                        "LEGAL-ORDER",
                        f"{names[role]} is granted to {account}, which holds the admin role: no "
                        "account may hold both",
                        parties=[("grantee", account)],
                        details={"role": names[role]},
                    )
                )
    elif ctx.function == "acceptDefaultAdminTransfer":
        out.extend(
            ctx.finding(
                "LEGAL-ORDER",
                f"{ctx.sender} would become the admin while it holds {name}: no account "
                "may hold both",
                parties=[("new admin", ctx.sender)],
                details={"role": name},
            )
            for name in LEGAL_ORDER_ROLES
            if _holds(ctx, state, name, ctx.sender)
        )
    elif ctx.function in LEGAL_ORDER_ACTIONS[ctx.contract]:
        if _holds(ctx, state, "DEFAULT_ADMIN_ROLE", ctx.sender):
            out.append(
                ctx.finding(
                    "LEGAL-ORDER",
                    f"{ctx.function} by {ctx.sender}, which holds the admin role: the admin may "
                    "not execute legal orders",
                    parties=[("caller", ctx.sender)],
                )
            )
        elif _holds(ctx, state, "LEGAL_ORDER_ROLE", ctx.sender) and (
            _legal_role_administered_by_admin(ctx, state)
        ):
            out.append(
                ctx.finding(
                    "LEGAL-ORDER",
                    f"{ctx.function} by {ctx.sender} under a LEGAL_ORDER_ROLE that the "
                    "contract's admin grants: the executor may have the role from the admin",
                    parties=[("caller", ctx.sender)],
                )
            )
    return out


# --------------------------------------------------------------------------------------------------
# The evaluators, one per rule, in rule-pack order
# --------------------------------------------------------------------------------------------------


@evaluator("ISSUER-HTP")
def issuer_htp(ctx: TxContext, state: StateView) -> list[Finding]:
    """Only the placement agent of the HTP-resident issuer issues tokens."""
    if not ctx.is_(TOKEN, "issue"):
        return []
    if state.has_role(ctx.address, TOKEN, role_hash("PLACEMENT_AGENT_ROLE"), ctx.sender):
        return []
    return [
        ctx.finding(
            "ISSUER-HTP",
            f"{ctx.sender} issues tokens but is not the placement agent (PLACEMENT_AGENT_ROLE)",
            parties=[("caller", ctx.sender), ("to", ctx.args["to"])],
            details={"amount": ctx.args["amount"]},
        )
    ]


@evaluator("TERMS-BOUND")
def terms_bound(ctx: TxContext, state: StateView) -> list[Finding]:
    """Terms are accepted by their current version and hash; only the terms admin amends them; a
    deal names its terms' hash and is accepted by that hash."""
    out = _role_findings(ctx, state, "TERMS-BOUND") + _reference_findings(ctx, "TERMS-BOUND")
    if ctx.contract in (TOKEN, ESCROW) and ctx.function == "acceptTerms":
        out += _terms_acceptance(ctx, state, ctx.address, ctx.contract)
    if ctx.is_(ESCROW, "acceptTokenTerms") and state.template_of(ctx.args["token"]) == TOKEN:
        out += _terms_acceptance(ctx, state, ctx.args["token"], TOKEN)
    if ctx.contract in (TOKEN, ESCROW) and ctx.function == "amendTerms":
        if bytes(ctx.args["contentHash"]) == ZERO32 or not ctx.args["uri"]:
            out.append(
                ctx.finding(
                    "TERMS-BOUND",
                    "amended terms need a non-zero content hash and a non-empty URI",
                    parties=[("caller", ctx.sender)],
                )
            )
    if ctx.is_(ESCROW, "acceptDeal"):
        deal = _deal(ctx, state)
        given = bytes(ctx.args["dealTermsHash"])
        if deal is not None and ctx.sender == deal.party_b and given != bytes(deal.terms_hash):
            out.append(
                ctx.finding(
                    "TERMS-BOUND",
                    f"deal {ctx.args['dealId']} is accepted with hash 0x{given.hex()}, "
                    f"not its terms hash 0x{bytes(deal.terms_hash).hex()}",
                    parties=[("party B", ctx.sender)],
                )
            )
    return out


def _terms_acceptance(
    ctx: TxContext, state: StateView, address: str, contract: str
) -> list[Finding]:
    current = int(state.call(address, contract, "termsVersion"))
    expected = bytes(state.call(address, contract, "termsHash"))
    version, given = int(ctx.args["version"]), bytes(ctx.args["contentHash"])
    out = []
    if version != current:
        out.append(
            ctx.finding(
                "TERMS-BOUND",
                f"accepts terms version {version} of {address}, but the current version is "
                f"{current}",
                parties=[("party", ctx.sender)],
                details={"current_version": current, "given_version": version},
            )
        )
    if given != expected:
        out.append(
            ctx.finding(
                "TERMS-BOUND",
                f"accepts terms hash 0x{given.hex()} of {address}, but the current terms hash is "
                f"0x{expected.hex()}",
                parties=[("party", ctx.sender)],
                details={"expected_hash": expected, "given_hash": given},
            )
        )
    return out


@evaluator("TERMS-ACCEPTED")
def terms_accepted(ctx: TxContext, state: StateView) -> list[Finding]:
    """The receiver of tokens accepted the token's current terms; a party accepted the escrow's
    terms before opening or accepting a deal, and the deal's terms before funding its leg."""
    out = [
        ctx.finding(
            "TERMS-ACCEPTED",
            f"receiver {mv.receiver} has not accepted the current terms of token {mv.token}",
            parties=mv.parties(),
            details=_where(mv),
        )
        for mv in movements(ctx, state)
        if not state.call(mv.token, TOKEN, "hasAcceptedCurrentTerms", mv.receiver)
    ]
    if ctx.is_(ESCROW, "openDeal", "acceptDeal"):
        relevant = ctx.function == "openDeal"
        if not relevant:
            deal = _deal(ctx, state)
            relevant = deal is not None and ctx.sender == deal.party_b
        if relevant and not state.call(ctx.address, ESCROW, "hasAcceptedCurrentTerms", ctx.sender):
            out.append(
                ctx.finding(
                    "TERMS-ACCEPTED",
                    f"{ctx.sender} has not accepted the escrow's current terms",
                    parties=[("party", ctx.sender)],
                )
            )
    if ctx.is_(ESCROW, "fund"):
        deal = _deal(ctx, state)
        if (
            deal is not None
            and ctx.sender == deal.party_b
            and deal.two_sided
            and not deal.funded_b
            and not deal.accepted_b
        ):
            out.append(
                ctx.finding(
                    "TERMS-ACCEPTED",
                    f"party B {ctx.sender} funds deal {ctx.args['dealId']} before accepting "
                    "its terms",
                    parties=[("party B", ctx.sender)],
                )
            )
    out += beneficiary_acceptance_findings(ctx, state)
    return out


def beneficiary_acceptance_findings(ctx: TxContext, state: StateView) -> list[Finding]:
    """Party B is paid only if it accepted the deal (issue 12): completing a deal, or resolving it
    with a share for B, while B has not accepted is a TERMS-ACCEPTED finding."""
    if not ctx.is_(ESCROW, "complete", "resolve"):
        return []
    deal = _deal(ctx, state)
    if deal is None or deal.accepted_b:
        return []
    if ctx.function == "resolve" and int(ctx.args.get("toPartyABps", 0)) == BPS:
        return []
    return [
        ctx.finding(
            "TERMS-ACCEPTED",
            f"deal {ctx.args['dealId']} would pay party B {deal.party_b}, which never accepted "
            "the deal",
            parties=[("party B", deal.party_b)],
        )
    ]


def _party_rule(
    ctx: TxContext,
    state: StateView,
    rule_id: str,
    failing: Callable[[HolderStatus], bool],
    what: str,
) -> list[Finding]:
    """Findings of a registry rule (identified, eligible, not blocked) for every party ``ctx``
    moves tokens between and every party an escrow call screens."""
    out = []
    for mv in movements(ctx, state):
        sender, receiver, _ = _movement_statuses(state, mv)
        bad = [("to", mv.receiver)] if failing(receiver) else []
        if sender is not None and failing(sender):
            bad.insert(0, ("from", mv.sender))
        if bad:
            names = " and ".join(f"{'sender' if r == 'from' else 'receiver'} {a}" for r, a in bad)
            out.append(
                ctx.finding(rule_id, f"{names} {what}", parties=mv.parties(), details=_where(mv))
            )
    parties = _admissions(ctx, state)
    if parties:
        registry = _escrow_registry(ctx, state)
        for role, party in parties:
            if failing(_status(state, registry, party)):
                out.append(ctx.finding(rule_id, f"{role} {party} {what}", parties=[(role, party)]))
    return out


@evaluator("HOLDER-IDENTIFIED")
def holder_identified(ctx: TxContext, state: StateView) -> list[Finding]:
    """Every party is identified (an unrevoked, unexpired attestation); only the registrar attests,
    and an attestation has a type, a jurisdiction, a future expiry and a KYC hash."""
    out = _role_findings(ctx, state, "HOLDER-IDENTIFIED")
    out += _reference_findings(ctx, "HOLDER-IDENTIFIED")
    out += _party_rule(
        ctx,
        state,
        "HOLDER-IDENTIFIED",
        lambda s: not s.identified,
        "is not identified by the holder registry (no valid attestation)",
    )
    if ctx.is_(TOKEN, "forcedTransfer"):
        registry = _registry_of(state, ctx.address, TOKEN)
        to = ctx.args["to"]
        if not _status(state, registry, to).identified:
            out.append(
                ctx.finding(
                    "HOLDER-IDENTIFIED",
                    f"forced transfer to {to}, which is not identified by the holder registry",
                    parties=[("from", ctx.args["from"]), ("to", to)],
                )
            )
    if ctx.is_(REGISTRY, "attest"):
        a = ctx.args
        problems = []
        if int(a["holderType"]) == 0:
            problems.append("names no holder type")
        if bytes(a["jurisdiction"]) == bytes(2):
            problems.append("names no jurisdiction")
        if int(a["validUntil"]) <= state.timestamp:
            problems.append(
                f"expires at {a['validUntil']}, not after the block time {state.timestamp}"
            )
        for problem in problems:
            out.append(
                ctx.finding(
                    "HOLDER-IDENTIFIED",
                    f"the attestation of {a['holder']} {problem}",
                    parties=[("holder", a["holder"])],
                )
            )
    return out


@evaluator("HOLDER-ELIGIBLE")
def holder_eligible(ctx: TxContext, state: StateView) -> list[Finding]:
    """Every identified party is eligible (not a minor, not from a prohibited jurisdiction,
    individuals passed the competence test); only the registrar prohibits jurisdictions."""
    out = _role_findings(ctx, state, "HOLDER-ELIGIBLE")
    out += _party_rule(
        ctx,
        state,
        "HOLDER-ELIGIBLE",
        lambda s: s.identified and not s.eligible,
        "is not eligible (a minor, a prohibited jurisdiction or no passed competence test)",
    )
    if ctx.is_(REGISTRY, "setJurisdictionProhibited") and bytes(ctx.args["jurisdiction"]) == bytes(
        2
    ):
        out.append(
            ctx.finding(
                "HOLDER-ELIGIBLE",
                "setJurisdictionProhibited names no jurisdiction",
                parties=[("caller", ctx.sender)],
            )
        )
    return out


@evaluator("ILLICIT-ADDRESS")
def illicit_address(ctx: TxContext, state: StateView) -> list[Finding]:
    """No party is on the illicit-address register; only the blocklist role keeps it, with
    references."""
    out = _role_findings(ctx, state, "ILLICIT-ADDRESS")
    out += _reference_findings(ctx, "ILLICIT-ADDRESS")
    out += _party_rule(
        ctx, state, "ILLICIT-ADDRESS", lambda s: s.blocked, "is on the illicit-address register"
    )
    if ctx.is_(TOKEN, "forcedTransfer"):
        registry = _registry_of(state, ctx.address, TOKEN)
        to = ctx.args["to"]
        if _status(state, registry, to).blocked:
            out.append(
                ctx.finding(
                    "ILLICIT-ADDRESS",
                    f"forced transfer to {to}, which is on the illicit-address register",
                    parties=[("from", ctx.args["from"]), ("to", to)],
                )
            )
    if ctx.is_(ESCROW, "withdraw"):
        registry = _escrow_registry(ctx, state)
        if state.call(registry, REGISTRY, "isBlocked", ctx.sender):
            out.append(
                ctx.finding(
                    "ILLICIT-ADDRESS",
                    f"{ctx.sender} is on the illicit-address register: its credit is held",
                    parties=[("account", ctx.sender)],
                    details={"asset": ctx.args["asset"]},
                )
            )
    out += escrow_caller_screening_findings(ctx, state)
    return out


#: Escrow calls whose caller the escrow screens against the illicit-address register (issue 12)
#: besides the parties of :func:`_admissions` and the account of ``withdraw``.
SCREENED_ESCROW_CALLERS = frozenset(
    {
        "complete",
        "refund",
        "dispute",
        "resolve",
        "freezeDeal",
        "unfreezeDeal",
        "directFunds",
        "directCredit",
        "withdrawTo",
        "sweep",
        "acceptTokenTerms",
        "pause",
        "unpause",
        "amendTerms",
    }
)


def escrow_caller_screening_findings(ctx: TxContext, state: StateView) -> list[Finding]:
    """ILLICIT-ADDRESS findings for an escrow call made from an address on the register (every
    state-changing escrow call screens its caller), and for a payee or sweep recipient on it."""
    if ctx.contract != ESCROW or ctx.function not in SCREENED_ESCROW_CALLERS:
        return []
    registry = _escrow_registry(ctx, state)
    out: list[Finding] = []
    screened = {party for _, party in _admissions(ctx, state)}
    if ctx.sender not in screened and state.call(registry, REGISTRY, "isBlocked", ctx.sender):
        out.append(
            ctx.finding(
                "ILLICIT-ADDRESS",
                f"the caller {ctx.sender} is on the illicit-address register",
                parties=[("caller", ctx.sender)],
            )
        )
    payee = ctx.args.get("payee", ctx.args.get("to")) if ctx.function != "complete" else None
    if payee is not None and state.call(registry, REGISTRY, "isBlocked", payee):
        out.append(
            ctx.finding(
                "ILLICIT-ADDRESS",
                f"the escrow would pay {payee}, which is on the illicit-address register",
                parties=[("payee", payee)],
            )
        )
    return out


def _is_compliant_operator(state: StateView, registry: str, account: str) -> bool:
    status = _status(state, registry, account)
    return status.holder_type == OPERATOR and status.eligible and not status.blocked


@evaluator("P2P-SALE")
def p2p_sale(ctx: TxContext, state: StateView) -> list[Finding]:
    """A transfer between two individuals states a non-sale purpose or is made by an operator."""
    out = []
    for mv in movements(ctx, state):
        sender, receiver, registry = _movement_statuses(state, mv)
        if (
            sender is None
            or mv.purpose != PURPOSE_NONE
            or mv.sender == mv.receiver
            or sender.holder_type != INDIVIDUAL
            or receiver.holder_type != INDIVIDUAL
        ):
            continue
        by_party = mv.operator in (mv.sender, mv.receiver)
        if not by_party and _is_compliant_operator(state, registry, mv.operator):
            continue
        spender = "" if by_party else f" by {mv.operator}, which is not a compliant operator,"
        out.append(
            ctx.finding(
                "P2P-SALE",
                f"transfer between individuals {mv.sender} and {mv.receiver}{spender} states no "
                "non-sale purpose (gift, inheritance, own wallet)",
                parties=mv.parties(),
                details={**_where(mv), "operator": mv.operator},
            )
        )
    return out


def _jurisdiction(state: StateView, registry: str, holder: str) -> bytes:
    """The jurisdiction (ISO 3166-1 alpha-2, two bytes) of ``holder``'s attestation."""
    record = state.call(registry, REGISTRY, "attestationOf", holder)
    return bytes(record[1])


def _country(code: bytes) -> str:
    return code.decode("ascii", "replace") if any(code) else "none"


@evaluator("FOREIGN-PLATFORM")
def foreign_platform(ctx: TxContext, state: StateView) -> list[Finding]:
    """No individual attested in Belarus sells tokens on a foreign platform: a transfer from such
    an individual to an operator attested in another jurisdiction states a non-sale purpose."""
    rule = (ctx.pack or load_pack()).rule("FOREIGN-PLATFORM")
    home = str(rule.value("home_jurisdiction")).encode("ascii")
    out = []
    for mv in movements(ctx, state):
        if mv.minting or mv.purpose != PURPOSE_NONE or mv.sender == mv.receiver:
            continue
        sender, receiver, registry = _movement_statuses(state, mv)
        if sender is None or sender.holder_type != INDIVIDUAL or receiver.holder_type != OPERATOR:
            continue
        if _jurisdiction(state, registry, mv.sender) != home:
            continue
        abroad = _jurisdiction(state, registry, mv.receiver)
        if abroad == home:
            continue
        out.append(
            ctx.finding(
                "FOREIGN-PLATFORM",
                f"individual {mv.sender} (attested in {home.decode()}) transfers {mv.value} to "
                f"operator {mv.receiver} attested in {_country(abroad)}, a foreign platform, "
                "stating no non-sale purpose (gift, inheritance, own wallet)",
                parties=mv.parties(),
                details={**_where(mv), "operator_jurisdiction": _country(abroad)},
            )
        )
    return out


@evaluator("LEGAL-ORDER")
def legal_order(ctx: TxContext, state: StateView) -> list[Finding]:
    """Frozen addresses, amounts and deals do not move; legal orders come from the legal-order role
    and carry the order's reference."""
    out = _role_findings(ctx, state, "LEGAL-ORDER") + _reference_findings(ctx, "LEGAL-ORDER")
    out += legal_order_governance_findings(ctx, state)
    for mv in movements(ctx, state):
        if state.call(mv.token, TOKEN, "isFrozen", mv.receiver):
            out.append(
                ctx.finding(
                    "LEGAL-ORDER",
                    f"receiver {mv.receiver} is frozen by a legal order",
                    parties=mv.parties(),
                    details=_where(mv),
                )
            )
        if mv.minting:
            continue
        if state.call(mv.token, TOKEN, "isFrozen", mv.sender):
            out.append(
                ctx.finding(
                    "LEGAL-ORDER",
                    f"sender {mv.sender} is frozen by a legal order",
                    parties=mv.parties(),
                    details=_where(mv),
                )
            )
            continue
        frozen = int(state.call(mv.token, TOKEN, "frozenBalanceOf", mv.sender))
        if frozen:
            balance = int(state.call(mv.token, TOKEN, "balanceOf", mv.sender))
            available = max(balance - frozen, 0)
            if available < mv.value <= balance:
                out.append(
                    ctx.finding(
                        "LEGAL-ORDER",
                        f"sender {mv.sender} spends {mv.value} but only {available} of its "
                        f"{balance} are free: {frozen} are frozen by a legal order",
                        parties=mv.parties(),
                        details={**_where(mv), "frozen": frozen, "available": available},
                    )
                )
    if ctx.is_(ESCROW, "acceptDeal", "fund", "complete", "refund", "dispute", "resolve"):
        deal = _deal(ctx, state)
        if deal is not None and deal.frozen:
            out.append(
                ctx.finding(
                    "LEGAL-ORDER",
                    f"deal {ctx.args['dealId']} is frozen by a legal order: its funds move only "
                    "by another order",
                    parties=[("caller", ctx.sender)],
                )
            )
    return out


@evaluator("NOT-PAYMENT")
def not_payment(ctx: TxContext, state: StateView) -> list[Finding]:
    """Deals are not for payment for goods, works or services."""
    if ctx.is_(ESCROW, "openDeal") and int(ctx.args["purpose"]) == PAYMENT_PURPOSE:
        return [
            ctx.finding(
                "NOT-PAYMENT",
                "the deal's purpose is payment for goods, works or services (purpose 5): "
                "tokens are not a means of payment",
                parties=[("opener", ctx.sender), ("counterparty", ctx.args["counterparty"])],
            )
        ]
    return []


@evaluator("RECORDS")
def records(ctx: TxContext, state: StateView) -> list[Finding]:
    """Disputes and resolutions carry the reference that the record of them needs. (The mined check
    also compares balance changes with the events; see ``decree8.check.mined``.)"""
    return _reference_findings(ctx, "RECORDS")


#: Deal steps that must happen before the deadline (after it, the deal is refunded).
_BEFORE_DEADLINE = {"acceptDeal": "accepted", "fund": "funded", "complete": "completed"}


@evaluator("FUNDS-RETURN")
def funds_return(ctx: TxContext, state: StateView) -> list[Finding]:
    """After its deadline a deal is refunded, never accepted, funded, completed or disputed;
    before it, the deposits are not taken back by a refund."""
    if not ctx.is_(ESCROW, *_BEFORE_DEADLINE, "dispute", "refund"):
        return []
    deal = _deal(ctx, state)
    if deal is None or not deal.unfinished or deal.frozen:
        return []
    now = state.timestamp
    parties = [("party A", deal.party_a), ("party B", deal.party_b)]
    if ctx.function == "refund":
        if now >= deal.deadline:
            return []
        return [
            ctx.finding(
                "FUNDS-RETURN",
                f"deal {ctx.args['dealId']} is refunded before its deadline {deal.deadline} "
                f"(block time {now}): deposits return only once the deadline has passed",
                parties=[("caller", ctx.sender), *parties],
                details={"deadline": deal.deadline},
            )
        ]
    if now < deal.deadline:
        return []
    if ctx.function == "dispute" and DEAL_STATES[deal.state] not in ("Open", "Funded"):
        return []
    done = _BEFORE_DEADLINE.get(ctx.function, "disputed")
    return [
        ctx.finding(
            "FUNDS-RETURN",
            f"deal {ctx.args['dealId']} passed its deadline {deal.deadline} (block time "
            f"{now}): it must be refunded to its depositors, not {done}",
            parties=parties,
            details={"deadline": deal.deadline},
        )
    ]


@evaluator("OVERSIGHT-PAUSE")
def oversight_pause(ctx: TxContext, state: StateView) -> list[Finding]:
    """Nothing moves while paused; only the oversight role pauses and unpauses."""
    out = _role_findings(ctx, state, "OVERSIGHT-PAUSE")
    for mv in movements(ctx, state):
        if state.call(mv.token, TOKEN, "paused"):
            out.append(
                ctx.finding(
                    "OVERSIGHT-PAUSE",
                    f"token {mv.token} is paused by the oversight role",
                    parties=mv.parties(),
                    details=_where(mv),
                )
            )
    if _escrow_paused(ctx, state):
        out.append(
            ctx.finding(
                "OVERSIGHT-PAUSE",
                f"the escrow is paused by the oversight role: {ctx.function} must wait",
                parties=[("caller", ctx.sender)],
            )
        )
    return out


@evaluator("SUPPLY-CAP")
def supply_cap(ctx: TxContext, state: StateView) -> list[Finding]:
    """Issuance never takes the total supply above the cap."""
    out = []
    for mv in movements(ctx, state):
        if not mv.minting:
            continue
        supply = int(state.call(mv.token, TOKEN, "totalSupply"))
        cap = int(state.call(mv.token, TOKEN, "cap"))
        if supply + mv.value > cap:
            out.append(
                ctx.finding(
                    "SUPPLY-CAP",
                    f"issuing {mv.value} takes the total supply from {supply} to "
                    f"{supply + mv.value}, above the cap {cap}",
                    parties=mv.parties(),
                    details={"supply": supply, "cap": cap, "amount": mv.value},
                )
            )
    return out


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
