"""RevmChain's fast path (transact and call straight to the node) answers as its web3 path does.

Two fresh revm chains run the same transactions, one through ``RevmChain.transact``/``call`` (the
fast path) and one through ``Chain.transact``/``Chain.call`` (web3, its middleware and the
provider): every receipt, log, returned value and error must be equal. Unsigned transaction hashes
and block hashes are deterministic, so equal means equal field by field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from eth_abi import encode
from revm_helpers import GAS, selector
from web3 import Web3
from web3.middleware.base import Web3Middleware
from web3.types import RPCEndpoint

from decree8.chain import Chain
from decree8.chain.revm import RevmChain
from decree8.compile import Artifact
from decree8.errors import ChainError, TransactionReverted

LIMIT = 1_000_000  # ChainProbe.LIMIT


def _data(signature: str, types: list[str], values: list[Any]) -> str:
    return "0x" + (selector(signature) + encode(types, values)).hex()


def _outcome(action: Callable[[], Any]) -> Any:
    """What ``action`` returned, or the error it raised as comparable fields."""
    try:
        result = action()
    except TransactionReverted as err:
        return ("reverted", str(err), err.name, err.args, err.data, err.tx_hash, err.signature)
    except ChainError as err:
        return (type(err).__name__, str(err))
    if isinstance(result, Mapping):
        return dict(result)
    return result


class Pair:
    """The same chain twice: ``fast`` answers through the fast path, ``slow`` through web3."""

    def __init__(self, artifact: Artifact) -> None:
        self.fast = RevmChain()
        self.slow = RevmChain()
        for chain in (self.fast, self.slow):
            chain.register_abi(artifact.abi)
        self.requests: list[str] = []
        self._count_requests(self.fast)

    def _count_requests(self, chain: RevmChain) -> None:
        """Records what reaches the fast chain's provider (nothing, on the fast path)."""
        handlers = chain.provider._handlers

        def counted(method: str, handler: Callable[[list[Any]], Any]) -> Any:
            def handle(params: list[Any]) -> Any:
                self.requests.append(method)
                return handler(params)

            return handle

        for method, handler in list(handlers.items()):
            handlers[method] = counted(method, handler)

    def transact(self, tx: dict[str, Any], gas: int | None = None) -> Any:
        fast = _outcome(lambda: self.fast.transact(dict(tx), gas=gas))
        slow = _outcome(lambda: Chain.transact(self.slow, dict(tx), gas=gas))
        assert fast == slow
        return fast

    def call(self, tx: dict[str, Any], block: Any = "latest") -> Any:
        fast = _outcome(lambda: self.fast.call(dict(tx), block))
        slow = _outcome(lambda: Chain.call(self.slow, dict(tx), block))
        assert fast == slow
        return fast


@pytest.fixture
def pair(chain_probe: Artifact) -> Iterator[Pair]:
    pair = Pair(chain_probe)
    yield pair
    pair.fast.close()
    pair.slow.close()


def _deploy(pair: Pair, artifact: Artifact, gas: int | None = GAS) -> str:
    receipt = pair.transact({"data": "0x" + artifact.bytecode}, gas=gas)
    assert receipt["status"] == 1 and receipt["contractAddress"]
    return str(receipt["contractAddress"])


def test_deploys_and_transactions_with_logs_give_equal_receipts(
    pair: Pair, chain_probe: Artifact
) -> None:
    first = _deploy(pair, chain_probe)
    estimated = _deploy(pair, chain_probe, gas=None)  # web3 adds 100,000 to the estimate
    assert first != estimated
    alice, bob = pair.fast.accounts[:2]

    set_five = pair.transact(
        {"from": alice, "to": first, "data": _data("setValue(uint256)", ["uint256"], [5])}, gas=GAS
    )  # noqa: E501
    (log,) = set_five["logs"]
    assert log["address"] == first
    assert log["topics"][0] == Web3.keccak(text="ValueSet(address,uint256,uint256)")
    assert log["data"] == encode(["uint256", "uint256"], [0, 5])
    assert set_five["to"] == first and set_five["from"] == alice

    pair.transact({"from": bob, "to": first, "data": _data("setValue(uint256)", ["uint256"], [9])})
    deposit = pair.transact(
        {"from": bob, "to": first, "data": _data("deposit()", [], []), "value": 10**18}, gas=GAS
    )
    assert len(deposit["logs"]) == 1
    # the receipts carry every key callers read
    for key in ("status", "transactionHash", "blockNumber", "gasUsed", "logs", "contractAddress"):
        assert key in deposit
    assert pair.call({"to": first, "data": _data("value()", [], [])}) == encode(["uint256"], [9])
    assert pair.requests == []  # none of it went through web3 and the provider


def test_value_transfers_and_legacy_gas_price_give_equal_receipts(pair: Pair) -> None:
    alice, bob = pair.fast.accounts[:2]
    pair.transact({"from": alice, "to": bob, "value": 12345})
    pair.transact({"from": alice, "to": bob, "value": 1}, gas=21_000)
    legacy = pair.transact({"from": bob, "to": alice, "value": 2, "gasPrice": 3}, gas=21_000)
    assert legacy["type"] == 0 and legacy["effectiveGasPrice"] == 3
    with_nonce = pair.transact({"from": bob, "to": alice, "value": 2, "nonce": 1}, gas=21_000)
    assert with_nonce["status"] == 1
    assert pair.fast.node.balance(bob) == pair.slow.node.balance(bob)


def test_reverts_raise_the_same_decoded_errors(pair: Pair, chain_probe: Artifact) -> None:
    probe = _deploy(pair, chain_probe)
    alice = pair.fast.accounts[0]
    too_large = {
        "from": alice,
        "to": probe,
        "data": _data("setValue(uint256)", ["uint256"], [LIMIT + 1]),
    }  # noqa: E501

    mined = pair.transact(too_large, gas=GAS)  # mined with status 0, then decoded
    assert mined[:3] == ("reverted", mined[1], "ValueTooLarge")
    assert mined[3] == {"given": LIMIT + 1, "limit": LIMIT, "caller": alice}
    assert mined[5] is not None  # the mined transaction's hash

    estimated = pair.transact(too_large)  # refused by the estimate: nothing mined
    assert estimated[2] == "ValueTooLarge" and estimated[5] is None

    message = pair.transact(
        {"to": probe, "data": _data("requireNotFailing(bool)", ["bool"], [True])}, gas=GAS
    )
    assert message[2:4] == ("Error", {"message": "ChainProbe: asked to fail"})
    panic = pair.transact(
        {"to": probe, "data": _data("divide(uint256,uint256)", ["uint256"] * 2, [1, 0])}, gas=GAS
    )
    assert panic[2:4] == ("Panic", {"code": 0x12})

    out_of_gas = pair.transact(
        {"to": probe, "data": _data("setValue(uint256)", ["uint256"], [3])}, gas=23_000
    )
    assert out_of_gas[2] is None and out_of_gas[4] == b""  # status 0 without revert data

    assert pair.call(too_large)[2] == "ValueTooLarge"
    assert pair.requests == []


def test_refused_transactions_and_calls_raise_the_same_chain_errors(
    pair: Pair, chain_probe: Artifact
) -> None:
    probe = _deploy(pair, chain_probe)
    alice, bob = pair.fast.accounts[:2]
    refused = [
        pair.transact({"to": probe, "data": _data("value()", [], [])}, gas=21_000),  # intrinsic
        pair.transact({"from": alice, "to": bob, "value": 10**30}, gas=21_000),  # funds
        pair.transact({"from": alice, "to": bob, "value": 1, "nonce": 99}, gas=21_000),
        pair.transact({"from": probe, "to": bob, "value": 1}, gas=21_000),  # not unlocked
        pair.call({"to": probe, "data": _data("value()", [], [])}, block=10**6),
    ]
    for outcome in refused:
        assert outcome[0] == "ChainError", outcome
        assert outcome[1].startswith("the node refused the request: "), outcome
    assert pair.requests == []


def test_calls_at_older_blocks_and_tags_answer_alike(pair: Pair, chain_probe: Artifact) -> None:
    probe = _deploy(pair, chain_probe)
    read = {"to": probe, "data": _data("value()", [], [])}
    for value in (4, 8):
        pair.transact({"to": probe, "data": _data("setValue(uint256)", ["uint256"], [value])})
    latest = pair.fast.block_number
    assert latest == pair.slow.block_number
    answers = [pair.call(read, block) for block in (latest - 1, latest, "latest", "pending", 0)]
    assert answers == [encode(["uint256"], [v]) for v in (4, 8, 8, 8)] + [b""]  # no code at 0
    assert pair.fast.timestamp() == pair.fast.w3.eth.get_block("latest")["timestamp"]


def test_what_the_fast_path_does_not_know_goes_through_web3(
    pair: Pair, chain_probe: Artifact
) -> None:
    probe = _deploy(pair, chain_probe)
    alice, bob = pair.fast.accounts[:2]
    # an unchecksummed address: web3 refuses it, on both chains
    lower = pair.transact({"from": alice, "to": bob.lower(), "value": 1}, gas=21_000)
    assert lower[0] == "ChainError" and "checksum" in lower[1]
    # a key the fast path does not handle: web3 sends it, with the same receipt
    typed = pair.transact({"from": alice, "to": bob, "value": 1, "chainId": 1337}, gas=21_000)
    assert typed["status"] == 1
    # a block number as hex text: web3 passes it on
    read = {"to": probe, "data": _data("value()", [], [])}
    assert pair.call(read, hex(pair.fast.block_number)) == encode(["uint256"], [0])
    assert "eth_sendTransaction" in pair.requests and "eth_call" in pair.requests


def test_an_added_middleware_sees_every_transaction(pair: Pair) -> None:
    seen: list[str] = []

    class Recorder(Web3Middleware):
        def request_processor(self, method: RPCEndpoint, params: Any) -> Any:
            seen.append(method)
            return method, params

    chain = pair.fast
    chain.w3.middleware_onion.inject(Recorder, "recorder", layer=0)
    chain.transact({"to": chain.accounts[1], "value": 1}, gas=21_000)
    chain.call({"to": chain.accounts[1]})
    assert "eth_sendTransaction" in seen and "eth_call" in seen
    chain.w3.middleware_onion.remove("recorder")
    pair.requests.clear()
    chain.transact({"to": chain.accounts[1], "value": 1}, gas=21_000)
    assert pair.requests == []  # the fast path again
