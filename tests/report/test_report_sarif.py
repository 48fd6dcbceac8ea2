"""SARIF output has the 2.1.0 shape, one rule descriptor per pack rule, and correct indexes."""

from __future__ import annotations

import json
from typing import Any

from report_samples import ALICE, BOB, TOKEN, TX_1

from decree8.report import Finding, Report, SarifFormatter
from decree8.rules import load_pack


def _render(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SarifFormatter().format(report))
    return data


def test_sarif_top_level_and_driver(sample_report: Report) -> None:
    log = _render(sample_report)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "decree8"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    assert run["invocations"] == [
        {"executionSuccessful": True, "endTimeUtc": "2025-09-05T10:00:00Z"}
    ]


def test_sarif_has_one_descriptor_per_pack_rule(sample_report: Report) -> None:
    pack = load_pack()
    rules = _render(sample_report)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(pack.ids)
    for descriptor, rule in zip(rules, pack, strict=True):
        assert descriptor["shortDescription"]["text"] == rule.title
        assert descriptor["fullDescription"]["text"] == rule.summary
        assert rule.basis in descriptor["help"]["text"]
        assert descriptor["properties"]["basis"] == rule.basis
        assert descriptor["properties"]["confidence"] == list(rule.confidence)
        assert ("policy" in descriptor["properties"]["tags"]) == rule.is_policy
        assert descriptor["defaultConfiguration"]["level"] == rule.severity
    supply = rules[pack.index("SUPPLY-CAP")]
    assert "policy safeguard (not law)" in supply["help"]["text"]


def test_sarif_results_point_at_their_rule_with_levels_and_evidence(sample_report: Report) -> None:
    run = _render(sample_report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == [
        "SUPPLY-CAP",
        "HOLDER-IDENTIFIED",
        "HOLDER-IDENTIFIED",
    ]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
    assert [r["level"] for r in results] == ["warning", "error", "error"]
    mined = results[1]
    assert mined["locations"][0]["logicalLocations"] == [
        {"name": TOKEN, "kind": "object"},
        {
            "name": "transfer(to, value)",
            "kind": "function",
            "fullyQualifiedName": f"{TOKEN}.transfer(to, value)",
        },
    ]
    props = mined["properties"]
    assert props["txHash"] == TX_1 and props["block"] == 12 and props["timestamp"] == 1_757_000_000
    assert props["parties"] == [{"role": "from", "address": ALICE}, {"role": "to", "address": BOB}]
    assert "txHash" not in results[0]["properties"]  # the audit finding has no transaction
    assert (
        mined["partialFingerprints"]["decree8Finding/v1"]
        != (results[2]["partialFingerprints"]["decree8Finding/v1"])
    )


def test_sarif_note_level_and_result_without_location() -> None:
    finding = Finding.for_rule("RECORDS", "event log rebuilt", source="audit", severity="note")
    result = _render(Report(title="t", findings=(finding,)))["runs"][0]["results"][0]
    assert result["level"] == "note"
    assert "locations" not in result


def test_sarif_empty_report(empty_report: Report) -> None:
    run = _render(empty_report)["runs"][0]
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(load_pack())
