"""The token machine's lean ABI helper (token_machine.Abi) encodes and decodes as web3 does: the
machine sends and reads without web3's contract objects, so what it sends must be byte for byte
what web3 would have sent, and what it reads what web3 would have returned."""

from __future__ import annotations

from typing import Any

import pytest
from token_machine import Abi

from support import BY, INDIVIDUAL, MAX_UINT256, TOKEN_TERMS_HASH, System, ref

CALLS: list[tuple[str, str, list[Any]]] = [
    ("registry", "attest", ["alice", INDIVIDUAL, BY, 2**64 - 1, bytes(range(32)), 2**32 - 1]),
    ("registry", "revoke", ["bob", ref("KYC-WITHDRAWN")]),
    ("registry", "blockAddress", ["carol", ref("D48-REG")]),
    ("token", "transfer", ["bob", MAX_UINT256]),
    ("token", "transferWithPurpose", ["bob", 0, 3]),
    ("token", "transferFromWithPurpose", ["alice", "bob", 5, 1]),
    ("token", "acceptTerms", [2, TOKEN_TERMS_HASH]),
    ("token", "amendTerms", [TOKEN_TERMS_HASH, "ipfs://terms-v2"]),  # a string: eth_abi encodes it
    ("token", "pause", []),
    ("token", "forcedTransfer", ["alice", "carol", 1, ref("ENFORCEMENT")]),
]


def _args(system: System, args: list[Any]) -> list[Any]:
    """Holder names replaced by their addresses."""
    return [getattr(system, a) if a in ("alice", "bob", "carol") else a for a in args]


@pytest.mark.parametrize(("target", "fn", "args"), CALLS, ids=[c[1] for c in CALLS])
def test_calldata_is_what_web3_encodes(
    system: System, target: str, fn: str, args: list[Any]
) -> None:
    contract = getattr(system, target)
    values = _args(system, args)
    lean = Abi(system.chain, contract)
    assert lean.data(fn, values) == bytes.fromhex(
        system.contract(contract).encode_abi(fn, args=values)[2:]
    )


def test_views_answer_what_web3_decodes(system: System) -> None:
    s = system
    token, registry = Abi(s.chain, s.token), Abi(s.chain, s.registry)
    assert token.call("balanceOf", s.alice) == s.view(s.token, "balanceOf", s.alice) > 0
    assert token.call("isFrozen", s.alice) is s.view(s.token, "isFrozen", s.alice) is False
    assert token.call("termsHash") == s.view(s.token, "termsHash") == TOKEN_TERMS_HASH
    detect = ("detectTransferRestriction", s.alice, s.bob, 1)
    assert token.call(*detect) == s.view(s.token, *detect) != 0  # P2P-SALE between individuals
    status = registry.call("statusOf", s.bob)  # a struct: one tuple
    assert status == tuple(s.view(s.registry, "statusOf", s.bob))
    assert status == (INDIVIDUAL, True, True, False)


def test_values_out_of_range_are_refused_as_eth_abi_refuses_them(system: System) -> None:
    token = Abi(system.chain, system.token)
    for bad in ([system.bob, -1], [system.bob, 2**256], [system.bob, True], ["0x1234", 1]):
        with pytest.raises(ValueError):
            token.data("transfer", bad)
    with pytest.raises(ValueError):
        token.data("acceptTerms", [1, bytes(33)])
    with pytest.raises(TypeError):
        token.data("transfer", [system.bob])
