"""Reading a scenario file: every table and key checked, with the file and step named."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decree8.errors import UsageError
from decree8.fsutil import read_user_text

if TYPE_CHECKING:
    pass

from decree8.scenario.model import (
    EXPECTATIONS,
    DeploySpec,
    Scenario,
    ScenarioError,
    StepSpec,
    parse_duration,
    parse_moment,
)


def load_scenario(path: str | Path) -> Scenario:
    """Parse and validate a scenario file. Errors name the file, the entry and what to fix."""
    source = Path(path)
    try:
        raw = read_user_text(source, "scenario file")
    except UsageError as exc:
        raise ScenarioError(str(exc)) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: invalid TOML: {exc}") from None
    known_top = {"title", "accounts", "deploy", "step", "description", "start"}
    extra = sorted(set(data) - known_top)
    if extra:
        raise ScenarioError(
            f"{source}: unknown top-level key {extra[0]!r} (expected one of "
            f"{', '.join(sorted(known_top))})"
        )
    accounts = data.get("accounts", {})
    if not isinstance(accounts, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in accounts.values()
    ):
        raise ScenarioError(f"{source}: [accounts] maps names to account indexes, e.g. alice = 2")
    deploys = _parse_deploys(source, data.get("deploy", []), accounts)
    deployed = {d.name for d in deploys}
    steps = [
        _parse_step(f"{source}: [[step]] #{i}", i, entry, accounts, deployed)
        for i, entry in enumerate(data.get("step", []), start=1)
    ]
    _check_rule_ids(source, steps)
    start = None
    if "start" in data:
        try:
            start = parse_moment(data["start"])
        except ValueError as exc:
            raise ScenarioError(f"{source}: start: {exc}") from None
    if not steps:
        raise ScenarioError(
            f"{source} has no [[step]]: a scenario needs at least one step to check "
            "(see docs/scenarios.md)"
        )
    return Scenario(
        source,
        str(data.get("title", source.stem)),
        dict(accounts),
        tuple(deploys),
        tuple(steps),
        start,
    )


def _parse_deploys(
    source: Path, entries: Sequence[Mapping[str, Any]], accounts: Mapping[str, int]
) -> list[DeploySpec]:
    deploys: list[DeploySpec] = []
    names: set[str] = set(accounts)
    for i, entry in enumerate(entries, start=1):
        where = f"{source}: [[deploy]] #{i}"
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ScenarioError(f'{where} needs name = "..."')
        if name in names:
            raise ScenarioError(
                f"{where}: name {name!r} is already used by an account or deployment"
            )
        template, contract = entry.get("template"), entry.get("contract")
        if bool(template) == bool(contract):
            raise ScenarioError(f"{where} ({name}) needs exactly one of template = or contract =")
        sender = entry.get("from", next(iter(accounts), None))
        if sender not in accounts:
            raise ScenarioError(
                f"{where} ({name}): from = {sender!r} is not an account in [accounts]"
            )
        deploys.append(
            DeploySpec(
                name,
                template,
                contract,
                sender,
                dict(entry.get("params", {})),
                tuple(entry.get("args", ())),
            )
        )
        names.add(name)
    return deploys


_STEP_KEYS = {"as", "call", "args", "value", "advance", "at", "expect", "rules", "send", "note"}


def _parse_step(
    where: str,
    index: int,
    entry: Mapping[str, Any],
    accounts: Mapping[str, int],
    deployed: set[str],
) -> StepSpec:
    unknown = sorted(set(entry) - _STEP_KEYS)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_STEP_KEYS))})"
        )
    actor, call = entry.get("as"), entry.get("call")
    if call is not None:
        if actor not in accounts:
            raise ScenarioError(f"{where}: as = {actor!r} is not an account in [accounts]")
        if not isinstance(call, str) or call.count(".") != 1:
            raise ScenarioError(f'{where}: call = {call!r} must be "deployment.function"')
        dep_name = call.split(".")[0]
        if dep_name not in deployed:
            raise ScenarioError(f"{where}: call = {call!r} names no deployment {dep_name!r}")
    elif "advance" not in entry and "at" not in entry:
        raise ScenarioError(f'{where} needs call = "deployment.function", advance = or at =')
    expect = entry.get("expect")
    if expect not in (None, *EXPECTATIONS):
        raise ScenarioError(
            f'{where}: expect must be "ok", "violation" or "refused", not {expect!r}'
        )
    if expect == "refused" and entry.get("rules"):
        raise ScenarioError(f"{where}: a refusal breaks no rule: drop rules = or expect it")
    at = None
    if "at" in entry:
        if "advance" in entry:
            raise ScenarioError(f"{where}: give advance = or at =, not both")
        try:
            at = parse_moment(entry["at"])
        except ValueError as exc:
            raise ScenarioError(f"{where}: at: {exc}") from None
    try:
        advance = parse_duration(entry.get("advance", 0))
    except ValueError as exc:
        raise ScenarioError(f"{where}: advance: {exc}") from None
    rules = entry.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise ScenarioError(f"{where}: rules must be a list of rule IDs")
    return StepSpec(
        index=index,
        actor=actor,
        call=call,
        args=dict(entry.get("args", {})),
        value=entry.get("value", 0),
        advance=advance,
        expect=expect,
        rules=tuple(rules),
        send=bool(entry.get("send", False)),
        note=str(entry.get("note", "")),
        at=at,
    )


def _check_rule_ids(source: Path, steps: Sequence[StepSpec]) -> None:
    try:
        from decree8.rules import load_pack
    except ImportError:  # pragma: no cover - the pack ships with the package
        return
    pack = load_pack()
    for step in steps:
        for rid in step.rules:
            pack.rule(rid)  # raises a UsageError listing the valid IDs
