"""The evaluators of the rules on parties: who is identified (HOLDER-IDENTIFIED), eligible
(HOLDER-ELIGIBLE), not on the illicit-address register (ILLICIT-ADDRESS), and who may trade with
whom (P2P-SALE, FOREIGN-PLATFORM). Registered with :func:`decree8.rules.evaluators.evaluator`
when :mod:`decree8.rules` is imported."""

from __future__ import annotations

from collections.abc import Callable

from decree8.rules.evaluators import (
    ESCROW,
    INDIVIDUAL,
    OPERATOR,
    PURPOSE_NONE,
    REGISTRY,
    TOKEN,
    TxContext,
    _admissions,
    _escrow_registry,
    _moved,
    _movement_statuses,
    _reference_findings,
    _registry_of,
    _role_findings,
    _status,
    _where,
    evaluator,
    movements,
)
from decree8.rules.finding import Finding
from decree8.rules.project import load_pack
from decree8.rules.state import HolderStatus, StateView

__all__ = [
    "holder_identified",
    "holder_eligible",
    "illicit_address",
    "SCREENED_ESCROW_CALLERS",
    "escrow_caller_screening_findings",
    "p2p_sale",
    "foreign_platform",
]


def _forced_to(
    ctx: TxContext,
    state: StateView,
    rule_id: str,
    wrong: Callable[[HolderStatus], bool],
    why: str,
) -> list[Finding]:
    """A finding of ``rule_id`` when the receiver of a forced transfer is ``wrong``."""
    to = ctx.args["to"]
    if not wrong(_status(state, _registry_of(state, ctx.address, TOKEN), to)):
        return []
    parties = [("from", ctx.args["from"]), ("to", to)]
    return [ctx.finding(rule_id, f"forced transfer to {to}, which {why}", parties=parties)]


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
        out += _forced_to(
            ctx,
            state,
            "HOLDER-IDENTIFIED",
            lambda status: not status.identified,
            "is not identified by the holder registry",
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
        out += _forced_to(
            ctx,
            state,
            "ILLICIT-ADDRESS",
            lambda status: status.blocked,
            "is on the illicit-address register",
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
            _moved(
                ctx,
                mv,
                "P2P-SALE",
                f"transfer between individuals {mv.sender} and {mv.receiver}{spender} states no "
                "non-sale purpose (gift, inheritance, own wallet)",
                operator=mv.operator,
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
            _moved(
                ctx,
                mv,
                "FOREIGN-PLATFORM",
                f"individual {mv.sender} (attested in {home.decode()}) transfers {mv.value} to "
                f"operator {mv.receiver} attested in {_country(abroad)}, a foreign platform, "
                "stating no non-sale purpose (gift, inheritance, own wallet)",
                operator_jurisdiction=_country(abroad),
            )
        )
    return out
