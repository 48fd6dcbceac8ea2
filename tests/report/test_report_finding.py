"""Finding, Check and Report: built from the pack, validated, summarised."""

from __future__ import annotations

import dataclasses

import pytest
from report_samples import ALICE, BOB, TX_1

from decree8.errors import UsageError
from decree8.report import Check, Finding, Report
from decree8.rules import load_pack


def test_for_rule_copies_severity_basis_confidence_and_code_from_the_pack() -> None:
    rule = load_pack().rule("TERMS-BOUND")
    finding = Finding.for_rule("TERMS-BOUND", "terms hash differs from the file", source="verify")
    assert finding.severity == rule.severity == "error"
    assert finding.basis == rule.basis
    assert finding.confidence == ("primary", "secondary")
    assert finding.code == rule.code == 2
    assert finding.confidence_label == "primary source / secondary source"


def test_for_rule_policy_rule_is_a_warning_and_context_can_override() -> None:
    assert Finding.for_rule("FUNDS-RETURN", "m", source="audit").severity == "warning"
    overridden = Finding.for_rule("FUNDS-RETURN", "m", source="audit", severity="note", code=None)
    assert overridden.severity == "note" and overridden.code is None


def test_for_rule_unknown_rule_lists_valid_ids() -> None:
    with pytest.raises(UsageError, match="unknown rule ID 'NO-SUCH'.*ISSUER-HTP"):
        Finding.for_rule("NO-SUCH", "m", source="audit")


def test_for_rule_unknown_field_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown finding field\\(s\\) txhash"):
        Finding.for_rule("RECORDS", "m", source="audit", txhash="0x")


def test_finding_refuses_bad_source_or_severity() -> None:
    with pytest.raises(UsageError, match="finding source 'guess'"):
        Finding.for_rule("RECORDS", "m", source="guess")
    with pytest.raises(UsageError, match="severity 'fatal'"):
        Finding.for_rule("RECORDS", "m", source="audit", severity="fatal")


def test_parties_and_details_are_frozen_pairs_in_order() -> None:
    finding = Finding.for_rule(
        "P2P-SALE",
        "no purpose code",
        source="preflight",
        parties={"from": ALICE, "to": BOB},
        details={"purpose": 0, "path": [1, 2]},
    )
    assert finding.parties == (("from", ALICE), ("to", BOB))
    assert finding.details == (("purpose", 0), ("path", (1, 2)))
    assert finding.details_dict == {"purpose": 0, "path": (1, 2)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.message = "other"  # type: ignore[misc]
    assert hash(finding) == hash(dataclasses.replace(finding))


def test_to_dict_has_a_stable_key_order_and_plain_json_values() -> None:
    finding = Finding.for_rule(
        "HOLDER-IDENTIFIED",
        "m",
        source="mined",
        tx_hash=TX_1,
        block=3,
        timestamp=0,
        parties=[("to", BOB)],
        details={"data": b"\xff", "values": (1, 2)},
    )
    data = finding.to_dict()
    assert list(data) == [
        "rule_id", "message", "severity", "basis", "confidence", "code", "contract", "tx_hash",
        "block", "timestamp", "parties", "function", "source", "details",
    ]  # fmt: skip
    assert data["confidence"] == ["secondary"]
    assert data["parties"] == [{"role": "to", "address": BOB}]
    assert data["details"] == {"data": "0xff", "values": [1, 2]}
    assert finding.time == "1970-01-01T00:00:00Z"


def test_summary_line_counts_findings_rules_and_transactions(sample_report: Report) -> None:
    assert sample_report.summary_line() == "3 findings (2 rules) in 1,204 transactions"
    one = Report(
        title="t", findings=(Finding.for_rule("RECORDS", "m", source="audit"),), transactions=1
    )
    assert one.summary_line() == "1 finding (1 rule) in 1 transaction"
    assert Report(title="t").summary_line() == "no findings"


def test_by_rule_follows_pack_order_and_by_severity_lists_every_level(
    sample_report: Report,
) -> None:
    assert list(sample_report.by_rule()) == ["HOLDER-IDENTIFIED", "SUPPLY-CAP"]
    assert sample_report.by_rule() == {"HOLDER-IDENTIFIED": 2, "SUPPLY-CAP": 1}
    assert sample_report.by_severity() == {"error": 2, "warning": 1, "note": 0}
    assert sample_report.rule_order() == ("HOLDER-IDENTIFIED", "ILLICIT-ADDRESS", "SUPPLY-CAP")


def test_report_normalises_subject_and_facts() -> None:
    # Scenario files and other untyped callers pass a string and a mapping; both are normalised.
    report = Report(title="t", subject="0xabc", facts={"Terms version": 2})  # type: ignore[arg-type]
    assert report.subject == ("0xabc",)
    assert report.facts == (("Terms version", "2"),)


def test_report_refuses_repeated_fact_labels_and_backwards_range() -> None:
    with pytest.raises(UsageError, match="name Terms more than once"):
        Report(title="t", facts=(("Terms", "a"), ("Terms", "b")))
    with pytest.raises(UsageError, match="ends before it starts"):
        Report(title="t", block_range=(10, 2))


def test_report_defaults_generated_at_to_utc_now() -> None:
    report = Report(title="t")
    assert report.generated_at.endswith("Z") and report.generated_at[4] == "-"
    assert report.tool_version


def test_check_to_dict() -> None:
    check = Check("ILLICIT-ADDRESS", "parties screened", "transfers", 3, True)
    assert check.to_dict() == {
        "rule_id": "ILLICIT-ADDRESS",
        "description": "parties screened",
        "scope": "transfers",
        "count": 3,
        "passed": True,
    }
