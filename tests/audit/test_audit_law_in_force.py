"""The law in force at each block: a history that crosses Decree No. 367's entry into force
(20.09.2024, 00:00 in Minsk) is judged by the old rules before and the new after, on a chain that
starts in the past (time travel)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from decree8.audit import audit
from decree8.chain.embedded import EmbeddedChain
from decree8.check import CallRequest, Checker
from decree8.compile import Build
from decree8.rules.pack import day_start
from support import ACCOUNTS, System, deploy_system

DECREE_367 = day_start(date(2024, 9, 20))  # 19.09.2024 21:00 UTC


@pytest.fixture(scope="module")
def past_system(build: Build) -> Iterator[System]:
    chain = EmbeddedChain(accounts=ACCOUNTS, genesis_timestamp=DECREE_367 - 10 * 86400)
    yield deploy_system(chain, build, escrow=True, lax=True)
    chain.close()


@pytest.fixture
def past(past_system: System) -> Iterator[System]:
    """A system deployed ten days before Decree No. 367 came into force, restored after a test."""
    with past_system.snapshot():
        yield past_system


def test_a_history_across_decree_367_is_judged_by_the_law_of_each_block(past: System) -> None:
    s = past
    first = s.chain.block_number + 1
    early = s.send_hash(s.lax, "laxTransfer", s.bob, 1, sender=s.alice)  # ten days before
    refused_early = s.send_failing(s.token, "transfer", s.bob, 1, sender=s.alice)
    s.chain.set_next_timestamp(DECREE_367 - 1)  # 19.09.2024 23:59:59 in Minsk
    last_second = s.send_hash(s.lax, "laxTransfer", s.bob, 1, sender=s.alice)
    s.chain.set_next_timestamp(DECREE_367)  # 20.09.2024 00:00:00 in Minsk
    first_second = s.send_hash(s.lax, "laxTransfer", s.bob, 1, sender=s.alice)
    refused_late = s.send_failing(s.token, "transfer", s.bob, 1, sender=s.alice)

    report = audit(s.chain, s.build, addresses=[s.lax.address, s.token.address], from_block=first)

    p2p = {f.tx_hash for f in report.findings if f.rule_id == "P2P-SALE"}
    assert p2p == {first_second}
    assert {early, last_second}.isdisjoint(f.tx_hash for f in report.findings)
    facts = dict(report.facts)
    assert "law in force from 17.05.2022 at the first block" in facts["law version"]
    assert "to law in force from 20.09.2024 at the end block" in facts["law version"]
    assert "P2P-SALE (in force from 20.09.2024)" in facts["law version"]
    assert facts[f"refused {refused_early}"].endswith("REFUSED (P2P-SALE was not in force then)")
    assert facts[f"refused {refused_late}"].endswith("(P2P-SALE)")


def test_preflight_before_and_at_the_first_second_of_decree_367(past: System) -> None:
    s = past
    checker = Checker(s.chain, s.build, [s.registry, s.token])
    call = CallRequest(s.token.address, s.alice, "transfer", {"to": s.bob, "value": 1})
    s.chain.set_next_timestamp(DECREE_367 - 1)
    before = checker.check_call(call)
    assert before.verdict == "refused", before.findings
    assert before.simulation.rule_not_in_force == "P2P-SALE"
    assert before.law is not None and "P2P-SALE" in before.law.not_yet
    assert before.law.label == "law in force from 17.05.2022"
    assert "not in force at the block time" in before.notes[0]
    mined_before = checker.check_tx(s.send_failing(s.token, "transfer", s.bob, 1, sender=s.alice))
    assert mined_before.verdict == "refused" and mined_before.timestamp == DECREE_367 - 1
    s.chain.set_next_timestamp(DECREE_367)
    at = checker.check_call(call)
    assert at.verdict == "violation" and at.rule_ids == ("P2P-SALE",)
    assert at.law is not None and at.law.label == "law in force from 20.09.2024"
    mined = checker.check_tx(s.send_failing(s.token, "transfer", s.bob, 1, sender=s.alice))
    assert mined.verdict == "violation" and mined.rule_ids == ("P2P-SALE",)
    assert mined.timestamp == DECREE_367


def test_every_report_format_carries_the_law_version_and_the_refusals(past: System) -> None:
    import json

    from decree8.report import MarkdownFormatter, TextFormatter, report_to_dict, report_to_sarif

    s = past
    first = s.chain.block_number + 1
    refused = s.send_failing(s.token, "transfer", s.bob, 1, sender=s.alice)
    s.send_failing(s.token, "transfer", s.carol, 10**30, sender=s.alice)  # no rule: a balance
    report = audit(s.chain, s.build, addresses=[s.token.address], from_block=first)
    as_json = report_to_dict(report)
    sarif = report_to_sarif(report)
    facts_json = as_json["facts"]
    facts_sarif = sarif["runs"][0]["properties"]["facts"]
    for facts in (facts_json, facts_sarif):
        assert "law in force from 17.05.2022" in facts["law version"]
        assert "0 failed under a rule in force" in facts["verdicts"]
        assert "2 REFUSED (failed for a reason that is no rule in force)" in facts["verdicts"]
        assert facts[f"refused {refused}"].endswith("REFUSED (P2P-SALE was not in force then)")
    for text in (MarkdownFormatter().format(report), TextFormatter().format(report)):
        assert "REFUSED (no rule)" in text and "law in force from 17.05.2022" in text
    json.dumps(sarif)


def test_sales_to_a_foreign_platform_are_findings_from_decree_367_on(past: System) -> None:
    """An individual attested in BY sends tokens to an operator attested in Lithuania with no
    non-sale purpose: FOREIGN-PLATFORM, but only from 20.09.2024; a gift never."""
    s = past
    first = s.chain.block_number + 1
    kyc = bytes(32 * [7])
    s.send_hash(s.registry, "attest", s.exchange, 3, b"LT", DECREE_367 + 365 * 86400, kyc, 0,
           sender=s.operator)  # fmt: skip
    before = s.send_hash(s.lax, "laxTransfer", s.exchange, 1, sender=s.alice)
    s.chain.set_next_timestamp(DECREE_367)
    after = s.send_hash(s.lax, "laxTransfer", s.exchange, 1, sender=s.alice)
    gift = s.send_hash(s.lax, "laxTransferWithPurpose", s.exchange, 1, 1, sender=s.alice)
    report = audit(s.chain, s.build, addresses=[s.lax.address], from_block=first)
    found = [f for f in report.findings if f.rule_id == "FOREIGN-PLATFORM"]
    assert [f.tx_hash for f in found] == [after]
    assert found[0].code == 14 and "attested in LT" in found[0].message
    assert {before, gift}.isdisjoint(f.tx_hash for f in report.findings)
