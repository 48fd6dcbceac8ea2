"""Pre-flight checks, rule by rule: a call that breaks a rule is reported with that rule (and every
other rule it breaks), a compliant call is compliant, and the evaluators (not only the simulated
revert) name the rule the contract reverts with."""

from __future__ import annotations

from decree8.check import CallRequest, Verdict
from decree8.report.text_check import verdict_text
from support import (
    CAP,
    CODE,
    DAY,
    DEAL_TERMS,
    ENTITY,
    FLAG_COMPETENCE_PASSED,
    FLAG_MINOR,
    INDIVIDUAL,
    ISSUED,
    OPERATOR,
    PURPOSE_GIFT,
    TOKEN_TERMS_HASH,
    System,
    ref,
)

ZERO32 = bytes(32)
ZERO_ADDRESS = "0x" + "00" * 20


def assert_rules(v: Verdict, *expected: str) -> None:
    """The verdict names exactly `expected`, found by the evaluators themselves; when the simulated
    call reverts for a rule, it is one of them."""
    assert not v.compliant
    assert set(v.rule_ids) == set(expected), verdict_text(v)
    assert not [f for f in v.findings if f.details_dict.get("from_simulation")], verdict_text(v)
    if v.simulation.rule_id is not None:
        assert v.simulation.rule_id in expected
        if v.simulation.code is not None:
            assert CODE[v.simulation.rule_id] == v.simulation.code
    for f in v.findings:
        assert f.basis and f.confidence and f.code == CODE[f.rule_id]
        assert f.source == "preflight"


def assert_compliant(v: Verdict) -> None:
    assert v.compliant, verdict_text(v)
    assert v.rule_ids == () and v.findings == ()
    assert v.simulation.success


# -- token transfers -------------------------------------------------------------------------------


def test_transfer_to_an_entity_is_compliant(s: System) -> None:
    v = s.check(s.token, "transfer", {"to": s.carol, "value": 5}, sender=s.alice)
    assert_compliant(v)
    assert v.decoded.template == "compliant-token" and v.decoded.function == "transfer"
    assert v.decoded.args == {"to": s.carol, "value": 5}


def test_transfer_between_individuals_without_purpose_is_p2p_sale(s: System) -> None:
    v = s.check(s.token, "transfer", [s.bob, 5], sender=s.alice)
    assert_rules(v, "P2P-SALE")
    assert v.simulation.name == "TransferRestricted" and v.simulation.code == CODE["P2P-SALE"]


def test_transfer_between_individuals_with_a_gift_purpose_is_compliant(s: System) -> None:
    assert_compliant(
        s.check(s.token, "transferWithPurpose", [s.bob, 5, PURPOSE_GIFT], sender=s.alice)
    )


def test_operator_spender_between_individuals_is_compliant_other_spender_is_not(s: System) -> None:
    s.tok("approve", s.exchange, 100, sender=s.alice)
    s.tok("approve", s.carol, 100, sender=s.alice)
    assert_compliant(s.check(s.token, "transferFrom", [s.alice, s.bob, 5], sender=s.exchange))
    assert_rules(s.check(s.token, "transferFrom", [s.alice, s.bob, 5], sender=s.carol), "P2P-SALE")


def test_paused_transfer_to_unidentified_unaccepted_receiver_reports_three_rules(s: System) -> None:
    s.tok("pause", sender=s.oversight)
    v = s.check(s.token, "transfer", [s.dave, 5], sender=s.alice)
    assert_rules(v, "OVERSIGHT-PAUSE", "HOLDER-IDENTIFIED", "TERMS-ACCEPTED")
    assert v.simulation.rule_id == "OVERSIGHT-PAUSE"  # the contract stops at the first
    assert len(v.findings) == 3


def test_ineligible_receiver_is_holder_eligible(s: System) -> None:
    minor = s.spare[0]
    s.attest(minor, INDIVIDUAL, flags=FLAG_MINOR | FLAG_COMPETENCE_PASSED)
    s.accept_token_terms(minor)
    assert_rules(s.check(s.token, "transfer", [minor, 5], sender=s.carol), "HOLDER-ELIGIBLE")


def test_individual_without_competence_test_is_not_eligible(s: System) -> None:
    novice = s.spare[0]
    s.attest(novice, INDIVIDUAL, flags=0)
    s.accept_token_terms(novice)
    assert_rules(s.check(s.token, "transfer", [novice, 5], sender=s.carol), "HOLDER-ELIGIBLE")


def test_blocked_sender_is_illicit_address(s: System) -> None:
    s.reg("blockAddress", s.carol, ref("D48-0001"))
    assert_rules(s.check(s.token, "transfer", [s.alice, 5], sender=s.carol), "ILLICIT-ADDRESS")


def test_receiver_that_did_not_accept_terms_is_terms_accepted(s: System) -> None:
    newcomer = s.spare[0]
    s.attest(newcomer, ENTITY)
    assert_rules(s.check(s.token, "transfer", [newcomer, 5], sender=s.alice), "TERMS-ACCEPTED")


def test_amended_terms_make_acceptance_stale(s: System) -> None:
    s.tok("amendTerms", bytes.fromhex("44" * 32), "ipfs://v2", sender=s.admin)
    assert_rules(s.check(s.token, "transfer", [s.carol, 5], sender=s.alice), "TERMS-ACCEPTED")


def test_frozen_sender_and_partial_freeze(s: System) -> None:
    s.tok("freezeAmount", s.carol, ISSUED - 10, ref("ORDER-1"), sender=s.legal)
    assert_rules(s.check(s.token, "transfer", [s.alice, 20], sender=s.carol), "LEGAL-ORDER")
    assert_compliant(s.check(s.token, "transfer", [s.alice, 10], sender=s.carol))
    s.tok("freeze", s.carol, ref("ORDER-2"), sender=s.legal)
    assert_rules(s.check(s.token, "transfer", [s.alice, 1], sender=s.carol), "LEGAL-ORDER")


def test_spending_more_than_the_balance_is_refused_without_a_rule(s: System) -> None:
    v = s.check(s.token, "transfer", [s.carol, ISSUED + 1], sender=s.alice)
    assert not v.compliant
    assert v.rule_ids == ()
    assert v.simulation.name == "ERC20InsufficientBalance" and v.simulation.rule_id is None
    assert v.verdict == "refused"
    assert verdict_text(v).startswith("REFUSED: the call would revert with ERC20Insufficient")


# -- privileged token calls ------------------------------------------------------------------------


def test_issue_by_non_agent_is_issuer_htp(s: System) -> None:
    v = s.check(s.token, "issue", [s.carol, 5], sender=s.alice)
    assert_rules(v, "ISSUER-HTP")
    assert_compliant(s.check(s.token, "issue", [s.carol, 5], sender=s.agent))


def test_issue_above_cap_is_supply_cap_and_to_unidentified_too(s: System) -> None:
    assert_rules(s.check(s.token, "issue", [s.carol, CAP], sender=s.agent), "SUPPLY-CAP")
    v = s.check(s.token, "issue", [s.dave, CAP], sender=s.alice)
    assert_rules(v, "ISSUER-HTP", "SUPPLY-CAP", "HOLDER-IDENTIFIED", "TERMS-ACCEPTED")


def test_legal_orders_need_the_role_and_a_reference(s: System) -> None:
    v = s.check(s.token, "freeze", [s.carol, ZERO32], sender=s.alice)
    assert_rules(v, "LEGAL-ORDER")
    assert len(v.findings) == 2  # no role, and no order reference
    assert_rules(
        s.check(s.token, "freezeAmount", [s.carol, 5, ZERO32], sender=s.legal), "LEGAL-ORDER"
    )
    assert_compliant(s.check(s.token, "freeze", [s.carol, ref("ORDER-3")], sender=s.legal))


def test_forced_transfer_to_unidentified_receiver(s: System) -> None:
    v = s.check(s.token, "forcedTransfer", [s.carol, s.dave, 5, ref("ORDER-4")], sender=s.legal)
    assert_rules(v, "HOLDER-IDENTIFIED")
    enforcement = s.spare[1]
    s.attest(enforcement, ENTITY)
    s.tok("pause", sender=s.oversight)
    assert_compliant(
        s.check(
            s.token, "forcedTransfer", [s.carol, enforcement, 5, ref("ORDER-4")], sender=s.legal
        )
    )


def test_pause_by_non_oversight_is_oversight_pause(s: System) -> None:
    assert_rules(s.check(s.token, "pause", [], sender=s.alice), "OVERSIGHT-PAUSE")
    assert_compliant(s.check(s.token, "pause", [], sender=s.oversight))


def test_terms_acceptance_with_wrong_version_or_hash_is_terms_bound(s: System) -> None:
    assert_rules(
        s.check(s.token, "acceptTerms", [2, TOKEN_TERMS_HASH], sender=s.dave), "TERMS-BOUND"
    )
    v = s.check(s.token, "acceptTerms", [1, "0x" + "ab" * 32], sender=s.dave)
    assert_rules(v, "TERMS-BOUND")
    assert_compliant(s.check(s.token, "acceptTerms", [1, TOKEN_TERMS_HASH], sender=s.dave))
    assert_rules(
        s.check(s.token, "amendTerms", ["0x" + "55" * 32, "ipfs://x"], sender=s.alice),
        "TERMS-BOUND",
    )


# -- registry --------------------------------------------------------------------------------------


def test_registry_attest_needs_the_registrar_and_a_kyc_hash(s: System) -> None:
    until = s.now() + DAY
    args = [s.dave, INDIVIDUAL, "BY", until, ref("kyc"), FLAG_COMPETENCE_PASSED]
    assert_rules(s.check(s.registry, "attest", args, sender=s.alice), "HOLDER-IDENTIFIED")
    bad = [s.dave, INDIVIDUAL, "BY", until, ZERO32, FLAG_COMPETENCE_PASSED]
    assert_rules(s.check(s.registry, "attest", bad, sender=s.operator), "HOLDER-IDENTIFIED")
    expired = [s.dave, INDIVIDUAL, "BY", 1, ref("kyc"), FLAG_COMPETENCE_PASSED]
    assert_rules(s.check(s.registry, "attest", expired, sender=s.operator), "HOLDER-IDENTIFIED")
    assert_compliant(s.check(s.registry, "attest", args, sender=s.operator))


def test_registry_blocklist_needs_the_role_and_a_reference(s: System) -> None:
    assert_rules(
        s.check(s.registry, "blockAddress", [s.dave, ref("D48")], sender=s.alice), "ILLICIT-ADDRESS"
    )
    assert_rules(
        s.check(s.registry, "blockAddress", [s.dave, ZERO32], sender=s.operator), "ILLICIT-ADDRESS"
    )
    assert_compliant(s.check(s.registry, "blockAddress", [s.dave, ref("D48")], sender=s.operator))


def test_registry_jurisdictions_need_the_registrar(s: System) -> None:
    v = s.check(s.registry, "setJurisdictionProhibited", ["XX", True, ref("r")], sender=s.alice)
    assert_rules(v, "HOLDER-ELIGIBLE")


def test_registry_revoking_an_unattested_holder_is_refused_without_a_rule(s: System) -> None:
    v = s.check(s.registry, "revoke", [s.dave, ref("r")], sender=s.operator)
    assert not v.compliant and v.rule_ids == () and v.simulation.name == "NotAttested"


# -- escrow ----------------------------------------------------------------------------------------


def _open_args(s: System, counterparty: str, purpose: int = 1, amount_b: int = 0) -> list:
    deadline = s.now() + DAY
    return [
        counterparty,
        ZERO_ADDRESS,
        10**18,
        ZERO_ADDRESS,
        amount_b,
        deadline,
        purpose,
        DEAL_TERMS,
    ]


def test_escrow_open_for_payment_is_not_payment(s: System) -> None:
    assert_rules(
        s.check(s.escrow, "openDeal", _open_args(s, s.bob, 5), sender=s.alice), "NOT-PAYMENT"
    )
    assert_compliant(s.check(s.escrow, "openDeal", _open_args(s, s.bob, 2), sender=s.alice))


def test_escrow_open_by_unidentified_party_who_did_not_accept_terms(s: System) -> None:
    v = s.check(s.escrow, "openDeal", _open_args(s, s.bob), sender=s.dave)
    assert_rules(v, "TERMS-ACCEPTED", "HOLDER-IDENTIFIED")
    s.tok("pause", sender=s.oversight)  # the token's pause does not stop the escrow
    s.esc("pause", sender=s.oversight)
    v = s.check(s.escrow, "openDeal", _open_args(s, s.bob, 5), sender=s.dave)
    assert_rules(v, "OVERSIGHT-PAUSE", "NOT-PAYMENT", "TERMS-ACCEPTED", "HOLDER-IDENTIFIED")


def test_escrow_two_sided_deal_acceptance_and_funding(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol, amount_b=2 * 10**18)
    v = s.check(s.escrow, "acceptDeal", [deal, "0x" + "99" * 32], sender=s.carol)
    assert_rules(v, "TERMS-BOUND")
    v = s.check(s.escrow, "fund", [deal], sender=s.carol, value=2 * 10**18)
    assert_rules(v, "TERMS-ACCEPTED")
    assert_compliant(s.check(s.escrow, "acceptDeal", [deal, DEAL_TERMS], sender=s.carol))
    assert_compliant(s.check(s.escrow, "fund", [deal], sender=s.alice, value=10**18))


def test_escrow_complete_after_deadline_is_funds_return_refund_is_compliant(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol)
    s.esc("acceptDeal", deal, DEAL_TERMS, sender=s.carol)  # B is paid only if it accepted
    s.esc("fund", deal, sender=s.alice, value=10**18)
    assert_compliant(s.check(s.escrow, "complete", [deal], sender=s.alice))
    s.chain.time_travel(2 * DAY)
    assert_rules(s.check(s.escrow, "complete", [deal], sender=s.alice), "FUNDS-RETURN")
    assert_compliant(s.check(s.escrow, "refund", [deal], sender=s.dave))


def test_escrow_complete_for_a_b_that_never_accepted_is_terms_accepted(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol)
    s.esc("fund", deal, sender=s.alice, value=10**18)
    assert_rules(s.check(s.escrow, "complete", [deal], sender=s.alice), "TERMS-ACCEPTED")
    s.esc("acceptDeal", deal, DEAL_TERMS, sender=s.carol)
    assert_compliant(s.check(s.escrow, "complete", [deal], sender=s.alice))


def test_escrow_frozen_deal_is_legal_order(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol)
    assert_rules(
        s.check(s.escrow, "freezeDeal", [deal, ref("ORDER")], sender=s.alice), "LEGAL-ORDER"
    )
    s.esc("freezeDeal", deal, ref("ORDER"), sender=s.legal)
    assert_rules(s.check(s.escrow, "fund", [deal], sender=s.alice, value=10**18), "LEGAL-ORDER")


def test_escrow_complete_to_blocked_beneficiary(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol)
    s.esc("acceptDeal", deal, DEAL_TERMS, sender=s.carol)  # B is paid only if it accepted
    s.esc("fund", deal, sender=s.alice, value=10**18)
    s.reg("blockAddress", s.carol, ref("D48-7"))
    assert_rules(s.check(s.escrow, "complete", [deal], sender=s.alice), "ILLICIT-ADDRESS")


def test_escrow_dispute_without_reason_is_records(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol)
    s.esc("acceptDeal", deal, DEAL_TERMS, sender=s.carol)  # B is paid only if it accepted
    s.esc("fund", deal, sender=s.alice, value=10**18)
    assert_rules(s.check(s.escrow, "dispute", [deal, ZERO32], sender=s.carol), "RECORDS")
    assert_compliant(s.check(s.escrow, "dispute", [deal, ref("late")], sender=s.carol))


def test_escrow_token_leg_checks_the_token_rules(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol, asset_a=s.token.address, amount_a=100)
    s.tok("approve", s.escrow.address, 100, sender=s.alice)
    assert_compliant(s.check(s.escrow, "fund", [deal], sender=s.alice))
    s.tok("pause", sender=s.oversight)
    assert_rules(s.check(s.escrow, "fund", [deal], sender=s.alice), "OVERSIGHT-PAUSE")


# -- API details -----------------------------------------------------------------------------------


def test_calldata_requests_decode_like_named_ones(s: System) -> None:
    data = bytes.fromhex(s.token.bind(s.chain).encode_abi("transfer", args=[s.carol, 7])[2:])
    v = s.checker.check_call(CallRequest(to=s.token.address, sender=s.alice, data=data))
    assert_compliant(v)
    assert v.decoded.function == "transfer" and v.decoded.args == {"to": s.carol, "value": 7}


def test_template_is_recognised_from_code_without_a_manifest(s: System) -> None:
    from decree8.check import Checker

    bare = Checker(s.chain, s.build)
    assert bare.contract_at(s.token.address) == "CompliantToken"
    assert bare.contract_at(s.escrow.address) == "DealEscrow"
    assert bare.contract_at(s.registry.address) == "HolderRegistry"
    v = bare.check_call(
        CallRequest(to=s.token.address, sender=s.alice, function="transfer", args=[s.bob, "1e3"])
    )
    assert v.rule_ids == ("P2P-SALE",) and v.decoded.args["value"] == 1000


def test_verdict_to_dict_is_json(s: System) -> None:
    import json

    s.tok("pause", sender=s.oversight)
    v = s.check(s.token, "transfer", [s.dave, 5], sender=s.alice)
    data = json.loads(json.dumps(v.to_dict()))
    assert data["verdict"] == "violation" and data["compliant"] is False
    assert data["rule_ids"] == ["HOLDER-IDENTIFIED", "OVERSIGHT-PAUSE", "TERMS-ACCEPTED"]
    assert data["simulation"]["rule_id"] == "OVERSIGHT-PAUSE"
    assert data["call"]["args"] == {"to": s.dave, "value": 5}
    assert {f["rule_id"] for f in data["findings"]} == set(data["rule_ids"])


def test_sale_to_an_operator_attested_abroad_is_foreign_platform(s: System) -> None:
    """FOREIGN-PLATFORM (Decree 367): an individual attested in BY transfers to an operator
    attested in another jurisdiction without a non-sale purpose. (The template does not refuse it
    on chain until it enforces code 14: the evaluator finds it.)"""
    s.attest(s.exchange, OPERATOR, flags=0, jurisdiction=b"LT")
    v = s.check(s.token, "transfer", [s.exchange, 5], sender=s.alice)
    assert v.rule_ids == ("FOREIGN-PLATFORM",), verdict_text(v)
    finding = v.findings[0]
    assert finding.code == 14 and dict(finding.details)["operator_jurisdiction"] == "LT"
    assert "attested in LT" in finding.message
    gift = s.check(s.token, "transferWithPurpose", [s.exchange, 5, 1], sender=s.alice)
    assert "FOREIGN-PLATFORM" not in gift.rule_ids
    assert_compliant(s.check(s.token, "transfer", [s.exchange, 5], sender=s.carol))  # an entity
    s.attest(s.exchange, OPERATOR, flags=0, jurisdiction=b"BY")
    assert_compliant(s.check(s.token, "transfer", [s.exchange, 5], sender=s.alice))


def test_refund_before_the_deadline_is_funds_return_both_ways(s: System) -> None:
    """The escrow's deadline refusals map to FUNDS-RETURN in both directions: a refund before the
    deadline (by anyone) and a completion after it."""
    deal = s.open_deal(s.carol, s.bob, amount_a=10**15)
    s.esc("acceptDeal", deal, DEAL_TERMS, sender=s.bob)  # B is paid only if it accepted
    s.esc("fund", deal, sender=s.carol, value=10**15)
    early = s.check(s.escrow, "refund", [deal], sender=s.dave)
    assert early.verdict == "violation" and early.rule_ids == ("FUNDS-RETURN",)
    assert early.simulation.name == "DeadlineNotReached"
    assert early.simulation.rule_id == "FUNDS-RETURN"
    assert "before its deadline" in early.findings[0].message
    stranger = s.check(s.escrow, "complete", [deal], sender=s.dave)
    assert stranger.verdict == "refused" and stranger.simulation.name == "NotAParty"
    s.chain.time_travel(2 * DAY)
    late = s.check(s.escrow, "complete", [deal], sender=s.carol)
    assert late.rule_ids == ("FUNDS-RETURN",) and late.simulation.name == "DeadlinePassed"
    assert_compliant(s.check(s.escrow, "refund", [deal], sender=s.dave))
