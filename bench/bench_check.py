"""Benchmarks of the checker on the embedded chain.

- ``check.preflight_per_s``: pre-flight checks per second of a compliant token transfer (every rule
  evaluated, plus the simulation), state read fresh for each check;
- ``check.preflight_violation_per_s``: the same for a transfer that breaks three rules while paused;
- ``check.mined_per_s``: mined-transaction checks per second (state before and after, events);
- ``check.state_calls_per_preflight``: ``eth_call``s the state reader makes for one transfer check;
- ``check.preflight_mixed_per_s.revm``: in-process pre-flight checks per second on the fast chain
  (``Chain.revm()``), alternately a compliant transfer and one to an unattested holder (a
  violation); baseline the same loop on eth-tester (``Chain.embedded()``), in the same run;
- ``check.batch_tx_per_s.revm_node``: ``decree8 --rpc URL check tx --from-file`` over
  ``BATCH_TXS`` (1,000) mined transfers (every fifth refused) on ``decree8 node --chain revm``,
  wall time of the whole process included; ``check.batch_tx_inprocess_per_s.revm_node`` the same
  checks in this process, baseline the same with the chain's raw JSON-RPC ``eth_call`` turned
  off (a no-op web3 middleware sends every call through web3, as before it existed).

The system (registry, token, escrow, parties) is the one the checker tests use
(``tests/support``: ``deploy_system``). Run ``PYTHONPATH=src python bench/bench_check.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

ROUNDS = 40
#: Pre-flight checks per chain in the mixed figure (half compliant, half violations).
MIXED = int(os.environ.get("PREFLIGHT_CHECKS", "600"))
MIXED_ETH_TESTER = int(os.environ.get("PREFLIGHT_CHECKS_ETH_TESTER", "60"))
BATCH_TXS = int(os.environ.get("BATCH_TXS", "1000"))
DECREE8 = str(Path(sys.executable).with_name("decree8"))


def _rate(fn: Any, rounds: int = ROUNDS) -> float:
    fn()  # warm caches (code recognition, immutables)
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return rounds / (time.perf_counter() - started)


def figures() -> list[dict[str, Any]]:
    from decree8.chain import Chain
    from decree8.check import CallRequest
    from support import PURPOSE_GIFT, deploy_system, template_build

    chain = Chain.embedded(accounts=20)
    s = deploy_system(chain, template_build(), escrow=True)
    good = CallRequest(
        to=s.token.address,
        sender=s.alice,
        function="transferWithPurpose",
        args=[s.bob, 5, PURPOSE_GIFT],
    )
    bad = CallRequest(to=s.token.address, sender=s.alice, function="transfer", args=[s.dave, 5])

    def preflight() -> None:
        assert s.checker.check_call(good).compliant

    compliant_rate = _rate(preflight)
    readers: list[Any] = []
    original = s.checker.state_at

    def counting_state_at(block: Any, timestamp: int) -> Any:
        readers.append(original(block, timestamp))
        return readers[-1]

    s.checker.state_at = counting_state_at  # type: ignore[method-assign]
    s.checker.check_call(good)
    s.checker.state_at = original  # type: ignore[method-assign]
    per_check = sum(r.calls for r in readers)

    s.tok("pause", sender=s.oversight)

    def violation() -> None:
        assert len(s.checker.check_call(bad).rule_ids) == 3

    violation_rate = _rate(violation)
    s.tok("unpause", sender=s.oversight)

    hashes = [
        s.send_raw(s.token, "transferWithPurpose", s.bob, 1, PURPOSE_GIFT, sender=s.alice)
        for _ in range(ROUNDS // 2)
    ]
    queue = list(hashes)

    def mined() -> None:
        assert s.checker.check_tx(queue.pop() if queue else hashes[0]).compliant

    mined_rate = _rate(mined, rounds=ROUNDS // 2)
    chain.close()
    return [
        *preflight_figures(),
        *batch_figures(),
        {"name": "check.preflight_per_s", "value": round(compliant_rate, 1), "unit": "checks/s"},
        {
            "name": "check.preflight_violation_per_s",
            "value": round(violation_rate, 1),
            "unit": "checks/s",
        },
        {"name": "check.mined_per_s", "value": round(mined_rate, 1), "unit": "checks/s"},
        {"name": "check.state_calls_per_preflight", "value": per_check, "unit": "eth_calls"},
    ]


def _mixed_rate(kind: str, checks: int) -> float:
    """Pre-flight checks per second on a fresh ``kind`` chain: compliant and violating transfers,
    alternately (the verdicts asserted)."""
    from decree8.chain import Chain
    from decree8.check import CallRequest
    from support import PURPOSE_GIFT, deploy_system, template_build

    chain = Chain.revm(accounts=20) if kind == "revm" else Chain.embedded(accounts=20)
    try:
        s = deploy_system(chain, template_build(), escrow=True)
        good = CallRequest(
            to=s.token.address,
            sender=s.alice,
            function="transferWithPurpose",
            args=[s.bob, 5, PURPOSE_GIFT],
        )
        bad = CallRequest(to=s.token.address, sender=s.alice, function="transfer", args=[s.dave, 5])
        assert s.checker.check_call(good).compliant  # warm caches
        assert not s.checker.check_call(bad).compliant
        started = time.perf_counter()
        for _ in range(checks // 2):
            assert s.checker.check_call(good).compliant
            assert not s.checker.check_call(bad).compliant
        return (checks // 2 * 2) / (time.perf_counter() - started)
    finally:
        chain.close()


def preflight_figures() -> list[dict[str, Any]]:
    fast = _mixed_rate("revm", MIXED)
    slow = _mixed_rate("eth_tester", MIXED_ETH_TESTER)
    return [
        {
            "name": "check.preflight_mixed_per_s.revm",
            "value": round(fast, 1),
            "unit": "checks/s",
            "baseline": "check.preflight_mixed_per_s.eth_tester",
            "baseline_value": round(slow, 1),
            "ratio": round(fast / slow, 2),
        },
        {"name": "check.preflight_mixed_per_s.eth_tester", "value": round(slow, 1),
         "unit": "checks/s"},
    ]  # fmt: skip


def batch_figures() -> list[dict[str, Any]]:
    """Batch ``check tx`` on ``decree8 node --chain revm`` (see the module docs)."""
    import shutil
    import tempfile

    from web3.middleware.base import Web3Middleware

    from decree8.chain import Chain
    from decree8.chain.node import NodeProcess
    from decree8.check.batch import check_many
    from decree8.errors import TransactionReverted
    from support import PURPOSE_GIFT, deploy_system, template_build

    node = NodeProcess(accounts=20, startup_timeout=60, chain="revm").start()
    folder = Path(tempfile.mkdtemp(prefix="decree8-bench-check-"))
    try:
        chain = Chain.rpc(node.url, timeout=120)
        s = deploy_system(chain, template_build(), escrow=True)
        token = s.token.bind(chain)
        gift = token.encode_abi("transferWithPurpose", args=[s.carol, 1, PURPOSE_GIFT])
        refused = token.encode_abi("transfer", args=[s.dave, 1])
        hashes = []
        for i in range(1, BATCH_TXS + 1):
            tx = {"from": s.alice, "to": s.token.address, "data": refused if i % 5 == 0 else gift}
            try:
                receipt = chain.transact(tx, gas=1_500_000)
                hashes.append("0x" + bytes(receipt["transactionHash"]).hex())
            except TransactionReverted as err:
                assert err.tx_hash
                hashes.append(err.tx_hash)
        listing = folder / "hashes.txt"
        listing.write_text("\n".join(hashes) + "\n")
        started = time.perf_counter()
        done = subprocess.run(
            [DECREE8, "--rpc", node.url, "check", "tx", "--from-file", str(listing)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        assert done.returncode in (0, 1), done.stderr
        assert done.stdout.count("\n") == len(hashes)

        def inprocess() -> float:
            begun = time.perf_counter()
            verdicts = [v for _, v in check_many(s.checker, hashes)]
            assert (
                sum(1 for v in verdicts if getattr(v, "compliant", False)) == len(hashes) * 4 // 5
            )
            return len(hashes) / (time.perf_counter() - begun)

        fast = inprocess()

        class Noop(Web3Middleware):  # any middleware of the caller's: every call through web3
            pass

        chain.w3.middleware_onion.add(Noop, name="bench_noop")
        slow = inprocess()
        chain.w3.middleware_onion.remove("bench_noop")
        chain.close()
    finally:
        node.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return [
        {
            "name": "check.batch_tx_per_s.revm_node",
            "value": round(len(hashes) / wall, 1),
            "unit": f"checks/s ({len(hashes)} tx, one process)",
        },
        {
            "name": "check.batch_tx_inprocess_per_s.revm_node",
            "value": round(fast, 1),
            "unit": "checks/s",
            "baseline": "the same through web3 (no raw eth_call)",
            "baseline_value": round(slow, 1),
            "ratio": round(fast / slow, 2),
        },
    ]


if __name__ == "__main__":
    for figure in figures():
        print(f"{figure['name']:<36} {figure['value']:>10} {figure['unit']}")
