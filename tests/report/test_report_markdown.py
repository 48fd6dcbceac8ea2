"""Markdown evidence report: sections per rule in pack order, labels, findings, limits."""

from __future__ import annotations

import re

from report_samples import ALICE, TX_1, TX_2

from decree8.report import MarkdownFormatter, Report


def _sections(text: str) -> dict[str, str]:
    """Level-2 sections by heading."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_markdown_has_header_facts_summary_and_rule_sections_in_pack_order(
    sample_report: Report,
) -> None:
    text = MarkdownFormatter().format(sample_report)
    assert text.startswith("# Audit of the token\n")
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert headings[:5] == [
        "Legal facts stated by the contract",
        "Summary",
        "HOLDER-IDENTIFIED — Every party identified",
        "ILLICIT-ADDRESS — No illicit addresses",
        "SUPPLY-CAP — Supply within the stated cap",
    ]
    assert headings[-2:] == ["Appendix: acts cited", "Method and limits"]
    assert "| Chain ID | 1337 |" in text and "| Blocks | 1 to 200 |" in text
    assert "**3 findings (2 rules) in 1,204 transactions.**" in text


def test_markdown_rule_section_shows_basis_confidence_findings_and_checks(
    sample_report: Report,
) -> None:
    sections = _sections(MarkdownFormatter().format(sample_report))
    holder = sections["HOLDER-IDENTIFIED — Every party identified"]
    assert "**Legal basis:** HTP AML/KYC rules; NB Res. 428" in holder
    assert "**Confidence:** secondary source." in holder
    rows = [
        line for line in holder.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 ")
    ]
    assert len(rows) == 2
    assert f"`{TX_1}`" in rows[0] and "| 12 |" in rows[0] and "2025-09-04T15:33:20Z" in rows[0]
    assert f"from `{ALICE}`" in rows[0] and "receiver has no attestation" in rows[0]
    assert f"`{TX_2}`" in rows[1]
    # The "|" inside the second message is escaped, so the row keeps its 7 columns.
    assert "attestation expired \\| at block 15" in rows[1]
    assert len(re.findall(r"(?<!\\)\|", rows[1])) == 8
    assert "Checked, not clean" in holder and "parties checked for an attestation" in holder
    illicit = sections["ILLICIT-ADDRESS — No illicit addresses"]
    assert "No findings." in illicit
    assert "### What was checked and found clean" in illicit
    assert "transfers screened against the illicit-address register" in illicit
    assert "1,204 checked" in illicit


def test_markdown_labels_policy_rules_and_the_unverified_presumption(sample_report: Report) -> None:
    sections = _sections(MarkdownFormatter().format(sample_report))
    supply = sections["SUPPLY-CAP — Supply within the stated cap"]
    assert "**Confidence:** policy safeguard (not law)." in supply
    assert "not a legal requirement" in supply
    method = sections["Method and limits"]
    assert "**UNVERIFIED: Presumption that a smart-contract party is deemed informed" in method
    assert "do not rely on it" in method


def test_markdown_appendix_lists_only_acts_cited_by_the_rules_shown(sample_report: Report) -> None:
    appendix = _sections(MarkdownFormatter().format(sample_report))["Appendix: acts cited"]
    assert "**Decree No. 48** (14.02.2022, in force three months after publication" in appendix
    assert "National Bank Resolution No. 428" in appendix
    assert "Decree No. 367" not in appendix


def test_markdown_facts_and_not_covered_rules(sample_report: Report) -> None:
    sections = _sections(MarkdownFormatter().format(sample_report))
    assert "| HTP registration reference | 0x" in sections["Legal facts stated by the contract"]
    not_covered = sections["Rules not covered by this report"]
    assert "ISSUER-HTP" in not_covered and "HOLDER-IDENTIFIED" not in not_covered


def test_markdown_empty_report(empty_report: Report) -> None:
    text = MarkdownFormatter().format(empty_report)
    sections = _sections(text)
    assert "**No findings.**" in sections["Summary"]
    assert "No legal facts were read" in sections["Legal facts stated by the contract"]
    assert "Appendix: acts the rule pack relies on" in sections
    assert "UNVERIFIED" in sections["Method and limits"]
