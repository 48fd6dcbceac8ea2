"""What is particular to each backend: Hardhat's configuration, the embedded chain's accounts."""

from __future__ import annotations

import pytest
from chain_helpers import balance

from decree8.chain import Chain, EmbeddedChain, RpcChain
from decree8.errors import ChainError

ETHER = 10**18


@pytest.mark.rpc
def test_hardhat_node_runs_chain_31337_with_funded_unlocked_accounts(hardhat_url: str) -> None:
    with Chain.rpc(hardhat_url, timeout=5) as chain:
        assert isinstance(chain, RpcChain)
        assert chain.chain_id == 31337
        assert len(chain.accounts) == 20
        assert all(balance(chain, a) >= 1_000 * ETHER for a in chain.accounts)
        receipt = chain.transact({"from": chain.accounts[19], "to": chain.accounts[0], "value": 1})
        assert receipt["status"] == 1


@pytest.mark.rpc
def test_hardhat_runs_prague_rules_like_the_embedded_chain(hardhat_url: str) -> None:
    with Chain.rpc(hardhat_url, timeout=5) as chain:
        latest = chain.w3.eth.get_block("latest")
        # Cancun added the blob-gas fields, Prague the requests hash (EIP-7685).
        assert "excessBlobGas" in latest
        assert "requestsHash" in latest


def test_embedded_chain_has_the_accounts_asked_for() -> None:
    chain = Chain.embedded(accounts=3)

    assert isinstance(chain, EmbeddedChain)
    assert len(chain.accounts) == 3
    assert all(balance(chain, a) >= 1_000 * ETHER for a in chain.accounts)


def test_embedded_chain_needs_an_account() -> None:
    with pytest.raises(ChainError, match="at least one account"):
        Chain.embedded(accounts=0)


def test_embedded_chain_turns_a_refused_transaction_into_chain_error(
    embedded_chain: Chain,
) -> None:
    poor = embedded_chain.accounts[1]
    too_much = balance(embedded_chain, poor) + 1

    with pytest.raises(ChainError) as caught:
        embedded_chain.transact({"from": poor, "to": embedded_chain.accounts[2], "value": too_much})

    assert "\n" not in str(caught.value)


def test_time_travel_refuses_going_backwards(embedded_chain: Chain) -> None:
    with pytest.raises(ChainError, match="time only moves forward"):
        embedded_chain.time_travel(-1)


def test_one_way_to_open_a_chain_from_what_a_user_names() -> None:
    from decree8.chain.embedded import EmbeddedChain
    from decree8.chain.revm import RevmChain
    from decree8.errors import UsageError

    with Chain.open("embedded", accounts=3, timestamp=1_726_606_800) as chain:
        assert isinstance(chain, EmbeddedChain) and len(chain.accounts) == 3
        assert chain.timestamp() == 1_726_606_800  # a chain that starts in the past
    with Chain.open("revm", timestamp=1_726_606_800) as chain:
        assert isinstance(chain, RevmChain) and chain.timestamp() == 1_726_606_800
    with Chain.open(None) as chain:  # the fast chain where the extension loaded
        assert isinstance(chain, RevmChain)
    with pytest.raises(UsageError, match="unknown chain 'geth'"):
        Chain.open("geth")
