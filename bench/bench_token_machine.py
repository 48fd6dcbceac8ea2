"""The token's state machine (tests/token/token_machine.py), steps per second on eth-tester and on
revm, measured in the same run.

``figures()`` returns ``{"name", "value", "unit", "baseline", "baseline_value", "ratio"}`` dicts:
``token_machine.steps_per_s_eth_tester`` and ``token_machine.steps_per_s_revm`` (baseline
eth-tester, ratio = revm / eth-tester: bigger is better). Both backends run derandomized examples of
the ``ci`` profile's size (EXAMPLES examples of up to STEPS steps): the same sequences, so they do
the same work; each backend runs them REPEATS times on one deployment and the figure is the
fastest run. A step is one rule: one transaction with its model prediction, the ERC-1404 views a
transfer asks first, the reads that check it, and the invariant's reads. The wall time covers the
whole run (hypothesis, per-example revert and snapshot), not the one-off deployment; each backend
first runs one short warm-up example, so that neither pays the process's one-off costs (imports,
hypothesis scanning the test modules for constants) inside its timing.

Each figure's note gives the steps, the wall and CPU seconds (the CPU time is steadier on a busy
machine) and the share of the wall time spent inside the chain (``Chain.transact``, ``call``,
``snapshot``, ``revert``, ``time_travel``); the rest is hypothesis choosing the steps and the
machine's own Python (model, encoding, assertions). On revm that rest is most of a step: hypothesis
alone (the same rules and strategies, empty bodies, same settings) ran 1,300-2,200 steps/s on the
quiet 2-core machine these figures were taken on (600-1,300 while other work ran), which bounds
what any chain can reach in this machine here.

Run ``python -m bench token_machine`` (or ``python bench/bench_token_machine.py``).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO / "src", REPO / "tests", REPO / "tests" / "token"):  # the machine: token tests
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test  # noqa: E402
from token_machine import machine_for  # noqa: E402

from decree8.chain import Chain  # noqa: E402
from decree8.compile import build_project  # noqa: E402
from support import ACCOUNTS, deploy_system  # noqa: E402

Figure = dict[str, Any]

EXAMPLES = 10
STEPS = 15
#: Timed runs per backend (the same derandomized sequences each time): the figure is the fastest,
#: as with timeit, since a busy machine only ever adds time; the note gives the median too.
REPEATS = 3
SOURCES = ("contracts/registry", "contracts/token", "contracts/mocks/PlainERC20.sol")
#: The chain methods the machine reaches the node through, timed for the notes.
CHAIN_METHODS = ("transact", "call", "snapshot", "revert", "time_travel")


def _settings(examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _time_chain(chain: Chain) -> list[float]:
    """Wraps the chain's node-facing methods (on the instance) to add up their wall time."""
    spent = [0.0]

    def timed(method: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return run

    for name in CHAIN_METHODS:
        setattr(chain, name, timed(getattr(chain, name)))
    return spent


def measure(backend: str, repeats: int = REPEATS) -> dict[str, float]:
    """The fastest of `repeats` runs of the machine on one fresh deployment on `backend` (each
    run leaves the deployment as it found it): its steps, wall and CPU seconds and seconds inside
    the chain, plus the median wall seconds of all the runs."""
    build = build_project(REPO, sources=SOURCES)
    chain = Chain.open(backend, accounts=ACCOUNTS)
    runs: list[dict[str, float]] = []
    try:
        machine = machine_for(deploy_system(chain, build))
        # a machine factory: typed as a class by hypothesis, documented as "a class or a function"
        factory = cast("type[RuleBasedStateMachine]", machine)
        run_state_machine_as_test(factory, settings=_settings(1, 3))  # warm-up
        in_chain = _time_chain(chain)
        for _ in range(repeats):
            machine.steps[0] = 0
            in_chain[0] = 0.0
            started, cpu = time.perf_counter(), time.process_time()
            run_state_machine_as_test(factory, settings=_settings(EXAMPLES, STEPS))
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
            runs.append(
                {
                    "steps": machine.steps[0],
                    "seconds": seconds,
                    "cpu_seconds": cpu_seconds,
                    "chain_seconds": in_chain[0],
                }
            )
    finally:
        chain.close()
    assert len({r["steps"] for r in runs}) == 1, "derandomized runs took different steps"
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "median_seconds": statistics.median(r["seconds"] for r in runs)}


def steps_per_second(backend: str) -> tuple[float, int, float]:
    """(steps per second, steps, seconds) of the machine on a fresh deployment on `backend`."""
    run = measure(backend)
    return run["steps"] / run["seconds"], int(run["steps"]), run["seconds"]


def _note(run: dict[str, float]) -> str:
    share = 100 * run["chain_seconds"] / run["seconds"]
    return (
        f"{int(run['steps'])} steps in {run['seconds']:.2f}s, fastest of {REPEATS} runs "
        f"(median {run['steps'] / run['median_seconds']:.0f} steps/s; "
        f"{run['steps'] / run['cpu_seconds']:.0f} steps per CPU second); "
        f"{share:.0f}% of the time inside the chain"
    )


def figures() -> list[Figure]:
    tester = measure("embedded")
    revm = measure("revm")
    tester_rate = tester["steps"] / tester["seconds"]
    revm_rate = revm["steps"] / revm["seconds"]
    return [
        {
            "name": "token_machine.steps_per_s_eth_tester",
            "value": round(tester_rate, 1),
            "unit": "steps/s",
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "note": _note(tester),
        },
        {
            "name": "token_machine.steps_per_s_revm",
            "value": round(revm_rate, 1),
            "unit": "steps/s",
            "baseline": "token_machine.steps_per_s_eth_tester",
            "baseline_value": round(tester_rate, 1),
            "ratio": round(revm_rate / tester_rate, 2),
            "note": _note(revm),
        },
    ]


if __name__ == "__main__":
    for figure in figures():
        print(figure)
