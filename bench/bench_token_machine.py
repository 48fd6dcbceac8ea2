"""The token's state machine (tests/token/token_machine.py), steps per second on eth-tester and on
revm, measured in the same run.

``figures()`` returns ``{"name", "value", "unit", "baseline", "baseline_value", "ratio"}`` dicts:
``token_machine.steps_per_s_eth_tester`` and ``token_machine.steps_per_s_revm`` (baseline
eth-tester, ratio = revm / eth-tester: bigger is better). Both backends run derandomized examples of
the ``ci`` profile's size (EXAMPLES examples of up to STEPS steps): nearly the same sequences (the
step counts can differ by a few percent, as hypothesis' generation is not bound to repeat itself
exactly), so they do comparable work. A step is one rule: one transaction with its model
prediction, the ERC-1404 views a transfer asks first, the reads that check it, and the invariant's
reads. The wall time covers the whole run
(hypothesis, per-example revert and snapshot), not the one-off deployment.

Run ``python bench/bench_token_machine.py`` (or ``python -m bench token_machine``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO / "src", REPO / "tests" / "token"):  # the machine lives with the token tests
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402
from token_helpers import deploy_system, in_process_chain  # noqa: E402
from token_machine import machine_for  # noqa: E402

from decree8.compile import build_project  # noqa: E402

Figure = dict[str, Any]

EXAMPLES = 10
STEPS = 15
SOURCES = ("contracts/registry", "contracts/token", "contracts/mocks/PlainERC20.sol")


def steps_per_second(backend: str) -> tuple[float, int, float]:
    """(steps per second, steps, seconds) of the machine on a fresh deployment on `backend`."""
    build = build_project(REPO, sources=SOURCES)
    chain = in_process_chain(backend)
    try:
        machine = machine_for(deploy_system(chain, build))
        run_settings = settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        started = time.perf_counter()
        run_state_machine_as_test(machine, settings=run_settings)
        seconds = time.perf_counter() - started
    finally:
        chain.close()
    steps = machine.steps[0]
    return steps / seconds, steps, seconds


def figures() -> list[Figure]:
    tester, tester_steps, tester_s = steps_per_second("embedded")
    revm, revm_steps, revm_s = steps_per_second("revm")
    return [
        {
            "name": "token_machine.steps_per_s_eth_tester",
            "value": round(tester, 1),
            "unit": "steps/s",
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "note": f"{tester_steps} steps in {tester_s:.1f}s",
        },
        {
            "name": "token_machine.steps_per_s_revm",
            "value": round(revm, 1),
            "unit": "steps/s",
            "baseline": "token_machine.steps_per_s_eth_tester",
            "baseline_value": round(tester, 1),
            "ratio": round(revm / tester, 2),
            "note": f"{revm_steps} steps in {revm_s:.1f}s",
        },
    ]


if __name__ == "__main__":
    for figure in figures():
        print(figure)
