"""Validating JSON output against the shipped report schema (``report.schema.json``): the
``decree8.report/1`` report of every command, and the ``rules``/``templates`` catalogues."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

# A validator for the subset of JSON Schema (2020-12) that report.schema.json uses. It refuses any
# keyword it does not know, so the schema cannot grow a constraint these tests silently ignore.
_ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "deprecated", "format"}
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


def report_schema() -> dict[str, Any]:
    text = resources.files("decree8.report").joinpath("report.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def assert_valid(data: Any, definition: str | None = None) -> None:
    """``data`` is a valid report (or, with ``definition``, a valid ``$defs`` member such as
    ``rules_catalogue``)."""
    root = report_schema()
    schema = root if definition is None else root["$defs"][definition]
    errors = validate(data, schema, root)
    assert errors == [], errors
