"""Every rule the escrow enforces stops what it must, with the rule's code, and lets the compliant
path through: NOT-PAYMENT, TERMS-ACCEPTED, HOLDER-IDENTIFIED, HOLDER-ELIGIBLE, ILLICIT-ADDRESS,
FUNDS-RETURN, LEGAL-ORDER and OVERSIGHT-PAUSE.
"""

from __future__ import annotations

import pytest

from support import (
    CODE,
    COMPLETED,
    DAY,
    DEAL_TERMS,
    ESCROW_TERMS_HASH,
    ETH,
    FUNDED,
    INDIVIDUAL,
    INVESTMENT,
    LOAN,
    OTHER,
    PAYMENT,
    REFUNDED,
    RESOLVED,
    SALE,
    ZERO32,
    System,
    assert_deal_restricted,
    assert_error,
    ref,
)

ONE = 10**18
ORDER = ref("court-order-2025-17")


def _next_id(s: System) -> int:
    return int(s.view(s.escrow, "dealCount")) + 1


def _open_args(s: System, counterparty: str, purpose: int = SALE) -> list[object]:
    return [counterparty, ETH, ONE, ETH, 0, s.chain.timestamp() + DAY, purpose, DEAL_TERMS]


# ───────────────────────────── NOT-PAYMENT ─────────────────────────────


def test_payment_for_goods_works_services_is_refused_with_not_payment(system: System) -> None:
    s = system
    err = s.esc_reverts("openDeal", *_open_args(s, s.bob, PAYMENT), sender=s.alice)
    assert_deal_restricted(err, "NOT-PAYMENT", _next_id(s), s.alice)


@pytest.mark.parametrize("purpose", [SALE, INVESTMENT, LOAN, OTHER])
def test_every_other_purpose_is_allowed(system: System, purpose: int) -> None:
    s = system
    deal_id = s.open(s.alice, s.bob, ETH, ONE, purpose=purpose)
    assert s.deal(deal_id)["purpose"] == purpose


# ───────────────────────────── TERMS-ACCEPTED ─────────────────────────────


def test_party_that_never_accepted_the_escrow_terms_cannot_open_or_accept(
    system: System,
) -> None:
    s = system
    newcomer = s.chain.accounts[11]
    s.attest(newcomer, INDIVIDUAL)
    assert_deal_restricted(
        s.esc_reverts("openDeal", *_open_args(s, s.bob), sender=newcomer),
        "TERMS-ACCEPTED",
        _next_id(s),
        newcomer,
    )
    deal_id = s.open(s.alice, newcomer, ETH, ONE)
    assert_deal_restricted(
        s.esc_reverts("acceptDeal", deal_id, DEAL_TERMS, sender=newcomer),
        "TERMS-ACCEPTED",
        deal_id,
        newcomer,
    )
    s.accept_escrow_terms(newcomer)
    s.accept(deal_id, newcomer)
    assert s.deal(deal_id)["acceptedB"] is True


def test_amended_escrow_terms_must_be_accepted_again(system: System) -> None:
    s = system
    new_hash = ref("escrow terms v2")
    receipt = s.esc("amendTerms", new_hash, "ipfs://escrow-terms-v2", sender=s.admin)
    assert s.events(s.escrow, "TermsPublished", receipt)[0]["version"] == 2
    assert_deal_restricted(
        s.esc_reverts("openDeal", *_open_args(s, s.bob), sender=s.alice),
        "TERMS-ACCEPTED",
        _next_id(s),
        s.alice,
    )
    assert_error(
        s.esc_reverts("acceptTerms", 1, ESCROW_TERMS_HASH, sender=s.alice),
        "TermsVersionNotCurrent",
        current=2,
        given=1,
    )
    s.esc("acceptTerms", 2, new_hash, sender=s.alice)
    s.open(s.alice, s.bob, ETH, ONE)


def test_counterparty_must_accept_the_deal_terms_before_funding(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.carol, ETH, ONE, s.plain.address, ONE)
    assert_deal_restricted(
        s.esc_reverts("fund", deal_id, sender=s.carol), "TERMS-ACCEPTED", deal_id, s.carol
    )
    s.accept(deal_id, s.carol)
    s.fund(deal_id, s.carol)
    assert s.deal(deal_id)["fundedB"] is True


# ───────────────────────────── HOLDER-IDENTIFIED / HOLDER-ELIGIBLE ─────────────────────────────


@pytest.mark.parametrize(
    ("rule", "party"), [("HOLDER-IDENTIFIED", "dave"), ("HOLDER-ELIGIBLE", "minor")]
)
def test_party_not_admitted_cannot_open_or_accept_until_it_is(
    system: System, rule: str, party: str
) -> None:
    s = system
    who = getattr(s, party)
    assert s.view(s.escrow, "admissionCode", who) == CODE[rule]
    assert_deal_restricted(
        s.esc_reverts("openDeal", *_open_args(s, s.bob), sender=who), rule, _next_id(s), who
    )
    deal_id = s.open(s.alice, who, ETH, ONE)
    assert_deal_restricted(
        s.esc_reverts("acceptDeal", deal_id, DEAL_TERMS, sender=who), rule, deal_id, who
    )
    s.attest(who, INDIVIDUAL)  # identified, of age, competence test passed
    s.accept(deal_id, who)


def test_expired_attestation_stops_funding_and_release(system: System) -> None:
    s = system
    s.attest(s.carol, 2, valid_for=2 * DAY)
    deal_id = s.open(s.alice, s.carol, ETH, ONE, s.plain.address, ONE, duration=5 * DAY)
    s.accept(deal_id, s.carol)
    s.fund(deal_id, s.alice)
    s.chain.time_travel(3 * DAY)
    assert_deal_restricted(
        s.esc_reverts("fund", deal_id, sender=s.carol), "HOLDER-IDENTIFIED", deal_id, s.carol
    )
    s.attest(s.carol, 2)
    s.fund(deal_id, s.carol)
    s.attest(s.carol, 2, valid_for=DAY // 2)
    s.chain.time_travel(DAY)
    assert_deal_restricted(
        s.esc_reverts("complete", deal_id, sender=s.alice), "HOLDER-IDENTIFIED", deal_id, s.carol
    )


# ───────────────────────────── ILLICIT-ADDRESS ─────────────────────────────


def test_blocked_party_cannot_open_accept_or_fund(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.carol, ETH, ONE, s.plain.address, ONE)
    s.block(s.carol)
    assert_deal_restricted(
        s.esc_reverts("acceptDeal", deal_id, DEAL_TERMS, sender=s.carol),
        "ILLICIT-ADDRESS",
        deal_id,
        s.carol,
    )
    assert_deal_restricted(
        s.esc_reverts("openDeal", *_open_args(s, s.bob), sender=s.carol),
        "ILLICIT-ADDRESS",
        _next_id(s),
        s.carol,
    )
    s.unblock(s.carol)
    s.accept(deal_id, s.carol)
    s.block(s.alice)
    assert_deal_restricted(
        s.esc_reverts("fund", deal_id, sender=s.alice, value=ONE),
        "ILLICIT-ADDRESS",
        deal_id,
        s.alice,
    )


def test_release_to_a_blocked_recipient_is_refused(system: System) -> None:
    s = system
    one_sided = s.ready(s.alice, s.bob, ETH, ONE)
    two_sided = s.ready(s.alice, s.carol, s.token.address, ONE, s.plain.address, ONE)
    s.block(s.bob)
    s.block(s.alice)
    assert_deal_restricted(
        s.esc_reverts("complete", one_sided, sender=s.operator), "ILLICIT-ADDRESS", one_sided, s.bob
    )
    assert_deal_restricted(
        s.esc_reverts("complete", two_sided, sender=s.carol), "ILLICIT-ADDRESS", two_sided, s.alice
    )
    assert s.deal(one_sided)["state"] == s.deal(two_sided)["state"] == FUNDED


def test_resolution_may_not_credit_a_blocked_party_but_may_award_the_other(
    system: System,
) -> None:
    s = system
    deal_id = s.ready(s.alice, s.carol, ETH, ONE, s.plain.address, ONE)
    s.esc("dispute", deal_id, ref("fraud"), sender=s.alice)
    s.block(s.carol)
    assert_deal_restricted(
        s.esc_reverts("resolve", deal_id, 5_000, ref("r"), sender=s.operator),
        "ILLICIT-ADDRESS",
        deal_id,
        s.carol,
    )
    s.esc("resolve", deal_id, 10_000, ref("r"), sender=s.operator)
    assert s.credit(s.alice, ETH) == ONE and s.credit(s.alice, s.plain.address) == ONE
    assert s.credit(s.carol, ETH) == 0


def test_refund_to_a_blocked_depositor_is_held_until_unblocked(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, s.plain.address, ONE)
    s.block(s.alice)
    s.chain.time_travel(DAY)
    s.esc("refund", deal_id, sender=s.bob)
    assert s.credit(s.alice, s.plain.address) == ONE
    err = s.esc_reverts("withdraw", s.plain.address, sender=s.alice)
    assert_error(err, "WithdrawalRestricted", code=CODE["ILLICIT-ADDRESS"], account=s.alice)
    assert s.credit(s.alice, s.plain.address) == ONE
    s.assert_solvent([s.plain.address])
    s.unblock(s.alice)
    before = s.held(s.alice, s.plain.address)
    s.esc("withdraw", s.plain.address, sender=s.alice)
    assert s.held(s.alice, s.plain.address) == before + ONE


def test_held_credit_of_a_blocked_account_moves_only_by_legal_order(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    s.esc("complete", deal_id, sender=s.alice)
    s.block(s.bob)
    assert_error(
        s.esc_reverts("directCredit", s.bob, ETH, s.enforcer, ZERO32, sender=s.legal),
        "ReferenceEmpty",
    )
    assert_error(
        s.esc_reverts("directCredit", s.bob, ETH, s.bob, ORDER, sender=s.legal),
        "InvalidRecipient",
        recipient=s.bob,
    )
    receipt = s.esc("directCredit", s.bob, ETH, s.enforcer, ORDER, sender=s.legal)
    assert s.events(s.escrow, "CreditDirected", receipt) == [
        {"account": s.bob, "asset": ETH, "amount": ONE, "recipient": s.enforcer, "orderRef": ORDER}
    ]
    assert (s.credit(s.bob, ETH), s.credit(s.enforcer, ETH)) == (0, ONE)
    assert_error(
        s.esc_reverts("directCredit", s.bob, ETH, s.enforcer, ORDER, sender=s.legal),
        "NothingToWithdraw",
        account=s.bob,
        asset=ETH,
    )
    s.esc("withdraw", ETH, sender=s.enforcer)
    s.assert_solvent([ETH])


# ───────────────────────────── FUNDS-RETURN ─────────────────────────────


def test_anyone_refunds_after_the_deadline_even_while_paused(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.carol, ETH, ONE, s.token.address, ONE)
    s.esc("pause", sender=s.oversight)
    s.chain.time_travel(DAY)
    s.esc("refund", deal_id, sender=s.dave)
    assert s.deal(deal_id)["state"] == REFUNDED
    s.esc("withdraw", ETH, sender=s.alice)
    s.esc("withdraw", s.token.address, sender=s.carol)
    s.assert_solvent([ETH, s.token.address])
    assert s.total_credits(ETH) == s.total_credits(s.token.address) == 0


# ───────────────────────────── LEGAL-ORDER ─────────────────────────────


def test_frozen_deal_moves_only_by_legal_order(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.carol, ETH, ONE, s.plain.address, ONE)
    s.fund(deal_id, s.alice)
    receipt = s.esc("freezeDeal", deal_id, ORDER, sender=s.legal)
    assert s.events(s.escrow, "DealFrozen", receipt) == [{"dealId": deal_id, "orderRef": ORDER}]
    assert s.deal(deal_id)["frozen"] is True
    assert_error(
        s.esc_reverts("freezeDeal", deal_id, ORDER, sender=s.legal), "AlreadyFrozen", dealId=deal_id
    )
    for fn, args, sender in (
        ("acceptDeal", (deal_id, DEAL_TERMS), s.carol),
        ("fund", (deal_id,), s.carol),
        ("dispute", (deal_id, ref("r")), s.alice),
    ):
        assert_deal_restricted(
            s.esc_reverts(fn, *args, sender=sender), "LEGAL-ORDER", deal_id, sender
        )
    s.esc("unfreezeDeal", deal_id, ORDER, sender=s.legal)
    s.accept(deal_id, s.carol)
    s.fund(deal_id, s.carol)
    s.esc("freezeDeal", deal_id, ORDER, sender=s.legal)
    assert_deal_restricted(
        s.esc_reverts("complete", deal_id, sender=s.alice), "LEGAL-ORDER", deal_id, s.alice
    )
    s.chain.time_travel(DAY)
    assert_deal_restricted(
        s.esc_reverts("refund", deal_id, sender=s.bob), "LEGAL-ORDER", deal_id, s.bob
    )
    receipt = s.esc("unfreezeDeal", deal_id, ORDER, sender=s.legal)
    assert s.events(s.escrow, "DealUnfrozen", receipt) == [{"dealId": deal_id, "orderRef": ORDER}]
    assert_error(
        s.esc_reverts("unfreezeDeal", deal_id, ORDER, sender=s.legal), "NotFrozen", dealId=deal_id
    )
    s.esc("refund", deal_id, sender=s.bob)


def test_frozen_disputed_deal_cannot_be_resolved(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    s.esc("dispute", deal_id, ref("r"), sender=s.bob)
    s.esc("freezeDeal", deal_id, ORDER, sender=s.legal)
    assert_deal_restricted(
        s.esc_reverts("resolve", deal_id, 0, ref("x"), sender=s.operator),
        "LEGAL-ORDER",
        deal_id,
        s.operator,
    )


def test_legal_order_directs_a_frozen_deal_to_an_enforcement_wallet(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.carol, ETH, ONE, s.token.address, 2 * ONE)
    s.esc("freezeDeal", deal_id, ORDER, sender=s.legal)
    s.esc("pause", sender=s.oversight)
    assert_error(
        s.esc_reverts("directFunds", deal_id, s.enforcer, ZERO32, sender=s.legal), "ReferenceEmpty"
    )
    assert_error(
        s.esc_reverts("directFunds", deal_id, ETH, ORDER, sender=s.legal),
        "InvalidRecipient",
        recipient=ETH,
    )
    receipt = s.esc("directFunds", deal_id, s.enforcer, ORDER, sender=s.legal)
    assert s.events(s.escrow, "FundsDirected", receipt) == [
        {"dealId": deal_id, "recipient": s.enforcer, "orderRef": ORDER}
    ]
    assert s.events(s.escrow, "Credited", receipt) == [
        {"account": s.enforcer, "asset": ETH, "amount": ONE, "dealId": deal_id},
        {"account": s.enforcer, "asset": s.token.address, "amount": 2 * ONE, "dealId": deal_id},
    ]
    assert s.deal(deal_id)["state"] == RESOLVED
    s.esc("withdraw", ETH, sender=s.enforcer)
    s.assert_solvent([ETH, s.token.address])
    for fn in ("freezeDeal", "unfreezeDeal"):
        assert_error(
            s.esc_reverts(fn, deal_id, ORDER, sender=s.legal),
            "InvalidDealState",
            dealId=deal_id,
            state=RESOLVED,
        )
    assert_error(
        s.esc_reverts("directFunds", deal_id, s.enforcer, ORDER, sender=s.legal),
        "InvalidDealState",
        dealId=deal_id,
        state=RESOLVED,
    )


def test_legal_orders_need_a_reference(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.bob, ETH, ONE)
    for fn in ("freezeDeal", "unfreezeDeal"):
        assert_error(s.esc_reverts(fn, deal_id, ZERO32, sender=s.legal), "ReferenceEmpty")


# ───────────────────────────── OVERSIGHT-PAUSE ─────────────────────────────


def test_pause_stops_deal_making_and_releases_but_not_refunds_disputes_or_withdrawals(
    system: System,
) -> None:
    s = system
    open_deal = s.open(s.alice, s.carol, ETH, ONE, s.plain.address, ONE)
    funded = s.ready(s.alice, s.bob, ETH, ONE)
    disputed = s.ready(s.carol, s.bob, s.plain.address, ONE)
    s.esc("dispute", disputed, ref("r"), sender=s.bob)
    done = s.ready(s.alice, s.bob, s.token.address, ONE)
    s.esc("complete", done, sender=s.alice)

    receipt = s.esc("pause", sender=s.oversight)
    assert s.events(s.escrow, "Paused", receipt) == [{"account": s.oversight}]
    code = "OVERSIGHT-PAUSE"
    assert_deal_restricted(
        s.esc_reverts("openDeal", *_open_args(s, s.bob), sender=s.alice), code, _next_id(s), s.alice
    )
    assert_deal_restricted(
        s.esc_reverts("acceptDeal", open_deal, DEAL_TERMS, sender=s.carol), code, open_deal, s.carol
    )
    assert_deal_restricted(
        s.esc_reverts("fund", open_deal, sender=s.alice, value=ONE), code, open_deal, s.alice
    )
    assert_deal_restricted(s.esc_reverts("complete", funded, sender=s.alice), code, funded, s.alice)
    assert_deal_restricted(
        s.esc_reverts("resolve", disputed, 0, ref("x"), sender=s.operator),
        code,
        disputed,
        s.operator,
    )
    s.esc("withdraw", s.token.address, sender=s.bob)  # already credited funds leave
    s.esc("dispute", funded, ref("r"), sender=s.bob)  # parties can still raise disputes

    receipt = s.esc("unpause", sender=s.oversight)
    assert s.events(s.escrow, "Unpaused", receipt) == [{"account": s.oversight}]
    s.accept(open_deal, s.carol)
    s.esc("resolve", disputed, 0, ref("x"), sender=s.operator)
    s.esc("resolve", funded, 0, ref("x"), sender=s.operator)
    assert s.deal(disputed)["state"] == s.deal(funded)["state"] == RESOLVED
    assert s.deal(done)["state"] == COMPLETED
