"""JSON report: a stable schema (``decree8.report/1``) described by ``report.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from decree8.report.interface import Formatter
from decree8.result import Report
from decree8.rules import RulePack, load_pack

__all__ = ["SCHEMA_ID", "JsonFormatter", "report_to_dict"]

SCHEMA_ID = "decree8.report/1"


def report_to_dict(report: Report, pack: RulePack | None = None) -> dict[str, Any]:
    """The report as plain JSON data, keys in a fixed order. A signed report is the data it
    signed, as it was signed, with its ``signature`` (see :mod:`decree8.report.sign`)."""
    if report.signature is not None:
        return report.signature.signed_report()
    pack = pack or load_pack()
    data: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "title": report.title,
        "subject": list(report.subject),
        "chain_id": report.chain_id,
        "block_range": list(report.block_range) if report.block_range else None,
        "generated_at": report.generated_at,
        "tool_version": report.tool_version,
        "summary": {
            "findings": len(report.findings),
            "rules": len({f.rule_id for f in report.findings}),
            "transactions": report.transactions,
            "by_rule": report.by_rule(pack),
            "by_severity": report.by_severity(),
        },
        "findings": [finding.to_dict() for finding in report.findings],
        "checks": [check.to_dict() for check in report.checks],
        "facts": dict(report.facts),
        "notes": [
            {
                "key": note.key,
                "kind": note.kind,
                "confidence": note.confidence,
                "title": note.title,
                "text": note.text,
            }
            for note in pack.notes
        ],
    }
    if report.history is not None:
        data["history"] = report.history.to_dict()
    return data


class JsonFormatter(Formatter):
    """Indented JSON, one trailing newline."""

    def __init__(self, pack: RulePack | None = None, indent: int | None = 2) -> None:
        self._pack = pack
        self._indent = indent

    def format(self, report: Report) -> str:
        data = report_to_dict(report, self._pack)
        return json.dumps(data, indent=self._indent, ensure_ascii=False) + "\n"
