"""A reverted transaction replayed with a call trace: which frame reverted, with what input and
revert data (RevmNode.trace_transaction, RevmNode.trace_call)."""

from __future__ import annotations

import pytest
from eth_abi import decode, encode
from revm_helpers import GAS, selector
from web3 import Web3

from decree8.compile import Artifact
from decree8.revm import RevmError, RevmNode, TxRequest


def _deploy(node: RevmNode, artifact: Artifact) -> str:
    tx_hash = node.send(
        TxRequest(sender=node.accounts[0], data=bytes.fromhex(artifact.bytecode.removeprefix("0x")))
    )
    receipt = node.receipt(tx_hash)
    assert receipt is not None and receipt.contract_address is not None
    return receipt.contract_address


def test_a_mined_revert_is_traced_to_its_frame_and_revert_data(chain_probe: Artifact) -> None:
    node = RevmNode()
    probe = _deploy(node, chain_probe)
    data = selector("setValue(uint256)") + encode(["uint256"], [10**30])
    tx_hash = node.send(TxRequest(sender=node.accounts[1], to=probe, data=data, gas=GAS))
    receipt = node.receipt(tx_hash)
    assert receipt is not None and receipt.status == 0
    node.send(TxRequest(sender=node.accounts[0], to=node.accounts[2], value=1, gas=21_000))

    (frame,) = node.trace_transaction(tx_hash)

    assert (frame.depth, frame.kind, frame.result) == (0, "CALL", "revert")
    assert (frame.sender, frame.to) == (node.accounts[1], Web3.to_checksum_address(probe))
    assert frame.input == data
    assert frame.output == receipt.revert_data
    assert frame.output[:4] == selector("ValueTooLarge(uint256,uint256,address)")
    given, _, caller = decode(["uint256", "uint256", "address"], frame.output[4:])
    assert given == 10**30 and Web3.to_checksum_address(caller) == node.accounts[1]
    assert 0 < frame.gas_used <= GAS


def test_a_call_is_traced_without_changing_anything(chain_probe: Artifact) -> None:
    node = RevmNode()
    probe = _deploy(node, chain_probe)
    block = node.block_number
    data = selector("setValue(uint256)") + encode(["uint256"], [7])

    (frame,) = node.trace_call(TxRequest(sender=node.accounts[1], to=probe, data=data))

    assert frame.result == "ok" and frame.kind == "CALL"
    assert node.block_number == block
    assert node.storage(probe, 0) == 0
    with pytest.raises(RevmError, match="unknown transaction"):
        node.trace_transaction(b"\x01" * 32)
