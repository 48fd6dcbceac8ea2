"""Reading a saved report back (``decree8 report``): from its JSON, or from the JSON data an HTML,
Markdown, SARIF or text report embeds (see :mod:`decree8.report.sign`).

```python
from decree8.report.load import load_report
report = load_report(Path("audit.json"))      # or audit.html, a signed audit.md ...
```
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from decree8.errors import UsageError
from decree8.report.json import SCHEMA_ID
from decree8.result import Check, Finding, Report

__all__ = ["extract_data", "load_report", "read_data", "report_from_dict"]

_HTML_DATA = re.compile(
    r'<script type="application/json" id="decree8-report"( data-encoding="gzip\+base64")?>'
    r"(.*?)</script>",
    re.DOTALL,
)
_REQUIRED = (
    "schema",
    "title",
    "subject",
    "chain_id",
    "block_range",
    "generated_at",
    "tool_version",
    "findings",
    "checks",
    "facts",
)


def extract_data(text: str, name: str = "the file") -> dict[str, Any]:
    """The JSON report data in ``text``: the text itself (JSON), the data an HTML report embeds,
    the signed data a SARIF, Markdown or text report carries. :class:`UsageError` otherwise."""
    from decree8.report.sign import decode_trailer

    stripped = text.lstrip()
    data: Any = None
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise UsageError(
                f"{name} is not a decree8 report: invalid JSON at line {err.lineno}"
            ) from None
        if isinstance(data, dict) and "runs" in data and "schema" not in data:  # SARIF
            runs = data.get("runs") or [{}]
            bag = runs[0].get("properties", {}) if isinstance(runs[0], dict) else {}
            data = bag.get("decree8Report") if isinstance(bag, dict) else None
            if data is None:
                raise UsageError(
                    f"{name} is a SARIF file without decree8 report data (only a signed SARIF "
                    "report carries it); re-render from the JSON report instead"
                )
    else:
        found = _HTML_DATA.search(text)
        if found is not None:
            try:
                data = json.loads(found.group(2))
                if found.group(1):  # large reports: gzip-compressed canonical JSON in base64
                    import base64
                    import gzip

                    data = json.loads(gzip.decompress(base64.b64decode(data, validate=True)))
            except (json.JSONDecodeError, ValueError, TypeError, OSError, EOFError):
                why = "the report data embedded in the page is damaged"
                raise UsageError(f"{name}: {why}") from None
        else:
            data = decode_trailer(text)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_ID:
        raise UsageError(
            f"{name} is not a decree8 report (no {SCHEMA_ID} data in it): give a report written "
            "by `decree8 audit`, `verify` or `check` with --format json (or a signed or HTML one)"
        )
    return data


def read_data(path: Path) -> dict[str, Any]:
    """The JSON report data of the file at ``path`` (see :func:`extract_data`)."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a report file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such report file: {path}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a decree8 report (not UTF-8 text)") from None
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    return extract_data(text, str(path))


def _finding(data: Mapping[str, Any]) -> Finding:
    """A finding from its JSON; fields the model has beyond these (added later) are kept as they
    are stored."""
    special = {
        "confidence": tuple(str(c) for c in data["confidence"]),
        "parties": tuple((str(p["role"]), str(p["address"])) for p in data.get("parties", [])),
        "details": tuple(dict(data.get("details") or {}).items()),
    }
    names = {f.name for f in dataclasses.fields(Finding)} - {"_"}
    kwargs = {name: special.get(name, data[name]) for name in names if name in data}
    for name in ("rule_id", "message", "severity", "basis", "source"):
        kwargs[name] = str(data[name])
    return Finding(**kwargs)


def _check(data: Mapping[str, Any]) -> Check:
    names = {f.name for f in dataclasses.fields(Check)}
    kwargs = {name: data[name] for name in names if name in data}
    kwargs.update(
        rule_id=str(data["rule_id"]),
        description=str(data["description"]),
        scope=str(data["scope"]),
        count=int(data["count"]),
        passed=bool(data["passed"]),
    )
    return Check(**kwargs)


#: The members of a report's summary every kind has (a scenario's adds its own counts).
_SUMMARY_KEYS = ("findings", "rules", "transactions", "by_rule", "by_severity")


def _kind_members(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a report of one kind holds beyond the common members, as its JSON data (a report
    written before 0.2.0 has none of them: then it is of kind ``report``)."""
    kind = data.get("kind") or "report"
    detail: Any = None
    if kind == "verify":
        detail = data.get("verification")
    elif kind == "scenario":
        summary = data.get("summary") or {}
        detail = {
            "summary": {k: v for k, v in summary.items() if k not in _SUMMARY_KEYS},
            "deployments": data.get("deployments") or {},
            "rules_caught": data.get("rules_caught") or [],
            "rules_required": data.get("rules_required") or [],
        }
    return {
        "kind": str(kind),
        "ok": data.get("ok"),
        "law": data.get("law"),
        "verdicts": tuple(data.get("verdicts") or ()),
        "steps": tuple(data.get("steps") or ()),
        "detail": detail,
    }


def report_from_dict(data: Mapping[str, Any], name: str = "the report") -> Report:
    """A :class:`Report` from its JSON data (a signed one keeps its signature and the exact data
    it signed). :class:`UsageError` naming what is wrong otherwise."""
    from decree8.audit.timeline import History
    from decree8.report.sign import Signature

    if data.get("schema") != SCHEMA_ID:
        raise UsageError(f"{name} is not a decree8 report (its schema is not {SCHEMA_ID})")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise UsageError(f"{name} is not a complete decree8 report: no {', '.join(missing)}")
    try:
        block_range = data["block_range"]
        facts = data["facts"]
        summary = data.get("summary") or {}
        report = Report(
            title=str(data["title"]),
            subject=tuple(str(s) for s in data["subject"]),
            chain_id=data["chain_id"],
            block_range=(int(block_range[0]), int(block_range[1])) if block_range else None,
            generated_at=str(data["generated_at"]),
            tool_version=str(data["tool_version"]),
            findings=tuple(_finding(f) for f in data["findings"]),
            checks=tuple(_check(c) for c in data["checks"]),
            facts=tuple((str(k), str(v)) for k, v in dict(facts).items()),
            transactions=summary.get("transactions"),
            history=History.from_dict(data["history"]) if data.get("history") else None,
            signature=Signature.from_report_data(data),
            **_kind_members(data),
        )
    except UsageError as err:
        raise UsageError(f"{name} is not a valid decree8 report: {err}") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        raise UsageError(
            f"{name} is not a valid decree8 report ({type(err).__name__}: {err})"
        ) from None
    return report


def load_report(path: Path) -> Report:
    """The report saved at ``path`` (JSON, or any format that embeds the JSON data)."""
    return report_from_dict(read_data(path), str(path))
