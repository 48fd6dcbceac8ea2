"""Revert decoding: the decoder itself, and reading revert data out of what each node raises."""

from __future__ import annotations

from typing import Any, cast

import pytest
from eth_abi import abi as eth_abi
from eth_tester.exceptions import TransactionFailed
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError
from web3.types import RPCResponse

from decree8.chain.errors import (
    RevertDecoder,
    RevertInfo,
    encode_error_string,
    eth_tester_revert_data,
    revert_info,
)
from decree8.errors import TransactionReverted

HOLDER = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
TRANSFER_RESTRICTED: dict[str, Any] = {
    "type": "error",
    "name": "TransferRestricted",
    "inputs": [
        {"name": "code", "type": "uint8"},
        {"name": "from", "type": "address"},
        {"name": "holders", "type": "address[]"},
    ],
}
UNNAMED: dict[str, Any] = {
    "type": "error",
    "name": "Unnamed",
    "inputs": [{"name": "", "type": "uint256"}, {"name": "", "type": "bytes32"}],
}


def _custom(signature: str, types: list[str], values: list[Any]) -> bytes:
    return Web3.keccak(text=signature)[:4] + eth_abi.encode(types, values)


def test_custom_errors_of_a_registered_abi_decode_by_name_with_checksummed_addresses() -> None:
    decoder = RevertDecoder()
    decoder.register_abi([TRANSFER_RESTRICTED, {"type": "function", "name": "f", "inputs": []}])
    decoder.register_abi([TRANSFER_RESTRICTED])  # twice is harmless
    data = _custom(
        "TransferRestricted(uint8,address,address[])",
        ["uint8", "address", "address[]"],
        [3, HOLDER.lower(), [HOLDER.lower()]],
    )

    decoded = decoder.decode(data)

    assert decoded is not None
    assert decoded.name == "TransferRestricted"
    assert decoded.signature == "TransferRestricted(uint8,address,address[])"
    assert decoded.args == {"code": 3, "from": HOLDER, "holders": (HOLDER,)}


def test_unnamed_parameters_are_named_by_position() -> None:
    decoder = RevertDecoder()
    decoder.register_abi([UNNAMED])
    data = _custom("Unnamed(uint256,bytes32)", ["uint256", "bytes32"], [9, b"\x01" * 32])

    decoded = decoder.decode(data)

    assert decoded is not None and decoded.args == {"arg0": 9, "arg1": b"\x01" * 32}


def test_error_string_and_panic_are_known_without_registering() -> None:
    decoder = RevertDecoder()

    error = decoder.decode(encode_error_string("no"))
    panic = decoder.decode(bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big"))

    assert error is not None and (error.name, error.args) == ("Error", {"message": "no"})
    assert panic is not None and (panic.name, panic.args) == ("Panic", {"code": 0x11})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x01\x02",
        bytes.fromhex("deadbeef") + b"\x00" * 32,
        bytes.fromhex("08c379a0") + b"\x00",
    ],
    ids=["empty", "short", "unknown-selector", "truncated-error-string"],
)
def test_data_that_matches_nothing_known_decodes_to_none(data: bytes) -> None:
    decoder = RevertDecoder()

    assert decoder.decode(data) is None
    reverted = decoder.reverted(data, tx_hash="0xab")
    assert isinstance(reverted, TransactionReverted)
    assert reverted.name is None and reverted.data == data and reverted.tx_hash == "0xab"
    assert str(reverted).startswith("transaction reverted ")


# -- where the data is, per node ------------------------------------------------------------------

CUSTOM = _custom(
    "TransferRestricted(uint8,address,address[])",
    ["uint8", "address", "address[]"],
    [1, HOLDER, []],
)
TX_HASH = "0x" + "ab" * 32


def test_revert_info_reads_web3s_contract_logic_errors() -> None:
    hardhat_style = {"message": "Error: VM Exception ...", "data": "0x" + CUSTOM.hex()}

    assert revert_info(ContractCustomError("0x" + CUSTOM.hex(), data="0x" + CUSTOM.hex())) == (
        RevertInfo(CUSTOM)
    )
    assert revert_info(ContractLogicError("execution reverted", data=hardhat_style)) == RevertInfo(
        CUSTOM
    )
    assert revert_info(ContractLogicError("execution reverted", data=None)) == RevertInfo(b"")


def test_revert_info_reads_hardhats_send_transaction_error_with_the_mined_hash() -> None:
    response = cast(
        RPCResponse,
        {
            "jsonrpc": "2.0",
            "id": 3,
            "error": {
                "code": -32603,
                "message": "Error: VM Exception while processing transaction: reverted with ...",
                "data": {"message": "...", "txHash": TX_HASH, "data": "0x" + CUSTOM.hex()},
            },
        },
    )

    assert revert_info(Web3RPCError("failed", rpc_response=response)) == RevertInfo(CUSTOM, TX_HASH)


def test_revert_info_ignores_rpc_errors_that_are_not_reverts() -> None:
    response: RPCResponse = {
        "jsonrpc": "2.0",
        "id": 1,
        "error": {"code": -32000, "message": "nonce too low"},
    }

    assert revert_info(Web3RPCError("failed", rpc_response=response)) is None
    assert revert_info(ValueError("x")) is None


def test_eth_tester_failures_give_their_bytes_in_every_shape() -> None:
    class Revert(Exception):
        pass

    assert eth_tester_revert_data(TransactionFailed(Revert(CUSTOM))) == CUSTOM
    assert eth_tester_revert_data(TransactionFailed(repr(CUSTOM))) == CUSTOM
    assert (
        eth_tester_revert_data(TransactionFailed("execution reverted: " + repr(CUSTOM))) == CUSTOM
    )
    assert eth_tester_revert_data(TransactionFailed("a decoded reason")) is None
    assert revert_info(TransactionFailed("a decoded reason")) == RevertInfo(
        encode_error_string("a decoded reason")
    )
