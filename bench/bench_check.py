"""Benchmarks of the checker on the embedded chain.

- ``check.preflight_per_s``: pre-flight checks per second of a compliant token transfer (every rule
  evaluated, plus the simulation), state read fresh for each check;
- ``check.preflight_violation_per_s``: the same for a transfer that breaks three rules while paused;
- ``check.mined_per_s``: mined-transaction checks per second (state before and after, events);
- ``check.state_calls_per_preflight``: ``eth_call``s the state reader makes for one transfer check.

The system (registry, token, escrow, parties) is the one the checker tests use
(``tests/check/check_helpers.py``). Run ``PYTHONPATH=src python bench/bench_check.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "check")]

ROUNDS = 40


def _rate(fn: Any, rounds: int = ROUNDS) -> float:
    fn()  # warm caches (code recognition, immutables)
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return rounds / (time.perf_counter() - started)


def figures() -> list[dict[str, Any]]:
    from check_helpers import PURPOSE_GIFT, deploy_system, template_build

    from decree8.chain import Chain
    from decree8.check import CallRequest

    chain = Chain.embedded(accounts=16)
    s = deploy_system(chain, template_build())
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
        {"name": "check.preflight_per_s", "value": round(compliant_rate, 1), "unit": "checks/s"},
        {
            "name": "check.preflight_violation_per_s",
            "value": round(violation_rate, 1),
            "unit": "checks/s",
        },
        {"name": "check.mined_per_s", "value": round(mined_rate, 1), "unit": "checks/s"},
        {"name": "check.state_calls_per_preflight", "value": per_check, "unit": "eth_calls"},
    ]


if __name__ == "__main__":
    for figure in figures():
        print(f"{figure['name']:<36} {figure['value']:>10} {figure['unit']}")
