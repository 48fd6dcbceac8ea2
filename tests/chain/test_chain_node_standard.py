"""decree8 node answers the standard methods as Hardhat does, on both chains (eth-tester and revm):
what ethers v6, viem and web3 clients rely on (receipt shapes, fee history, logs by block hash,
signing, replay protection, error codes and wording, bounded JSON nesting)."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from decree8.chain.node import NodeDispatcher, NodeServer, json_depth_exceeds
from support import IN_PROCESS

#: initcode deploying ``mstore(0, 42); log1(0, 32, 0xaa)`` (13 bytes of runtime code)
LOGGER_INIT = "0x600d600c600039600d6000f3" + "602a60005260aa60206000a100"
TOPIC = "0x" + "00" * 31 + "aa"


def _call(node: NodeDispatcher, method: str, *params: Any) -> Any:
    answer = node.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    assert "result" in answer, answer
    return answer["result"]


def _error(node: NodeDispatcher, method: str, *params: Any) -> dict[str, Any]:
    answer = node.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    assert "error" in answer, answer
    error: dict[str, Any] = answer["error"]
    return error


#: The dispatcher on both in-process chains (``backend``: tests/conftest.py).
BACKENDS = IN_PROCESS


@pytest.fixture(scope="module")
def node(backend: str) -> NodeDispatcher:
    return NodeDispatcher(accounts=3, chain=backend)


@pytest.fixture
def logger(node: NodeDispatcher) -> dict[str, Any]:
    """A contract that logs; returns the receipt of a transaction that called it."""
    sender = node.accounts[0]
    created = _call(node, "eth_sendTransaction", {"from": sender, "data": LOGGER_INIT})
    address = _call(node, "eth_getTransactionReceipt", created)["contractAddress"]
    sent = _call(node, "eth_sendTransaction", {"from": sender, "to": address, "gas": "0x186a0"})
    receipt: dict[str, Any] = _call(node, "eth_getTransactionReceipt", sent)
    return receipt


def test_net_version_is_the_chain_id_and_the_node_listens(node: NodeDispatcher) -> None:
    assert _call(node, "net_version") == str(node.chain_id)
    assert int(_call(node, "eth_chainId"), 16) == node.chain_id
    assert _call(node, "net_listening") is True


def test_a_creation_receipt_has_to_null_and_standard_fields_only(node: NodeDispatcher) -> None:
    created = _call(node, "eth_sendTransaction", {"from": node.accounts[0], "data": LOGGER_INIT})
    receipt = _call(node, "eth_getTransactionReceipt", created)

    assert receipt["to"] is None
    assert receipt["contractAddress"].startswith("0x") and len(receipt["contractAddress"]) == 42
    assert set(receipt) == {
        "transactionHash",
        "transactionIndex",
        "blockHash",
        "blockNumber",
        "from",
        "to",
        "cumulativeGasUsed",
        "gasUsed",
        "effectiveGasPrice",
        "contractAddress",
        "logs",
        "logsBloom",
        "status",
        "type",
    }
    assert receipt["logsBloom"] == "0x" + "00" * 256


def test_receipt_logs_and_bloom_and_logs_by_block_hash(
    node: NodeDispatcher, logger: dict[str, Any]
) -> None:
    assert logger["contractAddress"] is None and logger["to"] is not None
    (log,) = logger["logs"]
    assert log["topics"] == [TOPIC]
    assert int(log["data"], 16) == 42
    bloom = int(logger["logsBloom"], 16)
    assert bloom != 0 and bin(bloom).count("1") <= 6  # three bits each for address and topic

    by_hash = _call(node, "eth_getLogs", {"blockHash": logger["blockHash"]})
    assert by_hash == logger["logs"]
    by_range = _call(
        node, "eth_getLogs", {"fromBlock": logger["blockNumber"], "toBlock": logger["blockNumber"]}
    )
    assert by_range == by_hash
    both = _error(node, "eth_getLogs", {"blockHash": logger["blockHash"], "fromBlock": "0x0"})
    assert both["code"] == -32602
    unknown = _error(node, "eth_getLogs", {"blockHash": "0x" + "11" * 32})
    assert "unknown block" in unknown["message"]


def test_fee_history_honours_newest_block_and_gives_n_plus_one_base_fees_and_rewards(
    node: NodeDispatcher, logger: dict[str, Any]
) -> None:
    newest = int(logger["blockNumber"], 16)
    history = _call(node, "eth_feeHistory", "0x2", hex(newest - 1), [10, 50, 90])

    assert int(history["oldestBlock"], 16) == newest - 2
    assert len(history["baseFeePerGas"]) == 3
    assert len(history["gasUsedRatio"]) == 2
    assert len(history["reward"]) == 2 and all(len(r) == 3 for r in history["reward"])
    latest = _call(node, "eth_feeHistory", 1, "latest", [])
    assert int(latest["oldestBlock"], 16) == int(_call(node, "eth_blockNumber"), 16)
    assert len(latest["baseFeePerGas"]) == 2 and "reward" not in latest
    assert _error(node, "eth_feeHistory", "0x1", "latest", [90, 10])["code"] == -32602
    assert _error(node, "eth_feeHistory", "0x1", hex(newest + 100))["code"] == -32602


def test_gas_price_covers_the_next_base_fee(node: NodeDispatcher) -> None:
    block = _call(node, "eth_getBlockByNumber", "latest", False)
    price = int(_call(node, "eth_gasPrice"), 16)
    # the next base fee is at least 7/8 of this one's (EIP-1559)
    assert price >= int(block.get("baseFeePerGas") or "0x0", 16) * 7 // 8
    assert price >= int(_call(node, "eth_maxPriorityFeePerGas"), 16)


def test_the_node_signs_messages_and_typed_data_for_its_accounts(node: NodeDispatcher) -> None:
    signer = node.accounts[1]
    message = "0x" + b"hello decree8".hex()

    personal = _call(node, "personal_sign", message, signer)
    assert _call(node, "eth_sign", signer, message) == personal
    recovered = Account.recover_message(
        encode_defunct(primitive=b"hello decree8"), signature=personal
    )
    assert recovered == signer

    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "chainId", "type": "uint256"},
            ],
            "Mail": [{"name": "contents", "type": "string"}],
        },
        "primaryType": "Mail",
        "domain": {"name": "decree8", "chainId": node.chain_id},
        "message": {"contents": "hi"},
    }
    signature = _call(node, "eth_signTypedData_v4", signer, json.dumps(typed))
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=signature) == (
        signer
    )
    stranger = Account.create().address
    assert "unknown account" in _error(node, "personal_sign", message, stranger)["message"]
    assert _error(node, "eth_signTypedData_v4", signer, "{not json")["code"] == -32602


def test_a_raw_transaction_signed_for_another_chain_is_refused(node: NodeDispatcher) -> None:
    key = (1).to_bytes(32, "big")
    sender = Account.from_key(key).address
    nonce = int(_call(node, "eth_getTransactionCount", sender, "latest"), 16)
    tx = {
        "to": node.accounts[2],
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
        "nonce": nonce,
    }
    foreign = Account.sign_transaction({**tx, "chainId": node.chain_id + 1}, key)
    refused = _error(node, "eth_sendRawTransaction", "0x" + foreign.raw_transaction.hex())
    assert "invalid chain id" in refused["message"]
    assert int(_call(node, "eth_getTransactionCount", sender, "latest"), 16) == nonce

    own = Account.sign_transaction({**tx, "chainId": node.chain_id}, key)
    sent = _call(node, "eth_sendRawTransaction", "0x" + own.raw_transaction.hex())
    assert _call(node, "eth_getTransactionReceipt", sent)["status"] == "0x1"


def test_refusals_are_worded_as_geth_words_them(node: NodeDispatcher) -> None:
    sender, receiver = node.accounts[0], node.accounts[1]
    _call(node, "eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x1"})
    stale = _error(
        node,
        "eth_sendTransaction",
        {"from": sender, "to": receiver, "nonce": "0x0", "gas": "0x5208"},
    )
    assert stale["code"] == -32000 and stale["message"].startswith("nonce too low")
    rich = _error(
        node,
        "eth_sendTransaction",
        {"from": sender, "to": receiver, "value": hex(10**40), "gas": "0x5208"},
    )
    assert rich["message"].startswith("insufficient funds for gas * price + value")


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("eth_getBalance", [5]),
        ("eth_getLogs", ["latest"]),
        ("eth_feeHistory", ["many", "latest"]),
        ("eth_sendRawTransaction", ["not hex"]),
        ("personal_sign", ["0x00"]),
        ("evm_increaseTime", ["soon"]),
    ],
)
def test_wrong_parameters_are_invalid_params_with_a_readable_message(
    node: NodeDispatcher, method: str, params: list[Any]
) -> None:
    error = _error(node, method, *params)
    assert error["code"] == -32602, error
    assert "\n" not in error["message"] and len(error["message"]) < 300


def test_json_depth_is_measured_on_the_raw_text() -> None:
    assert not json_depth_exceeds(b'{"a": [[1, 2], {"b": "[[[[[["}]}', 3)
    assert json_depth_exceeds(b"[[[[1]]]]", 3)
    assert not json_depth_exceeds(b'["\\"[[[[["]', 1)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with NodeServer("127.0.0.1", 0, accounts=1) as served:
        thread = threading.Thread(target=served.serve_forever, daemon=True)
        thread.start()
        try:
            yield served.url
        finally:
            served.shutdown()
            thread.join(5)


def _post(url: str, body: bytes) -> dict[str, Any]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def test_a_deeply_nested_body_is_refused_before_parsing_and_the_node_lives_on(server: str) -> None:
    # 140 KB of nested arrays: parsing it recursed deep enough to kill the process (SIGSEGV)
    bomb = b"[" * 70_000 + b"]" * 70_000
    answer = _post(server, bomb)
    assert answer["error"]["code"] == -32600
    assert "deeper than" in answer["error"]["message"]
    alive = _post(server, b'{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}')
    assert alive["result"].startswith("0x")


def test_a_reverted_transaction_has_no_receipt_and_mined_ones_are_found_fast(
    node: NodeDispatcher,
) -> None:
    sender, receiver = node.accounts[0], node.accounts[1]
    kept = _call(node, "eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x1"})
    snap = _call(node, "evm_snapshot")
    dropped = _call(node, "eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x2"})
    assert _call(node, "eth_getTransactionReceipt", dropped)["status"] == "0x1"
    assert _call(node, "evm_revert", snap) is True
    # the block number is reused by another transaction: the old hash must not find it
    other = _call(node, "eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x3"})
    assert _call(node, "eth_getTransactionReceipt", dropped) is None
    assert _call(node, "eth_getTransactionByHash", dropped) is None
    assert _call(node, "eth_getTransactionReceipt", other)["status"] == "0x1"
    found = _call(node, "eth_getTransactionReceipt", kept)
    assert found["transactionHash"] == kept
    assert _call(node, "eth_getTransactionByHash", kept)["hash"] == kept
