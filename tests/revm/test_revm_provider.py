"""What the revm provider answers as a JSON-RPC node: errors, raw transactions, estimates,
snapshots, time, fees and the log index."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from revm_helpers import GAS, deploy, selector
from web3 import Web3
from web3.exceptions import ContractCustomError, Web3RPCError
from web3.types import FilterParams, RPCEndpoint, Wei

from decree8.compile import Artifact
from decree8.revm import RevmNode, RevmProvider


def _rpc(provider: RevmProvider, method: str, *params: Any) -> dict[str, Any]:
    return dict(provider.make_request(method, list(params)))  # type: ignore[arg-type]


def test_accounts_are_eth_testers_funded_accounts(w3: Web3) -> None:
    tester = Web3(Web3.EthereumTesterProvider())
    assert w3.eth.accounts == tester.eth.accounts
    assert all(w3.eth.get_balance(a) == 10**24 for a in w3.eth.accounts)
    assert w3.eth.chain_id == 1337
    assert w3.eth.block_number == 0


def test_node_options_set_accounts_balance_and_chain_id() -> None:
    w3 = Web3(RevmProvider(accounts=3, balance=5 * 10**18, chain_id=31337))
    assert len(w3.eth.accounts) == 3
    assert w3.eth.get_balance(list(w3.eth.accounts)[2]) == 5 * 10**18
    assert w3.eth.chain_id == 31337


def test_reverting_call_answers_code_3_with_the_revert_data(
    provider: RevmProvider, w3: Web3, chain_probe: Artifact
) -> None:
    probe = deploy(w3, chain_probe)
    calldata = probe.encode_abi("setValue", [10**7])
    answer = _rpc(provider, "eth_call", {"to": probe.address, "data": calldata}, "latest")
    assert answer["error"]["code"] == 3
    assert answer["error"]["message"] == "execution reverted"
    assert answer["error"]["data"].startswith(
        "0x" + selector("ValueTooLarge(uint256,uint256,address)").hex()
    )
    estimate = _rpc(provider, "eth_estimateGas", {"to": probe.address, "data": calldata})
    assert estimate["error"] == answer["error"]


def test_status_0_receipt_carries_revert_data(w3: Web3, chain_probe: Artifact) -> None:
    probe = deploy(w3, chain_probe)
    tx_hash = probe.functions.setValue(10**7).transact(
        {"from": list(w3.eth.accounts)[0], "gas": GAS}
    )
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 0
    revert_data = str(dict(receipt)["revertData"])  # revm adds the revert data to the receipt
    assert revert_data[:10] == "0x" + selector("ValueTooLarge(uint256,uint256,address)").hex()


@pytest.mark.parametrize(
    ("tx", "message"),
    [
        ({"from": "0x" + "12" * 20, "to": "0x" + "34" * 20, "value": "0x1"}, "unknown account"),
        ({"to": "0x" + "34" * 20, "value": hex(10**25), "gas": "0x5208"}, "insufficient funds"),
        ({"to": "0x" + "34" * 20, "gas": "0x3e8"}, "intrinsic gas too low"),
        ({"to": "0x" + "34" * 20, "gas": "0x5208", "nonce": "0x5"}, "nonce too high"),
        ({"to": "0x" + "34" * 20, "gas": hex(40_000_000)}, "exceeds the block gas limit"),
        ({"to": "0x" + "34" * 20, "gas": "0x5208", "chainId": "0x1"}, "invalid chain id"),
    ],
)
def test_refused_transactions_answer_an_error_and_mine_nothing(
    provider: RevmProvider, tx: dict[str, Any], message: str
) -> None:
    tx = {"from": provider.node.accounts[0], **tx}
    answer = _rpc(provider, "eth_sendTransaction", tx)
    assert answer["error"]["code"] == -32000
    assert message in answer["error"]["message"]
    assert provider.node.block_number == 0
    assert provider.node.nonce(provider.node.accounts[0]) == 0


def test_unknown_methods_and_bad_params_answer_json_rpc_errors(provider: RevmProvider) -> None:
    assert _rpc(provider, "eth_getProof", "0x" + "00" * 20, [], "latest")["error"]["code"] == -32601
    assert _rpc(provider, "eth_getBalance", "0x1234", "latest")["error"]["code"] == -32602


def test_raw_transactions_are_decoded_and_executed(w3: Web3, provider: RevmProvider) -> None:
    signer = Account.from_key(provider.node.private_keys[1])
    stranger = Account.create()
    legacy = signer.sign_transaction(
        {
            "to": stranger.address,
            "value": 10**18,
            "gas": 21_000,
            "gasPrice": 0,
            "nonce": 0,
            "chainId": 1337,
        }
    )
    dynamic = signer.sign_transaction(
        {
            "to": stranger.address,
            "value": 2,
            "gas": 21_000,
            "maxFeePerGas": 10,
            "maxPriorityFeePerGas": 3,
            "nonce": 1,
            "chainId": 1337,
            "type": 2,
        }
    )
    for signed in (legacy, dynamic):
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        assert tx_hash == signed.hash
        assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    assert w3.eth.get_balance(stranger.address) == 10**18 + 2
    assert w3.eth.get_transaction_count(signer.address) == 2
    tx = w3.eth.get_transaction(dynamic.hash)
    assert (tx["from"], tx["nonce"], tx["maxFeePerGas"]) == (signer.address, 1, 10)
    # a stranger's signed transaction is accepted too, and a replay is refused
    back = stranger.sign_transaction(
        {
            "to": signer.address,
            "value": 1,
            "gas": 21_000,
            "gasPrice": 0,
            "nonce": 0,
            "chainId": 1337,
        }
    )
    w3.eth.send_raw_transaction(back.raw_transaction)
    with pytest.raises(Web3RPCError, match="nonce too low"):
        w3.eth.send_raw_transaction(back.raw_transaction)


def test_estimate_is_enough_and_close_to_the_gas_used(w3: Web3, chain_probe: Artifact) -> None:
    probe = deploy(w3, chain_probe)
    sender = list(w3.eth.accounts)[0]
    estimate = probe.functions.setValue(3).estimate_gas({"from": sender})
    receipt = w3.eth.get_transaction_receipt(
        probe.functions.setValue(3).transact({"from": sender, "gas": estimate})
    )
    assert receipt["status"] == 1
    assert receipt["gasUsed"] <= estimate <= receipt["gasUsed"] * 1.1 + 2_300
    with pytest.raises(ContractCustomError):
        probe.functions.setValue(10**7).estimate_gas({"from": sender})


def test_blockhash_opcode_matches_the_block_hashes_served(w3: Web3, revm_probe: Artifact) -> None:
    probe = deploy(w3, revm_probe, 1)
    w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    for number in (0, 1):
        assert probe.functions.hashOf(number).call() == w3.eth.get_block(number)["hash"]
    values = probe.functions.blockValues().call()
    latest = w3.eth.get_block("latest")
    assert values == [latest["number"], latest["timestamp"], latest["miner"], 30_000_000, 0, 1337]


def test_explicit_gas_price_is_paid_to_the_coinbase(w3: Web3, chain_probe: Artifact) -> None:
    probe = deploy(w3, chain_probe)
    sender = list(w3.eth.accounts)[0]
    coinbase = w3.eth.get_block("latest")["miner"]
    before, coinbase_before = w3.eth.get_balance(sender), w3.eth.get_balance(coinbase)
    receipt = w3.eth.get_transaction_receipt(
        probe.functions.setValue(4).transact({"from": sender, "gasPrice": 7, "gas": GAS})
    )
    fee = receipt["gasUsed"] * 7
    assert receipt["effectiveGasPrice"] == 7
    assert w3.eth.get_balance(sender) == before - fee
    assert w3.eth.get_balance(coinbase) == coinbase_before + fee


def test_revert_undoes_fees_nonces_and_later_snapshots(
    provider: RevmProvider, w3: Web3, chain_probe: Artifact
) -> None:
    probe = deploy(w3, chain_probe)
    sender, fresh = list(w3.eth.accounts)[0], Account.create().address
    outer = _rpc(provider, "evm_snapshot")["result"]
    start = {a: (w3.eth.get_balance(a), w3.eth.get_transaction_count(a)) for a in (sender, fresh)}
    for _ in range(2):  # a snapshot can be reverted to more than once
        w3.eth.send_transaction(
            {"from": sender, "to": fresh, "value": Wei(10**18), "gasPrice": Wei(3)}
        )
        inner = _rpc(provider, "evm_snapshot")["result"]
        probe.functions.setValue(8).transact({"from": sender, "gasPrice": 5})
        assert _rpc(provider, "evm_revert", inner)["result"] is True
        assert probe.functions.value().call() == 0
        assert _rpc(provider, "evm_revert", outer)["result"] is True
        assert {
            a: (w3.eth.get_balance(a), w3.eth.get_transaction_count(a)) for a in (sender, fresh)
        } == start
        assert _rpc(provider, "evm_revert", inner)["result"] is False  # dropped with the outer
    assert _rpc(provider, "evm_revert", "0x99")["result"] is False


def test_time_moves_forward_and_is_restored_by_revert(provider: RevmProvider, w3: Web3) -> None:
    node = provider.node
    start = node.latest.timestamp
    snapshot = _rpc(provider, "evm_snapshot")["result"]
    assert _rpc(provider, "evm_increaseTime", 3_600)["result"] == 3_600
    _rpc(provider, "evm_mine")
    assert node.latest.timestamp >= start + 3_600
    _rpc(provider, "evm_setNextBlockTimestamp", node.latest.timestamp + 10)
    expected = node.latest.timestamp + 10
    w3.eth.send_transaction({"from": node.accounts[0], "to": node.accounts[1], "value": Wei(1)})
    assert w3.eth.get_block("latest")["timestamp"] == expected
    w3.eth.send_transaction({"from": node.accounts[0], "to": node.accounts[1], "value": Wei(1)})
    assert w3.eth.get_block("latest")["timestamp"] > expected
    assert "not after" in _rpc(provider, "evm_setNextBlockTimestamp", start)["error"]["message"]
    assert "backwards" in _rpc(provider, "evm_increaseTime", -1)["error"]["message"]
    _rpc(provider, "evm_revert", snapshot)
    assert node.block_number == 0
    assert node.pending_timestamp() < start + 3_600


def test_log_index_filters_by_block_hash_topics_and_addresses(
    w3: Web3, chain_probe: Artifact
) -> None:
    first, second = deploy(w3, chain_probe), deploy(w3, chain_probe)
    alice, bob = list(w3.eth.accounts)[:2]
    hashes = [
        first.functions.setValue(1).transact({"from": alice}),
        second.functions.setValue(2).transact({"from": bob}),
        first.functions.deposit().transact({"from": bob, "value": 5}),
    ]
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    value_set = "0x" + Web3.keccak(text="ValueSet(address,uint256,uint256)").hex()
    deposited = "0x" + Web3.keccak(text="Deposited(address,uint256)").hex()
    bob_topic = "0x" + bytes.fromhex(bob[2:]).rjust(32, b"\x00").hex()

    def found(query: FilterParams) -> list[bytes]:
        return [log["transactionHash"] for log in w3.eth.get_logs({"fromBlock": 0, **query})]

    assert found({}) == hashes
    assert found({"address": first.address}) == [hashes[0], hashes[2]]
    assert found({"address": [first.address, second.address]}) == hashes
    assert found({"topics": [value_set]}) == hashes[:2]
    assert found({"topics": [[value_set, deposited], bob_topic]}) == hashes[1:]
    assert found({"topics": [None, bob_topic], "address": first.address}) == [hashes[2]]
    assert found({"blockHash": receipts[1]["blockHash"]}) == [hashes[1]]
    assert found(
        {"fromBlock": receipts[1]["blockNumber"], "toBlock": receipts[1]["blockNumber"]}
    ) == [hashes[1]]
    block = w3.eth.get_block(receipts[2]["blockNumber"])
    assert block["logsBloom"] == receipts[2]["logsBloom"] != b"\x00" * 256


def test_node_runs_without_web3() -> None:
    node = RevmNode(accounts=2)
    sender, other = node.accounts
    from decree8.revm import TxRequest

    tx_hash = node.send(TxRequest(sender=sender, to=other, value=5, gas=21_000))
    receipt = node.receipt(tx_hash)
    assert receipt is not None and receipt.status == 1 and receipt.gas_used == 21_000
    assert node.balance(other) == 10**24 + 5
    with pytest.raises(Exception, match="unknown hardfork"):
        RevmNode(hardfork="FRONTIER")
