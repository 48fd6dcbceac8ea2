"""JSON report: a stable schema (``decree8.report/1``) described by ``report.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from decree8.report.finding import Report
from decree8.report.interface import Formatter
from decree8.rules import RulePack, load_pack

__all__ = ["SCHEMA_ID", "JsonFormatter", "report_to_dict"]

SCHEMA_ID = "decree8.report/1"


def report_to_dict(report: Report, pack: RulePack | None = None) -> dict[str, Any]:
    """The report as plain JSON data, keys in a fixed order."""
    pack = pack or load_pack()
    return {
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


class JsonFormatter(Formatter):
    """Indented JSON, one trailing newline."""

    def __init__(self, pack: RulePack | None = None, indent: int | None = 2) -> None:
        self._pack = pack
        self._indent = indent

    def format(self, report: Report) -> str:
        data = report_to_dict(report, self._pack)
        return json.dumps(data, indent=self._indent, ensure_ascii=False) + "\n"
