"""Benchmark of the stateful testing base (decree8.testing.stateful.ChainMachine).

``figures()`` returns one figure: ``stateful.steps_per_second``: rule steps per second of a token
state machine (gifts between three holders, approvals, issuance) run by hypothesis on the embedded
chain with :class:`ChainMachine` (one deployment, one snapshot, a revert per example, explicit gas),
against a naive loop that draws the same kind of steps with ``random``, sends each with web3's
``contract.functions.f(...).transact()`` (gas estimated each time) and waits for the receipt, and
deploys a fresh registry and token (attestations, terms, issuance) for every example. Both run
EXAMPLES examples of STEPS steps; the ratio is value / baseline (bigger is better; target >= 3).

Run ``python -m bench stateful`` (or ``python bench/bench_stateful.py``).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:  # runnable before the package is pip-installed
    sys.path.insert(0, str(REPO / "src"))

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from web3 import Web3  # noqa: E402

from decree8.chain import Chain  # noqa: E402
from decree8.compile import Build, build_project  # noqa: E402
from decree8.testing import (  # noqa: E402
    DEFAULT_TERMS_TEXT,
    ELIGIBLE_ENTITY,
    ELIGIBLE_INDIVIDUAL,
    Accounts,
    ChainMachine,
    Deployed,
    Kit,
    terms_hash,
)
from decree8.testing.stateful import rule  # noqa: E402

EXAMPLES = 10
STEPS = 10
UNIT = 10**18
START = 1_000 * UNIT
HOLDERS = ("alice", "bob", "carol")
PARTIES = {"alice": ELIGIBLE_INDIVIDUAL, "bob": ELIGIBLE_INDIVIDUAL, "carol": ELIGIBLE_ENTITY}
SOURCES = ("contracts/registry", "contracts/token", "contracts/escrow")
Figure = dict[str, Any]


class BenchMachine(ChainMachine):
    """Gifts, approvals and issuance; one transaction per step."""

    token: ClassVar[Deployed]

    @classmethod
    def setup_chain(cls, kit: Kit) -> None:
        cls.token = kit.factory.token(parties=PARTIES, issue=dict.fromkeys(HOLDERS, START))

    @rule(src=st.sampled_from(HOLDERS), dst=st.sampled_from(HOLDERS), units=st.integers(0, 5))
    def gift(self, src: str, dst: str, units: int) -> None:
        a = self.kit.accounts
        self.send(self.token, "transferWithPurpose", a[dst], units * UNIT, 1, sender=a[src])

    @rule(owner=st.sampled_from(HOLDERS), spender=st.sampled_from(HOLDERS), units=st.integers(0, 9))
    def approve(self, owner: str, spender: str, units: int) -> None:
        a = self.kit.accounts
        self.send(self.token, "approve", a[spender], units * UNIT, sender=a[owner])

    @rule(to=st.sampled_from(HOLDERS), units=st.integers(1, 5))
    def issue(self, to: str, units: int) -> None:
        a = self.kit.accounts
        self.send(self.token, "issue", a[to], units * UNIT, sender=a.issuer)


def _machine_rate(chain: Chain, build: Build) -> tuple[float, int]:
    config = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    started = time.perf_counter()
    stats = BenchMachine.run(chain, build, settings=config)
    return stats.calls / (time.perf_counter() - started), stats.calls


def _naive_deploy(w3: Web3, build: Build, a: Accounts) -> Any:
    """A registry and a token through web3 alone, as a test without the kit would do it."""

    def deploy(name: str, sender: str, *args: Any) -> Any:
        art = build.artifact(name)
        factory = w3.eth.contract(abi=art.abi, bytecode="0x" + art.bytecode)
        receipt = w3.eth.wait_for_transaction_receipt(
            factory.constructor(*args).transact({"from": sender})
        )
        return w3.eth.contract(address=receipt["contractAddress"], abi=art.abi)

    def send(fn: Any, sender: str) -> None:
        w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))

    ref = b"HTP-0001".ljust(32, b"\0")
    registry = deploy("HolderRegistry", a.operator, ref, a.admin, a.operator)
    digest = terms_hash(DEFAULT_TERMS_TEXT)
    token = deploy(
        "CompliantToken",
        a.issuer,
        "Decree Token",
        "DCR",
        10**24,
        ref,
        registry.address,
        digest,
        "ipfs://terms",
        a.admin,
        a.issuer,
        a.enforcer,
        a.oversight,
    )
    until = w3.eth.get_block("latest")["timestamp"] + 365 * 86400
    for name in HOLDERS:
        kind, flags = (2, 0) if name == "carol" else (1, 2)
        kyc = Web3.keccak(text=name)
        send(registry.functions.attest(a[name], kind, b"BY", until, kyc, flags), a.operator)
        send(token.functions.acceptTerms(1, digest), a[name])
        send(token.functions.issue(a[name], START), a.issuer)
    return token


def _naive_rate(chain: Chain, build: Build) -> tuple[float, int]:
    w3, a = chain.w3, Accounts.of(chain)
    rng = random.Random(8)
    steps = 0
    base = chain.snapshot()
    started = time.perf_counter()
    for _ in range(EXAMPLES):
        token = _naive_deploy(w3, build, a)
        for _ in range(STEPS):
            kind = rng.randrange(3)
            src, dst = rng.choice(HOLDERS), rng.choice(HOLDERS)
            units = rng.randrange(6)
            if kind == 0:
                fn, sender = token.functions.transferWithPurpose(a[dst], units * UNIT, 1), a[src]
            elif kind == 1:
                fn, sender = token.functions.approve(a[dst], units * UNIT), a[src]
            else:
                fn, sender = token.functions.issue(a[dst], max(units, 1) * UNIT), a.issuer
            w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
            steps += 1
    rate = steps / (time.perf_counter() - started)
    chain.revert(base)
    return rate, steps


def figures() -> list[Figure]:
    build = build_project(REPO, sources=SOURCES)
    chain = Chain.embedded()
    try:
        machine, machine_steps = _machine_rate(chain, build)
        naive, naive_steps = _naive_rate(chain, build)
    finally:
        chain.close()
    return [
        {
            "name": "stateful.steps_per_second",
            "value": round(machine, 2),
            "unit": f"steps/s ({machine_steps} steps, {EXAMPLES} examples, ChainMachine)",
            "baseline": f"web3 .transact() with estimation, fresh deployment per example "
            f"({naive_steps} steps)",
            "baseline_value": round(naive, 2),
            "ratio": round(machine / naive, 2) if naive else None,
        }
    ]


if __name__ == "__main__":
    for fig in figures():
        print(fig)
