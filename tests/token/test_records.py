"""RECORDS: the events of the registry and the token alone suffice to rebuild their state.

A scenario exercises every state-changing function; then the state is folded from the logs (nothing
else) and compared with what the contracts' views say."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from web3 import Web3

from support import (
    ENTITY,
    FLAG_COMPETENCE_PASSED,
    INDIVIDUAL,
    PURPOSE_INHERITANCE,
    System,
    Target,
    ref,
)

V = 10**18
ZERO = "0x" + "00" * 20


def decoded_logs(system: System, target: Target) -> list[tuple[str, dict[str, Any]]]:
    """Every log of `target` since genesis, decoded with its ABI, in chain order."""
    contract = system.contract(target)
    by_topic = {}
    for item in contract.abi:
        if item["type"] == "event":
            signature = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            by_topic[bytes(Web3.keccak(text=signature))] = item["name"]
    out = []
    for log in system.chain.get_logs(address=contract.address, from_block=0):
        name = by_topic[bytes(log["topics"][0])]
        event = system.contract(contract).events[name]().process_log(log)
        out.append(
            (
                name,
                {
                    k: Web3.to_checksum_address(v)
                    if isinstance(v, str) and Web3.is_address(v)
                    else v
                    for k, v in dict(event["args"]).items()
                },
            )
        )
    return out


@dataclass
class TokenState:
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total_supply: int = 0
    whole_frozen: dict[str, bool] = field(default_factory=lambda: defaultdict(bool))
    frozen_amount: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    terms: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    accepted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    paused: bool = False
    roles: set[tuple[bytes, str]] = field(default_factory=set)
    role_pairs_seen: set[tuple[bytes, str]] = field(default_factory=set)


def fold_token(events: list[tuple[str, dict[str, Any]]]) -> TokenState:
    s = TokenState()
    for name, a in events:
        if name == "Transfer":
            if a["from"] == ZERO:
                s.total_supply += a["value"]
            else:
                s.balances[a["from"]] -= a["value"]
            s.balances[a["to"]] += a["value"]
        elif name in ("AddressFrozen", "AddressUnfrozen"):
            s.whole_frozen[a["holder"]] = name == "AddressFrozen"
        elif name == "TokensFrozen":
            s.frozen_amount[a["holder"]] += a["amount"]
        elif name == "TokensUnfrozen":
            s.frozen_amount[a["holder"]] -= a["amount"]
        elif name == "TermsPublished":
            s.terms[a["version"]] = (a["termsHash"], a["uri"])
        elif name == "TermsAccepted":
            s.accepted[a["party"]] = a["version"]
        elif name in ("Paused", "Unpaused"):
            s.paused = name == "Paused"
        elif name == "RoleGranted":
            s.roles.add((a["role"], a["account"]))
            s.role_pairs_seen.add((a["role"], a["account"]))
        elif name == "RoleRevoked":
            s.roles.discard((a["role"], a["account"]))
            s.role_pairs_seen.add((a["role"], a["account"]))
    return s


@dataclass
class RegistryState:
    attestations: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    blocked: dict[str, bytes] = field(default_factory=dict)
    prohibited: dict[bytes, bool] = field(default_factory=lambda: defaultdict(bool))


def fold_registry(events: list[tuple[str, dict[str, Any]]]) -> RegistryState:
    s = RegistryState()
    for name, a in events:
        if name == "HolderAttested":
            s.attestations[a["holder"]] = (
                a["holderType"],
                a["jurisdiction"],
                a["validUntil"],
                a["kycHash"],
                a["flags"],
                False,
            )
        elif name == "HolderRevoked":
            s.attestations[a["holder"]] = (*s.attestations[a["holder"]][:5], True)
        elif name == "AddressBlocked":
            s.blocked[a["account"]] = a["ref"]
        elif name == "AddressUnblocked":
            del s.blocked[a["account"]]
        elif name == "JurisdictionRestricted":
            s.prohibited[a["jurisdiction"]] = a["prohibited"]
    return s


def run_scenario(system: System) -> None:
    s = system
    s.reg("setJurisdictionProhibited", b"KP", True, ref("FATF"))
    s.attest(s.dave, ENTITY, jurisdiction=b"PL", flags=0)
    s.accept_terms(s.dave)
    s.tok("issue", s.dave, 50 * V, sender=s.agent)
    s.tok("transferWithPurpose", s.bob, 5 * V, PURPOSE_INHERITANCE, sender=s.alice)
    s.tok("approve", s.exchange, 10 * V, sender=s.alice)
    s.tok("transferFrom", s.alice, s.bob, 2 * V, sender=s.exchange)
    s.tok("freezeAmount", s.dave, 40 * V, ref("ORDER-1"), sender=s.legal)
    s.tok("freeze", s.bob, ref("ORDER-2"), sender=s.legal)
    s.tok("pause", sender=s.oversight)
    s.tok("forcedTransfer", s.dave, s.carol, 30 * V, ref("ORDER-3"), sender=s.legal)  # releases 20V
    s.tok("unpause", sender=s.oversight)
    s.tok("unfreezeAmount", s.dave, 5 * V, ref("ORDER-4"), sender=s.legal)
    s.tok("unfreeze", s.bob, ref("ORDER-5"), sender=s.legal)
    s.tok("freeze", s.carol, ref("ORDER-6"), sender=s.legal)
    s.tok("amendTerms", ref("terms-v2"), "ipfs://terms-v2", sender=s.admin)
    s.accept_terms(s.alice)
    s.reg("revoke", s.exchange, ref("LICENCE"))
    s.reg("blockAddress", s.bob, ref("D48-1"))
    s.reg("blockAddress", s.dave, ref("D48-2"))
    s.reg("unblockAddress", s.dave, ref("D48-3"))
    s.attest(s.alice, INDIVIDUAL, jurisdiction=b"KP", flags=FLAG_COMPETENCE_PASSED)
    s.tok("grantRole", Web3.keccak(text="OVERSIGHT_ROLE"), s.carol, sender=s.admin)
    s.tok("revokeRole", Web3.keccak(text="OVERSIGHT_ROLE"), s.oversight, sender=s.admin)


@pytest.fixture(scope="module")
def played(system: System) -> System:
    """The module's deployment after the scenario, played once (each test reverts its changes)."""
    run_scenario(system)
    return system


def named(system: System) -> list[str]:
    return [
        system.admin,
        system.operator,
        system.agent,
        system.legal,
        system.oversight,
        system.alice,
        system.bob,
        system.carol,
        system.exchange,
        system.dave,
    ]


def test_token_state_can_be_rebuilt_from_its_events(played: System) -> None:
    system = played
    state = fold_token(decoded_logs(system, system.token))
    tok = system.token
    assert state.total_supply == system.view(tok, "totalSupply")
    for who in named(system):
        assert state.balances[who] == system.view(tok, "balanceOf", who), who
        assert state.whole_frozen[who] == system.view(tok, "isFrozen", who), who
        assert state.frozen_amount[who] == system.view(tok, "frozenBalanceOf", who), who
        assert state.accepted[who] == system.view(tok, "acceptedTermsVersion", who), who
    assert state.frozen_amount[system.dave] == 15 * V  # 40 frozen, 20 released by force, 5 by order
    current = max(state.terms)
    assert current == system.view(tok, "termsVersion") == 2
    assert state.terms[current] == (system.view(tok, "termsHash"), system.view(tok, "termsUri"))
    for version, (terms_hash, uri) in state.terms.items():
        assert tuple(system.view(tok, "termsOf", version))[:2] == (terms_hash, uri)
    assert state.paused == system.view(tok, "paused")
    # 6 granted at deployment (the legal-order authority gets its own role), 1 granted later (1 of
    # them revoked)
    assert len(state.role_pairs_seen) == 7
    for role_id, who in state.role_pairs_seen:
        assert ((role_id, who) in state.roles) == system.view(tok, "hasRole", role_id, who)


def test_registry_state_can_be_rebuilt_from_its_events(played: System) -> None:
    system = played
    state = fold_registry(decoded_logs(system, system.registry))
    reg = system.registry
    for who in named(system):
        expected = state.attestations.get(who, (0, b"\0\0", 0, b"\0" * 32, 0, False))
        assert tuple(system.view(reg, "attestationOf", who)) == expected, who
        assert (who in state.blocked) == system.view(reg, "isBlocked", who), who
        assert state.blocked.get(who, b"\0" * 32) == system.view(reg, "blockReference", who), who
    for jurisdiction in (b"KP", b"BY", b"PL"):
        assert state.prohibited[jurisdiction] == system.view(
            reg, "isJurisdictionProhibited", jurisdiction
        )
    assert state.prohibited[b"KP"]
    assert not system.view(
        reg, "isEligible", system.alice
    )  # re-attested into a prohibited jurisdiction
