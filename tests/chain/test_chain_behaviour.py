"""One behaviour suite for every backend: embedded (eth-tester), decree8 node and Hardhat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chain_helpers import LIMIT, Probe, balance
from eth_typing import HexStr
from web3 import Web3
from web3.middleware.base import Web3Middleware
from web3.types import RPCEndpoint

from decree8.chain import Chain
from decree8.errors import ChainError, TransactionReverted
from support import WITH_DECREE8_NODE

ETHER = 10**18
GAS = 200_000

#: Every backend, and decree8's own node on both of its EVMs.
BACKENDS = WITH_DECREE8_NODE


# -- accounts --------------------------------------------------------------------------------------


def test_accounts_are_checksummed_funded_and_unlocked(chain: Chain) -> None:
    assert len(chain.accounts) >= 10
    assert all(Web3.is_checksum_address(a) for a in chain.accounts)
    assert all(balance(chain, a) >= 1_000 * ETHER for a in chain.accounts[:10])

    before = balance(chain, chain.accounts[2])
    receipt = chain.transact({"from": chain.accounts[1], "to": chain.accounts[2], "value": 12345})

    assert receipt["status"] == 1
    assert balance(chain, chain.accounts[2]) == before + 12345


def test_transactions_never_ask_the_node_for_the_chain_id(chain: Chain) -> None:
    seen: list[str] = []

    class Recorder(Web3Middleware):
        def request_processor(self, method: RPCEndpoint, params: Any) -> Any:
            seen.append(method)
            return method, params

    # The innermost layer: it sees what reaches the node.
    chain.w3.middleware_onion.inject(Recorder, "recorder", layer=0)
    try:
        chain.transact({"to": chain.accounts[1], "value": 1})
        chain.transact({"to": chain.accounts[1], "value": 1}, gas=30_000)
        chain.call({"to": chain.accounts[1]})
        assert chain.w3.eth.chain_id == chain.chain_id
    finally:
        chain.w3.middleware_onion.remove("recorder")

    assert "eth_sendTransaction" in seen and "eth_estimateGas" in seen
    assert "eth_chainId" not in seen


# -- transactions and calls ------------------------------------------------------------------------


def test_transact_with_explicit_gas_stores_the_value(probe: Probe) -> None:
    receipt = probe.chain.transact(probe.tx("setValue", 42), gas=GAS)

    assert receipt["status"] == 1
    assert receipt["gasUsed"] < GAS
    assert probe.read("value") == 42


def test_transact_with_gas_estimation_stores_the_value(probe: Probe) -> None:
    receipt = probe.chain.transact(probe.tx("setValue", 7, **{"from": probe.chain.accounts[3]}))

    assert receipt["status"] == 1
    assert receipt["from"] == probe.chain.accounts[3]
    assert probe.read("value") == 7


def test_transact_sends_value_to_a_payable_function(probe: Probe) -> None:
    probe.chain.transact(probe.tx("deposit", value=5 * ETHER))

    assert probe.read("deposited") == 5 * ETHER
    assert balance(probe.chain, probe.address) == 5 * ETHER


def test_call_returns_the_raw_return_data(probe: Probe) -> None:
    raw = probe.chain.call(probe.tx("divide", 84, 2))

    assert raw == (42).to_bytes(32, "big")


def test_call_at_an_earlier_block_sees_the_earlier_state(probe: Probe) -> None:
    probe.chain.transact(probe.tx("setValue", 1), gas=GAS)
    first = probe.chain.block_number
    probe.chain.transact(probe.tx("setValue", 2), gas=GAS)

    assert probe.chain.call(probe.tx("value"), block=first) == (1).to_bytes(32, "big")
    assert probe.chain.call(probe.tx("value")) == (2).to_bytes(32, "big")


def test_get_logs_returns_the_events_of_the_address_and_topic(probe: Probe) -> None:
    chain = probe.chain
    start = chain.block_number + 1
    chain.transact(probe.tx("setValue", 10), gas=GAS)
    chain.transact(probe.tx("deposit", value=3), gas=GAS)
    chain.transact(probe.tx("setValue", 20, **{"from": chain.accounts[1]}), gas=GAS)
    value_set = probe.contract.events.ValueSet()
    topic = value_set.topic

    logs = chain.get_logs(address=probe.address, from_block=start, topics=[topic])
    decoded = [value_set.process_log(log)["args"] for log in logs]

    assert [(d["by"], d["previous"], d["value"]) for d in decoded] == [
        (chain.accounts[0], 0, 10),
        (chain.accounts[1], 10, 20),
    ]
    assert len(chain.get_logs(address=probe.address, from_block=start)) == 3
    assert chain.get_logs(address=probe.address, from_block=start, to_block=start) == logs[:1]


# -- reverts, decoded ------------------------------------------------------------------------------


def _revert_paths(probe: Probe) -> dict[str, Callable[[dict[str, object]], object]]:
    chain = probe.chain
    return {
        "call": chain.call,
        "estimate": chain.transact,
        "mined-with-explicit-gas": lambda tx: chain.transact(tx, gas=GAS),
    }


@pytest.mark.parametrize("path", ["call", "estimate", "mined-with-explicit-gas"])
def test_custom_error_is_decoded_by_name_and_arguments(probe: Probe, path: str) -> None:
    sender = probe.chain.accounts[4]
    send = _revert_paths(probe)[path]

    with pytest.raises(TransactionReverted) as caught:
        send(probe.tx("setValue", LIMIT + 1, **{"from": sender}))

    err = caught.value
    assert err.name == "ValueTooLarge"
    assert err.signature == "ValueTooLarge(uint256,uint256,address)"
    assert err.args == {"given": LIMIT + 1, "limit": LIMIT, "caller": sender}
    assert err.data[:4] == Web3.keccak(text="ValueTooLarge(uint256,uint256,address)")[:4]
    assert str(err).startswith("transaction reverted: ValueTooLarge(given=1000001, limit=1000000")
    assert probe.read("value") == 0


def test_a_reverted_mined_transaction_names_its_hash(probe: Probe) -> None:
    block = probe.chain.block_number

    with pytest.raises(TransactionReverted) as caught:
        probe.chain.transact(probe.tx("setValue", LIMIT + 1), gas=GAS)

    tx_hash = caught.value.tx_hash
    assert tx_hash is not None and tx_hash in str(caught.value)
    receipt = probe.chain.w3.eth.get_transaction_receipt(HexStr(tx_hash))
    assert receipt["status"] == 0
    assert receipt["blockNumber"] == block + 1


@pytest.mark.parametrize("path", ["call", "estimate", "mined-with-explicit-gas"])
def test_require_string_is_decoded_as_error(probe: Probe, path: str) -> None:
    with pytest.raises(TransactionReverted) as caught:
        _revert_paths(probe)[path](probe.tx("requireNotFailing", True))

    assert caught.value.name == "Error"
    assert caught.value.signature == "Error(string)"
    assert caught.value.args == {"message": "ChainProbe: asked to fail"}


@pytest.mark.parametrize("path", ["call", "estimate", "mined-with-explicit-gas"])
def test_panic_is_decoded_with_its_code(probe: Probe, path: str) -> None:
    with pytest.raises(TransactionReverted) as caught:
        _revert_paths(probe)[path](probe.tx("divide", 1, 0))

    assert caught.value.name == "Panic"
    assert caught.value.args == {"code": 0x12}


def test_a_call_that_does_not_revert_raises_nothing(probe: Probe) -> None:
    probe.chain.call(probe.tx("requireNotFailing", False))


# -- snapshots, time, mining -----------------------------------------------------------------------


def test_revert_restores_storage_balances_block_number_and_timestamp(probe: Probe) -> None:
    chain = probe.chain
    chain.transact(probe.tx("setValue", 1), gas=GAS)
    block, stamp = chain.block_number, chain.timestamp()
    funds = balance(chain, chain.accounts[5])
    snap = chain.snapshot()

    chain.transact(probe.tx("setValue", 2), gas=GAS)
    chain.transact({"from": chain.accounts[5], "to": chain.accounts[6], "value": ETHER})
    chain.time_travel(86_400)
    chain.mine(2)
    assert probe.read("value") == 2
    chain.revert(snap)

    assert probe.read("value") == 1
    assert balance(chain, chain.accounts[5]) == funds
    assert chain.block_number == block
    assert chain.timestamp() == stamp


def test_reverting_restores_the_chain_even_when_the_block_raises(probe: Probe) -> None:
    chain = probe.chain
    chain.transact(probe.tx("setValue", 1), gas=GAS)
    block = chain.block_number
    with pytest.raises(RuntimeError, match="inside"), chain.reverting() as inside:
        assert inside is chain
        chain.transact(probe.tx("setValue", 3), gas=GAS)
        assert probe.read("value") == 3
        raise RuntimeError("inside")
    assert probe.read("value") == 1
    assert chain.block_number == block


def test_a_snapshot_is_used_up_by_its_revert(chain: Chain) -> None:
    first = chain.snapshot()
    chain.mine()
    second = chain.snapshot()
    chain.mine()

    chain.revert(first)

    with pytest.raises(ChainError, match="no snapshot"):
        chain.revert(second)
    with pytest.raises(ChainError, match="no snapshot"):
        chain.revert(first)


def test_time_travel_moves_block_timestamp(probe: Probe) -> None:
    chain = probe.chain
    before = chain.timestamp()
    block = chain.block_number

    chain.time_travel(3_600)

    assert chain.block_number == block + 1
    assert chain.timestamp() == before + 3_600
    receipt = chain.transact(probe.tx("setValue", 5), gas=GAS)
    mined_at = chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert before + 3_600 < mined_at < before + 3_600 + 60


def test_set_next_timestamp_stamps_the_next_block_exactly(probe: Probe) -> None:
    chain = probe.chain
    target = chain.timestamp() + 1_000

    chain.set_next_timestamp(target)
    receipt = chain.transact(probe.tx("setValue", 5), gas=GAS)

    assert chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"] == target
    assert chain.timestamp() == target


def test_set_next_timestamp_refuses_the_past(chain: Chain) -> None:
    with pytest.raises(ChainError, match="must be after the latest block"):
        chain.set_next_timestamp(chain.timestamp())


def test_mine_adds_blocks_with_rising_timestamps(chain: Chain) -> None:
    block = chain.block_number

    chain.mine(3)

    assert chain.block_number == block + 3
    stamps = [chain.w3.eth.get_block(n)["timestamp"] for n in range(block, block + 4)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
