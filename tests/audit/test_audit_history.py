"""Audits of histories (on every backend): clean, with planted violations (the LaxToken mock
moves tokens past the restrictions), with state changed without its event, with a stranded deal."""

from __future__ import annotations

import pytest

from decree8.audit import AuditStats, audit
from decree8.audit.replay import _Replay
from decree8.deploy import deploy
from decree8.history import sources
from support import (
    CAP,
    DAY,
    DEAL_TERMS,
    ETH,
    ISSUED,
    PURPOSE_GIFT,
    System,
    by_tx,
    of_rule,
    ref,
)


def test_clean_history_of_the_template_has_no_findings_and_lists_what_was_checked(
    s: System,
) -> None:
    s.send_hash(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)
    s.send_hash(s.token, "transfer", s.carol, 7, sender=s.alice)
    s.send_hash(s.token, "approve", s.exchange, 10, sender=s.alice)
    s.send_hash(s.token, "transferFrom", s.alice, s.bob, 4, sender=s.exchange)  # via an operator
    s.send_hash(s.token, "freezeAmount", s.carol, 3, ref("order-1"), sender=s.legal)
    s.send_hash(s.token, "forcedTransfer", s.carol, s.alice, 5, ref("order-2"), sender=s.legal)
    s.send_hash(s.token, "pause", sender=s.oversight)
    s.send_hash(s.token, "unpause", sender=s.oversight)
    s.send_hash(s.token, "amendTerms", bytes.fromhex("44" * 32), "ipfs://v2", sender=s.admin)
    s.accept_terms(s.bob, s.token)
    deal = s.open_deal(s.alice, s.carol, amount_a=10**18)
    s.send_hash(s.escrow, "acceptDeal", deal, DEAL_TERMS, sender=s.carol)  # B accepts
    s.send_hash(s.escrow, "fund", deal, sender=s.alice, value=10**18)
    s.send_hash(s.escrow, "complete", deal, sender=s.alice)
    s.send_hash(s.escrow, "withdraw", ETH, sender=s.carol)
    refused = s.send_failing(s.token, "transfer", s.dave, 1, sender=s.alice)

    stats = AuditStats()
    report = audit(s.chain, s.build, deployments=[s.token, s.escrow], stats=stats)

    assert report.findings == (), [f.message for f in report.findings]
    assert report.chain_id == s.chain.chain_id
    assert report.block_range == (s.registry.block + 1, s.chain.block_number)
    assert s.registry.address in " ".join(report.subject)  # found through registry()
    assert stats.actions["transfer"] == 3 and stats.actions["issuance"] == 2
    assert stats.actions["forced transfer"] == 1 and stats.actions["legal order"] == 1
    assert stats.actions["transfer between individuals"] == 2
    assert all(check.passed for check in report.checks)
    illicit = next(c for c in report.checks if c.rule_id == "ILLICIT-ADDRESS")
    # token movements; deal open, accept, fund, complete, withdraw
    assert illicit.count == 5 + 5
    records = next(c for c in report.checks if c.rule_id == "RECORDS")
    assert records.count == stats.views_compared > 100
    facts = dict(report.facts)
    assert facts["failed transactions"] == "1"
    assert "HOLDER-IDENTIFIED" in facts[f"refused {refused}"]
    assert "TransferRestricted(code=4" in facts[f"refused {refused}"]


def test_planted_violations_are_each_found_with_their_rule(s: System) -> None:
    lax, alice = s.lax, s.alice
    s.send_hash(s.registry, "blockAddress", s.exchange, ref("register-7"), sender=s.operator)
    planted = {
        s.send_hash(lax, "laxTransfer", s.dave, 1, sender=alice): {
            "HOLDER-IDENTIFIED",
            "TERMS-ACCEPTED",
        },
        s.send_hash(lax, "laxTransferWithPurpose", s.exchange, 1, PURPOSE_GIFT, sender=alice): {
            "ILLICIT-ADDRESS"
        },
        s.send_hash(lax, "laxTransferWithPurpose", s.minor, 1, PURPOSE_GIFT, sender=alice): {
            "HOLDER-ELIGIBLE"
        },
        s.send_hash(lax, "laxTransfer", s.frank, 1, sender=alice): {"TERMS-ACCEPTED"},
        s.send_hash(lax, "laxTransfer", s.bob, 1, sender=alice): {"P2P-SALE"},
        s.send_hash(lax, "laxIssue", s.carol, 1, sender=s.dave): {"ISSUER-HTP"},
        s.send_hash(lax, "laxIssue", s.carol, CAP, sender=s.agent): {"SUPPLY-CAP"},
    }
    s.send_hash(lax, "freeze", s.carol, ref("order-3"), sender=s.legal)
    planted[s.send_hash(lax, "laxTransfer", s.bob, 1, sender=s.carol)] = {"LEGAL-ORDER"}
    s.send_hash(lax, "unfreeze", s.carol, ref("order-4"), sender=s.legal)
    s.send_hash(lax, "pause", sender=s.oversight)
    planted[s.send_hash(lax, "laxTransfer", s.carol, 1, sender=alice)] = {"OVERSIGHT-PAUSE"}
    s.send_hash(lax, "unpause", sender=s.oversight)

    report = audit(s.chain, s.build, addresses=[lax.address])

    found = by_tx(report)
    for tx_hash, rules in planted.items():
        assert found.get(tx_hash) == rules, (tx_hash, found.get(tx_hash), rules)
    # besides them: the supply stays above the cap at the end block, and nothing else
    assert set(found) == {*planted, None}
    assert {f.rule_id for f in report.findings if f.tx_hash is None} == {"SUPPLY-CAP"}
    p2p = of_rule(report, "P2P-SALE")[0]
    assert dict(p2p.parties) == {"from": alice, "to": s.bob}
    assert p2p.source == "audit" and p2p.timestamp is not None and p2p.block is not None
    assert not next(c for c in report.checks if c.rule_id == "P2P-SALE").passed


def test_state_changed_without_its_event_is_a_records_finding(s: System) -> None:
    s.send_hash(s.lax, "silentMint", s.bob, 5, sender=s.dave)
    mutator = deploy(
        s.chain,
        s.build.artifact("SilentRegistryMutator"),
        [ref("HTP-OPERATOR-0002"), s.admin, s.operator],
        sender=s.admin,
    )
    s.send_hash(
        mutator, "attest", s.alice, 1, b"BY", s.now() + DAY, ref("kyc"), 2, sender=s.operator
    )
    s.send_hash(mutator, "silentBlock", s.alice, ref("register-9"), sender=s.dave)
    assert s.view(mutator, "isBlocked", s.alice)

    token_report = audit(s.chain, s.build, addresses=[s.lax.address])
    views = {dict(f.details)["view"] for f in of_rule(token_report, "RECORDS")}
    assert views == {f"balanceOf({s.bob})", "totalSupply()"}
    assert all(f.contract == s.lax.address for f in of_rule(token_report, "RECORDS"))

    registry_report = audit(s.chain, s.build, deployments=[mutator])
    records = of_rule(registry_report, "RECORDS")
    assert [dict(f.details)["view"] for f in records] == [f"blockReference({s.alice})"]
    assert records[0].parties == (("holder", s.alice),)
    assert {f.rule_id for f in registry_report.findings} == {"RECORDS"}


def test_expired_funded_unrefunded_deal_is_a_funds_return_finding_until_refunded(
    s: System,
) -> None:
    deal = s.open_deal(s.alice, s.carol, amount_a=10**18, deadline_in=DAY)
    s.send_hash(s.escrow, "fund", deal, sender=s.alice, value=10**18)
    s.chain.time_travel(2 * DAY)

    stranded = audit(s.chain, s.build, deployments=[s.escrow])
    funds = of_rule(stranded, "FUNDS-RETURN")
    assert len(funds) == 1 and dict(funds[0].details)["deal"] == deal
    assert funds[0].block == s.chain.block_number and funds[0].tx_hash is None
    assert {f.rule_id for f in stranded.findings} == {"FUNDS-RETURN"}

    s.send_hash(s.escrow, "refund", deal, sender=s.bob)
    assert audit(s.chain, s.build, deployments=[s.escrow]).findings == ()


def test_refused_deal_for_payment_is_explained_by_its_rule(s: System) -> None:
    refused = s.send_failing(
        s.escrow, "openDeal", s.carol, ETH, 1, ETH, 0, s.now() + DAY, 5, DEAL_TERMS,
        sender=s.alice,
    )  # fmt: skip
    report = audit(s.chain, s.build, deployments=[s.escrow])
    assert report.findings == ()
    assert "(NOT-PAYMENT)" in dict(report.facts)[f"refused {refused}"]
    assert any(c.rule_id == "NOT-PAYMENT" and c.scope == "refused" for c in report.checks)


def test_audit_from_a_later_block_seeds_the_state_from_the_chain(s: System) -> None:
    start = s.chain.block_number + 1
    s.send_hash(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)
    planted = s.send_hash(s.lax, "laxTransfer", s.bob, 1, sender=s.alice)

    report = audit(s.chain, s.build, addresses=[s.token.address, s.lax.address], from_block=start)

    assert report.block_range == (start, s.chain.block_number)
    assert by_tx(report) == {planted: {"P2P-SALE"}}
    assert "state before the range" in dict(report.facts)


def test_fast_path_for_plain_transfers_gives_the_findings_of_every_evaluator(
    s: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    s.send_hash(s.registry, "blockAddress", s.exchange, ref("register-8"), sender=s.operator)
    for to, fn, args in (
        (s.bob, "laxTransferWithPurpose", (1, PURPOSE_GIFT)),
        (s.bob, "laxTransfer", (1,)),
        (s.carol, "laxTransfer", (2,)),
        (s.exchange, "laxTransfer", (1,)),
        (s.minor, "laxTransfer", (1,)),
        (s.frank, "laxTransfer", (1,)),
        (s.dave, "laxTransfer", (1,)),
    ):
        s.send_hash(s.lax, fn, to, *args, sender=s.alice)
    s.send_hash(s.lax, "freezeAmount", s.carol, 2 * ISSUED, ref("order-5"), sender=s.legal)
    s.send_hash(s.lax, "laxTransfer", s.alice, 1, sender=s.carol)

    fast = audit(s.chain, s.build, addresses=[s.lax.address])
    monkeypatch.setattr(_Replay, "fast", False)
    full = audit(s.chain, s.build, addresses=[s.lax.address])

    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in full.findings]
    assert {f.rule_id for f in fast.findings} == {
        "P2P-SALE", "ILLICIT-ADDRESS", "HOLDER-ELIGIBLE", "TERMS-ACCEPTED", "HOLDER-IDENTIFIED",
        "LEGAL-ORDER",
    }  # fmt: skip


def test_failed_transactions_are_found_on_every_backend_and_the_facts_say_how(
    s: System, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s.send_hash(s.token, "transfer", s.carol, 7, sender=s.alice)
    refused = s.send_failing(s.token, "transfer", s.dave, 1, sender=s.alice)
    s.send_hash(s.token, "transfer", s.carol, 1, sender=s.alice)

    facts = dict(audit(s.chain, s.build, deployments=[s.token]).facts)
    assert facts["failed transactions"] == "1" and f"refused {refused}" in facts
    searched = facts["failed transactions searched"]
    if backend == "embedded":
        assert "chain's database" in searched
    else:  # a receipt only for what left no log of the audited contracts: the refused one
        assert "blocks read with their transactions and 1 receipts" in searched, searched

    off = dict(audit(s.chain, s.build, deployments=[s.token], include_failed=False).facts)
    assert off["failed transactions"] == "not looked for (--no-include-failed)"
    assert f"refused {refused}" not in off

    # a range longer than the default search: looked for only when asked, on a node or revm
    monkeypatch.setattr(sources, "FAILED_SEARCH_BLOCKS", 2)
    long = dict(audit(s.chain, s.build, deployments=[s.token]).facts)
    if backend == "embedded":
        assert long["failed transactions"] == "1"
    else:
        assert long["failed transactions"].startswith("not looked for: the range has")
        assert "--include-failed" in long["failed transactions"]
    asked = dict(audit(s.chain, s.build, deployments=[s.token], include_failed=True).facts)
    assert asked["failed transactions"] == "1" and f"refused {refused}" in asked


def test_a_failed_transaction_that_ran_out_of_gas_is_said_so_on_every_backend(s: System) -> None:
    starved = s.send_raw(s.token, "transfer", s.carol, 5, sender=s.alice, gas=30_000)
    facts = dict(audit(s.chain, s.build, deployments=[s.token]).facts)
    assert facts["failed transactions"] == "1"
    assert "ran out of gas" in facts[f"refused {starved}"], facts[f"refused {starved}"]
