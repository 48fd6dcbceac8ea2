"""The same contract behaviour on revm as on eth-tester: each test runs on both backends."""

from __future__ import annotations

from eth_abi import encode
from eth_typing import HexStr
from revm_helpers import GAS, deploy, revert_data, selector
from web3 import Web3
from web3.types import RPCEndpoint, Wei

from decree8.compile import Artifact

LIMIT = 1_000_000


def _snapshot(w3: Web3) -> object:
    return w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]


def _revert(w3: Web3, snapshot: object) -> None:
    w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])


def test_deployed_contract_stores_the_value_it_is_given(
    any_w3: Web3, chain_probe: Artifact
) -> None:
    probe = deploy(any_w3, chain_probe)
    sender = list(any_w3.eth.accounts)[0]
    probe.functions.setValue(7).transact({"from": sender})
    assert probe.functions.value().call() == 7
    assert int.from_bytes(any_w3.eth.get_storage_at(probe.address, 0), "big") == 7
    assert any_w3.eth.get_code(probe.address) != b""


def test_events_reach_process_receipt_and_get_logs(any_w3: Web3, chain_probe: Artifact) -> None:
    probe = deploy(any_w3, chain_probe)
    alice, bob = list(any_w3.eth.accounts)[:2]
    first = probe.functions.setValue(5).transact({"from": alice})
    second = probe.functions.setValue(9).transact({"from": bob})
    receipt = any_w3.eth.get_transaction_receipt(second)
    (event,) = probe.events.ValueSet().process_receipt(receipt)
    assert dict(event["args"]) == {"by": bob, "previous": 5, "value": 9}
    assert event["blockNumber"] == receipt["blockNumber"]
    assert event["logIndex"] == 0

    logs = probe.events.ValueSet().get_logs(from_block=0)
    assert [log["transactionHash"] for log in logs] == [first, second]
    by_alice = probe.events.ValueSet().get_logs(from_block=0, argument_filters={"by": alice})
    assert [log["args"]["value"] for log in by_alice] == [5]
    only_second = any_w3.eth.get_logs(
        {"fromBlock": receipt["blockNumber"], "toBlock": "latest", "address": probe.address}
    )
    assert [log["transactionHash"] for log in only_second] == [second]


def test_custom_error_in_a_call_carries_its_arguments(any_w3: Web3, chain_probe: Artifact) -> None:
    probe = deploy(any_w3, chain_probe)
    sender = list(any_w3.eth.accounts)[0]
    data = revert_data(lambda: probe.functions.setValue(LIMIT + 1).call({"from": sender}))
    expected = selector("ValueTooLarge(uint256,uint256,address)") + encode(
        ["uint256", "uint256", "address"], [LIMIT + 1, LIMIT, sender]
    )
    assert data == expected


def test_require_string_and_panic_revert_with_their_standard_data(
    any_w3: Web3, chain_probe: Artifact
) -> None:
    probe = deploy(any_w3, chain_probe)
    assert revert_data(lambda: probe.functions.requireNotFailing(True).call()) == selector(
        "Error(string)"
    ) + encode(["string"], ["ChainProbe: asked to fail"])
    assert revert_data(lambda: probe.functions.divide(1, 0).call()) == selector(
        "Panic(uint256)"
    ) + encode(["uint256"], [0x12])


def test_reverting_transaction_with_explicit_gas_is_mined_with_status_0(
    any_w3: Web3, chain_probe: Artifact
) -> None:
    probe = deploy(any_w3, chain_probe)
    sender = list(any_w3.eth.accounts)[0]
    block = any_w3.eth.block_number
    nonce = any_w3.eth.get_transaction_count(sender)
    tx_hash = probe.functions.setValue(LIMIT + 1).transact({"from": sender, "gas": GAS})
    receipt = any_w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 0
    assert receipt["blockNumber"] == block + 1
    assert any_w3.eth.get_transaction_count(sender) == nonce + 1
    assert probe.functions.value().call() == 0
    assert probe.events.ValueSet().process_receipt(receipt) == ()


def test_constructor_revert_is_mined_with_status_0_and_estimates_revert(
    any_w3: Web3, revm_probe: Artifact
) -> None:
    factory = any_w3.eth.contract(abi=revm_probe.abi, bytecode=revm_probe.bytecode)
    sender = list(any_w3.eth.accounts)[0]
    receipt = any_w3.eth.get_transaction_receipt(
        factory.constructor(0).transact({"from": sender, "gas": GAS})
    )
    assert receipt["status"] == 0
    assert not receipt["contractAddress"]
    data = revert_data(lambda: factory.constructor(0).estimate_gas({"from": sender}))
    assert data == selector("ZeroSeed()")
    assert deploy(any_w3, revm_probe, 4).functions.seed().call() == 4


def test_ether_sent_with_a_call_moves_balances(any_w3: Web3, chain_probe: Artifact) -> None:
    probe = deploy(any_w3, chain_probe)
    alice, bob = list(any_w3.eth.accounts)[:2]
    before = any_w3.eth.get_balance(alice)
    receipt = any_w3.eth.get_transaction_receipt(
        probe.functions.deposit().transact({"from": alice, "value": Wei(3 * 10**18)})
    )
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert any_w3.eth.get_balance(alice) == before - 3 * 10**18 - fee
    assert any_w3.eth.get_balance(probe.address) == 3 * 10**18
    assert probe.functions.deposited().call() == 3 * 10**18

    bob_before = any_w3.eth.get_balance(bob)
    any_w3.eth.send_transaction({"from": alice, "to": bob, "value": Wei(12345)})
    assert any_w3.eth.get_balance(bob) == bob_before + 12345


def test_each_transaction_mines_one_block_with_a_later_timestamp(
    any_w3: Web3, chain_probe: Artifact
) -> None:
    sender = list(any_w3.eth.accounts)[0]
    start = any_w3.eth.get_block("latest")
    probe = deploy(any_w3, chain_probe)
    for value in (1, 2, 3):
        probe.functions.setValue(value).transact({"from": sender})
    blocks = [any_w3.eth.get_block(n) for n in range(start["number"], start["number"] + 5)]
    assert [b["number"] for b in blocks] == list(range(start["number"], start["number"] + 5))
    assert all(len(b["transactions"]) == 1 for b in blocks[1:])
    assert all(a["timestamp"] < b["timestamp"] for a, b in zip(blocks, blocks[1:], strict=False))
    assert all(a["hash"] == b["parentHash"] for a, b in zip(blocks, blocks[1:], strict=False))
    assert any_w3.eth.get_transaction_count(sender) == 4
    latest = any_w3.eth.get_block("latest")
    assert probe.functions.blockTimestamp().call() == latest["timestamp"]


def test_snapshot_revert_restores_state_blocks_and_nonces(
    any_w3: Web3, chain_probe: Artifact
) -> None:
    probe = deploy(any_w3, chain_probe)
    sender = list(any_w3.eth.accounts)[0]
    probe.functions.setValue(1).transact({"from": sender})
    snapshot = _snapshot(any_w3)
    block = any_w3.eth.block_number
    nonce = any_w3.eth.get_transaction_count(sender)
    balance = any_w3.eth.get_balance(sender)
    tx_hash = probe.functions.setValue(2).transact({"from": sender})
    probe.functions.deposit().transact({"from": sender, "value": 10**18})
    assert probe.functions.value().call() == 2

    _revert(any_w3, snapshot)
    assert probe.functions.value().call() == 1
    assert any_w3.eth.block_number == block
    assert any_w3.eth.get_transaction_count(sender) == nonce
    assert any_w3.eth.get_balance(sender) == balance
    assert any_w3.eth.get_balance(probe.address) == 0
    assert [log["args"]["value"] for log in probe.events.ValueSet().get_logs(from_block=0)] == [1]
    # the chain goes on from the snapshot
    probe.functions.setValue(3).transact({"from": sender})
    assert any_w3.eth.block_number == block + 1
    assert probe.functions.value().call() == 3
    assert tx_hash not in {log["transactionHash"] for log in any_w3.eth.get_logs({"fromBlock": 0})}


def test_time_travel_moves_the_next_block_timestamp(any_w3: Web3, chain_probe: Artifact) -> None:
    probe = deploy(any_w3, chain_probe)
    target = any_w3.eth.get_block("latest")["timestamp"] + 86_400
    any_w3.provider.make_request(RPCEndpoint("testing_timeTravel"), [target])
    probe.functions.setValue(1).transact({"from": list(any_w3.eth.accounts)[0]})
    assert any_w3.eth.get_block("latest")["timestamp"] >= target
    assert probe.functions.blockTimestamp().call() == any_w3.eth.get_block("latest")["timestamp"]


def test_transient_storage_is_empty_at_the_start_of_every_transaction(
    any_w3: Web3, revm_probe: Artifact
) -> None:
    probe = deploy(any_w3, revm_probe, 1)
    sender = list(any_w3.eth.accounts)[0]
    for _ in range(3):
        receipt = any_w3.eth.get_transaction_receipt(
            probe.functions.bumpTransient().transact({"from": sender})
        )
        (event,) = probe.events.TransientBumped().process_receipt(receipt)
        assert event["args"]["found"] == 0
    assert probe.functions.lastTransient().call() == 0


def test_a_creation_call_returns_the_runtime_code_it_would_deploy(
    any_w3: Web3, chain_probe: Artifact
) -> None:
    sender = list(any_w3.eth.accounts)[0]
    returned = any_w3.eth.call({"from": sender, "data": HexStr("0x" + chain_probe.bytecode)})
    probe = deploy(any_w3, chain_probe)
    deployed = any_w3.eth.get_code(probe.address)
    assert returned == deployed
    assert len(deployed) * 2 == len(chain_probe.deployed_bytecode)
