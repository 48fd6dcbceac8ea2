"""JSON report: a stable schema (``decree8.report/1``) described by ``report.schema.json``; and
the one JSON writer of the CLI (:func:`json_text`), also for the ``rules`` and ``templates``
catalogues."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from decree8.report.interface import Formatter
from decree8.result import Report, jsonable, plain
from decree8.rules import RulePack, load_pack

__all__ = [
    "DEPRECATED_CHECK_KEYS",
    "RULES_SCHEMA_ID",
    "SCHEMA_ID",
    "TEMPLATES_SCHEMA_ID",
    "JsonFormatter",
    "json_text",
    "report_to_dict",
]

SCHEMA_ID = "decree8.report/1"
#: The schema ids of ``decree8 rules --json`` and ``decree8 templates --json`` (sections of
#: ``report.schema.json``'s ``$defs``).
RULES_SCHEMA_ID = "decree8.rule-catalogue/1"
TEMPLATES_SCHEMA_ID = "decree8.template-catalogue/1"

#: Top-level keys of the verdict a ``check`` report also carries at the top, as ``check --json``
#: printed them before 0.2.0 (deprecated: read them from ``verdicts[0]``; removed in 0.3.0).
DEPRECATED_CHECK_KEYS = (
    "verdict",
    "refusal",
    "compliant",
    "source",
    "rule_ids",
    "call",
    "simulation",
    "tx_hash",
    "block",
    "timestamp",
    "events",
)

#: Keys of a verify result already at the report's top level (left out of ``verification``).
_VERIFY_SHARED = ("findings", "checks", "facts")


def json_text(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON text with one trailing newline (bytes as ``0x`` hex, paths and other
    values as text); ``indent=None``: one line (JSON Lines)."""
    return (
        json.dumps(
            data,
            indent=indent,
            ensure_ascii=False,
            default=_default,
            separators=None if indent is not None else (",", ":"),
        )
        + "\n"
    )


def _default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    return jsonable(value)


def report_to_dict(report: Report, pack: RulePack | None = None) -> dict[str, Any]:
    """The report as plain JSON data, keys in a fixed order. A signed report is the data it
    signed, as it was signed, with its ``signature`` (see :mod:`decree8.report.sign`)."""
    if report.signature is not None:
        return report.signature.signed_report()
    pack = pack or load_pack()
    data: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "kind": report.kind,
        "title": report.title,
        "ok": report.passed,
        "subject": list(report.subject),
        "chain_id": report.chain_id,
        "block_range": list(report.block_range) if report.block_range else None,
        "generated_at": report.generated_at,
        "tool_version": report.tool_version,
        "law": None if report.law is None else plain(report.law),
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
    if report.verdicts:
        data["verdicts"] = [plain(v) for v in report.verdicts]
    if report.steps:
        data["steps"] = [plain(s) for s in report.steps]
    if report.detail is not None:
        _add_detail(data, report.kind, plain(report.detail))
    if report.history is not None:
        data["history"] = report.history.to_dict()
    if report.kind == "check" and len(data.get("verdicts", ())) == 1:
        only = data["verdicts"][0]
        data.update((key, only[key]) for key in DEPRECATED_CHECK_KEYS if key in only)
        if "error" in only:
            data["error"] = only["error"]
    return data


def _add_detail(data: dict[str, Any], kind: str, detail: Any) -> None:
    """The part of a command's own result the common members do not hold."""
    if not isinstance(detail, Mapping):
        return
    if kind == "verify":
        data["verification"] = {k: v for k, v in detail.items() if k not in _VERIFY_SHARED}
    elif kind == "scenario":
        data["summary"].update(detail.get("summary") or {})
        data["deployments"] = dict(detail.get("deployments") or {})
        data["rules_caught"] = list(detail.get("rules_caught") or [])
        data["rules_required"] = list(detail.get("rules_required") or [])


class JsonFormatter(Formatter):
    """Indented JSON, one trailing newline (``indent=None``: one line)."""

    def __init__(self, pack: RulePack | None = None, indent: int | None = 2) -> None:
        self._pack = pack
        self._indent = indent

    def format(self, report: Report) -> str:
        return json_text(report_to_dict(report, self._pack), self._indent)
