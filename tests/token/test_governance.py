"""Issue 12 on the token and the registry: the admin cannot turn legal orders against holders
(two-step admin, legal-order role under its own authority, no account with both), registered escrows
are out of reach of freezes and forced transfers, and the smaller points (zero addresses, unchanged
terms, supply-cap overflow, zero references). Each test fails on the templates before issue 12."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from decree8.compile import Build
from decree8.deploy import deploy
from decree8.errors import TransactionReverted
from support import (
    CAP,
    CODE,
    ISSUED,
    ISSUER_REGISTRATION,
    MAX_UINT256,
    OPERATOR_REGISTRATION,
    TOKEN_TERMS_HASH,
    TOKEN_TERMS_URI,
    System,
    args_of,
    ref,
)

V = 10**18
ORDER = ref("MINJUST-2026-0012")
ZERO_ADDRESS = "0x" + "00" * 20
DAY = 24 * 60 * 60
ADMIN_ROLE = b"\0" * 32
LEGAL_ORDER_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_ROLE"))
AUTHORITY_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_AUTHORITY_ROLE"))


def _restricted(err: TransactionReverted, account: str, role: bytes) -> None:
    assert err.name == "RoleRestricted", err
    assert args_of(err) == {"code": CODE["LEGAL-ORDER"], "account": account, "role": role}


# ── the admin cannot give itself legal orders ─────────────────────────────────────────────────


def test_admin_cannot_grant_itself_the_legal_order_role_nor_force_transfers(system: System) -> None:
    s = system
    err = s.reverts(s.token, "grantRole", LEGAL_ORDER_ROLE, s.admin, sender=s.admin)
    assert err.name == "AccessControlUnauthorizedAccount"
    assert args_of(err) == {"account": s.admin, "neededRole": AUTHORITY_ROLE}
    err = s.reverts(s.token, "forcedTransfer", s.alice, s.admin, V, ORDER, sender=s.admin)
    assert err.name == "AccessControlUnauthorizedAccount"
    assert s.balance(s.alice) == ISSUED
    assert s.view(s.token, "getRoleAdmin", LEGAL_ORDER_ROLE) == AUTHORITY_ROLE
    assert s.view(s.token, "getRoleAdmin", AUTHORITY_ROLE) == AUTHORITY_ROLE


def test_authority_appoints_executors_but_never_the_admin(system: System) -> None:
    s = system
    assert s.view(s.token, "hasRole", AUTHORITY_ROLE, s.legal)
    receipt = s.tok("grantRole", LEGAL_ORDER_ROLE, s.dave, sender=s.legal)
    assert s.events(s.token, "RoleGranted", receipt) == [
        {"role": LEGAL_ORDER_ROLE, "account": s.dave, "sender": s.legal}
    ]
    s.tok("freeze", s.alice, ORDER, sender=s.dave)
    for role in (LEGAL_ORDER_ROLE, AUTHORITY_ROLE):
        _restricted(s.reverts(s.token, "grantRole", role, s.admin, sender=s.legal), s.admin, role)


def test_admin_changes_in_two_steps_and_never_to_a_legal_order_holder(system: System) -> None:
    s = system
    err = s.reverts(s.token, "grantRole", ADMIN_ROLE, s.bob, sender=s.admin)
    assert err.name == "AccessControlEnforcedDefaultAdminRules"
    assert s.view(s.token, "defaultAdminDelay") == 2 * DAY
    s.tok("beginDefaultAdminTransfer", s.legal, sender=s.admin)
    s.chain.time_travel(2 * DAY + 1)
    _restricted(
        s.reverts(s.token, "acceptDefaultAdminTransfer", sender=s.legal), s.legal, ADMIN_ROLE
    )
    s.tok("beginDefaultAdminTransfer", s.bob, sender=s.admin)
    err = s.reverts(s.token, "acceptDefaultAdminTransfer", sender=s.bob)
    assert err.name == "AccessControlEnforcedDefaultAdminDelay"
    s.chain.time_travel(2 * DAY + 1)
    receipt = s.tok("acceptDefaultAdminTransfer", sender=s.bob)
    assert s.events(s.token, "RoleGranted", receipt)[0]["account"] == s.bob
    assert s.view(s.token, "defaultAdmin") == s.bob
    assert not s.view(s.token, "hasRole", ADMIN_ROLE, s.admin)


def test_legal_order_holders_are_counted(system: System) -> None:
    s = system
    zero = "0x" + "00" * 20
    err = s.reverts(s.token, "grantRole", LEGAL_ORDER_ROLE, zero, sender=s.legal)
    assert err.name == "ZeroRoleHolder" and args_of(err) == {"role": LEGAL_ORDER_ROLE}
    assert s.view(s.token, "canExecuteLegalOrders")
    s.tok("renounceRole", LEGAL_ORDER_ROLE, s.legal, sender=s.legal)
    assert s.view(s.token, "canExecuteLegalOrders")  # the authority can appoint again
    s.tok("renounceRole", AUTHORITY_ROLE, s.legal, sender=s.legal)
    assert not s.view(s.token, "canExecuteLegalOrders")


def _token_args(s: System, **changes: Any) -> list[Any]:
    values = {
        "admin": s.admin,
        "agent": s.agent,
        "legal": s.legal,
        "oversight": s.oversight,
        "registry": s.registry.address,
        **changes,
    }
    return [
        "Decree Token",
        "DCR",
        CAP,
        ISSUER_REGISTRATION,
        values["registry"],
        TOKEN_TERMS_HASH,
        TOKEN_TERMS_URI,
        values["admin"],
        values["agent"],
        values["legal"],
        values["oversight"],
    ]


def _deploy_reverts(s: System, build: Build, contract: str, args: list[Any]) -> TransactionReverted:
    with pytest.raises(TransactionReverted) as info:
        deploy(s.chain, build.artifact(contract), args, sender=s.admin, gas=8_000_000)
    return info.value


def test_token_constructor_refuses_zero_role_holders_and_admin_as_authority(
    system: System, build: Build
) -> None:
    s = system
    err = _deploy_reverts(s, build, "CompliantToken", _token_args(s, admin=ZERO_ADDRESS))
    assert err.name == "AccessControlInvalidDefaultAdmin"
    for key, role in (
        ("agent", "PLACEMENT_AGENT_ROLE"),
        ("legal", "LEGAL_ORDER_AUTHORITY_ROLE"),
        ("oversight", "OVERSIGHT_ROLE"),
    ):
        err = _deploy_reverts(s, build, "CompliantToken", _token_args(s, **{key: ZERO_ADDRESS}))
        assert err.name == "ZeroRoleHolder", (key, err)
        assert args_of(err) == {"role": bytes(Web3.keccak(text=role))}
    err = _deploy_reverts(s, build, "CompliantToken", _token_args(s, legal=s.admin))
    _restricted(err, s.admin, AUTHORITY_ROLE)


def test_registry_constructor_refuses_zero_role_holders(system: System, build: Build) -> None:
    s = system
    for args, role in (
        ([OPERATOR_REGISTRATION, ZERO_ADDRESS, s.operator], ADMIN_ROLE),
        (
            [OPERATOR_REGISTRATION, s.admin, ZERO_ADDRESS],
            bytes(Web3.keccak(text="REGISTRAR_ROLE")),
        ),
    ):
        err = _deploy_reverts(s, build, "HolderRegistry", args)
        assert err.name == "ZeroRoleHolder" and args_of(err) == {"role": role}, err


# ── registered escrows ───────────────────────────────────────────────────────────────────────


def test_registered_escrow_cannot_be_frozen_nor_forced(system: System) -> None:
    """A stand-in escrow (any contract; tests/escrow uses the real one, holding tokens): once
    registered, orders go to the escrow."""
    s = system
    escrow = s.registry.address
    err = s.reverts(s.token, "registerEscrow", escrow, ref("E-1"), sender=s.admin)
    assert err.name == "AccessControlUnauthorizedAccount"
    receipt = s.tok("registerEscrow", escrow, ref("E-1"), sender=s.legal)
    assert s.events(s.token, "EscrowRegistered", receipt) == [
        {"escrow": escrow, "ref": ref("E-1"), "by": s.legal}
    ]
    assert s.view(s.token, "escrowRegistration", escrow) == ref("E-1")
    for fn, args in (
        ("freeze", (escrow, ORDER)),
        ("freezeAmount", (escrow, V, ORDER)),
        ("forcedTransfer", (escrow, s.legal, V, ORDER)),
    ):
        err = s.reverts(s.token, fn, *args, sender=s.legal)
        assert err.name == "OrderAgainstEscrow" and args_of(err) == {"escrow": escrow}, fn
    err = s.reverts(s.token, "registerEscrow", escrow, ref("E-2"), sender=s.legal)
    assert err.name == "EscrowAlreadyRegistered"


def test_escrow_registration_refuses_wallets_frozen_contracts_and_zero_refs(system: System) -> None:
    s = system
    err = s.reverts(s.token, "registerEscrow", s.bob, ref("E"), sender=s.legal)
    assert err.name == "InvalidEscrow" and args_of(err) == {"escrow": s.bob}
    s.tok("freezeAmount", s.registry.address, V, ORDER, sender=s.legal)
    err = s.reverts(s.token, "registerEscrow", s.registry.address, ref("E"), sender=s.legal)
    assert err.name == "InvalidEscrow"
    err = s.reverts(s.token, "registerEscrow", s.token.address, b"\0" * 32, sender=s.legal)
    assert err.name == "MissingOrderReference"


# ── smaller points ───────────────────────────────────────────────────────────────────────────


def test_issue_overflow_is_supply_cap_and_detect_returns_the_code(system: System) -> None:
    s = system
    err = s.reverts(s.token, "issue", s.alice, MAX_UINT256, sender=s.agent)
    assert err.name == "TransferRestricted", err
    assert args_of(err) == {
        "code": CODE["SUPPLY-CAP"],
        "from": ZERO_ADDRESS,
        "to": s.alice,
        "value": MAX_UINT256,
    }
    assert s.detect(ZERO_ADDRESS, s.alice, MAX_UINT256) == CODE["SUPPLY-CAP"]
    assert s.detect(ZERO_ADDRESS, s.alice, V) == 0


def test_republishing_the_current_terms_is_refused(system: System) -> None:
    s = system
    err = s.reverts(s.token, "amendTerms", TOKEN_TERMS_HASH, "ipfs://same", sender=s.admin)
    assert err.name == "TermsUnchanged" and args_of(err) == {"termsHash": TOKEN_TERMS_HASH}
    assert s.view(s.token, "termsVersion") == 1
    assert s.view(s.token, "hasAcceptedCurrentTerms", s.bob)
    s.tok("amendTerms", b"\x22" * 32, "ipfs://v2", sender=s.admin)
    assert s.view(s.token, "termsVersion") == 2


def test_registry_refuses_zero_references(system: System) -> None:
    s = system
    err = s.reverts(s.registry, "revoke", s.alice, b"\0" * 32, sender=s.operator)
    assert err.name == "MissingReference"
    err = s.reverts(
        s.registry, "setJurisdictionProhibited", b"KP", True, b"\0" * 32, sender=s.operator
    )
    assert err.name == "MissingReference"
    s.reg("revoke", s.alice, ref("R"))
    s.reg("setJurisdictionProhibited", b"KP", True, ref("FATF-2026"))
