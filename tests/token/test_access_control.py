"""Every privileged function of the registry and the token, called by every named account that
lacks its role, reverts with the access-control error (issuance: with the ISSUER-HTP restriction);
the role holder's call goes through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract

from decree8.errors import TransactionReverted
from support import BY, CODE, ENTITY, PARTY_NAMES, YEAR, System, args_of, ref

V = 10**18
ACCOUNTS = PARTY_NAMES[:10]  # the roles and the holders


@dataclass(frozen=True)
class Privileged:
    contract: str  # "registry" | "token"
    fn: str
    args: Callable[[System], list[Any]]
    role: str  # role constant name; DEFAULT_ADMIN_ROLE is bytes32(0)
    holder: str  # the named account that has the role
    setup: Callable[[System], object] | None = None

    def __str__(self) -> str:
        return f"{self.contract}.{self.fn}"


def _kyc(_: System) -> bytes:
    return bytes(Web3.keccak(text="kyc"))


MATRIX = [
    Privileged(
        "registry",
        "attest",
        lambda s: [s.dave, ENTITY, BY, s.chain.timestamp() + YEAR, _kyc(s), 0],
        "REGISTRAR_ROLE",
        "operator",
    ),
    Privileged("registry", "revoke", lambda s: [s.alice, ref("R")], "REGISTRAR_ROLE", "operator"),
    Privileged(
        "registry",
        "setJurisdictionProhibited",
        lambda s: [b"XX", True, ref("R")],
        "REGISTRAR_ROLE",
        "operator",
    ),
    Privileged(
        "registry", "blockAddress", lambda s: [s.dave, ref("R")], "BLOCKLIST_ROLE", "operator"
    ),
    Privileged(
        "registry",
        "unblockAddress",
        lambda s: [s.carol, ref("R")],
        "BLOCKLIST_ROLE",
        "operator",
        setup=lambda s: s.reg("blockAddress", s.carol, ref("R")),
    ),
    Privileged(
        "registry",
        "grantRole",
        lambda s: [Web3.keccak(text="REGISTRAR_ROLE"), s.dave],
        "DEFAULT_ADMIN_ROLE",
        "admin",
    ),
    Privileged(
        "registry",
        "revokeRole",
        lambda s: [Web3.keccak(text="REGISTRAR_ROLE"), s.operator],
        "DEFAULT_ADMIN_ROLE",
        "admin",
    ),
    Privileged(
        "registry", "appointAgent", lambda s: [s.dave, ref("A")], "REGISTRAR_ROLE", "operator"
    ),
    Privileged(
        "registry",
        "removeAgent",
        lambda s: [s.dave, ref("A")],
        "REGISTRAR_ROLE",
        "operator",
        setup=lambda s: s.reg("appointAgent", s.dave, ref("A")),
    ),
    Privileged(
        "registry",
        "recordCryptobankEntry",
        lambda s: [s.exchange, ref("NBRB")],
        "REGISTRAR_ROLE",
        "operator",
    ),
    Privileged("token", "issue", lambda s: [s.bob, V], "PLACEMENT_AGENT_ROLE", "agent"),
    Privileged(
        "token",
        "registerEscrow",
        lambda s: [s.registry.address, ref("E")],
        "LEGAL_ORDER_AUTHORITY_ROLE",
        "legal",
    ),
    Privileged(
        "token",
        "grantRole",
        lambda s: [Web3.keccak(text="LEGAL_ORDER_ROLE"), s.dave],
        "LEGAL_ORDER_AUTHORITY_ROLE",
        "legal",
    ),
    Privileged("token", "freeze", lambda s: [s.bob, ref("O")], "LEGAL_ORDER_ROLE", "legal"),
    Privileged(
        "token",
        "unfreeze",
        lambda s: [s.carol, ref("O")],
        "LEGAL_ORDER_ROLE",
        "legal",
        setup=lambda s: s.tok("freeze", s.carol, ref("O"), sender=s.legal),
    ),
    Privileged(
        "token", "freezeAmount", lambda s: [s.bob, V, ref("O")], "LEGAL_ORDER_ROLE", "legal"
    ),
    Privileged(
        "token",
        "unfreezeAmount",
        lambda s: [s.carol, V, ref("O")],
        "LEGAL_ORDER_ROLE",
        "legal",
        setup=lambda s: s.tok("freezeAmount", s.carol, V, ref("O"), sender=s.legal),
    ),
    Privileged(
        "token",
        "forcedTransfer",
        lambda s: [s.alice, s.carol, V, ref("O")],
        "LEGAL_ORDER_ROLE",
        "legal",
    ),
    Privileged("token", "pause", lambda s: [], "OVERSIGHT_ROLE", "oversight"),
    Privileged(
        "token",
        "unpause",
        lambda s: [],
        "OVERSIGHT_ROLE",
        "oversight",
        setup=lambda s: s.tok("pause", sender=s.oversight),
    ),
    Privileged(
        "token", "amendTerms", lambda s: [ref("v2"), "ipfs://terms-v2"], "TERMS_ADMIN_ROLE", "admin"
    ),
    Privileged(
        "token",
        "grantRole",
        lambda s: [Web3.keccak(text="PLACEMENT_AGENT_ROLE"), s.dave],
        "DEFAULT_ADMIN_ROLE",
        "admin",
    ),
    Privileged(
        "token",
        "revokeRole",
        lambda s: [Web3.keccak(text="OVERSIGHT_ROLE"), s.oversight],
        "DEFAULT_ADMIN_ROLE",
        "admin",
    ),
]


def _call(system: System, contract: Contract, fn: str, args: list[Any], sender: str) -> None:
    data = system.contract(contract).encode_abi(fn, args=args)
    system.chain.call({"from": sender, "to": contract.address, "data": data})


@pytest.mark.parametrize("entry", MATRIX, ids=str)
def test_privileged_function_refuses_every_account_without_the_role(
    system: System, entry: Privileged
) -> None:
    contract: Contract = getattr(system, entry.contract)
    if entry.setup is not None:
        entry.setup(system)
    args = entry.args(system)
    role_id = (
        b"\0" * 32 if entry.role == "DEFAULT_ADMIN_ROLE" else bytes(Web3.keccak(text=entry.role))
    )
    assert system.view(contract, "hasRole", role_id, getattr(system, entry.holder))

    _call(system, contract, entry.fn, args, getattr(system, entry.holder))  # the holder may

    refused = 0
    for name in ACCOUNTS:
        if name == entry.holder:
            continue
        caller = getattr(system, name)
        with pytest.raises(TransactionReverted) as info:
            _call(system, contract, entry.fn, args, caller)
        if entry.fn == "issue":
            assert info.value.name == "TransferRestricted", name
            assert args_of(info.value)["code"] == CODE["ISSUER-HTP"]
        elif entry.fn == "attest":  # the operator's appointed identification agents may attest too
            assert info.value.name == "NotAnAttester", name
            assert args_of(info.value) == {"account": caller}
        else:
            assert info.value.name == "AccessControlUnauthorizedAccount", name
            assert args_of(info.value) == {"account": caller, "neededRole": role_id}
        refused += 1
    assert refused == len(ACCOUNTS) - 1


def test_admin_can_hand_the_placement_agent_role_over(system: System) -> None:
    role = system.view(system.token, "PLACEMENT_AGENT_ROLE")
    system.tok("grantRole", role, system.exchange, sender=system.admin)
    system.tok("revokeRole", role, system.agent, sender=system.admin)
    system.tok("issue", system.bob, V, sender=system.exchange)
    assert system.balance(system.bob) == V
    system.assert_restricted(
        "ISSUER-HTP",
        "issue",
        system.bob,
        V,
        sender=system.agent,
        frm="0x" + "00" * 20,
        to=system.bob,
        value=V,
        detect=False,
    )
