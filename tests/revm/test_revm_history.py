"""State at older blocks on revm: rebuilt by replaying transactions, equal to eth-tester's answers.

The node keeps only the latest state in its EVM; a read at an older block is served by a second
EVM that replays the chain's transactions up to that block (see ``decree8.revm.node``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from eth_account import Account
from eth_typing import ChecksumAddress
from revm_helpers import GAS, deploy, new_web3
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint, Wei

from decree8.compile import Artifact
from decree8.revm import RevmError, RevmNode, RevmProvider, TxRequest
from decree8.revm.node import _History

LIMIT = 1_000_000
ETHER = 10**18


def _mine(w3: Web3) -> None:
    w3.provider.make_request(RPCEndpoint("evm_mine"), [])


def _sequence(w3: Web3, artifact: Artifact) -> tuple[list[ChecksumAddress], list[str]]:
    """The same transactions on either backend; returns the contracts and the accounts used."""
    a0, a1, a2, a3 = list(w3.eth.accounts)[:4]
    probe = deploy(w3, artifact, sender=a0)  # block 1
    probe.functions.setValue(1).transact({"from": a0})  # 2
    probe.functions.deposit().transact({"from": a1, "value": 5 * ETHER})  # 3
    w3.eth.send_transaction({"from": a1, "to": a3, "value": Wei(7 * ETHER)})  # 4
    failed = probe.functions.setValue(LIMIT + 1).transact({"from": a2, "gas": GAS})  # 5
    assert w3.eth.get_transaction_receipt(failed)["status"] == 0
    _mine(w3)  # 6, empty
    probe.functions.setValue(2).transact({"from": a2})  # 7
    second = deploy(w3, artifact, sender=a1)  # 8
    second.functions.setValue(9).transact({"from": a0})  # 9
    probe.functions.deposit().transact({"from": a0, "value": 3})  # 10
    assert w3.eth.block_number == 10
    return [probe.address, second.address], [a0, a1, a2, a3]


def _storage(w3: Web3, address: ChecksumAddress, block: int) -> bytes:
    tester = getattr(w3.provider, "ethereum_tester", None)
    if (
        tester is not None
    ):  # web3's eth-tester provider passes the block on as hex, which it refuses
        return bytes.fromhex(tester.get_storage_at(address, "0x0", block)[2:])
    return bytes(w3.eth.get_storage_at(address, 0, block))


def _state_at(w3: Web3, block: int, contracts: list[ChecksumAddress], accounts: list[str]) -> Any:
    """Everything readable at ``block`` that does not depend on gas (fees differ by backend)."""
    value = Web3.keccak(text="value()")[:4]
    deposited = Web3.keccak(text="deposited()")[:4]
    return {
        "contracts": [
            (
                bytes(w3.eth.call({"to": c, "data": value}, block)),
                bytes(w3.eth.call({"to": c, "data": deposited}, block)),
                _storage(w3, c, block),
                bytes(w3.eth.get_code(c, block)),
                w3.eth.get_balance(c, block),
            )
            for c in contracts
        ],
        "nonces": [w3.eth.get_transaction_count(a, block) for a in accounts],  # type: ignore[arg-type]
        # accounts[3] only ever receives: its balance does not depend on fees
        "receiver": w3.eth.get_balance(accounts[3], block),  # type: ignore[arg-type]
    }


def test_reads_at_every_older_block_equal_eth_testers(chain_probe: Artifact) -> None:
    answers = {}
    for backend in ("revm", "eth-tester"):
        w3 = new_web3(backend)
        contracts, accounts = _sequence(w3, chain_probe)
        # newest first, then oldest first: the history goes back and forth
        blocks = [*range(10, -1, -1), *range(11)]
        answers[backend] = [(n, _state_at(w3, n, contracts, accounts)) for n in blocks]
    assert answers["revm"] == answers["eth-tester"]
    by_block = dict(answers["revm"])
    assert by_block[1]["contracts"][0][0] == (0).to_bytes(32, "big")
    assert by_block[2]["contracts"][0][0] == (1).to_bytes(32, "big")
    assert by_block[7]["contracts"][0][0] == (2).to_bytes(32, "big")
    assert by_block[7]["contracts"][1][3] == b""  # the second probe is deployed in block 8


def _record(w3: Web3, probe: Any, accounts: list[str]) -> Any:
    """The latest block's number and what it holds, read as the latest state."""
    number = w3.eth.block_number
    return number, (
        [w3.eth.get_balance(a) for a in accounts],  # type: ignore[arg-type]
        [w3.eth.get_transaction_count(a) for a in accounts],  # type: ignore[arg-type]
        probe.functions.value().call(),
        probe.functions.deposited().call(),
        w3.eth.get_balance(probe.address),
    )


def _read_at(w3: Web3, probe: Any, accounts: list[str], number: int) -> Any:
    return (
        [w3.eth.get_balance(a, number) for a in accounts],  # type: ignore[arg-type]
        [w3.eth.get_transaction_count(a, number) for a in accounts],  # type: ignore[arg-type]
        probe.functions.value().call(block_identifier=number),
        probe.functions.deposited().call(block_identifier=number),
        w3.eth.get_balance(probe.address, number),
    )


def test_history_with_fees_and_snapshots_equals_what_each_block_held(
    w3: Web3, provider: RevmProvider, chain_probe: Artifact
) -> None:
    """Balances after fees, nonces and storage at each older block are what the latest state
    was when that block was mined, also across a snapshot revert that rewrites blocks."""
    a0, a1, a2 = list(w3.eth.accounts)[:3]
    accounts: list[str] = [a0, a1, a2, provider.node.coinbase]
    probe = deploy(w3, chain_probe)
    seen = dict([_record(w3, probe, accounts)])
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]

    def step(tx: dict[str, Any], fn: str = "", *args: int) -> None:
        if fn:
            getattr(probe.functions, fn)(*args).transact(tx)
        else:
            w3.eth.send_transaction(tx)  # type: ignore[arg-type]
        number, state = _record(w3, probe, accounts)
        seen[number] = state

    step({"from": a0, "gasPrice": 7}, "setValue", 5)
    step({"from": a1, "value": 10**6, "gasPrice": 3}, "deposit")
    step({"from": a2, "gas": GAS, "gasPrice": 11}, "setValue", LIMIT + 1)  # status 0, pays
    step({"from": a1, "to": a2, "value": ETHER, "gasPrice": 2})
    step({"from": a0, "gas": GAS}, "setValue", LIMIT + 2)  # status 0, free
    for number, state in seen.items():
        assert _read_at(w3, probe, accounts, number) == state, number

    # rewrite history: the old blocks 2.. are replaced by others with the same numbers
    provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    seen = {n: s for n, s in seen.items() if n <= w3.eth.block_number}
    step({"from": a2, "gasPrice": 5}, "setValue", 8)
    step({"from": a2, "to": a0, "value": 3, "gasPrice": 1})
    step({"from": a1, "value": 4}, "deposit")
    for number in sorted(seen, reverse=True):
        assert _read_at(w3, probe, accounts, number) == seen[number], number


def test_reading_just_behind_the_head_replays_each_transaction_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replayed: list[int] = []
    original = _History._replay

    def counting(self: _History, engine: Any, number: int) -> None:
        replayed.append(number)
        original(self, engine, number)

    monkeypatch.setattr(_History, "_replay", counting)
    node = RevmNode(accounts=2)
    sender, other = node.accounts
    for i in range(1, 31):
        node.send(TxRequest(sender=sender, to=other, value=i, gas=21_000))
        assert node.balance(other, node.block_number - 1) == 10**24 + i * (i - 1) // 2
    assert replayed == list(range(1, 30))


def test_a_long_chain_keeps_calls_working_at_every_depth_of_history(
    chain_probe: Artifact,
) -> None:
    """More transactions than revm's 1024-frame call limit: marks must not deepen the journal."""
    node = RevmNode(accounts=2)
    sender, other = node.accounts
    created = node.receipt(
        node.send(TxRequest(sender=sender, data=bytes.fromhex(chain_probe.bytecode), gas=2_000_000))
    )
    assert created is not None and created.contract_address is not None
    probe = created.contract_address
    set_value = Web3.keccak(text="setValue(uint256)")[:4]
    value = Web3.keccak(text="value()")[:4]
    for i in range(1, 1_101):
        node.send(
            TxRequest(sender=sender, to=probe, data=set_value + i.to_bytes(32, "big"), gas=GAS)
        )
    head = node.block_number
    for number in (head, head - 1, 2, 600, head - 1, 1):
        expected = max(number - 1, 0)
        got = node.call(TxRequest(sender=other, to=probe, data=value), number)
        assert int.from_bytes(got, "big") == expected, number
    receipt = node.receipt(
        node.send(
            TxRequest(sender=other, to=probe, data=set_value + (7).to_bytes(32, "big"), gas=GAS)
        )
    )
    assert receipt is not None and receipt.status == 1


def test_a_replay_that_differs_from_the_mined_block_is_a_clear_error(
    w3: Web3, provider: RevmProvider, chain_probe: Artifact
) -> None:
    probe = deploy(w3, chain_probe)
    tx_hash = probe.functions.setValue(3).transact({"from": list(w3.eth.accounts)[0]})
    probe.functions.setValue(4).transact({"from": list(w3.eth.accounts)[0]})
    node = provider.node
    receipt = node.receipt(bytes(tx_hash))
    assert receipt is not None
    node._receipts[bytes(tx_hash)] = dataclasses.replace(receipt, gas_used=receipt.gas_used + 1)
    with pytest.raises(RevmError, match="cannot rebuild the state of block 2") as caught:
        node.call(TxRequest(sender=list(w3.eth.accounts)[0], to=probe.address, data=b""), 2)
    assert "\n" not in str(caught.value)
    with pytest.raises(Web3RPCError, match="cannot rebuild"):
        probe.functions.value().call(block_identifier=2)
    # the history went back to the last state it could vouch for: older blocks still read right
    assert probe.functions.value().call(block_identifier=1) == 0
    assert probe.functions.value().call() == 4
    node._receipts[bytes(tx_hash)] = receipt
    assert probe.functions.value().call(block_identifier=2) == 3


def test_reads_at_blocks_that_do_not_exist_are_refused(w3: Web3) -> None:
    with pytest.raises(Web3RPCError, match="does not exist"):
        w3.eth.get_balance(list(w3.eth.accounts)[0], 5)
    with pytest.raises(Web3RPCError, match="does not exist"):
        w3.eth.call({"to": list(w3.eth.accounts)[1]}, 1)


def test_nonces_and_balances_at_older_blocks(w3: Web3) -> None:
    sender = list(w3.eth.accounts)[0]
    stranger = Account.create().address
    w3.eth.send_transaction({"from": sender, "to": stranger, "value": Wei(1)})
    w3.eth.send_transaction({"from": sender, "to": stranger, "value": Wei(1)})
    assert [w3.eth.get_transaction_count(sender, n) for n in range(3)] == [0, 1, 2]
    assert [w3.eth.get_balance(stranger, n) for n in range(3)] == [0, 1, 2]
