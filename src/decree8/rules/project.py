"""A project's own rules: codes 64-127, declared in the project's rule file, enforced in its
Solidity extension of a template, and reported like decree8's rules.

```toml
# rules.toml (named by `rules = "rules.toml"` in [tool.decree8])
[[rule]]
id = "MAX-BALANCE"
code = 64
title = "Maximum balance per holder"
summary = "No holder may hold more than the maximum balance stated in the white paper."
basis = "Minsk Token white paper, section 4.2"
confidence = "policy"
in_force_from = "01.03.2026"   # optional (DD.MM.YYYY); default: from the contract's deployment
```

The contract reports the code through ``detectTransferRestriction`` and reverts with
``TransferRestricted(code, ...)``; ``check call``, ``check tx`` and ``audit`` name the rule with the
project's text. decree8 never uses codes 64-127 itself (``RuleCodes.PROJECT_MIN``/``PROJECT_MAX``).
A project rule's severity follows its confidence as for decree8's rules: ``policy`` is a warning,
anything else an error.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from decree8.errors import UsageError
from decree8.fsutil import read_user_text
from decree8.rules.pack import CONFIDENCE_LEVELS, TARGETS, Period, Rule, RulePack, builtin_pack

__all__ = [
    "PROJECT_CODES",
    "activate_project_rules",
    "active_project_rules",
    "is_project_rule",
    "load_pack",
    "load_project_rules",
    "with_project_rules",
]

#: Restriction codes reserved for projects (contracts/interfaces/RuleCodes.sol).
PROJECT_CODES = range(64, 128)
_REQUIRED = ("id", "code", "title", "summary", "basis", "confidence")
_OPTIONAL = ("enforced_by", "applies_to", "in_force_from")
_active: tuple[Rule, ...] = ()


def is_project_rule(rule: Rule) -> bool:
    return rule.code in PROJECT_CODES


def _rule(entry: Any, where: str, builtin: RulePack) -> Rule:
    if not isinstance(entry, Mapping):
        raise UsageError(f"{where} must be a table")
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise UsageError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    for key in _REQUIRED:
        if key not in entry:
            raise UsageError(f"{where} needs {key!r}")
    code = entry["code"]
    if not isinstance(code, int) or isinstance(code, bool) or code not in PROJECT_CODES:
        raise UsageError(
            f"{where}: code {code!r} is outside the range reserved for projects "
            f"({PROJECT_CODES.start}-{PROJECT_CODES.stop - 1}); decree8's rules use the codes "
            "below it"
        )
    rule_id = entry["id"]
    for key in ("id", "title", "summary", "basis"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise UsageError(f"{where}: {key} must be non-empty text")
    if rule_id in builtin:
        raise UsageError(f"{where}: id {rule_id} is one of decree8's rules; choose another")
    raw_conf = entry["confidence"]
    confidence = (raw_conf,) if isinstance(raw_conf, str) else tuple(raw_conf)
    if not confidence or any(c not in CONFIDENCE_LEVELS for c in confidence):
        raise UsageError(
            f"{where}: confidence {raw_conf!r} is not one of {', '.join(CONFIDENCE_LEVELS)}"
        )
    if "unverified" in confidence:
        raise UsageError(f"{where}: an unverified claim is not a rule; leave it out")
    period = Period("from deployment")
    if "in_force_from" in entry:
        text = entry["in_force_from"]
        try:
            start = datetime.strptime(str(text), "%d.%m.%Y").date()
        except ValueError:
            raise UsageError(f"{where}: in_force_from {text!r} is not a DD.MM.YYYY date") from None
        period = Period(f"in force from {text}", start=start, why=entry["basis"].strip())
    applies = entry.get("applies_to", ["token"])
    applies_to = (applies,) if isinstance(applies, str) else tuple(applies)
    if not applies_to or any(a not in TARGETS for a in applies_to):
        raise UsageError(f"{where}: applies_to must be among {', '.join(TARGETS)}")
    return Rule(
        id=rule_id,
        code=code,
        title=entry["title"].strip(),
        summary=entry["summary"].strip(),
        basis=entry["basis"].strip(),
        confidence=confidence,
        severity="warning" if "policy" in confidence else "error",
        enforced_by=str(entry.get("enforced_by") or "the project's Solidity extension"),
        applies_to=applies_to,
        period=period,
    )


def load_project_rules(path: str | Path, builtin: RulePack | None = None) -> tuple[Rule, ...]:
    """The rules declared in ``path``; :class:`UsageError` (one line naming the file and the rule)
    for a bad file, a code outside 64-127, or an ID or code given twice."""
    source = Path(path)
    builtin = builtin or builtin_pack()
    try:
        data = tomllib.loads(read_user_text(source, "project rule file"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"project rule file {source} is not valid TOML: {exc}") from None
    entries = data.get("rule", [])
    extra = sorted(set(data) - {"rule"})
    if extra or not isinstance(entries, list):
        raise UsageError(f"{source}: declare each rule as a [[rule]] table")
    rules: list[Rule] = []
    for index, entry in enumerate(entries, 1):
        label = entry.get("id", f"#{index}") if isinstance(entry, Mapping) else f"#{index}"
        rule = _rule(entry, f"{source}: rule {label}", builtin)
        for other in rules:
            if other.id == rule.id:
                raise UsageError(f"{source}: rule {rule.id} is declared twice")
            if other.code == rule.code:
                raise UsageError(
                    f"{source}: rules {other.id} and {rule.id} both use code {rule.code}"
                )
        rules.append(rule)
    return tuple(rules)


def with_project_rules(pack: RulePack, rules: tuple[Rule, ...]) -> RulePack:
    """``pack`` with the project's rules after decree8's own."""
    if not rules:
        return pack
    return RulePack(rules=pack.rules + rules, acts=pack.acts, notes=pack.notes, schema=pack.schema)


def activate_project_rules(path: str | Path | None) -> tuple[Rule, ...]:
    """Make the rules of ``path`` part of the pack that :func:`decree8.rules.load_pack` returns
    (None: decree8's rules only). The CLI and the pytest plugin call it with the project's
    ``rules`` setting."""
    global _active
    _active = load_project_rules(path) if path is not None else ()
    return _active


def active_project_rules() -> tuple[Rule, ...]:
    return _active


def load_pack() -> RulePack:
    """The rule pack in force: decree8's own rules (:func:`builtin_pack`), followed by the
    project's own rules (codes 64-127) once :func:`activate_project_rules`
    named them. The same object is returned until the project's rules change."""
    extra = active_project_rules()
    return _with_project(extra) if extra else builtin_pack()


@functools.cache
def _with_project(extra: tuple[Rule, ...]) -> RulePack:
    return with_project_rules(builtin_pack(), extra)
