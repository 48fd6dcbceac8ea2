"""Receipts on revm equal eth-tester's, transaction for transaction: the demo scenario, the token
system and the escrow system driven the same way on both chains, every receipt of every block
compared (gas used, status, contract address, logs). Zero differences is the goal and the test.

The extension finalizes every transaction (cold/warm access and original storage values reset at
the transaction boundary) on eth-tester's hardfork (Prague), so there is no tolerance here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hexbytes import HexBytes

import decree8.chain.embedded
import decree8.revm.node
from decree8.chain import Chain
from decree8.compile import build_project
from decree8.errors import TransactionReverted
from decree8.scenario import load_scenario, run_scenario
from support import ACCOUNTS, PURPOSE_GIFT, System, deploy_system, measure_gas, suite_build

REPO = Path(__file__).resolve().parents[2]


def _receipts(chain: Chain) -> list[dict[str, Any]]:
    """Every mined transaction's receipt, in order, reduced to what must not depend on the EVM."""
    w3 = chain.w3
    found: list[dict[str, Any]] = []
    for number in range(1, chain.block_number + 1):
        for tx_hash in w3.eth.get_block(number)["transactions"]:
            assert isinstance(tx_hash, bytes)  # hashes, not full transactions
            r = w3.eth.get_transaction_receipt(HexBytes(tx_hash))
            found.append(
                {
                    "block": number,
                    "from": r["from"],
                    "to": r["to"] or None,
                    "contract": r["contractAddress"],
                    "status": r["status"],
                    "gasUsed": r["gasUsed"],
                    "logs": [
                        (log["address"], [bytes(t) for t in log["topics"]], bytes(log["data"]))
                        for log in r["logs"]
                    ],
                }
            )
    return found


def _differences(revm: list[dict[str, Any]], tester: list[dict[str, Any]]) -> list[str]:
    assert len(revm) == len(tester), (len(revm), len(tester))
    return [
        f"tx {index} (block {a['block']}): {key} revm {a[key]} eth-tester {b[key]}"
        for index, (a, b) in enumerate(zip(revm, tester, strict=True))
        for key in a
        if a[key] != b[key]
    ]


# Both chains date a new block by the wall clock (at least one second after its parent). A run
# that crosses a second boundary on one chain but not the other would give values that depend on
# the block time (deadlines, attestation expiries in events) different dates: the comparison
# stops the clock both chains read, so every block is one second after its parent on both.
START = 1_767_225_600  # 2026-01-01 00:00:00 UTC


@contextlib.contextmanager
def _stopped_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as m:
        for module in (decree8.chain.embedded, decree8.revm.node):
            m.setattr(module, "time", SimpleNamespace(time=lambda: float(START)))
        yield


def _on_both(
    drive: Callable[[Chain], None], accounts: int = 10, start: int = START
) -> tuple[list[Any], list[Any]]:
    results = []
    with pytest.MonkeyPatch.context() as monkeypatch, _stopped_clock(monkeypatch):
        for kind in ("revm", "embedded"):
            chain = Chain.open(kind, accounts=accounts, timestamp=start)
            try:
                drive(chain)
                results.append(_receipts(chain))
            finally:
                chain.close()
    return results[0], results[1]


def test_the_demo_scenario_uses_the_same_gas_for_every_transaction() -> None:
    scenario = load_scenario(REPO / "examples" / "demo.toml")
    build = build_project(REPO)

    def drive(chain: Chain) -> None:
        assert run_scenario(scenario, chain, build).ok

    assert scenario.start is not None  # the demo starts in 2024
    revm, tester = _on_both(drive, accounts=12, start=scenario.start)
    assert len(revm) >= 40, "the demo mines dozens of transactions"
    assert any(r["status"] == 0 for r in tester), "including reverted ones"
    assert _differences(revm, tester) == []
    assert sum(r["gasUsed"] for r in revm) == sum(r["gasUsed"] for r in tester)


def test_the_token_systems_transactions_use_the_same_gas() -> None:
    build = suite_build()

    def drive(chain: Chain) -> None:
        s = deploy_system(chain, build)
        v = 10**18
        s.tok("transfer", s.exchange, v, sender=s.carol)
        s.tok("transfer", s.exchange, v, sender=s.carol)  # the same slots again
        s.tok("transferWithPurpose", s.bob, v, PURPOSE_GIFT, sender=s.alice)
        s.tok("approve", s.exchange, 2**256 - 1, sender=s.alice)
        s.tok("transferFrom", s.alice, s.bob, v, sender=s.exchange)
        s.tok("transferFrom", s.alice, s.bob, v, sender=s.exchange)
        with contextlib.suppress(TransactionReverted):  # mined with status 0
            s.tok("transfer", s.carol, 10**40, sender=s.bob)

    revm, tester = _on_both(drive, accounts=ACCOUNTS)
    assert any(r["status"] == 0 for r in tester)
    assert _differences(revm, tester) == []


def test_the_escrow_systems_transactions_use_the_same_gas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = suite_build()
    # measure_gas runs in a snapshot: keep its blocks, to compare their receipts
    monkeypatch.setattr(System, "snapshot", lambda self: contextlib.nullcontext())

    def drive(chain: Chain) -> None:
        measure_gas(deploy_system(chain, build, kit=True))

    revm, tester = _on_both(drive, accounts=ACCOUNTS)
    assert len(revm) >= 30
    assert _differences(revm, tester) == []
