"""Agreement: for random parties, registry states, freezes, pause, amounts and purposes, the
pre-flight verdict is compliant exactly when the transaction then succeeds on chain; when the
contract reverts with TransferRestricted(code), the evaluators themselves (not the simulated revert)
name the rule with that code, and it is the first of the rules they name in the contract's order.

Each example runs on a snapshot of the module's system and is reverted afterwards. 25 examples by
default (DECREE8_AGREEMENT_EXAMPLES overrides); the `slow` test runs many more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decree8.check import CallRequest
from decree8.errors import TransactionReverted
from decree8.report.text_check import verdict_text
from decree8.rules import load_pack
from support import (
    ENTITY,
    FLAG_COMPETENCE_PASSED,
    FLAG_MINOR,
    GAS,
    INDIVIDUAL,
    OPERATOR,
    System,
    ref,
)

PACK = load_pack()
BALANCE = 1_000
#: The order in which CompliantToken checks the rules of a movement (issue checks its role first).
CONTRACT_ORDER = (
    "ISSUER-HTP",
    "OVERSIGHT-PAUSE",
    "SUPPLY-CAP",
    "ILLICIT-ADDRESS",
    "HOLDER-IDENTIFIED",
    "HOLDER-ELIGIBLE",
    "TERMS-ACCEPTED",
    "LEGAL-ORDER",
    "P2P-SALE",
)
EXAMPLES = int(os.environ.get("DECREE8_AGREEMENT_EXAMPLES", "25"))
if os.environ.get("HYPOTHESIS_PROFILE") == "long":
    EXAMPLES = max(EXAMPLES, 300)


@dataclass(frozen=True)
class Party:
    kind: (
        int  # 0 = not identified (never attested, or revoked), else INDIVIDUAL / ENTITY / OPERATOR
    )
    eligible: bool
    blocked: bool
    accepted: bool
    frozen: bool
    frozen_amount: int


parties = st.builds(
    Party,
    kind=st.sampled_from([0, INDIVIDUAL, INDIVIDUAL, ENTITY, OPERATOR]),
    eligible=st.sampled_from([True, True, False]),
    blocked=st.sampled_from([False, False, True]),
    accepted=st.sampled_from([True, True, False]),
    frozen=st.sampled_from([False, False, False, True]),
    frozen_amount=st.sampled_from([0, 0, 400, BALANCE + 500]),
)
amounts = st.sampled_from([0, 1, 599, 600, 601, BALANCE, BALANCE + 1]) | st.integers(0, 2 * BALANCE)


@dataclass(frozen=True)
class Case:
    function: str
    sender: Party
    receiver: Party
    spender: Party
    self_transfer: bool
    paused: bool
    amount: int
    purpose: int
    issue_by_agent: bool


cases = st.builds(
    Case,
    function=st.sampled_from(
        ["transfer", "transferWithPurpose", "transferFrom", "transferFromWithPurpose", "issue"]
    ),
    sender=parties,
    receiver=parties,
    spender=parties,
    self_transfer=st.sampled_from([False] * 9 + [True]),
    paused=st.sampled_from([False, False, True]),
    amount=amounts,
    purpose=st.sampled_from([1, 2, 3, 0, 4]),
    issue_by_agent=st.booleans(),
)


def _flags(p: Party) -> int:
    if p.eligible:
        return FLAG_COMPETENCE_PASSED
    return FLAG_MINOR | FLAG_COMPETENCE_PASSED if p.kind != INDIVIDUAL else 0


@pytest.fixture(scope="module")
def funded(system: System) -> System:
    """The first spare account holds BALANCE tokens (attested as an eligible entity that accepted
    the terms; each example then gives it the registry state it draws)."""
    holder = system.spare[0]
    system.attest(holder, ENTITY)
    system.accept_token_terms(holder)
    system.tok("issue", holder, BALANCE, sender=system.agent)
    return system


def _setup(s: System, addr: str, p: Party, *, funded: bool) -> None:
    """Brings `addr` into the state `p` describes; a `funded` account is attested and accepted the
    terms already (kind 0 revokes its attestation)."""
    if p.accepted and not funded:
        s.accept_token_terms(addr)
    if p.kind and (not funded or (p.kind, p.eligible) != (ENTITY, True)):
        s.attest(addr, p.kind, flags=_flags(p))
    elif p.kind == 0 and funded:
        s.reg("revoke", addr, ref("revoked"))
    if p.blocked:
        s.reg("blockAddress", addr, ref("D48"))
    if p.frozen:
        s.tok("freeze", addr, ref("ORDER"), sender=s.legal)
    if p.frozen_amount:
        s.tok("freezeAmount", addr, p.frozen_amount, ref("ORDER"), sender=s.legal)


def _request(s: System, case: Case, a: str, b: str, c: str) -> tuple[str, list[Any]]:
    to = a if case.self_transfer else b
    fn = case.function
    if fn == "transfer":
        return a, [to, case.amount]
    if fn == "transferWithPurpose":
        return a, [to, case.amount, case.purpose]
    if fn == "transferFrom":
        return c, [a, to, case.amount]
    if fn == "transferFromWithPurpose":
        return c, [a, to, case.amount, case.purpose]
    return (s.agent if case.issue_by_agent else c), [to, case.amount]


def check_agreement(s: System, case: Case) -> None:
    a, b, c = s.spare[:3]
    _setup(s, a, case.sender, funded=True)
    if not case.self_transfer:
        _setup(s, b, case.receiver, funded=False)
    _setup(s, c, case.spender, funded=False)
    if case.function.startswith("transferFrom"):
        s.tok("approve", c, BALANCE, sender=a)
    if case.paused:
        s.tok("pause", sender=s.oversight)
    caller, args = _request(s, case, a, b, c)

    verdict = s.checker.check_call(
        CallRequest(to=s.token.address, sender=caller, function=case.function, args=args)
    )
    try:
        s.tok(case.function, *args, sender=caller, gas=GAS)
        reverted: TransactionReverted | None = None
    except TransactionReverted as err:
        reverted = err

    shown = verdict_text(verdict)
    assert verdict.compliant == (reverted is None), f"{case}\n{shown}\nchain: {reverted}"
    found = [f.rule_id for f in verdict.findings if not f.details_dict.get("from_simulation")]
    if reverted is None:
        assert found == []
        return
    if reverted.name in ("TransferRestricted",):
        rule = PACK.by_code(int(reverted.args["code"])).id
        assert rule in found, f"{case}\n{shown}\nchain: {reverted}"
        first = min(found, key=CONTRACT_ORDER.index)
        assert first == rule, f"{case}\n{shown}\nchain: {reverted}"
    else:
        # Reverted for a reason that is no rule: the evaluators may still name rules the contract
        # did not reach, but the simulation gives the same reason and no rule ID.
        assert verdict.simulation.name == reverted.name
        assert verdict.simulation.rule_id is None


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=False,
)
@given(case=cases)
def test_preflight_verdict_agrees_with_the_chain(funded: System, case: Case) -> None:
    with funded.snapshot():
        check_agreement(funded, case)


@pytest.mark.slow
@settings(
    max_examples=max(EXAMPLES, 300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases)
def test_preflight_verdict_agrees_with_the_chain_long(funded: System, case: Case) -> None:
    with funded.snapshot():
        check_agreement(funded, case)
