"""Attacks on the escrow: a contract party re-entering on ETH receipt, a token calling back during
transfers, a fee-on-transfer token and a token that returns false (or lies). None may lose or create
value.
"""

from __future__ import annotations

from web3 import Web3

from support import (
    COMPLETED,
    DAY,
    ETH,
    FUNDED,
    FUNDS,
    MAX_UINT256,
    System,
    assert_error,
)

ONE = 10**18
GUARD_ERROR = "ReentrancyGuardReentrantCall"


def _credit_receiver(s: System, asset: str, amount: int) -> int:
    """Completes a one-sided deal from alice that credits `amount` of `asset` to the receiver."""
    deal_id = s.open(s.alice, s.receiver.address, asset, amount)
    s.receiver_call(s.escrow, "acceptDeal", deal_id, s.deal(deal_id)["termsHash"])
    s.fund(deal_id, s.alice)
    s.esc("complete", deal_id, sender=s.alice)
    assert s.deal(deal_id)["state"] == COMPLETED
    return deal_id


def _arm(s: System, fn: str, *args: object) -> None:
    data = s.contract(s.escrow).encode_abi(fn, args=list(args))
    s.send(s.receiver, "arm", s.escrow.address, data, sender=s.attacker)


def _reentry(s: System) -> tuple[int, int, str | None]:
    attempts, successes = s.view(s.receiver, "reentryStats")
    result = bytes(s.view(s.receiver, "lastReentryResult"))
    return int(attempts), int(successes), s.chain.decode_revert(result).name if result else None


def test_reentrant_receiver_cannot_withdraw_eth_twice(system: System) -> None:
    s = system
    _credit_receiver(s, ETH, ONE)
    _credit_receiver(s, ETH, 2 * ONE)  # more credit than one withdrawal pays, to tempt a second one
    assert s.credit(s.receiver.address, ETH) == 3 * ONE
    _arm(s, "withdraw", ETH)
    escrow_before = s.held(s.escrow.address, ETH)
    receiver_before = s.held(s.receiver.address, ETH)

    receipt = s.receiver_call(s.escrow, "withdraw", ETH)

    assert _reentry(s) == (1, 0, GUARD_ERROR)
    assert s.events(s.escrow, "Withdrawn", receipt) == [
        {"account": s.receiver.address, "asset": ETH, "amount": 3 * ONE}
    ]
    assert s.held(s.receiver.address, ETH) == receiver_before + 3 * ONE
    assert s.held(s.escrow.address, ETH) == escrow_before - 3 * ONE
    assert s.credit(s.receiver.address, ETH) == 0
    s.assert_solvent([ETH])


def test_reentrant_receiver_cannot_reach_another_asset_or_another_deal_on_reentry(
    system: System,
) -> None:
    s = system
    _credit_receiver(s, ETH, ONE)
    _credit_receiver(s, s.plain.address, ONE)
    _arm(s, "withdraw", s.plain.address)
    s.receiver_call(s.escrow, "withdraw", ETH)
    assert _reentry(s) == (1, 0, GUARD_ERROR)
    assert s.credit(s.receiver.address, s.plain.address) == ONE  # untouched, withdrawable normally
    expired = s.open(s.alice, s.bob, ETH, ONE, duration=DAY)
    s.fund(expired, s.alice)
    _credit_receiver(s, ETH, ONE)
    s.chain.time_travel(DAY)
    _arm(s, "refund", expired)
    s.receiver_call(s.escrow, "withdraw", ETH)
    assert _reentry(s) == (2, 0, GUARD_ERROR)
    assert s.deal(expired)["state"] == FUNDED
    s.send(s.receiver, "disarm", sender=s.attacker)
    s.receiver_call(s.escrow, "withdraw", s.plain.address)
    s.assert_solvent([ETH, s.plain.address])


def test_reentrant_token_cannot_make_the_escrow_pay_twice(system: System) -> None:
    s = system
    token = s.reentrant_token
    _credit_receiver(s, token.address, 5 * ONE)
    on_transfer = bytes(Web3.keccak(text="onTokenTransfer()")[:4])
    s.send(token, "setHook", s.receiver.address, on_transfer, sender=s.attacker)
    _arm(s, "withdraw", token.address)
    receiver_before = s.held(s.receiver.address, token.address)

    s.receiver_call(s.escrow, "withdraw", token.address)

    calls, successes = s.view(token, "hookStats")
    assert (
        calls >= 1 and successes == calls
    )  # the hook ran; the receiver swallowed the failed re-entry
    assert _reentry(s) == (1, 0, GUARD_ERROR)
    assert s.held(s.receiver.address, token.address) == receiver_before + 5 * ONE
    assert s.credit(s.receiver.address, token.address) == 0
    s.assert_solvent([token.address])


def test_reentrant_token_calling_back_during_funding_is_stopped(system: System) -> None:
    s = system
    token = s.reentrant_token
    expired = s.ready(s.bob, s.carol, ETH, ONE, duration=DAY // 2)
    deal_id = s.open(s.alice, s.bob, token.address, 4 * ONE, duration=DAY)
    s.chain.time_travel(DAY // 2)  # `expired` is now refundable by anyone
    s.send(
        token,
        "setHook",
        s.escrow.address,
        s.contract(s.escrow).encode_abi("refund", args=[expired]),
        sender=s.attacker,
    )
    s.fund(deal_id, s.alice)

    calls, successes = s.view(token, "hookStats")
    assert (calls, successes) == (1, 0)
    assert s.chain.decode_revert(bytes(s.view(token, "lastHookResult"))).name == GUARD_ERROR
    assert s.deal(expired)["state"] == FUNDED  # not refunded from inside the token's callback
    assert s.locked(token.address) == 4 * ONE
    s.assert_solvent([ETH, token.address])
    s.send(token, "setHook", "0x" + "00" * 20, b"", sender=s.attacker)
    s.esc("refund", expired, sender=s.alice)


def test_fee_on_transfer_token_is_refused_and_nothing_moves(system: System) -> None:
    s = system
    fee = s.fee_token
    s.send(fee, "mint", s.alice, FUNDS, sender=s.alice)
    s.send(fee, "approve", s.escrow.address, MAX_UINT256, sender=s.alice)
    amount = 10 * ONE
    deal_id = s.open(s.alice, s.bob, fee.address, amount)
    err = s.esc_reverts("fund", deal_id, sender=s.alice)
    assert_error(
        err, "AssetRefused", asset=fee.address, expected=amount, received=amount - amount // 100
    )
    assert s.held(s.alice, fee.address) == FUNDS
    assert s.held(s.escrow.address, fee.address) == 0
    assert s.locked(fee.address) == 0
    assert s.deal(deal_id)["fundedA"] is False
    s.assert_solvent([fee.address])


def test_token_returning_false_is_refused(system: System) -> None:
    s = system
    bad = s.false_token
    s.send(bad, "mint", s.alice, FUNDS, sender=s.alice)
    s.send(bad, "approve", s.escrow.address, MAX_UINT256, sender=s.alice)
    deal_id = s.open(s.alice, s.bob, bad.address, ONE)
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.alice),
        "SafeERC20FailedOperation",
        token=bad.address,
    )
    assert s.locked(bad.address) == 0


def test_token_lying_about_success_is_refused_by_the_balance_check(system: System) -> None:
    s = system
    bad = s.false_token
    s.send(bad, "mint", s.alice, FUNDS, sender=s.alice)
    s.send(bad, "setLying", True, sender=s.alice)
    deal_id = s.open(s.alice, s.bob, bad.address, ONE)
    assert_error(
        s.esc_reverts("fund", deal_id, sender=s.alice),
        "AssetRefused",
        asset=bad.address,
        expected=ONE,
        received=0,
    )
    assert s.locked(bad.address) == 0 and s.deal(deal_id)["fundedA"] is False
    s.chain.time_travel(DAY)
    s.esc("refund", deal_id, sender=s.bob)  # the unfunded deal still closes
    assert s.total_credits(bad.address) == 0
