"""Transactions a chain cannot process: the same decree8 error types on revm as on eth-tester.

Each case runs through :class:`~decree8.chain.Chain` on both in-process backends. A transaction
the node refuses is a one-line :class:`ChainError` and mines nothing; one that is mined and fails
(an invalid opcode, a reserved code prefix, too little gas for its work) is a
:class:`TransactionReverted` without data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from eth_utils import to_checksum_address
from hexbytes import HexBytes

from decree8.chain import Chain, EmbeddedChain
from decree8.chain.revm import RevmChain
from decree8.errors import ChainError, TransactionReverted
from support import IN_PROCESS

#: Both in-process chains (the ``chain`` fixture of tests/conftest.py runs each test on each).
BACKENDS = IN_PROCESS

#: initcode that runs the INVALID opcode
INVALID_OPCODE = "0xfe"
#: initcode that returns the one byte 0xef as runtime code (refused since EIP-3541)
EF_CODE = "0x60ef60005360016000f3"


def _assert_halt_data(chain: Chain, error: TransactionReverted) -> None:
    """An exceptional halt has no revert data. revm, like a JSON-RPC node, says so; eth-tester
    says so for INVALID but wraps py-evm's message for other halts (out of gas, EIP-3541) into an
    ``Error(string)``, which the embedded chain passes on."""
    if isinstance(chain, RevmChain) or error.name is None:
        assert (error.name, error.data) == (None, b"")
    else:
        assert error.name == "Error" and isinstance(chain, EmbeddedChain)


def _refused_cases(chain: Chain) -> dict[str, tuple[Callable[[], object], str]]:
    """name: (action, a pattern both backends' messages match)."""
    a = chain.accounts
    plenty = 10**30
    stranger = Account.create().address
    return {
        "insufficient funds, estimated gas": (
            lambda: chain.transact({"from": a[1], "to": a[2], "value": plenty}),
            r"(?i)insufficient funds|enough balance",
        ),
        "insufficient funds, explicit gas": (
            lambda: chain.transact({"from": a[1], "to": a[2], "value": plenty}, gas=21_000),
            r"(?i)insufficient funds|enough balance",
        ),
        "nonce too high": (
            lambda: chain.transact({"from": a[1], "to": a[2], "value": 1, "nonce": 5}, gas=21_000),
            r"(?i)nonce",
        ),
        "gas below the intrinsic cost": (
            lambda: chain.transact({"from": a[1], "to": a[2], "value": 1}, gas=20_000),
            r"(?i)intrinsic gas|gas cannot be negative",
        ),
        "gas above the block gas limit": (
            lambda: chain.transact({"from": a[1], "to": a[2], "value": 1}, gas=10**9),
            r"(?i)gas limit",
        ),
        "unknown sender": (
            lambda: chain.transact({"from": stranger, "to": a[2], "value": 1}, gas=21_000),
            r"(?i)unknown account|\"from\"",
        ),
        "negative value": (
            lambda: chain.transact({"to": a[2], "value": -1}, gas=21_000),
            r"(?i)negative|positive",
        ),
        "malformed recipient": (
            lambda: chain.transact({"to": "0x1234", "value": 1}, gas=21_000),
            r"(?i)invalid",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "insufficient funds, estimated gas",
        "insufficient funds, explicit gas",
        "nonce too high",
        "gas below the intrinsic cost",
        "gas above the block gas limit",
        "unknown sender",
        "negative value",
        "malformed recipient",
    ],
)
def test_a_refused_transaction_is_a_one_line_chain_error_and_mines_nothing(
    chain: Chain, case: str
) -> None:
    action, pattern = _refused_cases(chain)[case]
    block = chain.block_number
    nonce = chain.w3.eth.get_transaction_count(to_checksum_address(chain.accounts[1]))

    with pytest.raises(ChainError, match=pattern) as caught:
        action()

    assert not isinstance(caught.value, TransactionReverted)
    assert "\n" not in str(caught.value)
    assert chain.block_number == block
    assert chain.w3.eth.get_transaction_count(to_checksum_address(chain.accounts[1])) == nonce


def test_a_replayed_nonce_is_refused_after_the_first_is_mined(chain: Chain) -> None:
    sender, to = chain.accounts[3], chain.accounts[2]
    chain.transact({"from": sender, "to": to, "value": 1, "nonce": 0}, gas=21_000)
    block = chain.block_number

    with pytest.raises(ChainError, match="(?i)nonce") as caught:
        chain.transact({"from": sender, "to": to, "value": 1, "nonce": 0}, gas=21_000)

    assert not isinstance(caught.value, TransactionReverted)
    assert chain.block_number == block


@pytest.mark.parametrize(
    "initcode", [INVALID_OPCODE, EF_CODE], ids=["invalid-opcode", "ef-prefixed-code"]
)
def test_a_failing_deployment_with_explicit_gas_is_mined_with_status_0(
    chain: Chain, initcode: str
) -> None:
    block = chain.block_number

    with pytest.raises(TransactionReverted) as caught:
        chain.transact({"data": initcode}, gas=100_000)

    tx_hash = caught.value.tx_hash
    assert tx_hash is not None
    receipt = chain.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
    assert receipt["status"] == 0 and not receipt["contractAddress"]
    assert receipt["blockNumber"] == block + 1
    _assert_halt_data(chain, caught.value)


def test_a_failing_deployment_is_found_by_the_gas_estimate(chain: Chain) -> None:
    block = chain.block_number

    with pytest.raises(TransactionReverted) as caught:
        chain.transact({"data": INVALID_OPCODE})

    assert (caught.value.name, caught.value.data, caught.value.tx_hash) == (None, b"", None)
    assert chain.block_number == block


def test_too_little_gas_for_the_work_is_mined_and_reverts_without_data(chain: Chain) -> None:
    # initcode of 200 JUMPDESTs (1 gas each) and STOP: 201 bytes cost 53,000 + 16 * 201 + 2 * 7
    # (EIP-3860) = 56,230 before it runs; 36 more gas leave it short of its 200
    deploy = {"data": "0x" + "5b" * 200 + "00"}
    block = chain.block_number

    with pytest.raises(TransactionReverted) as caught:
        chain.transact(deploy, gas=56_230 + 36)

    assert caught.value.tx_hash is not None
    assert chain.block_number == block + 1
    _assert_halt_data(chain, caught.value)


def test_a_call_with_a_malformed_sender_is_a_chain_error(chain: Chain) -> None:
    args: dict[str, Any] = {"from": "0x12", "to": chain.accounts[2]}

    with pytest.raises(ChainError) as caught:
        chain.call(args)

    assert not isinstance(caught.value, TransactionReverted)
