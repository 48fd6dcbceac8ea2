"""Arguments parsed by ABI type, template recognition from code, and the batched state reader."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from decree8.check import coerce_arg, runtime_matches
from decree8.errors import TransactionReverted, UsageError
from support import System

ADDR = "0x" + "ab" * 20


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("uint256", "1000e18", 1000 * 10**18),
        ("uint256", "1_000", 1000),
        ("int256", "-5", -5),
        ("uint8", "255", 255),
        ("bool", "true", True),
        ("bool", "0", False),
        ("bytes32", "ORDER-1", b"ORDER-1".ljust(32, b"\0")),
        ("bytes32", "0x" + "11" * 32, bytes.fromhex("11" * 32)),
        ("bytes2", "BY", b"BY"),
        ("address", ADDR, "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"),
        ("string", "ipfs://x", "ipfs://x"),
    ],
)
def test_text_is_parsed_by_abi_type(kind: str, text: str, value: object) -> None:
    assert coerce_arg(kind, text, "arg") == value


@pytest.mark.parametrize(
    ("kind", "text", "error"),
    [
        ("uint8", "256", "does not fit in uint8"),
        ("uint256", "-1", "whole number"),
        ("address", "0x1234", "not an address"),
        ("bool", "maybe", "not true or false"),
        ("bytes2", "BYX", "at most 2 bytes"),
        ("bytes32", "0xZZ", "not valid hex"),
        ("bytes32", "0x1234", "is 2 bytes, not 32"),
        ("bytes", "0xabc", "not valid hex"),
        ("address", "0xF2E246BB76DF876Cef8b38ae84130F4F55De395B", "wrong EIP-55 checksum"),
        ("uint256[]", "1", r"not a list of values for uint256\[\]"),
        ("uint256[2]", "[1]", "takes 2 values, 1 given"),
        ("(uint8,bool)", '[1, "maybe"]', "item 1: 'maybe' is not true or false"),
        ("fixed128x18", "1", "not supported"),
    ],
)
def test_bad_text_is_one_usage_error(kind: str, text: str, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        coerce_arg(kind, text, "arg")


def test_runtime_code_matches_only_its_template(system: System) -> None:
    code = bytes(system.chain.w3.eth.get_code(to_checksum_address(system.token.address)))
    token, registry = (
        system.build.artifact("CompliantToken"),
        system.build.artifact("HolderRegistry"),
    )
    assert runtime_matches(token, code)  # immutables (cap, registry, reference) masked
    assert not runtime_matches(registry, code)
    tampered = bytearray(code)
    tampered[10] ^= 0xFF
    assert not runtime_matches(token, bytes(tampered))


def test_batched_reads_answer_like_single_calls_and_keep_reverts(system: System) -> None:
    s = system
    reader = s.checker.state_at("latest", None)
    reads = [
        (s.token.address, "CompliantToken", "balanceOf", (s.alice,)),
        (s.registry.address, "HolderRegistry", "statusOf", (s.dave,)),
        (s.escrow.address, "DealEscrow", "dealOf", (999,)),
    ]
    reader.prefetch(reads)
    assert reader.calls == 1
    assert reader.timestamp == s.now()
    assert reader.call(s.token.address, "CompliantToken", "balanceOf", s.alice) == s.view(
        s.token, "balanceOf", s.alice
    )
    assert reader.holder_status(s.registry.address, s.dave) == (0, False, False, False)
    with pytest.raises(TransactionReverted) as info:
        reader.call(s.escrow.address, "DealEscrow", "dealOf", 999)
    assert info.value.name == "UnknownDeal"
    assert reader.calls == 1  # every answer came from the batch
