"""Issue 13 item 6 on the contracts: FOREIGN-PLATFORM (code 14) on the token; identification agents,
who attested, and cryptobank register entries on the registry."""

from __future__ import annotations

from web3 import Web3
from web3.types import TxReceipt

from support import (
    BY,
    CODE,
    ENTITY,
    INDIVIDUAL,
    OPERATOR,
    PURPOSE_GIFT,
    YEAR,
    System,
    args_of,
    ref,
)

V = 10**18
FOREIGN_PLATFORM = 14
LT = b"LT"


def _foreign_exchange(s: System) -> str:
    """`dave` becomes an operator attested in Lithuania that accepted the terms."""
    s.attest(s.dave, OPERATOR, jurisdiction=LT)
    s.accept_terms(s.dave)
    return s.dave


def test_foreign_platform_code_is_14_in_the_pack() -> None:
    assert CODE["FOREIGN-PLATFORM"] == FOREIGN_PLATFORM


def test_sale_by_a_belarusian_individual_to_a_foreign_operator_is_refused(system: System) -> None:
    s = system
    foreign = _foreign_exchange(s)
    s.assert_restricted(
        "FOREIGN-PLATFORM",
        "transfer",
        foreign,
        V,
        sender=s.alice,
        frm=s.alice,
        to=foreign,
        value=V,
    )
    assert s.message(FOREIGN_PLATFORM).startswith("FOREIGN-PLATFORM: ")


def test_non_sale_purpose_or_a_belarusian_operator_or_an_entity_passes(system: System) -> None:
    s = system
    foreign = _foreign_exchange(s)
    assert s.detect(s.alice, foreign, V, PURPOSE_GIFT) == 0
    s.tok("transferWithPurpose", foreign, V, PURPOSE_GIFT, sender=s.alice)
    assert s.balance(foreign) == V
    assert s.detect(s.alice, s.exchange, V) == 0  # operator attested in BY
    s.tok("transfer", s.exchange, V, sender=s.alice)
    assert s.detect(s.carol, foreign, V) == 0  # an entity, not an individual
    s.tok("transfer", foreign, V, sender=s.carol)


def test_individual_attested_abroad_may_sell_to_a_foreign_operator(system: System) -> None:
    s = system
    foreign = _foreign_exchange(s)
    s.attest(s.bob, INDIVIDUAL, jurisdiction=LT)
    s.tok("transferWithPurpose", s.bob, V, PURPOSE_GIFT, sender=s.alice)
    assert s.detect(s.bob, foreign, V) == 0
    s.tok("transfer", foreign, V, sender=s.bob)


# ── identification agents ────────────────────────────────────────────────────────────────────


def _attest_as(s: System, agent: str, holder: str, holder_type: int = ENTITY) -> TxReceipt:
    until = s.chain.timestamp() + YEAR
    kyc = bytes(Web3.keccak(text=f"kyc:{holder}"))
    return s.reg("attest", holder, holder_type, BY, until, kyc, 0, sender=agent)


def test_only_appointed_agents_attest_and_the_attester_is_recorded(system: System) -> None:
    s = system
    agent = s.bob
    err = s.reverts(s.registry, "attest", s.dave, ENTITY, BY, 10**12, b"\x01" * 32, 0, sender=agent)
    assert err.name == "NotAnAttester" and args_of(err) == {"account": agent}
    receipt = s.reg("appointAgent", agent, ref("AGENT-CONTRACT-1"))
    assert s.events(s.registry, "AgentAppointed", receipt) == [
        {"agent": agent, "agentId": 1, "ref": ref("AGENT-CONTRACT-1"), "by": s.operator}
    ]
    assert s.view(s.registry, "isAgent", agent)
    receipt = _attest_as(s, agent, s.dave)
    assert s.events(s.registry, "HolderAttested", receipt)[0]["by"] == agent
    assert s.view(s.registry, "attestedBy", s.dave) == agent
    assert s.view(s.registry, "isIdentified", s.dave)
    assert s.view(s.registry, "attestedBy", s.alice) == s.operator
    err = s.reverts(s.registry, "revoke", s.dave, ref("R"), sender=agent)
    assert err.name == "AccessControlUnauthorizedAccount"  # revocation stays with the operator
    err = s.reverts(s.registry, "appointAgent", agent, ref("again"), sender=s.operator)
    assert err.name == "AlreadyAgent"
    err = s.reverts(s.registry, "appointAgent", s.carol, b"\0" * 32, sender=s.operator)
    assert err.name == "MissingReference"


def test_removed_agents_attestations_stop_identifying_until_reattested(system: System) -> None:
    s = system
    agent = s.bob
    s.reg("appointAgent", agent, ref("AGENT-1"))
    _attest_as(s, agent, s.dave)
    s.accept_terms(s.dave)
    assert s.detect(s.carol, s.dave, V) == 0
    receipt = s.reg("removeAgent", agent, ref("AGENT-1-END"))
    assert s.events(s.registry, "AgentRemoved", receipt) == [
        {"agent": agent, "agentId": 1, "ref": ref("AGENT-1-END"), "by": s.operator}
    ]
    assert not s.view(s.registry, "isIdentified", s.dave)
    assert tuple(s.view(s.registry, "statusOf", s.dave)) == (0, False, False, False)
    s.assert_restricted(
        "HOLDER-IDENTIFIED",
        "transfer",
        s.dave,
        V,
        sender=s.carol,
        frm=s.carol,
        to=s.dave,
        value=V,
    )
    # Re-appointing the same account does not revive what it attested before its removal.
    s.reg("appointAgent", agent, ref("AGENT-1-AGAIN"))
    assert not s.view(s.registry, "isIdentified", s.dave)
    _attest_as(s, agent, s.dave)
    assert s.view(s.registry, "isIdentified", s.dave)
    s.tok("transfer", s.dave, V, sender=s.carol)
    err = s.reverts(s.registry, "removeAgent", s.carol, ref("X"), sender=s.operator)
    assert err.name == "NotAnAgent"


def test_cryptobank_register_entry_is_recorded_not_enforced(system: System) -> None:
    s = system
    assert s.view(s.registry, "cryptobankEntryOf", s.exchange) == b"\0" * 32
    receipt = s.reg("recordCryptobankEntry", s.exchange, ref("NBRB-CB-0001"))
    assert s.events(s.registry, "CryptobankEntryRecorded", receipt) == [
        {"operatorAccount": s.exchange, "ref": ref("NBRB-CB-0001"), "by": s.operator}
    ]
    assert s.view(s.registry, "cryptobankEntryOf", s.exchange) == ref("NBRB-CB-0001")
    err = s.reverts(s.registry, "recordCryptobankEntry", s.exchange, ref("X"), sender=s.exchange)
    assert err.name == "AccessControlUnauthorizedAccount"
    s.tok("transfer", s.exchange, V, sender=s.carol)  # nothing enforced on it
