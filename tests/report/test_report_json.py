"""JSON output parses back and validates against the shipped JSON Schema."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from report_samples import TX_1

from decree8.report import SCHEMA_ID, JsonFormatter, Report
from schema_check import validate


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    text = resources.files("decree8.report").joinpath("report.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _render(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(JsonFormatter().format(report))
    return data


def test_sample_report_validates_against_shipped_schema(
    sample_report: Report, schema: dict[str, Any]
) -> None:
    data = _render(sample_report)
    assert validate(data, schema, schema) == []
    assert schema["$id"] == SCHEMA_ID == data["schema"]


def test_empty_report_validates_against_shipped_schema(
    empty_report: Report, schema: dict[str, Any]
) -> None:
    data = _render(empty_report)
    assert validate(data, schema, schema) == []
    assert data["findings"] == [] and data["block_range"] is None and data["chain_id"] is None
    assert data["summary"] == {
        "findings": 0,
        "rules": 0,
        "transactions": None,
        "by_rule": {},
        "by_severity": {"error": 0, "warning": 0, "note": 0},
    }


def test_json_carries_the_report_content(sample_report: Report) -> None:
    data = _render(sample_report)
    assert list(data) == [
        "schema", "kind", "title", "ok", "subject", "chain_id", "block_range", "generated_at",
        "tool_version", "law", "summary", "findings", "checks", "facts", "notes",
    ]  # fmt: skip
    assert data["kind"] == "report" and data["ok"] is False and data["law"] is None
    assert data["block_range"] == [1, 200] and data["chain_id"] == 1337
    assert data["summary"]["by_rule"] == {"HOLDER-IDENTIFIED": 2, "SUPPLY-CAP": 1}
    assert data["summary"]["by_severity"] == {"error": 2, "warning": 1, "note": 0}
    assert data["summary"]["transactions"] == 1204
    second = data["findings"][1]
    assert second["tx_hash"] == TX_1 and second["code"] == 4
    assert second["details"] == {"value": 10**18, "data": "0x0102"}
    assert data["facts"]["Terms version"] == "1"
    assert data["checks"][0]["passed"] is True
    assert any(n["confidence"] == "unverified" for n in data["notes"])


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("facts"), "missing 'facts'"),
        (lambda d: d.update(extra=1), "unexpected key 'extra'"),
        (lambda d: d["findings"][0].update(severity="fatal"), "is not one of"),
        (lambda d: d["findings"][0].update(block="12"), "str is not"),
        (lambda d: d.update(block_range=[1]), "matches 0 of oneOf"),
        (lambda d: d["summary"]["by_severity"].pop("note"), "missing 'note'"),
        (lambda d: d.update(generated_at="yesterday"), "does not match"),
    ],
)
def test_validator_rejects_documents_that_break_the_schema(
    sample_report: Report, schema: dict[str, Any], mutate: Any, expected: str
) -> None:
    data = copy.deepcopy(_render(sample_report))
    mutate(data)
    errors = validate(data, schema, schema)
    assert any(expected in error for error in errors), errors
