"""JSON output parses back and validates against the shipped JSON Schema."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest
from report_samples import TX_1

from decree8.report import SCHEMA_ID, JsonFormatter, Report

# A validator for the subset of JSON Schema (2020-12) that report.schema.json uses. It refuses any
# keyword it does not know, so the schema cannot grow a constraint these tests silently ignore.
_ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs"}
_KEYWORDS = {
    "$ref", "type", "const", "enum", "oneOf", "properties", "required", "additionalProperties",
    "items", "minItems", "maxItems", "minimum", "maximum", "pattern",
}  # fmt: skip
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(
    instance: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$"
) -> list[str]:
    unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
    assert not unknown, f"validator does not support {unknown} (at {at})"
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return validate(instance, target, root, at)
    errors: list[str] = []
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{at}: {instance!r} is not {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{at}: {instance!r} is not one of {schema['enum']}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](instance) for t in types):
            return [*errors, f"{at}: {type(instance).__name__} is not {types}"]
    if "oneOf" in schema:
        matched = sum(not validate(instance, sub, root, at) for sub in schema["oneOf"])
        if matched != 1:
            errors.append(f"{at}: matches {matched} of oneOf")
    if isinstance(instance, dict):
        errors += [
            f"{at}: missing {key!r}" for key in schema.get("required", []) if key not in instance
        ]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                errors += validate(value, props[key], root, f"{at}.{key}")
            elif extra is False:
                errors.append(f"{at}: unexpected key {key!r}")
            elif isinstance(extra, dict):
                errors += validate(value, extra, root, f"{at}.{key}")
    if isinstance(instance, list):
        if "items" in schema:
            for i, item in enumerate(instance):
                errors += validate(item, schema["items"], root, f"{at}[{i}]")
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{at}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            errors.append(f"{at}: more than {schema['maxItems']} items")
    if _TYPES["number"](instance):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{at}: {instance} < {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{at}: {instance} > {schema['maximum']}")
    if (
        isinstance(instance, str)
        and "pattern" in schema
        and not re.search(schema["pattern"], instance)
    ):
        errors.append(f"{at}: {instance!r} does not match {schema['pattern']}")
    return errors


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
