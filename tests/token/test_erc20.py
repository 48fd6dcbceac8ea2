"""Plain ERC-20 behaviour between compliant parties: the restrictions must not change what a
compliant transfer, approval or transferFrom does (OpenZeppelin 5 semantics and errors)."""

from __future__ import annotations

import pytest

from support import ISSUED, MAX_UINT256, System, args_of

V = 10 * 10**18
ZERO = "0x" + "00" * 20


def test_metadata(system: System) -> None:
    assert system.view(system.token, "name") == "Decree Token"
    assert system.view(system.token, "symbol") == "DCR"
    assert system.view(system.token, "decimals") == 18
    assert system.view(system.token, "totalSupply") == 2 * ISSUED


def test_transfer_moves_balance_and_emits_transfer(system: System) -> None:
    receipt = system.tok("transfer", system.exchange, V, sender=system.carol)
    assert system.balance(system.carol) == ISSUED - V
    assert system.balance(system.exchange) == V
    assert system.view(system.token, "totalSupply") == 2 * ISSUED
    assert system.events(system.token, "Transfer", receipt) == [
        {"from": system.carol, "to": system.exchange, "value": V}
    ]


def test_transfer_returns_true(system: System) -> None:
    fn = system.contract(system.token).functions.transfer(system.exchange, V)
    assert fn.call({"from": system.carol}) is True
    fn = system.contract(system.token).functions.transferWithPurpose(system.bob, V, 1)
    assert fn.call({"from": system.alice}) is True


def test_zero_value_transfer_between_compliant_parties_succeeds(system: System) -> None:
    receipt = system.tok("transfer", system.exchange, 0, sender=system.carol)
    assert system.events(system.token, "Transfer", receipt) == [
        {"from": system.carol, "to": system.exchange, "value": 0}
    ]


def test_transfer_of_the_whole_balance(system: System) -> None:
    system.tok("transfer", system.exchange, ISSUED, sender=system.carol)
    assert system.balance(system.carol) == 0
    assert system.balance(system.exchange) == ISSUED


def test_transfer_beyond_the_balance_reverts(system: System) -> None:
    err = system.reverts(system.token, "transfer", system.exchange, ISSUED + 1, sender=system.carol)
    assert (err.name, args_of(err)) == (
        "ERC20InsufficientBalance",
        {"sender": system.carol, "balance": ISSUED, "needed": ISSUED + 1},
    )


def test_transfer_to_the_zero_address_reverts(system: System) -> None:
    err = system.reverts(system.token, "transfer", ZERO, V, sender=system.carol)
    assert (err.name, args_of(err)) == ("ERC20InvalidReceiver", {"receiver": ZERO})


def test_approve_sets_allowance_and_emits_approval(system: System) -> None:
    receipt = system.tok("approve", system.exchange, V, sender=system.carol)
    assert system.view(system.token, "allowance", system.carol, system.exchange) == V
    assert system.events(system.token, "Approval", receipt) == [
        {"owner": system.carol, "spender": system.exchange, "value": V}
    ]
    system.tok("approve", system.exchange, 3, sender=system.carol)  # replaces, does not add
    assert system.view(system.token, "allowance", system.carol, system.exchange) == 3


def test_approve_to_the_zero_address_reverts(system: System) -> None:
    err = system.reverts(system.token, "approve", ZERO, V, sender=system.carol)
    assert (err.name, args_of(err)) == ("ERC20InvalidSpender", {"spender": ZERO})


def test_transfer_from_spends_allowance(system: System) -> None:
    system.tok("approve", system.bob, 3 * V, sender=system.carol)
    receipt = system.tok("transferFrom", system.carol, system.exchange, V, sender=system.bob)
    assert system.view(system.token, "allowance", system.carol, system.bob) == 2 * V
    assert system.balance(system.exchange) == V
    assert system.events(system.token, "Transfer", receipt) == [
        {"from": system.carol, "to": system.exchange, "value": V}
    ]
    assert (
        system.events(system.token, "Approval", receipt) == []
    )  # OpenZeppelin 5: none on spending


def test_infinite_allowance_does_not_decrease(system: System) -> None:
    system.tok("approve", system.bob, MAX_UINT256, sender=system.carol)
    system.tok("transferFrom", system.carol, system.exchange, V, sender=system.bob)
    assert system.view(system.token, "allowance", system.carol, system.bob) == MAX_UINT256


@pytest.mark.parametrize("allowance", [0, V - 1])
def test_transfer_from_beyond_the_allowance_reverts(system: System, allowance: int) -> None:
    if allowance:
        system.tok("approve", system.bob, allowance, sender=system.carol)
    err = system.reverts(
        system.token, "transferFrom", system.carol, system.exchange, V, sender=system.bob
    )
    assert (err.name, args_of(err)) == (
        "ERC20InsufficientAllowance",
        {"spender": system.bob, "allowance": allowance, "needed": V},
    )


def test_transfer_from_beyond_the_balance_reverts(system: System) -> None:
    system.tok("approve", system.bob, MAX_UINT256, sender=system.carol)
    err = system.reverts(
        system.token, "transferFrom", system.carol, system.exchange, ISSUED + 1, sender=system.bob
    )
    assert err.name == "ERC20InsufficientBalance"
    assert system.view(system.token, "allowance", system.carol, system.bob) == MAX_UINT256


def test_failed_transfer_from_keeps_the_allowance(system: System) -> None:
    system.tok("approve", system.bob, V, sender=system.carol)
    system.reverts(system.token, "transferFrom", system.carol, system.dave, V, sender=system.bob)
    assert system.view(system.token, "allowance", system.carol, system.bob) == V
