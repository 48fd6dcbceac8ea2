"""Helpers of the revm backend tests: deploying fixtures on either backend, reading revert data."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from eth_abi import encode as abi_encode
from eth_tester.exceptions import TransactionFailed
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from decree8.compile import Artifact
from decree8.revm import RevmProvider

#: Explicit gas for transactions that must be mined even when they revert.
GAS = 300_000


def new_web3(backend: str) -> Web3:
    """A fresh chain: ``"revm"`` (RevmProvider) or ``"eth-tester"`` (EthereumTesterProvider)."""
    if backend == "revm":
        return Web3(RevmProvider())
    return Web3(Web3.EthereumTesterProvider())


def deploy(w3: Web3, artifact: Artifact, *args: Any, sender: str | None = None) -> Contract:
    """Deploys ``artifact`` with web3's own ``constructor().transact()``; the bound contract."""
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx_hash = factory.constructor(*args).transact({"from": sender or w3.eth.accounts[0]})
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    address = receipt["contractAddress"]
    assert receipt["status"] == 1 and address is not None
    contract: Contract = w3.eth.contract(address=address, abi=artifact.abi)
    return contract


def revert_data(action: Callable[[], object]) -> bytes:
    """The revert data ``action`` fails with, whatever the backend's way of reporting it."""
    try:
        action()
    except ContractLogicError as exc:  # a JSON-RPC node (revm): error code 3 with data
        data = exc.data
        assert isinstance(data, str), data
        return bytes.fromhex(data[2:])
    except TransactionFailed as exc:  # eth-tester raises its own exception
        text = str(exc.args[0])
        prefix = "execution reverted: "
        assert text.startswith(prefix), text
        shown = text[len(prefix) :]
        try:  # custom errors: eth-tester shows the raw bytes' repr
            value = ast.literal_eval(shown)
        except (ValueError, SyntaxError):  # Error(string): web3 has decoded the reason already
            return selector("Error(string)") + abi_encode(["string"], [shown])
        assert isinstance(value, bytes)
        return value
    raise AssertionError("the action did not revert")


def selector(signature: str) -> bytes:
    """The 4-byte selector of an error or function signature."""
    return Web3.keccak(text=signature)[:4]
