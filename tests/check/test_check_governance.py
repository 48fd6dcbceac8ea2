"""Issue 12 on the checker side: grants of the legal-order roles and legal orders made under a role
the admin hands out are LEGAL-ORDER findings in `check call`, `check tx` and `audit`. The current
templates refuse them; `AdminLegalOrderToken` (a test-only child with the shape of the templates
before issue 12, whose admin administers LEGAL_ORDER_ROLE) lets them through, as the old templates
did, so that the checker is seen to catch them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3

from decree8.audit import audit
from decree8.check import CallRequest, Checker, Verdict
from decree8.compile import Build, build_project
from decree8.deploy import Deployment, deploy
from decree8.report.text_check import verdict_text
from support import (
    CAP,
    DEAL_TERMS,
    ISSUER_REGISTRATION,
    REPO,
    TEMPLATE_SOURCES,
    TOKEN_TERMS_HASH,
    System,
    ref,
)

LEGAL_ORDER_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_ROLE"))
AUTHORITY_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_AUTHORITY_ROLE"))
V = 10**18


def _legal_order_messages(v: Verdict) -> list[str]:
    return [f.message for f in v.findings if f.rule_id == "LEGAL-ORDER"]


def test_admin_granting_the_legal_order_role_is_a_finding(s: System) -> None:
    v = s.check(s.token, "grantRole", [LEGAL_ORDER_ROLE, s.dave], sender=s.admin)
    assert not v.compliant
    assert any(
        "the admin" in m and "grants LEGAL_ORDER_ROLE" in m for m in _legal_order_messages(v)
    )
    v = s.check(s.escrow, "grantRole", [AUTHORITY_ROLE, s.admin], sender=s.admin)
    assert any("holds the admin role" in m for m in _legal_order_messages(v)), verdict_text(v)


def test_authority_appointing_an_executor_is_compliant(s: System) -> None:
    v = s.check(s.token, "grantRole", [LEGAL_ORDER_ROLE, s.dave], sender=s.legal)
    assert v.compliant, verdict_text(v)
    v = s.check(s.token, "grantRole", [LEGAL_ORDER_ROLE, s.admin], sender=s.legal)
    assert any("holds the admin role" in m for m in _legal_order_messages(v)), verdict_text(v)
    assert v.simulation.rule_id == "LEGAL-ORDER"  # RoleRestricted(code 8)
    v = s.check(s.token, "forcedTransfer", [s.alice, s.exchange, 1, ref("O")], sender=s.legal)
    assert v.compliant, verdict_text(v)


@pytest.fixture(scope="module")
def legacy_build() -> Build:
    return build_project(
        REPO, sources=(*TEMPLATE_SOURCES, "contracts/mocks/AdminLegalOrderToken.sol")
    )


@pytest.fixture
def legacy(s: System, legacy_build: Build) -> Iterator[Deployment]:
    token = deploy(
        s.chain,
        legacy_build.artifact("AdminLegalOrderToken"),
        [
            "Legacy Token",
            "OLD",
            CAP,
            ISSUER_REGISTRATION,
            s.registry.address,
            TOKEN_TERMS_HASH,
            "ipfs://legacy-terms",
            s.admin,
            s.agent,
            s.legal,
            s.oversight,
        ],
        sender=s.admin,
        gas=8_000_000,
        template="compliant-token",
    )
    for holder in (s.alice, s.exchange):
        s.send(token, "acceptTerms", 1, TOKEN_TERMS_HASH, sender=holder)
    s.send(token, "issue", s.alice, 10 * V, sender=s.agent)
    yield token


def test_self_granted_forced_transfer_is_caught_in_check_call_tx_and_audit(
    s: System, legacy: Deployment, legacy_build: Build
) -> None:
    checker = Checker(s.chain, legacy_build, deployments=[s.registry, legacy])

    def check(fn: str, args: list[object], sender: str) -> Verdict:
        return checker.check_call(
            CallRequest(to=legacy.address, sender=sender, function=fn, args=args)
        )

    # The admin appoints a puppet executor (the old templates let it).
    grant = check("grantRole", [LEGAL_ORDER_ROLE, s.dave], s.admin)
    assert any("grants LEGAL_ORDER_ROLE" in m for m in _legal_order_messages(grant))
    s.attest(s.dave)
    grant_tx = s.send_raw(legacy, "grantRole", LEGAL_ORDER_ROLE, s.dave, sender=s.admin)
    # The puppet moves a holder's tokens "under a legal order".
    args = [s.alice, s.exchange, 5 * V, ref("FAKE-ORDER")]
    v = check("forcedTransfer", args, s.dave)
    assert any("the contract's admin grants" in m for m in _legal_order_messages(v)), verdict_text(
        v
    )
    tx = s.send_raw(legacy, "forcedTransfer", *args, sender=s.dave)
    assert s.view(legacy, "balanceOf", s.exchange) == 5 * V  # the old shape let it through
    mined = checker.check_tx(tx)
    assert "LEGAL-ORDER" in mined.rule_ids, verdict_text(mined)
    # The same forced transfer by the authority the token was deployed with is flagged too: the
    # role it holds is one the admin hands out.
    report = audit(s.chain, legacy_build, deployments=[legacy])
    flagged = {f.tx_hash for f in report.findings if f.rule_id == "LEGAL-ORDER"}
    assert {grant_tx, tx} <= flagged, [f.message for f in report.findings]


def test_escrow_calls_from_a_blocked_caller_are_illicit_address(s: System) -> None:
    """Every state-changing escrow call screens its caller (issue 12): the evaluators say so
    themselves, not only the simulated revert."""
    deal = s.open_deal(s.alice, s.carol)
    s.esc("acceptDeal", deal, DEAL_TERMS, sender=s.carol)
    s.esc("fund", deal, sender=s.alice, value=10**18)
    assert s.check(s.escrow, "complete", [deal], sender=s.alice).compliant
    s.reg("blockAddress", s.alice, ref("D48-9"))
    for fn, args in (("complete", [deal]), ("dispute", [deal, ref("why")])):
        v = s.check(s.escrow, fn, args, sender=s.alice)
        own = [f for f in v.findings if not f.details_dict.get("from_simulation")]
        assert {f.rule_id for f in own} == {"ILLICIT-ADDRESS"}, verdict_text(v)
        assert v.simulation.rule_id == "ILLICIT-ADDRESS"
    assert s.check(s.escrow, "complete", [deal], sender=s.operator).compliant
