"""SARIF 2.1.0 report, for code-scanning dashboards and other SARIF viewers.

Every rule of the pack is a ``reportingDescriptor`` (so ``ruleIndex`` is the rule's position in the
pack); every finding is a ``result`` whose location is logical: the contract address and the decoded
call. Transaction evidence (hash, block, time, parties) is kept in the result's ``properties``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from decree8.report.interface import Formatter
from decree8.result import Finding, Report, jsonable
from decree8.rules import Rule, RulePack, confidence_label, load_pack

__all__ = ["INFORMATION_URI", "SARIF_SCHEMA", "SARIF_VERSION", "SarifFormatter", "report_to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/decree8/"

_LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def _name(rule_id: str) -> str:
    """``HOLDER-IDENTIFIED`` -> ``HolderIdentified`` (SARIF names are opaque identifiers)."""
    return "".join(part[:1] + part[1:].lower() for part in rule_id.split("-"))


def _descriptor(rule: Rule) -> dict[str, Any]:
    label = confidence_label(rule)
    help_text = (
        f"{rule.summary}\nLegal basis: {rule.basis}\nConfidence: {label}\n"
        f"Enforced by: {rule.enforced_by}"
    )
    help_markdown = (
        f"{rule.summary}\n\n**Legal basis:** {rule.basis}\n\n**Confidence:** {label}\n\n"
        f"**Enforced by:** {rule.enforced_by}"
    )
    return {
        "id": rule.id,
        "name": _name(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {
            "confidence": list(rule.confidence),
            "confidenceLabel": label,
            "basis": rule.basis,
            "restrictionCode": rule.code,
            "tags": [
                "compliance",
                "policy" if rule.is_policy else "law",
                *(f"confidence:{tag}" for tag in rule.confidence),
                *(f"applies-to:{target}" for target in rule.applies_to),
            ],
        },
    }


def _fingerprint(finding: Finding) -> str:
    key = "\x1f".join(
        str(part)
        for part in (
            finding.rule_id,
            finding.contract,
            finding.function,
            finding.tx_hash,
            finding.parties,
            finding.message,
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _result(finding: Finding, pack: RulePack) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.rule_id}
    if finding.rule_id in pack:
        result["ruleIndex"] = pack.index(finding.rule_id)
    result["level"] = _LEVELS[finding.severity]
    result["message"] = {"text": finding.message}
    logical: list[dict[str, str]] = []
    if finding.contract:
        logical.append({"name": finding.contract, "kind": "object"})
    if finding.function:
        qualified = f"{finding.contract}.{finding.function}" if finding.contract else None
        entry = {"name": finding.function, "kind": "function"}
        if qualified:
            entry["fullyQualifiedName"] = qualified
        logical.append(entry)
    if logical:
        result["locations"] = [{"logicalLocations": logical}]
    result["partialFingerprints"] = {"decree8Finding/v1": _fingerprint(finding)}
    properties: dict[str, Any] = {
        "source": finding.source,
        "restrictionCode": finding.code,
        "basis": finding.basis,
        "confidence": list(finding.confidence),
        "confidenceLabel": finding.confidence_label,
    }
    if finding.tx_hash is not None:
        properties["txHash"] = finding.tx_hash
    if finding.tx_hash is not None or finding.block is not None:
        properties.update(
            {"block": finding.block, "timestamp": finding.timestamp, "time": finding.time}
        )
    if finding.tx_hash is not None or finding.parties:
        properties["parties"] = [{"role": r, "address": a} for r, a in finding.parties]
    if finding.details:
        properties["details"] = {name: jsonable(value) for name, value in finding.details}
    result["properties"] = properties
    return result


def report_to_sarif(report: Report, pack: RulePack | None = None) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log with one run."""
    pack = pack or load_pack()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "decree8",
                "version": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule) for rule in pack],
            }
        },
        "invocations": [{"executionSuccessful": True, "endTimeUtc": report.generated_at}],
        "results": [_result(finding, pack) for finding in report.findings],
        "properties": {
            "title": report.title,
            "subject": list(report.subject),
            "chainId": report.chain_id,
            "blockRange": list(report.block_range) if report.block_range else None,
            "transactions": report.transactions,
            "facts": dict(report.facts),
            "checks": [check.to_dict() for check in report.checks],
            "notes": [
                {"title": n.title, "confidence": n.confidence, "text": n.text} for n in pack.notes
            ],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifFormatter(Formatter):
    def __init__(self, pack: RulePack | None = None) -> None:
        self._pack = pack

    def format(self, report: Report) -> str:
        return json.dumps(report_to_sarif(report, self._pack), indent=2, ensure_ascii=False) + "\n"
