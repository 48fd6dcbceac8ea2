"""HolderRegistry: attestations (HOLDER-IDENTIFIED), eligibility (HOLDER-ELIGIBLE) and the
illicit-address register (ILLICIT-ADDRESS), with their events and input checks."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from decree8.deploy import deploy
from decree8.errors import TransactionReverted
from support import (
    BY,
    DAY,
    ENTITY,
    FLAG_COMPETENCE_PASSED,
    FLAG_MINOR,
    INDIVIDUAL,
    NONE,
    OPERATOR,
    OPERATOR_REGISTRATION,
    YEAR,
    System,
    args_of,
    ref,
)

ZERO = "0x" + "00" * 20


def status(system: System, holder: str) -> tuple[int, bool, bool, bool]:
    holder_type, identified, eligible, blocked = system.view(system.registry, "statusOf", holder)
    return holder_type, identified, eligible, blocked


def test_constructor_fixes_operator_registration_and_assigns_roles(system: System) -> None:
    reg = system.registry
    assert system.view(reg, "operatorRegistration") == OPERATOR_REGISTRATION
    admin_role = system.view(reg, "DEFAULT_ADMIN_ROLE")
    assert system.view(reg, "hasRole", admin_role, system.admin)
    for role in ("REGISTRAR_ROLE", "BLOCKLIST_ROLE"):
        role_id = system.view(reg, role)
        assert role_id == Web3.keccak(text=role)
        assert system.view(reg, "hasRole", role_id, system.operator)
        assert not system.view(reg, "hasRole", role_id, system.admin)


def test_constructor_rejects_zero_operator_registration(system: System, build: Any) -> None:
    with pytest.raises(TransactionReverted) as info:
        deploy(
            system.chain,
            build.artifact("HolderRegistry"),
            [b"\0" * 32, system.admin, system.operator],
            sender=system.admin,
            gas=3_000_000,
        )
    assert info.value.name == "MissingOperatorRegistration"


def test_attest_records_the_attestation_and_emits_it(system: System) -> None:
    valid_until = system.chain.timestamp() + YEAR
    kyc = bytes(Web3.keccak(text="kyc-record-of-dave"))
    receipt = system.reg("attest", system.dave, ENTITY, b"LT", valid_until, kyc, 0)

    assert system.events(system.registry, "HolderAttested", receipt) == [
        {
            "holder": system.dave,
            "holderType": ENTITY,
            "jurisdiction": b"LT",
            "validUntil": valid_until,
            "kycHash": kyc,
            "flags": 0,
            "by": system.operator,
        }
    ]
    assert tuple(system.view(system.registry, "attestationOf", system.dave)) == (
        ENTITY,
        b"LT",
        valid_until,
        kyc,
        0,
        False,
    )
    assert system.view(system.registry, "isIdentified", system.dave)
    assert system.view(system.registry, "isEligible", system.dave)
    assert system.view(system.registry, "holderTypeOf", system.dave) == ENTITY
    assert status(system, system.dave) == (ENTITY, True, True, False)


def test_unattested_holder_is_neither_identified_nor_eligible(system: System) -> None:
    reg = system.registry
    assert not system.view(reg, "isIdentified", system.dave)
    assert not system.view(reg, "isEligible", system.dave)
    assert system.view(reg, "holderTypeOf", system.dave) == NONE
    assert status(system, system.dave) == (NONE, False, False, False)
    assert tuple(system.view(reg, "attestationOf", system.dave)) == (
        NONE,
        b"\0\0",
        0,
        b"\0" * 32,
        0,
        False,
    )


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ("holder", "ZeroHolder"),
        ("holderType", "HolderTypeNone"),
        ("validUntil", "ValidUntilNotInFuture"),
        ("kycHash", "MissingKycHash"),
        ("jurisdiction", "MissingJurisdiction"),
    ],
)
def test_attest_rejects_incomplete_attestations(system: System, field: str, error: str) -> None:
    now = system.chain.timestamp()
    args: dict[str, Any] = {
        "holder": system.dave,
        "holderType": INDIVIDUAL,
        "jurisdiction": BY,
        "validUntil": now + YEAR,
        "kycHash": ref("kyc"),
        "flags": FLAG_COMPETENCE_PASSED,
    }
    args[field] = {
        "holder": ZERO,
        "holderType": NONE,
        "validUntil": now,  # the next block is later still: not in the future
        "kycHash": b"\0" * 32,
        "jurisdiction": b"\0\0",
    }[field]
    err = system.reverts(system.registry, "attest", *args.values(), sender=system.operator)
    assert err.name == error
    if error == "ValidUntilNotInFuture":
        assert err.args["validUntil"] == now
        assert err.args["nowTimestamp"] >= now


def test_reattesting_replaces_the_record_and_clears_a_revocation(system: System) -> None:
    system.reg("revoke", system.alice, ref("KYC-REVIEW"))
    assert not system.view(system.registry, "isIdentified", system.alice)
    system.attest(system.alice, ENTITY, jurisdiction=b"KZ", flags=0)
    record = system.view(system.registry, "attestationOf", system.alice)
    assert (record[0], record[1], record[5]) == (ENTITY, b"KZ", False)
    assert status(system, system.alice) == (ENTITY, True, True, False)


def test_revoke_voids_the_attestation_and_records_the_reason(system: System) -> None:
    receipt = system.reg("revoke", system.bob, ref("DOCUMENT-EXPIRED"))
    assert system.events(system.registry, "HolderRevoked", receipt) == [
        {"holder": system.bob, "reason": ref("DOCUMENT-EXPIRED"), "by": system.operator}
    ]
    assert status(system, system.bob) == (NONE, False, False, False)
    record = system.view(system.registry, "attestationOf", system.bob)
    assert (record[0], record[5]) == (INDIVIDUAL, True)  # kept on record, flagged revoked


@pytest.mark.parametrize("who", ["dave", "revoked"])
def test_revoke_requires_an_unrevoked_attestation(system: System, who: str) -> None:
    holder = system.dave if who == "dave" else system.bob
    if who == "revoked":
        system.reg("revoke", holder, ref("FIRST"))
    err = system.reverts(system.registry, "revoke", holder, ref("AGAIN"), sender=system.operator)
    assert (err.name, args_of(err)) == ("NotAttested", {"holder": holder})


def test_attestation_expires_at_valid_until(system: System) -> None:
    system.attest(system.dave, ENTITY, valid_for=DAY, flags=0)
    assert system.view(system.registry, "isIdentified", system.dave)
    system.chain.time_travel(DAY + 1)
    assert not system.view(system.registry, "isIdentified", system.dave)
    assert not system.view(system.registry, "isEligible", system.dave)
    assert status(system, system.dave) == (NONE, False, False, False)


@pytest.mark.parametrize(
    ("holder_type", "flags", "jurisdiction", "eligible"),
    [
        (INDIVIDUAL, FLAG_COMPETENCE_PASSED, BY, True),
        (INDIVIDUAL, 0, BY, False),  # no competence test
        (INDIVIDUAL, FLAG_COMPETENCE_PASSED | FLAG_MINOR, BY, False),
        (ENTITY, 0, BY, True),  # the competence test is for individuals
        (ENTITY, FLAG_MINOR, BY, False),
        (OPERATOR, 0, BY, True),
        (INDIVIDUAL, FLAG_COMPETENCE_PASSED, b"XX", False),  # prohibited below
        (ENTITY, 0, b"XX", False),
    ],
)
def test_eligibility_follows_flags_and_jurisdiction(
    system: System, holder_type: int, flags: int, jurisdiction: bytes, eligible: bool
) -> None:
    system.reg("setJurisdictionProhibited", b"XX", True, ref("FATF-LIST"))
    system.attest(system.dave, holder_type, jurisdiction=jurisdiction, flags=flags)
    assert system.view(system.registry, "isIdentified", system.dave)
    assert system.view(system.registry, "isEligible", system.dave) is eligible
    assert status(system, system.dave) == (holder_type, True, eligible, False)


def test_jurisdiction_restriction_is_recorded_and_can_be_lifted(system: System) -> None:
    receipt = system.reg("setJurisdictionProhibited", BY, True, ref("ORDER-1"))
    assert system.events(system.registry, "JurisdictionRestricted", receipt) == [
        {"jurisdiction": BY, "prohibited": True, "ref": ref("ORDER-1"), "by": system.operator}
    ]
    assert system.view(system.registry, "isJurisdictionProhibited", BY)
    assert not system.view(system.registry, "isEligible", system.alice)
    system.reg("setJurisdictionProhibited", BY, False, ref("ORDER-2"))
    assert not system.view(system.registry, "isJurisdictionProhibited", BY)
    assert system.view(system.registry, "isEligible", system.alice)


def test_jurisdiction_restriction_needs_a_jurisdiction(system: System) -> None:
    err = system.reverts(
        system.registry,
        "setJurisdictionProhibited",
        b"\0\0",
        True,
        ref("X"),
        sender=system.operator,
    )
    assert err.name == "MissingJurisdiction"


def test_block_and_unblock_are_recorded_with_their_reference(system: System) -> None:
    receipt = system.reg("blockAddress", system.bob, ref("D48-REG-77"))
    assert system.events(system.registry, "AddressBlocked", receipt) == [
        {"account": system.bob, "ref": ref("D48-REG-77"), "by": system.operator}
    ]
    assert system.view(system.registry, "isBlocked", system.bob)
    assert system.view(system.registry, "blockReference", system.bob) == ref("D48-REG-77")
    assert status(system, system.bob) == (INDIVIDUAL, True, True, True)

    receipt = system.reg("unblockAddress", system.bob, ref("D48-DELISTED"))
    assert system.events(system.registry, "AddressUnblocked", receipt) == [
        {"account": system.bob, "ref": ref("D48-DELISTED"), "by": system.operator}
    ]
    assert not system.view(system.registry, "isBlocked", system.bob)
    assert system.view(system.registry, "blockReference", system.bob) == b"\0" * 32


def test_an_unattested_address_can_be_blocked(system: System) -> None:
    system.reg("blockAddress", system.dave, ref("D48-REG-1"))
    assert status(system, system.dave) == (NONE, False, False, True)


def test_reattesting_a_blocked_address_keeps_it_blocked(system: System) -> None:
    system.reg("blockAddress", system.alice, ref("D48-REG-2"))
    system.attest(system.alice, INDIVIDUAL)
    assert system.view(system.registry, "isBlocked", system.alice)
    system.reg("unblockAddress", system.alice, ref("D48-DELISTED"))
    system.attest(system.alice, INDIVIDUAL)
    assert not system.view(system.registry, "isBlocked", system.alice)


@pytest.mark.parametrize(
    ("fn", "account", "reference", "error"),
    [
        ("blockAddress", "bob", b"\0" * 32, "MissingReference"),
        ("unblockAddress", "carol", b"\0" * 32, "MissingReference"),
        ("blockAddress", "carol", ref("AGAIN"), "AlreadyBlocked"),
        ("unblockAddress", "bob", ref("NOT-THERE"), "NotBlocked"),
        ("blockAddress", "zero", ref("ZERO"), "ZeroHolder"),
    ],
)
def test_register_changes_are_checked(
    system: System, fn: str, account: str, reference: bytes, error: str
) -> None:
    system.reg("blockAddress", system.carol, ref("D48-REG-3"))
    address = ZERO if account == "zero" else getattr(system, account)
    err = system.reverts(system.registry, fn, address, reference, sender=system.operator)
    assert err.name == error
    if error in ("AlreadyBlocked", "NotBlocked"):
        assert args_of(err) == {"account": address}
