"""The token's extension points (issue 11 item 6): a child contract overrides `_update` (calling
super) and `_projectRestriction` / `_projectRestrictionMessage` (a maximum holding, code 64); the
rule is enforced by transfers and issuance with `TransferRestricted`, reported by the ERC-1404
views, and the override of `_update` sees every movement, forced transfers included."""

from __future__ import annotations

import pytest
from web3.contract import Contract

from decree8.compile import Build
from decree8.deploy import deploy
from support import PURPOSE_GIFT, System, args_of, ref

V = 10**18
MAX_HOLDING = 100 * V
CODE_MAX_HOLDING = 64


@pytest.fixture
def child(system: System, build: Build) -> Contract:
    s = system
    token = deploy(
        s.chain,
        build.artifact("CappedHoldingToken"),
        [MAX_HOLDING, s.registry.address, s.admin, s.agent, s.legal, s.oversight],
        sender=s.admin,
        gas=8_000_000,
    ).bind(s.chain)
    version = s.view(token, "termsVersion")
    terms_hash = s.view(token, "termsHash")
    for holder in (s.alice, s.bob, s.carol, s.exchange):
        s.send(token, "acceptTerms", version, terms_hash, sender=holder)
    s.send(token, "issue", s.alice, 80 * V, sender=s.agent)
    s.send(token, "issue", s.carol, 100 * V, sender=s.agent)
    return token


def _restricted(s: System, token: Contract, fn: str, *args: object, sender: str) -> dict:
    err = s.reverts(token, fn, *args, sender=sender)
    assert err.name == "TransferRestricted", err
    return args_of(err)


def test_project_rule_is_enforced_and_reported(system: System, child: Contract) -> None:
    s = system
    assert s.view(child, "detectTransferRestriction", s.carol, s.alice, 21 * V) == 64
    assert _restricted(s, child, "transfer", s.alice, 21 * V, sender=s.carol) == {
        "code": CODE_MAX_HOLDING,
        "from": s.carol,
        "to": s.alice,
        "value": 21 * V,
    }
    assert s.view(child, "messageForTransferRestriction", 64).startswith("MAX-HOLDING: ")
    assert s.view(child, "detectTransferRestriction", s.carol, s.alice, 20 * V) == 0
    s.send(child, "transfer", s.alice, 20 * V, sender=s.carol)
    assert s.view(child, "balanceOf", s.alice) == MAX_HOLDING
    # Issuance passes the project rule too; built-in rules come first.
    zero = "0x" + "00" * 20
    assert s.view(child, "detectTransferRestriction", zero, s.alice, 1) == 64
    assert _restricted(s, child, "issue", s.alice, 1, sender=s.agent)["code"] == 64
    assert s.view(child, "detectTransferRestriction", s.carol, s.dave, 1) == 4  # HOLDER-IDENTIFIED
    # With a stated purpose as well.
    assert _restricted(
        s, child, "transferWithPurpose", s.alice, V, PURPOSE_GIFT, sender=s.carol
    ) == {"code": 64, "from": s.carol, "to": s.alice, "value": V}


def test_update_override_sees_every_movement(system: System, child: Contract) -> None:
    s = system
    assert s.view(child, "movements") == 2  # two issuances
    s.send(child, "transfer", s.exchange, V, sender=s.carol)
    s.send(child, "forcedTransfer", s.carol, s.exchange, V, ref("ORDER"), sender=s.legal)
    assert s.view(child, "movements") == 4


def test_default_project_messages_name_the_code(system: System) -> None:
    s = system
    for code in (64, 99, 127):
        text = s.message(code)
        assert text.startswith("PROJECT-RULE: ") and f" {code} " in text, text
    assert s.message(128) == "UNKNOWN: unknown restriction code"
    assert s.message(63) == "UNKNOWN: unknown restriction code"
