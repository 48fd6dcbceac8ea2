"""Deal life cycles of the escrow: one-sided deposits and two-sided swaps in ETH, the compliant
token and a plain ERC-20, through completion, refund, dispute and resolution, with events, balances
and views.
"""

from __future__ import annotations

import pytest

from decree8.compile import Build
from decree8.deploy import deploy
from decree8.errors import TransactionReverted
from support import (
    COMPLETED,
    DAY,
    DEAL_TERMS,
    DISPUTED,
    ESCROW_REGISTRATION,
    ESCROW_TERMS_HASH,
    ESCROW_TERMS_URI,
    ETH,
    FUNDED,
    LEG_A,
    LEG_B,
    OPEN,
    REFUNDED,
    RESOLVED,
    SALE,
    System,
    assert_error,
    ref,
)

ONE = 10**18


def _assets(system: System) -> list[str]:
    return [ETH, system.token.address, system.plain.address]


@pytest.mark.parametrize("asset_name", ["eth", "token", "plain"])
def test_one_sided_deposit_is_released_to_the_counterparty_and_withdrawn(
    system: System, asset_name: str
) -> None:
    s = system
    asset = {"eth": ETH, "token": s.token.address, "plain": s.plain.address}[asset_name]
    amount = 3 * ONE
    deal_id = s.open(s.alice, s.bob, asset, amount)
    assert s.deal(deal_id)["state"] == OPEN
    s.accept(deal_id, s.bob)
    alice_before = s.held(s.alice, asset)
    receipt = s.fund(deal_id, s.alice)
    assert s.events(s.escrow, "LegFunded", receipt) == [
        {"dealId": deal_id, "leg": LEG_A, "depositor": s.alice, "asset": asset, "amount": amount}
    ]
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"] if asset == ETH else 0
    assert s.held(s.alice, asset) == alice_before - amount - fee
    assert s.deal(deal_id)["state"] == FUNDED
    assert s.locked(asset) == amount
    s.assert_solvent(_assets(s))

    receipt = s.esc("complete", deal_id, sender=s.alice)
    assert s.events(s.escrow, "DealCompleted", receipt) == [{"dealId": deal_id, "by": s.alice}]
    assert s.events(s.escrow, "Credited", receipt) == [
        {"account": s.bob, "asset": asset, "amount": amount, "dealId": deal_id}
    ]
    assert s.deal(deal_id)["state"] == COMPLETED
    assert (s.locked(asset), s.credit(s.bob, asset), s.total_credits(asset)) == (0, amount, amount)
    s.assert_solvent(_assets(s))

    bob_before = s.held(s.bob, asset)
    receipt = s.esc("withdraw", asset, sender=s.bob)
    assert s.events(s.escrow, "Withdrawn", receipt) == [
        {"account": s.bob, "asset": asset, "amount": amount}
    ]
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"] if asset == ETH else 0
    assert s.held(s.bob, asset) == bob_before + amount - fee
    assert s.credit(s.bob, asset) == 0
    s.assert_solvent(_assets(s))
    assert_error(
        s.esc_reverts("withdraw", asset, sender=s.bob),
        "NothingToWithdraw",
        account=s.bob,
        asset=asset,
    )


@pytest.mark.parametrize(
    ("a", "b"), [("eth", "token"), ("token", "plain"), ("plain", "eth"), ("token", "token")]
)
def test_two_sided_deal_swaps_both_legs_atomically(system: System, a: str, b: str) -> None:
    s = system
    names = {"eth": ETH, "token": s.token.address, "plain": s.plain.address}
    asset_a, asset_b = names[a], names[b]
    deal_id = s.open(s.alice, s.carol, asset_a, 2 * ONE, asset_b, 7 * ONE)
    s.accept(deal_id, s.carol)
    s.fund(deal_id, s.alice)
    assert s.deal(deal_id)["state"] == OPEN  # leg B still missing
    assert_error(
        s.esc_reverts("complete", deal_id, sender=s.alice),
        "InvalidDealState",
        dealId=deal_id,
        state=OPEN,
    )
    receipt = s.fund(deal_id, s.carol)
    assert s.events(s.escrow, "LegFunded", receipt)[0]["leg"] == LEG_B
    assert s.deal(deal_id)["state"] == FUNDED
    s.assert_solvent(_assets(s))

    receipt = s.esc("complete", deal_id, sender=s.carol)
    credited = s.events(s.escrow, "Credited", receipt)
    assert credited == [
        {"account": s.carol, "asset": asset_a, "amount": 2 * ONE, "dealId": deal_id},
        {"account": s.alice, "asset": asset_b, "amount": 7 * ONE, "dealId": deal_id},
    ]
    assert s.credit(s.carol, asset_a) == 2 * ONE
    assert s.credit(s.alice, asset_b) == 7 * ONE
    assert all(s.locked(x) == 0 for x in _assets(s))
    s.assert_solvent(_assets(s))
    s.esc("withdraw", asset_a, sender=s.carol)
    s.esc("withdraw", asset_b, sender=s.alice)
    s.assert_solvent(_assets(s))
    assert all(s.total_credits(x) == 0 for x in _assets(s))


def test_operator_may_complete_and_one_sided_beneficiary_may_not(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    assert_error(
        s.esc_reverts("complete", deal_id, sender=s.bob), "NotAParty", dealId=deal_id, account=s.bob
    )
    assert_error(
        s.esc_reverts("complete", deal_id, sender=s.carol),
        "NotAParty",
        dealId=deal_id,
        account=s.carol,
    )
    s.esc("complete", deal_id, sender=s.operator)
    assert s.deal(deal_id)["state"] == COMPLETED


def test_complete_after_the_deadline_is_refused_and_refund_returns_every_leg(
    system: System,
) -> None:
    s = system
    deal_id = s.ready(s.alice, s.carol, ETH, ONE, s.plain.address, 4 * ONE)
    deadline = s.deal(deal_id)["deadline"]
    assert_error(
        s.esc_reverts("refund", deal_id, sender=s.dave),
        "DeadlineNotReached",
        dealId=deal_id,
        deadline=deadline,
    )
    s.chain.time_travel(DAY)
    assert_error(
        s.esc_reverts("complete", deal_id, sender=s.alice),
        "DeadlinePassed",
        dealId=deal_id,
        deadline=deadline,
    )
    receipt = s.esc("refund", deal_id, sender=s.dave)  # anyone, even an unidentified address
    assert s.events(s.escrow, "DealRefunded", receipt) == [{"dealId": deal_id, "by": s.dave}]
    assert s.events(s.escrow, "Credited", receipt) == [
        {"account": s.alice, "asset": ETH, "amount": ONE, "dealId": deal_id},
        {"account": s.carol, "asset": s.plain.address, "amount": 4 * ONE, "dealId": deal_id},
    ]
    assert s.deal(deal_id)["state"] == REFUNDED
    s.assert_solvent(_assets(s))
    assert_error(
        s.esc_reverts("refund", deal_id, sender=s.dave),
        "InvalidDealState",
        dealId=deal_id,
        state=REFUNDED,
    )


def test_partly_funded_and_unfunded_deals_refund_what_was_funded(system: System) -> None:
    s = system
    partly = s.open(s.alice, s.carol, s.token.address, ONE, ETH, ONE)
    s.fund(partly, s.alice)
    empty = s.open(s.bob, s.carol, ETH, ONE)
    s.chain.time_travel(DAY)
    receipt = s.esc("refund", partly, sender=s.bob)
    assert s.events(s.escrow, "Credited", receipt) == [
        {"account": s.alice, "asset": s.token.address, "amount": ONE, "dealId": partly}
    ]
    receipt = s.esc("refund", empty, sender=s.bob)
    assert s.events(s.escrow, "Credited", receipt) == []
    assert s.deal(empty)["state"] == REFUNDED
    s.assert_solvent(_assets(s))


@pytest.mark.parametrize(("bps", "to_a"), [(10_000, 10), (0, 0), (3_333, 3), (5_000, 5)])
def test_dispute_resolution_splits_each_funded_leg(system: System, bps: int, to_a: int) -> None:
    s = system
    amount = 10
    deal_id = s.ready(s.alice, s.carol, ETH, amount, s.plain.address, amount)
    receipt = s.esc("dispute", deal_id, ref("goods not delivered"), sender=s.carol)
    assert s.events(s.escrow, "DealDisputed", receipt) == [
        {"dealId": deal_id, "by": s.carol, "reason": ref("goods not delivered")}
    ]
    assert s.deal(deal_id)["state"] == DISPUTED
    assert_error(
        s.esc_reverts("complete", deal_id, sender=s.alice),
        "InvalidDealState",
        dealId=deal_id,
        state=DISPUTED,
    )
    receipt = s.esc("resolve", deal_id, bps, ref("ruling-17"), sender=s.operator)
    assert s.events(s.escrow, "DealResolved", receipt) == [
        {"dealId": deal_id, "toPartyABps": bps, "resolutionRef": ref("ruling-17")}
    ]
    assert s.deal(deal_id)["state"] == RESOLVED
    for asset in (ETH, s.plain.address):
        assert s.credit(s.alice, asset) == to_a
        assert s.credit(s.carol, asset) == amount - to_a
    s.assert_solvent(_assets(s))


def test_dispute_of_a_partly_funded_deal_and_its_limits(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.carol, ETH, ONE, s.plain.address, ONE)
    s.esc("acceptDeal", deal_id, DEAL_TERMS, sender=s.carol)  # resolve pays B only if B accepted
    assert_error(
        s.esc_reverts("dispute", deal_id, ref("r"), sender=s.alice), "NothingFunded", dealId=deal_id
    )
    s.fund(deal_id, s.alice)
    assert_error(
        s.esc_reverts("dispute", deal_id, ref("r"), sender=s.bob),
        "NotAParty",
        dealId=deal_id,
        account=s.bob,
    )
    assert_error(s.esc_reverts("dispute", deal_id, b"\0" * 32, sender=s.alice), "ReferenceEmpty")
    assert_error(
        s.esc_reverts("resolve", deal_id, 0, ref("x"), sender=s.operator),
        "InvalidDealState",
        dealId=deal_id,
        state=OPEN,
    )
    s.esc("dispute", deal_id, ref("r"), sender=s.alice)
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.carol),
        "InvalidDealState",
        dealId=deal_id,
        state=DISPUTED,
    )
    assert_error(
        s.esc_reverts("resolve", deal_id, 10_001, ref("x"), sender=s.operator),
        "InvalidBps",
        bps=10_001,
    )
    assert_error(
        s.esc_reverts("resolve", deal_id, 0, b"\0" * 32, sender=s.operator), "ReferenceEmpty"
    )
    receipt = s.esc("resolve", deal_id, 0, ref("x"), sender=s.operator)
    assert s.events(s.escrow, "Credited", receipt) == [
        {"account": s.carol, "asset": ETH, "amount": ONE, "dealId": deal_id}
    ]


def test_disputed_deal_past_its_deadline_is_refundable(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, s.token.address, ONE)
    s.esc("dispute", deal_id, ref("late"), sender=s.bob)
    deadline = s.deal(deal_id)["deadline"]
    assert_error(
        s.esc_reverts("dispute", deal_id, ref("again"), sender=s.bob),
        "InvalidDealState",
        dealId=deal_id,
        state=DISPUTED,
    )
    s.chain.time_travel(DAY)
    assert deadline <= s.chain.timestamp()
    s.esc("refund", deal_id, sender=s.carol)
    assert s.credit(s.alice, s.token.address) == ONE
    assert s.deal(deal_id)["state"] == REFUNDED


def test_open_validates_its_arguments(system: System) -> None:
    s = system
    now = s.chain.timestamp()
    later = now + DAY
    next_id = s.view(s.escrow, "dealCount") + 1

    def opening(*args: object) -> TransactionReverted:
        return s.esc_reverts("openDeal", *args, sender=s.alice)

    assert_error(
        opening(s.alice, ETH, 1, ETH, 0, later, SALE, DEAL_TERMS),
        "InvalidCounterparty",
        counterparty=s.alice,
    )
    assert_error(
        opening(ETH, ETH, 1, ETH, 0, later, SALE, DEAL_TERMS),
        "InvalidCounterparty",
        counterparty=ETH,
    )
    assert_error(
        opening(s.bob, ETH, 0, ETH, 0, later, SALE, DEAL_TERMS),
        "InvalidLeg",
        leg=LEG_A,
        asset=ETH,
        amount=0,
    )
    assert_error(
        opening(s.bob, ETH, 1, s.plain.address, 0, later, SALE, DEAL_TERMS),
        "InvalidLeg",
        leg=LEG_B,
        asset=s.plain.address,
        amount=0,
    )
    assert_error(
        opening(s.bob, s.dave, 1, ETH, 0, later, SALE, DEAL_TERMS), "AssetNotContract", asset=s.dave
    )
    assert_error(
        opening(s.bob, ETH, 1, s.dave, 5, later, SALE, DEAL_TERMS), "AssetNotContract", asset=s.dave
    )
    err = opening(s.bob, ETH, 1, ETH, 0, now, SALE, DEAL_TERMS)
    assert err.name == "DeadlineNotInFuture" and err.args["deadline"] == now
    assert_error(opening(s.bob, ETH, 1, ETH, 0, later, SALE, b"\0" * 32), "ReferenceEmpty")
    for purpose in (0, 6, 255):
        assert_error(
            opening(s.bob, ETH, 1, ETH, 0, later, purpose, DEAL_TERMS),
            "UnknownPurpose",
            purpose=purpose,
        )
    assert s.view(s.escrow, "dealCount") == next_id - 1


def test_deal_opened_event_carries_every_field_and_ids_count_up(system: System) -> None:
    s = system
    first = s.view(s.escrow, "dealCount") + 1
    deadline = s.chain.timestamp() + DAY
    receipt = s.esc(
        "openDeal", s.bob, s.plain.address, 5, ETH, 6, deadline, 3, DEAL_TERMS, sender=s.alice
    )
    assert s.events(s.escrow, "DealOpened", receipt) == [
        {
            "dealId": first,
            "partyA": s.alice,
            "partyB": s.bob,
            "assetA": s.plain.address,
            "amountA": 5,
            "assetB": ETH,
            "amountB": 6,
            "deadline": deadline,
            "purpose": 3,
            "dealTermsHash": DEAL_TERMS,
        }
    ]
    assert s.events(s.escrow, "DealAccepted", receipt) == [
        {"dealId": first, "party": s.alice, "termsHash": DEAL_TERMS}
    ]
    second = s.open(s.carol, s.alice, ETH, 1)
    assert second == first + 1 == s.view(s.escrow, "dealCount")
    deal = s.deal(first)
    assert (deal["partyA"], deal["partyB"], deal["acceptedA"], deal["acceptedB"]) == (
        s.alice,
        s.bob,
        True,
        False,
    )
    assert (deal["deadline"], deal["purpose"], deal["termsHash"], deal["frozen"]) == (
        deadline,
        3,
        DEAL_TERMS,
        False,
    )
    with pytest.raises(TransactionReverted) as info:
        s.chain.call(
            {"to": s.escrow.address, "data": s.contract(s.escrow).encode_abi("dealOf", args=[999])}
        )
    assert_error(info.value, "UnknownDeal", dealId=999)


def test_accept_and_fund_check_the_caller_and_the_leg(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.carol, ETH, ONE, s.plain.address, 2 * ONE)
    assert_error(
        s.esc_reverts("acceptDeal", deal_id, DEAL_TERMS, sender=s.alice),
        "AlreadyAccepted",
        dealId=deal_id,
        party=s.alice,
    )
    assert_error(
        s.esc_reverts("acceptDeal", deal_id, DEAL_TERMS, sender=s.bob),
        "NotAParty",
        dealId=deal_id,
        account=s.bob,
    )
    assert_error(
        s.esc_reverts("acceptDeal", deal_id, ref("other terms"), sender=s.carol),
        "DealTermsMismatch",
        dealId=deal_id,
        expected=DEAL_TERMS,
        given=ref("other terms"),
    )
    s.accept(deal_id, s.carol)
    assert_error(
        s.esc_reverts("acceptDeal", deal_id, DEAL_TERMS, sender=s.carol),
        "AlreadyAccepted",
        dealId=deal_id,
        party=s.carol,
    )
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.bob), "NotAParty", dealId=deal_id, account=s.bob
    )
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.alice, value=ONE - 1),
        "WrongEthAmount",
        expected=ONE,
        sent=ONE - 1,
    )
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.carol, value=1),
        "WrongEthAmount",
        expected=0,
        sent=1,
    )
    s.fund(deal_id, s.alice)
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.alice, value=ONE),
        "LegAlreadyFunded",
        dealId=deal_id,
        leg=LEG_A,
    )
    one_sided = s.open(s.alice, s.carol, ETH, ONE)
    s.accept(one_sided, s.carol)
    assert_error(
        s.esc_reverts("fund", one_sided, sender=s.carol),
        "NoLegToFund",
        dealId=one_sided,
        account=s.carol,
    )
    assert_error(s.esc_reverts("fund", 999, sender=s.carol), "UnknownDeal", dealId=999)
    s.chain.time_travel(DAY)
    deadline = s.deal(deal_id)["deadline"]
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.carol),
        "DeadlinePassed",
        dealId=deal_id,
        deadline=deadline,
    )


def test_escrow_refuses_plain_eth_sends(system: System) -> None:
    s = system
    with pytest.raises(TransactionReverted):
        s.chain.transact({"from": s.alice, "to": s.escrow.address, "value": 1}, gas=100_000)


def test_views_and_constructor_values(system: System) -> None:
    s = system
    assert s.view(s.escrow, "operatorRegistration") == ESCROW_REGISTRATION
    assert s.view(s.escrow, "registry") == s.registry.address
    assert s.view(s.escrow, "termsVersion") == 1
    assert s.view(s.escrow, "termsHash") == ESCROW_TERMS_HASH
    assert s.view(s.escrow, "termsUri") == ESCROW_TERMS_URI
    assert s.view(s.escrow, "paused") is False
    for role, holder in (
        ("OPERATOR_ROLE", s.operator),
        ("LEGAL_ORDER_ROLE", s.legal),
        ("OVERSIGHT_ROLE", s.oversight),
        ("TERMS_ADMIN_ROLE", s.admin),
        ("DEFAULT_ADMIN_ROLE", s.admin),
    ):
        assert s.view(s.escrow, "hasRole", s.view(s.escrow, role), holder), role
    assert s.view(s.escrow, "admissionCode", s.alice) == 0


def test_constructor_refuses_missing_values(system: System, build: Build) -> None:
    s = system
    artifact = build.artifact("DealEscrow")
    good = s.escrow_args

    def refused(index: int, value: object) -> TransactionReverted:
        args: list[object] = list(good)
        args[index] = value
        with pytest.raises(TransactionReverted) as info:
            deploy(s.chain, artifact, args, sender=s.admin, gas=6_000_000)
        return info.value

    assert_error(refused(0, b"\0" * 32), "OperatorRegistrationEmpty")
    assert_error(refused(1, s.dave), "RegistryNotContract", registry=s.dave)
    assert_error(refused(2, b"\0" * 32), "TermsEmpty")
    assert_error(refused(3, ""), "TermsEmpty")
    # The admin follows AccessControlDefaultAdminRules, which refuses a zero admin itself.
    assert refused(4, ETH).name == "AccessControlInvalidDefaultAdmin"
    for index in (5, 6, 7):
        err = refused(index, ETH)
        assert err.name == "ZeroRoleHolder", err
