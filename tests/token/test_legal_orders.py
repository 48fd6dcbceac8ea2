"""LEGAL-ORDER: whole-address and partial freezes and forced transfers, each under the legal-order
role and with a non-zero order reference."""

from __future__ import annotations

import pytest

from support import (
    CODE,
    ENTITY,
    FLAG_MINOR,
    ISSUED,
    PURPOSE_GIFT,
    System,
    args_of,
    ref,
)

V = 10 * 10**18
ORDER = ref("MINJUST-2025-0001")
ZERO_REF = b"\0" * 32


# ── whole-address freeze ──────────────────────────────────────────────────────────────────────


def test_unfrozen_address_transfers_again(system: System) -> None:
    """The restrictions of a freeze are in test_rules.py's table (LEGAL-ORDER)."""
    receipt = system.tok("freeze", system.alice, ORDER, sender=system.legal)
    assert system.events(system.token, "AddressFrozen", receipt) == [
        {"holder": system.alice, "orderRef": ORDER, "by": system.legal}
    ]
    assert system.view(system.token, "isFrozen", system.alice)
    receipt = system.tok("unfreeze", system.alice, ref("ORDER-LIFTED"), sender=system.legal)
    assert system.events(system.token, "AddressUnfrozen", receipt) == [
        {"holder": system.alice, "orderRef": ref("ORDER-LIFTED"), "by": system.legal}
    ]
    assert not system.view(system.token, "isFrozen", system.alice)
    assert system.detect(system.alice, system.carol, V) == 0
    system.tok("transfer", system.carol, V, sender=system.alice)
    assert system.balance(system.alice) == ISSUED - V


def test_freeze_and_unfreeze_require_the_opposite_state(system: System) -> None:
    err = system.reverts(system.token, "unfreeze", system.bob, ORDER, sender=system.legal)
    assert (err.name, args_of(err)) == ("NotFrozen", {"holder": system.bob})
    system.tok("freeze", system.bob, ORDER, sender=system.legal)
    err = system.reverts(system.token, "freeze", system.bob, ORDER, sender=system.legal)
    assert (err.name, args_of(err)) == ("AlreadyFrozen", {"holder": system.bob})


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        ("freeze", ("alice",)),
        ("unfreeze", ("alice",)),
        ("freezeAmount", ("alice", V)),
        ("unfreezeAmount", ("alice", V)),
        ("forcedTransfer", ("alice", "carol", V)),
    ],
)
def test_every_legal_order_needs_an_order_reference(
    system: System, fn: str, args: tuple[object, ...]
) -> None:
    resolved = [getattr(system, a) if isinstance(a, str) else a for a in args]
    err = system.reverts(system.token, fn, *resolved, ZERO_REF, sender=system.legal)
    assert err.name == "MissingOrderReference"


# ── partial freeze ────────────────────────────────────────────────────────────────────────────


def test_frozen_amount_cannot_be_spent(system: System) -> None:
    frozen = ISSUED - 4 * V
    receipt = system.tok("freezeAmount", system.alice, frozen, ORDER, sender=system.legal)
    assert system.events(system.token, "TokensFrozen", receipt) == [
        {"holder": system.alice, "amount": frozen, "orderRef": ORDER, "by": system.legal}
    ]
    assert system.view(system.token, "frozenBalanceOf", system.alice) == frozen
    assert system.view(system.token, "availableBalanceOf", system.alice) == 4 * V
    system.assert_restricted(
        "LEGAL-ORDER",
        "transfer",
        system.carol,
        4 * V + 1,
        sender=system.alice,
        frm=system.alice,
        to=system.carol,
        value=4 * V + 1,
    )


def test_available_balance_can_be_spent_despite_a_partial_freeze(system: System) -> None:
    system.tok("freezeAmount", system.alice, ISSUED - 4 * V, ORDER, sender=system.legal)
    assert system.detect(system.alice, system.carol, 4 * V) == 0
    system.tok("transfer", system.carol, 4 * V, sender=system.alice)
    assert system.view(system.token, "availableBalanceOf", system.alice) == 0
    assert system.balance(system.alice) == ISSUED - 4 * V
    # a partially frozen holder still receives
    system.tok("transfer", system.alice, V, sender=system.carol)
    assert system.view(system.token, "availableBalanceOf", system.alice) == V


def test_spending_beyond_the_balance_is_an_erc20_error_not_a_legal_order(system: System) -> None:
    system.tok("freezeAmount", system.alice, V, ORDER, sender=system.legal)
    err = system.reverts(system.token, "transfer", system.carol, ISSUED + 1, sender=system.alice)
    assert err.name == "ERC20InsufficientBalance"
    assert args_of(err) == {"sender": system.alice, "balance": ISSUED, "needed": ISSUED + 1}


def test_freezes_add_up_and_may_exceed_the_balance(system: System) -> None:
    system.tok("freezeAmount", system.alice, ISSUED, ORDER, sender=system.legal)
    system.tok("freezeAmount", system.alice, V, ref("ORDER-2"), sender=system.legal)
    assert system.view(system.token, "frozenBalanceOf", system.alice) == ISSUED + V
    assert system.view(system.token, "availableBalanceOf", system.alice) == 0
    system.assert_restricted(
        "LEGAL-ORDER",
        "transfer",
        system.carol,
        1,
        sender=system.alice,
        frm=system.alice,
        to=system.carol,
        value=1,
    )


def test_unfreezing_an_amount_releases_it(system: System) -> None:
    system.tok("freezeAmount", system.alice, ISSUED, ORDER, sender=system.legal)
    receipt = system.tok(
        "unfreezeAmount", system.alice, 3 * V, ref("ORDER-EASED"), sender=system.legal
    )
    assert system.events(system.token, "TokensUnfrozen", receipt) == [
        {
            "holder": system.alice,
            "amount": 3 * V,
            "orderRef": ref("ORDER-EASED"),
            "by": system.legal,
        }
    ]
    assert system.view(system.token, "availableBalanceOf", system.alice) == 3 * V
    system.tok("transfer", system.carol, 3 * V, sender=system.alice)


def test_amount_orders_are_checked(system: System) -> None:
    system.tok("freezeAmount", system.alice, V, ORDER, sender=system.legal)
    err = system.reverts(
        system.token, "unfreezeAmount", system.alice, V + 1, ORDER, sender=system.legal
    )
    assert (err.name, args_of(err)) == (
        "UnfreezeExceedsFrozen",
        {"holder": system.alice, "frozen": V, "requested": V + 1},
    )
    for fn in ("freezeAmount", "unfreezeAmount"):
        assert system.reverts(
            system.token, fn, system.alice, 0, ORDER, sender=system.legal
        ).name == ("ZeroAmount")


# ── forced transfer ───────────────────────────────────────────────────────────────────────────


def test_forced_transfer_bypasses_pause_freeze_terms_eligibility_and_p2p(system: System) -> None:
    """The enforcement wallet (dave) is an identified but minor-flagged entity that never accepted
    the terms; alice is frozen as a whole and partially; the token is paused; bob and alice are both
    individuals. The forced transfer still moves the tokens and releases the frozen excess."""
    system.attest(system.dave, ENTITY, flags=FLAG_MINOR)
    system.tok("freeze", system.alice, ORDER, sender=system.legal)
    system.tok("freezeAmount", system.alice, ISSUED - 2 * V, ORDER, sender=system.legal)
    system.tok("pause", sender=system.oversight)

    amount = 5 * V  # 2V available, so 3V of the frozen amount is released
    receipt = system.tok(
        "forcedTransfer",
        system.alice,
        system.dave,
        amount,
        ref("ENFORCEMENT-77"),
        sender=system.legal,
    )
    assert system.balance(system.dave) == amount
    assert system.balance(system.alice) == ISSUED - amount
    assert system.view(system.token, "frozenBalanceOf", system.alice) == ISSUED - 5 * V
    assert system.view(system.token, "isFrozen", system.alice)  # the whole freeze stays
    assert system.events(system.token, "TokensUnfrozen", receipt) == [
        {
            "holder": system.alice,
            "amount": 3 * V,
            "orderRef": ref("ENFORCEMENT-77"),
            "by": system.legal,
        }
    ]
    assert system.events(system.token, "Transfer", receipt) == [
        {"from": system.alice, "to": system.dave, "value": amount}
    ]
    assert system.events(system.token, "ForcedTransfer", receipt) == [
        {
            "from": system.alice,
            "to": system.dave,
            "amount": amount,
            "orderRef": ref("ENFORCEMENT-77"),
            "by": system.legal,
        }
    ]
    system.tok("unpause", sender=system.oversight)
    system.tok("forcedTransfer", system.alice, system.bob, V, ORDER, sender=system.legal)
    assert system.balance(system.bob) == V


def test_forced_transfer_within_the_available_balance_releases_nothing(system: System) -> None:
    system.tok("freezeAmount", system.alice, V, ORDER, sender=system.legal)
    receipt = system.tok(
        "forcedTransfer", system.alice, system.carol, V, ORDER, sender=system.legal
    )
    assert system.events(system.token, "TokensUnfrozen", receipt) == []
    assert system.view(system.token, "frozenBalanceOf", system.alice) == V


@pytest.mark.parametrize(
    ("receiver", "rule"), [("dave", "HOLDER-IDENTIFIED"), ("carol", "ILLICIT-ADDRESS")]
)
def test_forced_transfer_needs_an_identified_unblocked_receiver(
    system: System, receiver: str, rule: str
) -> None:
    to = getattr(system, receiver)
    if rule == "ILLICIT-ADDRESS":
        system.reg("blockAddress", to, ref("D48-REG-5"))
    err = system.reverts(
        system.token, "forcedTransfer", system.alice, to, V, ORDER, sender=system.legal
    )
    assert err.name == "TransferRestricted"
    assert args_of(err) == {"code": CODE[rule], "from": system.alice, "to": to, "value": V}


def test_forced_transfer_cannot_move_more_than_the_balance(system: System) -> None:
    err = system.reverts(
        system.token,
        "forcedTransfer",
        system.alice,
        system.carol,
        ISSUED + 1,
        ORDER,
        sender=system.legal,
    )
    assert (err.name, args_of(err)) == (
        "ERC20InsufficientBalance",
        {"sender": system.alice, "balance": ISSUED, "needed": ISSUED + 1},
    )


def test_forced_transfer_cannot_go_to_the_same_address(system: System) -> None:
    system.tok("freezeAmount", system.alice, ISSUED, ORDER, sender=system.legal)
    err = system.reverts(
        system.token, "forcedTransfer", system.alice, system.alice, V, ORDER, sender=system.legal
    )
    assert (err.name, args_of(err)) == ("ForcedTransferToSelf", {"holder": system.alice})
    assert system.view(system.token, "frozenBalanceOf", system.alice) == ISSUED


def test_forced_transfer_cannot_mint(system: System) -> None:
    zero = "0x" + "00" * 20
    err = system.reverts(
        system.token, "forcedTransfer", zero, system.carol, V, ORDER, sender=system.legal
    )
    assert err.name == "ERC20InvalidSender"


def test_frozen_holder_cannot_use_a_purpose_to_escape(system: System) -> None:
    system.tok("freeze", system.alice, ORDER, sender=system.legal)
    system.assert_restricted(
        "LEGAL-ORDER",
        "transferWithPurpose",
        system.bob,
        V,
        PURPOSE_GIFT,
        sender=system.alice,
        frm=system.alice,
        to=system.bob,
        value=V,
        purpose=PURPOSE_GIFT,
    )
