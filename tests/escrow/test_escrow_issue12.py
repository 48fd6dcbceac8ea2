"""Issue 12 on the escrow: each finding of the review reproduced (each test fails on the templates
before issue 12) and the guards that close it: escrow solvency under the token's legal orders,
every party screened, every acceptance checked, no path that strands funds, and the project hooks.
"""

from __future__ import annotations

from web3 import Web3
from web3.contract import Contract
from web3.types import TxReceipt

from decree8.compile import Build
from decree8.deploy import deploy
from support import (
    CODE,
    COMPLETED,
    DAY,
    DEAL_TERMS,
    ESCROW_TERMS_HASH,
    ETH,
    FUNDED,
    OPEN,
    REFUNDED,
    RESOLVED,
    SALE,
    System,
    Target,
    assert_deal_restricted,
    assert_error,
    ref,
)

ONE = 10**18
ORDER = ref("MINJUST-2026-0012")
YEAR = 365 * DAY
LEGAL_ORDER_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_ROLE"))
AUTHORITY_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_AUTHORITY_ROLE"))


# ── insolvent escrow: the token's orders cannot touch the escrow's holdings ───────────────────


def test_token_cannot_freeze_or_force_the_escrow_so_withdrawals_keep_working(
    system: System,
) -> None:
    s = system
    token = s.token.address
    deal_id = s.ready(s.alice, s.bob, token, 10 * ONE)
    s.esc("complete", deal_id, sender=s.alice)
    for fn, args in (
        ("freeze", (s.escrow.address, ORDER)),
        ("freezeAmount", (s.escrow.address, ONE, ORDER)),
        ("forcedTransfer", (s.escrow.address, s.carol, 10 * ONE, ORDER)),
    ):
        err = s.reverts(s.token, fn, *args, sender=s.legal)
        assert_error(err, "OrderAgainstEscrow", escrow=s.escrow.address)
    s.assert_solvent([token])
    # The order is executed on the escrow, against the party's credit, instead.
    s.esc("directCredit", s.bob, token, s.carol, ORDER, sender=s.legal)
    s.esc("withdraw", token, sender=s.carol)
    assert s.total_credits(token) == 0
    s.assert_solvent([token])


# ── unaccepted beneficiary ───────────────────────────────────────────────────────────────────


def test_one_sided_deal_pays_b_only_if_b_accepted(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.bob, ETH, ONE)
    s.fund(deal_id, s.alice)
    assert s.deal(deal_id)["state"] == FUNDED
    for caller in (s.alice, s.operator):
        err = s.esc_reverts("complete", deal_id, sender=caller)
        assert_deal_restricted(err, "TERMS-ACCEPTED", deal_id, s.bob)
    s.chain.time_travel(DAY)
    s.esc("refund", deal_id, sender=s.carol)
    assert s.credit(s.alice, ETH) == ONE and s.credit(s.bob, ETH) == 0


def test_resolution_gives_no_share_to_a_b_that_never_accepted(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.bob, ETH, ONE)
    s.fund(deal_id, s.alice)
    s.esc("dispute", deal_id, ref("why"), sender=s.alice)
    err = s.esc_reverts("resolve", deal_id, 5_000, ref("ruling"), sender=s.operator)
    assert_deal_restricted(err, "TERMS-ACCEPTED", deal_id, s.bob)
    s.esc("resolve", deal_id, 10_000, ref("ruling"), sender=s.operator)
    assert s.deal(deal_id)["state"] == RESOLVED and s.credit(s.alice, ETH) == ONE


def test_dispute_only_by_a_party_that_accepted(system: System) -> None:
    s = system
    deal_id = s.open(s.alice, s.bob, ETH, ONE)
    s.fund(deal_id, s.alice)
    err = s.esc_reverts("dispute", deal_id, ref("why"), sender=s.bob)
    assert_error(err, "NotAParty", dealId=deal_id, account=s.bob)
    s.accept(deal_id, s.bob)
    s.esc("dispute", deal_id, ref("why"), sender=s.bob)


# ── registered caller ────────────────────────────────────────────────────────────────────────


def test_blocked_depositor_cannot_release(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    s.block(s.alice)
    err = s.esc_reverts("complete", deal_id, sender=s.alice)
    assert_deal_restricted(err, "ILLICIT-ADDRESS", deal_id, s.alice)
    s.esc("complete", deal_id, sender=s.operator)  # an unblocked caller may
    assert s.deal(deal_id)["state"] == COMPLETED


def test_every_state_changing_call_screens_its_caller(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    s.block(s.bob)
    err = s.esc_reverts("dispute", deal_id, ref("why"), sender=s.bob)
    assert_deal_restricted(err, "ILLICIT-ADDRESS", deal_id, s.bob)
    s.chain.time_travel(DAY)
    err = s.esc_reverts("refund", deal_id, sender=s.bob)
    assert_deal_restricted(err, "ILLICIT-ADDRESS", deal_id, s.bob)
    for who, fn, args in (
        (s.operator, "pause", ()),
        (s.operator, "sweep", (ETH, s.carol, ref("S"))),
        (s.legal, "directCredit", (s.alice, ETH, s.carol, ORDER)),
    ):
        s.block(who)
        if fn == "pause":
            s.send(s.escrow, "grantRole", s.view(s.escrow, "OVERSIGHT_ROLE"), who, sender=s.admin)
        err = s.esc_reverts(fn, *args, sender=who)
        assert_error(err, "CallerRestricted", code=CODE["ILLICIT-ADDRESS"], caller=who)
        s.unblock(who)
    s.esc("refund", deal_id, sender=s.carol)  # anyone else still refunds


# ── funds never stranded ─────────────────────────────────────────────────────────────────────


def test_frozen_deal_becomes_refundable_when_nobody_can_lift_the_order(
    system: System,
) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    s.esc("freezeDeal", deal_id, ORDER, sender=s.legal)
    s.chain.time_travel(DAY)
    err = s.esc_reverts("refund", deal_id, sender=s.carol)
    assert_deal_restricted(err, "LEGAL-ORDER", deal_id, s.carol)
    s.esc("renounceRole", LEGAL_ORDER_ROLE, s.legal, sender=s.legal)
    assert s.view(s.escrow, "canExecuteLegalOrders")  # the authority could appoint an executor
    err = s.esc_reverts("refund", deal_id, sender=s.carol)
    assert_deal_restricted(err, "LEGAL-ORDER", deal_id, s.carol)
    s.esc("renounceRole", AUTHORITY_ROLE, s.legal, sender=s.legal)
    assert not s.view(s.escrow, "canExecuteLegalOrders")
    s.esc("refund", deal_id, sender=s.carol)
    assert s.deal(deal_id)["state"] == REFUNDED and s.credit(s.alice, ETH) == ONE


def test_frozen_deal_is_refundable_after_its_order_is_lifted(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    s.esc("freezeDeal", deal_id, ORDER, sender=s.legal)
    s.chain.time_travel(DAY)
    s.esc("unfreezeDeal", deal_id, ref("lifted"), sender=s.legal)
    s.esc("refund", deal_id, sender=s.carol)
    assert s.deal(deal_id)["state"] == REFUNDED


def test_surplus_erc20_is_swept_never_owed_funds(system: System) -> None:
    s = system
    plain = s.plain.address
    deal_id = s.ready(s.alice, s.bob, plain, 5 * ONE)
    err = s.esc_reverts("sweep", plain, s.carol, ref("S-1"), sender=s.operator)
    assert_error(err, "NoSurplus", asset=plain, held=5 * ONE, owed=5 * ONE)
    s.send(s.plain, "transfer", s.escrow.address, 3 * ONE, sender=s.bob)  # a mistake
    err = s.esc_reverts("sweep", plain, s.bob, ref("S-1"), sender=s.alice)
    assert err.name == "AccessControlUnauthorizedAccount"
    before = s.held(s.bob, plain)
    receipt = s.esc("sweep", plain, s.bob, ref("S-1"), sender=s.operator)
    assert s.events(s.escrow, "SurplusSwept", receipt) == [
        {"asset": plain, "to": s.bob, "amount": 3 * ONE, "ref": ref("S-1"), "by": s.operator}
    ]
    assert s.held(s.bob, plain) == before + 3 * ONE
    s.assert_solvent([plain])
    s.esc("complete", deal_id, sender=s.alice)
    s.esc("withdraw", plain, sender=s.bob)
    s.assert_solvent([plain])


def test_deadlines_are_bounded(system: System) -> None:
    s = system
    assert s.view(s.escrow, "maxDealDuration") == 3 * YEAR
    now = s.chain.timestamp()
    millis = now * 1000  # a millisecond timestamp by mistake
    err = s.esc_reverts(
        "openDeal", s.bob, ETH, ONE, ETH, 0, millis, SALE, DEAL_TERMS, sender=s.alice
    )
    assert err.name == "DeadlineTooFar" and err.args["deadline"] == millis
    s.open(s.alice, s.bob, ETH, ONE, duration=3 * YEAR - 60)


def test_party_refusing_eth_names_a_payee(system: System, build: Build) -> None:
    s = system
    party = deploy(
        s.chain,
        build.artifact("EthRefusingParty"),
        [],
        sender=s.attacker,
    ).bind(s.chain)
    s.attest(party.address, 2)

    def call(target: Target, fn: str, *args: object, value: int = 0) -> TxReceipt:
        data = s.contract(target).encode_abi(fn, args=list(args))
        return s.send(party, "execute", target.address, data, sender=s.attacker, value=value)

    call(s.escrow, "acceptTerms", 1, ESCROW_TERMS_HASH)
    deal_id = s.open(s.alice, party.address, ETH, ONE)
    call(s.escrow, "acceptDeal", deal_id, DEAL_TERMS)
    s.fund(deal_id, s.alice)
    s.esc("complete", deal_id, sender=s.alice)
    err = s.reverts(
        party,
        "execute",
        s.escrow.address,
        s.contract(s.escrow).encode_abi("withdraw", [ETH]),
        sender=s.attacker,
    )
    assert err.name == "EthTransferFailed"
    s.block(s.dave)
    err = s.reverts(
        party,
        "execute",
        s.escrow.address,
        s.contract(s.escrow).encode_abi("withdrawTo", [ETH, s.dave]),
        sender=s.attacker,
    )
    assert_error(err, "WithdrawalRestricted", code=CODE["ILLICIT-ADDRESS"], account=s.dave)
    before = s.held(s.attacker, ETH)
    receipt = call(s.escrow, "withdrawTo", ETH, s.enforcer)
    assert s.events(s.escrow, "PaidToPayee", receipt) == [
        {"account": party.address, "asset": ETH, "payee": s.enforcer, "amount": ONE}
    ]
    assert s.credit(party.address, ETH) == 0
    assert s.held(s.attacker, ETH) <= before  # paid the gas, got nothing: the payee got it
    s.assert_solvent([ETH])


# ── governance on the escrow ─────────────────────────────────────────────────────────────────


def test_escrow_admin_cannot_direct_funds(system: System) -> None:
    s = system
    deal_id = s.ready(s.alice, s.bob, ETH, ONE)
    err = s.esc_reverts("grantRole", LEGAL_ORDER_ROLE, s.admin, sender=s.admin)
    assert_error(
        err, "AccessControlUnauthorizedAccount", account=s.admin, neededRole=AUTHORITY_ROLE
    )
    err = s.esc_reverts("grantRole", LEGAL_ORDER_ROLE, s.admin, sender=s.legal)
    assert_error(
        err, "RoleRestricted", code=CODE["LEGAL-ORDER"], account=s.admin, role=LEGAL_ORDER_ROLE
    )
    err = s.esc_reverts("directFunds", deal_id, s.admin, ORDER, sender=s.admin)
    assert err.name == "AccessControlUnauthorizedAccount"
    assert s.deal(deal_id)["state"] == FUNDED


# ── project hooks ────────────────────────────────────────────────────────────────────────────


def _hooked(s: System, build: Build) -> Contract:
    escrow = deploy(
        s.chain,
        build.artifact("HookedEscrow"),
        s.escrow_args,
        sender=s.admin,
        gas=8_000_000,
    ).bind(s.chain)
    for party in (s.alice, s.bob):
        s.send(escrow, "acceptTerms", 1, ESCROW_TERMS_HASH, sender=party)
    return escrow


def test_hooks_run_before_value_moves_and_can_refuse(system: System, build: Build) -> None:
    s = system
    escrow = _hooked(s, build)

    def hooks(receipt: TxReceipt) -> list[tuple[int, int, str, int, bool, bool, int]]:
        return [
            (
                e["hook"],
                e["dealId"],
                e["depositor"],
                e["state"],
                e["fundedA"],
                e["fundedB"],
                e["ethHeld"],
            )
            for e in s.events(escrow, "HookCalled", receipt)
        ]

    deadline = s.chain.timestamp() + DAY
    opening = (s.bob, ETH, ONE, ETH, 0, deadline, SALE, DEAL_TERMS)
    receipt = s.send(escrow, "openDeal", *opening, sender=s.alice)
    zero = "0x" + "00" * 20
    assert hooks(receipt) == [(1, 1, zero, OPEN, False, False, 0)]
    s.send(escrow, "acceptDeal", 1, DEAL_TERMS, sender=s.bob)
    receipt = s.send(escrow, "fund", 1, sender=s.alice, value=ONE)
    assert hooks(receipt) == [(2, 1, s.alice, OPEN, False, False, 0)]  # before the leg is funded
    receipt = s.send(escrow, "complete", 1, sender=s.alice)
    assert hooks(receipt) == [(3, 1, zero, FUNDED, True, False, ONE)]  # before the credits
    # A hook that refuses stops the action; refunds never call the hooks.
    s.send(escrow, "openDeal", *opening, sender=s.alice)
    s.send(escrow, "acceptDeal", 2, DEAL_TERMS, sender=s.bob)
    s.send(escrow, "setRefusingHook", 2, sender=s.alice)
    err = s.reverts(escrow, "fund", 2, sender=s.alice, value=ONE)
    assert_error(err, "HookRefused", hook=2, dealId=2)
    s.send(escrow, "setRefusingHook", 3, sender=s.alice)
    s.send(escrow, "fund", 2, sender=s.alice, value=ONE)
    err = s.reverts(escrow, "complete", 2, sender=s.alice)
    assert_error(err, "HookRefused", hook=3, dealId=2)
    s.chain.time_travel(DAY)
    receipt = s.send(escrow, "refund", 2, sender=s.bob)
    assert hooks(receipt) == []
    s.send(escrow, "setRefusingHook", 1, sender=s.alice)
    err = s.reverts(
        escrow,
        "openDeal",
        *opening[:5],
        s.chain.timestamp() + DAY,
        SALE,
        DEAL_TERMS,
        sender=s.alice,
    )
    assert_error(err, "HookRefused", hook=1, dealId=3)
