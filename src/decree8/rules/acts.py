"""The evaluators of the rules on acts: issuance by the HTP resident (ISSUER-HTP), the terms
(TERMS-BOUND, TERMS-ACCEPTED), legal orders and who may make them (LEGAL-ORDER), deals
(NOT-PAYMENT, FUNDS-RETURN), records (RECORDS), the oversight pause and the supply cap.
Registered with :func:`decree8.rules.evaluators.evaluator` when :mod:`decree8.rules` is imported."""

from __future__ import annotations

from typing import Any

from decree8.rules.evaluators import (
    BPS,
    ESCROW,
    LEGAL_ORDER_ACTIONS,
    PAYMENT_PURPOSE,
    TOKEN,
    ZERO32,
    TxContext,
    _deal,
    _escrow_paused,
    _moved,
    _reference_findings,
    _role_findings,
    evaluator,
    movements,
    role_hash,
)
from decree8.rules.finding import Finding
from decree8.rules.solidity import DEAL_STATES
from decree8.rules.state import StateView

__all__ = [
    "LEGAL_ORDER_ROLES",
    "LEGAL_ORDER_ACTIONS",
    "legal_order_governance_findings",
    "issuer_htp",
    "terms_bound",
    "terms_accepted",
    "beneficiary_acceptance_findings",
    "legal_order",
    "not_payment",
    "records",
    "funds_return",
    "oversight_pause",
    "supply_cap",
]


# --------------------------------------------------------------------------------------------------
# Governance of the legal-order roles (issue 12)
# --------------------------------------------------------------------------------------------------

#: The roles whose holders execute legal orders or appoint those who do.
LEGAL_ORDER_ROLES = ("LEGAL_ORDER_ROLE", "LEGAL_ORDER_AUTHORITY_ROLE")


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
                ctx.caller_finding(
                    "LEGAL-ORDER",
                    f"{ctx.function} by {ctx.sender} under a LEGAL_ORDER_ROLE that the "
                    "contract's admin grants: the executor may have the role from the admin",
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
    wrong: list[tuple[bool, str, dict[str, Any]]] = [
        (
            version != current,
            f"accepts terms version {version} of {address}, but the current version is {current}",
            {"current_version": current, "given_version": version},
        ),
        (
            given != expected,
            f"accepts terms hash 0x{given.hex()} of {address}, but the current terms hash is "
            f"0x{expected.hex()}",
            {"expected_hash": expected, "given_hash": given},
        ),
    ]
    party = [("party", ctx.sender)]
    return [
        ctx.finding("TERMS-BOUND", message, parties=party, details=details)
        for differs, message, details in wrong
        if differs
    ]


@evaluator("TERMS-ACCEPTED")
def terms_accepted(ctx: TxContext, state: StateView) -> list[Finding]:
    """The receiver of tokens accepted the token's current terms; a party accepted the escrow's
    terms before opening or accepting a deal, and the deal's terms before funding its leg."""
    out = [
        _moved(
            ctx,
            mv,
            "TERMS-ACCEPTED",
            f"receiver {mv.receiver} has not accepted the current terms of token {mv.token}",
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


@evaluator("LEGAL-ORDER")
def legal_order(ctx: TxContext, state: StateView) -> list[Finding]:
    """Frozen addresses, amounts and deals do not move; legal orders come from the legal-order role
    and carry the order's reference."""
    out = _role_findings(ctx, state, "LEGAL-ORDER") + _reference_findings(ctx, "LEGAL-ORDER")
    out += legal_order_governance_findings(ctx, state)
    for mv in movements(ctx, state):
        if state.call(mv.token, TOKEN, "isFrozen", mv.receiver):
            out.append(
                _moved(ctx, mv, "LEGAL-ORDER", f"receiver {mv.receiver} is frozen by a legal order")
            )
        if mv.minting:
            continue
        if state.call(mv.token, TOKEN, "isFrozen", mv.sender):
            out.append(
                _moved(
                    ctx,
                    mv,
                    "LEGAL-ORDER",
                    f"sender {mv.sender} is frozen by a legal order",
                )
            )
            continue
        frozen = int(state.call(mv.token, TOKEN, "frozenBalanceOf", mv.sender))
        if frozen:
            balance = int(state.call(mv.token, TOKEN, "balanceOf", mv.sender))
            available = max(balance - frozen, 0)
            if available < mv.value <= balance:
                out.append(
                    _moved(
                        ctx,
                        mv,
                        "LEGAL-ORDER",
                        f"sender {mv.sender} spends {mv.value} but only {available} of its "
                        f"{balance} are free: {frozen} are frozen by a legal order",
                        frozen=frozen,
                        available=available,
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
                _moved(
                    ctx, mv, "OVERSIGHT-PAUSE", f"token {mv.token} is paused by the oversight role"
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
