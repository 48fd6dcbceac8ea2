"""The token's state machine (token_machine.py): registry, terms, issuance, transfers, legal orders
and pause, checked against a model after every step.

The default test runs on the embedded chain (eth-tester) with the hypothesis profile from
``HYPOTHESIS_PROFILE`` (tests/conftest.py; ``ci`` by default: 10 examples of 15 steps). The ``slow``
test runs it on revm with the ``long`` profile (issue 8: long property runs use revm); revm only
changes gas, which the machine does not look at (every transaction carries explicit gas).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from multiread import MultiRead, View
from token_machine import machine_for

from decree8.chain import Chain
from decree8.compile import Build
from support import ACCOUNTS, System, deploy_system


def _deployed(backend: str, build: Build) -> Iterator[System]:
    chain = Chain.open(backend, accounts=ACCOUNTS)
    try:
        yield deploy_system(chain, build)
    finally:
        chain.close()


@pytest.fixture(scope="session")
def embedded_system(build: Build) -> Iterator[System]:
    """One deployment on its own embedded chain for the session (reverted per example)."""
    yield from _deployed("embedded", build)


@pytest.fixture(scope="session")
def revm_system(build: Build) -> Iterator[System]:
    yield from _deployed("revm", build)


@pytest.fixture(autouse=True)
def _isolated() -> None:
    """Overrides the per-test snapshot of conftest.py: the machine's chains are its own."""


def test_multiread_answers_as_the_views_do_one_by_one(embedded_system: System) -> None:
    """The machine's batched reads (multiread.py) give what each view gives on its own."""
    s = embedded_system
    views = [
        View(
            s.token.address,
            bytes.fromhex(s.contract(s.token).encode_abi("balanceOf", args=[a])[2:]),
        )
        for a in (s.alice, s.bob, s.carol)
    ]
    views.append(
        View(
            s.registry.address,
            bytes.fromhex(s.contract(s.registry).encode_abi("statusOf", args=[s.bob])[2:]),
            4,
        )
    )
    batched = MultiRead(s.chain, views)
    assert batched.batched  # eth-tester answers a creation's eth_call with its return data
    answers = batched.read()
    assert answers == MultiRead(s.chain, views, batched=False).read()
    assert [int.from_bytes(a, "big") for a in answers[:3]] == [
        s.balance(s.alice),
        s.balance(s.bob),
        s.balance(s.carol),
    ]
    assert answers[3] == b"".join(
        int(v).to_bytes(32, "big") for v in s.view(s.registry, "statusOf", s.bob)
    )


def test_token_machine_keeps_its_invariants(embedded_system: System) -> None:
    machine = machine_for(embedded_system)
    run_state_machine_as_test(machine, settings=settings())
    assert machine.steps[0] > 0


@pytest.mark.slow
@pytest.mark.timeout(3600)  # hundreds of examples: well under a minute on revm
def test_token_machine_keeps_its_invariants_long_on_revm(revm_system: System) -> None:
    machine = machine_for(revm_system)
    run_state_machine_as_test(machine, settings=settings(settings.get_profile("long")))
    assert machine.steps[0] >= 2_000, machine.steps[0]  # issue 12: at least 2,000 steps
