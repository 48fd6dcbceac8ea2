"""``RpcChain.call`` and ``call_many``: raw ``eth_call`` requests give the same answers and the same
decoded reverts as web3's path, and web3 takes over whenever the caller changed it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chain_helpers import LIMIT, Probe, deploy_probe
from web3.middleware.base import Web3Middleware

from decree8.chain import Chain
from decree8.chain.rpc import RpcChain
from decree8.compile import Artifact
from decree8.errors import ChainError, TransactionReverted


@pytest.fixture
def probe(decree8_revm_node_url: str, probe_artifact: Artifact) -> Iterator[Probe]:
    with Chain.rpc(decree8_revm_node_url, timeout=30) as chain, chain.reverting():
        yield deploy_probe(chain, probe_artifact)


class _Counting(Web3Middleware):
    """Counts the eth_calls that go through web3."""

    seen: list[str] = []

    def wrap_make_request(self, make_request: Any) -> Any:
        def middleware(method: Any, params: Any) -> Any:
            _Counting.seen.append(str(method))
            return make_request(method, params)

        return middleware


def _revert_of(probe: Probe, tx: dict[str, Any], block: Any = "latest") -> TransactionReverted:
    with pytest.raises(TransactionReverted) as caught:
        probe.chain.call(tx, block)
    return caught.value


def test_fast_call_answers_and_reverts_as_web3_does(probe: Probe) -> None:
    chain = probe.chain
    assert isinstance(chain, RpcChain)
    probe.chain.transact(probe.tx("setValue", 7))
    fast_value = probe.read("value")
    fast_revert = _revert_of(probe, probe.tx("setValue", LIMIT + 1))
    fast_string = _revert_of(probe, probe.tx("requireNotFailing", True))

    _Counting.seen.clear()
    chain.w3.middleware_onion.add(_Counting, name="counting")
    try:
        assert probe.read("value") == fast_value == 7
        slow_revert = _revert_of(probe, probe.tx("setValue", LIMIT + 1))
        slow_string = _revert_of(probe, probe.tx("requireNotFailing", True))
    finally:
        chain.w3.middleware_onion.remove("counting")
    assert _Counting.seen.count("eth_call") == 3  # the caller's middleware saw every call
    assert fast_revert.name == slow_revert.name == "ValueTooLarge"
    assert fast_revert.args == slow_revert.args
    assert fast_revert.data == slow_revert.data
    assert (fast_string.name, fast_string.args) == (slow_string.name, slow_string.args)


def test_call_many_answers_each_call_at_its_block(probe: Probe) -> None:
    chain = probe.chain
    assert isinstance(chain, RpcChain)
    chain.transact(probe.tx("setValue", 1))
    before = chain.block_number
    chain.transact(probe.tx("setValue", 2))
    answers = chain.call_many(
        [
            (probe.tx("value"), before),
            (probe.tx("value"), before + 1),
            (probe.tx("setValue", LIMIT + 1), "latest"),
        ]
    )
    assert [int.from_bytes(a, "big") for a in answers[:2]] == [1, 2]  # type: ignore[arg-type]
    refused = answers[2]
    assert isinstance(refused, TransactionReverted)
    assert refused.name == "ValueTooLarge"
    assert refused.args == _revert_of(probe, probe.tx("setValue", LIMIT + 1)).args


def test_a_call_web3_must_format_takes_web3s_path(probe: Probe) -> None:
    chain = probe.chain
    assert isinstance(chain, RpcChain)
    lower = {**probe.tx("value"), "to": probe.address.lower()}
    # web3 refuses an address that is not checksummed; the fast path does not hide that
    with pytest.raises(ChainError) as caught:
        chain.call(lower)
    assert "checksum" in str(caught.value).lower()
    answers = chain.call_many([(probe.tx("value"), "latest"), (lower, "latest")])
    assert isinstance(answers[0], bytes)
    assert isinstance(answers[1], ChainError)
    assert str(answers[1]) == str(caught.value)
