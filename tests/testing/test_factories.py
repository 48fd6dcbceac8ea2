"""The plugin's fixtures and the factories: named accounts, default deployments with roles, terms
and parties as documented, and every test starting from the same chain state."""

from __future__ import annotations

import pytest
from eth_utils import keccak, to_checksum_address

from decree8.chain import Chain
from decree8.errors import TransactionReverted
from decree8.testing import (
    ACCOUNT_NAMES,
    DEFAULT_TERMS_TEXT,
    ELIGIBLE_OPERATOR,
    Accounts,
    Deployed,
    Factory,
    HolderType,
    PartyStatus,
    read_status,
)
from decree8.testing.stateful import revert_rule

UNIT = 10**18
P2P_SALE_CODE = 7


def role(name: str) -> bytes:
    return b"\0" * 32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)


def test_accounts_are_the_chains_first_ten_under_their_names(
    decree8_chain: Chain, decree8_accounts: Accounts
) -> None:
    assert [decree8_accounts[n] for n in ACCOUNT_NAMES] == decree8_chain.accounts[:10]
    assert decree8_accounts.name_of(decree8_chain.accounts[5]) == "alice"
    assert decree8_accounts.resolve("bob") == decree8_accounts.bob
    with pytest.raises(KeyError):
        decree8_accounts["mallory"]


def test_default_token_gives_each_role_to_its_named_account(
    decree8_token: Deployed, decree8_accounts: Accounts
) -> None:
    a = decree8_accounts
    for name, holder in [
        ("DEFAULT_ADMIN_ROLE", a.admin),
        ("TERMS_ADMIN_ROLE", a.admin),
        ("PLACEMENT_AGENT_ROLE", a.issuer),
        ("LEGAL_ORDER_ROLE", a.enforcer),
        ("OVERSIGHT_ROLE", a.oversight),
    ]:
        assert decree8_token.call("hasRole", role(name), holder), name
    assert not decree8_token.call("hasRole", role("PLACEMENT_AGENT_ROLE"), a.alice)


def test_default_token_is_bound_to_the_default_terms_and_parties_accepted_them(
    decree8_token: Deployed, decree8_accounts: Accounts
) -> None:
    assert decree8_token.call("termsHash") == keccak(text=DEFAULT_TERMS_TEXT)
    for name in ("alice", "bob", "carol"):
        assert decree8_token.call("hasAcceptedCurrentTerms", decree8_accounts[name]), name
    assert not decree8_token.call("hasAcceptedCurrentTerms", decree8_accounts.dave)


def test_default_registry_attests_alice_bob_and_carol_only(
    decree8_registry: Deployed, decree8_accounts: Accounts
) -> None:
    a = decree8_accounts
    assert read_status(decree8_registry, a.alice) == (HolderType.INDIVIDUAL, True, True, False)
    assert read_status(decree8_registry, a.carol) == (HolderType.ENTITY, True, True, False)
    assert read_status(decree8_registry, a.dave) == (HolderType.NONE, False, False, False)


def test_issued_tokens_move_between_compliant_parties_and_reverts_name_their_rule(
    decree8_token: Deployed, decree8_accounts: Accounts
) -> None:
    a = decree8_accounts
    decree8_token.send("issue", a.carol, 10 * UNIT, sender=a.issuer)
    decree8_token.send("transfer", a.alice, 4 * UNIT, sender=a.carol)
    assert decree8_token.call("balanceOf", a.alice) == 4 * UNIT
    with pytest.raises(TransactionReverted) as info:
        decree8_token.send("transfer", a.bob, UNIT, sender=a.alice)
    err = info.value
    assert err.name == "TransferRestricted" and err.args["code"] == P2P_SALE_CODE
    assert revert_rule("CompliantToken", "transfer", err) == "P2P-SALE"


def test_factory_token_with_custom_parties_issue_and_terms(decree8_factory: Factory) -> None:
    a = decree8_factory.accounts
    token = decree8_factory.token(
        name="Other",
        symbol="OTH",
        cap=100 * UNIT,
        terms="white paper v2",
        parties={"eve": ELIGIBLE_OPERATOR, "dave": PartyStatus(identified=False)},
        issue={"eve": 100 * UNIT},
    )
    assert token.call("symbol") == "OTH" and token.call("cap") == 100 * UNIT
    assert token.call("termsHash") == keccak(text="white paper v2")
    assert token.call("balanceOf", a.eve) == 100 * UNIT
    with pytest.raises(TransactionReverted) as info:
        token.send("issue", a.eve, 1, sender=a.issuer)
    assert revert_rule("CompliantToken", "issue", info.value) == "SUPPLY-CAP"


def test_default_escrow_may_hold_the_token(
    decree8_escrow: Deployed,
    decree8_token: Deployed,
    decree8_registry: Deployed,
    decree8_accounts: Accounts,
) -> None:
    assert read_status(decree8_registry, decree8_escrow.address)[0] == HolderType.OPERATOR
    assert decree8_token.call("hasAcceptedCurrentTerms", decree8_escrow.address)
    assert decree8_escrow.call("hasAcceptedCurrentTerms", decree8_accounts.carol)
    assert decree8_escrow.call("hasRole", role("OPERATOR_ROLE"), decree8_accounts.operator)
    decree8_token.send("issue", decree8_escrow.address, UNIT, sender=decree8_accounts.issuer)
    assert decree8_token.call("balanceOf", decree8_escrow.address) == UNIT


_SEEN: list[tuple[int, int]] = []


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_from_the_same_chain_state(
    decree8_factory: Factory, decree8_chain: Chain, run: int
) -> None:
    start = (
        decree8_chain.block_number,
        decree8_chain.w3.eth.get_transaction_count(
            to_checksum_address(decree8_factory.accounts.issuer)
        ),
    )
    _SEEN.append(start)
    decree8_factory.token(issue={}, parties=["alice"])
    assert decree8_chain.block_number > start[0]
    if run == 2:
        assert _SEEN[-1] == _SEEN[-2]
