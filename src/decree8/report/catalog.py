"""The rule pack for people and scripts: ``decree8 rules`` as text and as JSON
(``decree8.rule-catalogue/1``), the pack as a Markdown page (docs/rules.md is its output; a test
keeps it so), and ``decree8 templates --json`` (``decree8.template-catalogue/1``). Both JSON
shapes are described in ``report.schema.json`` (``$defs/rules_catalogue``,
``$defs/templates_catalogue``)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from decree8.report.json import RULES_SCHEMA_ID, TEMPLATES_SCHEMA_ID
from decree8.rules.pack import LawVersion, Period, Rule, RulePack, confidence_label
from decree8.rules.project import load_pack

__all__ = ["rules_markdown", "rules_text", "rules_to_dict", "templates_to_dict"]


def rules_to_dict(
    pack: RulePack, chosen: Sequence[Rule], law: LawVersion | None, at: str | None, one: bool
) -> dict[str, Any]:
    """``decree8 rules --json``: the ``chosen`` rules of ``pack`` (``one``: a single rule asked
    for by ID), as of the day ``at`` whose ``law`` applies (or the latest law)."""
    return {
        "schema": RULES_SCHEMA_ID,
        "at": at,
        "law": None if law is None else law.to_dict(),
        "rules": [_rule_dict(r, law) for r in chosen],
        "notes": []
        if one
        else [{"title": n.title, "confidence": n.confidence, "text": n.text} for n in pack.notes],
        "acts": [
            {
                "name": a.name,
                "date": a.date,
                "in_force_from": a.period.text,
                "approximate": a.period.approximate,
            }
            for a in pack.acts
        ],
    }


def _rule_dict(r: Rule, law: LawVersion | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "code": r.code,
        "title": r.title,
        "summary": r.summary,
        "basis": r.basis,
        "confidence": list(r.confidence),
        "confidence_label": confidence_label(r),
        "severity": r.severity,
        "applies_to": list(r.applies_to),
        "enforced_by": r.enforced_by,
        "in_force_on_date": None if law is None else r.id in law.in_force,
        "in_force": {
            "from": r.period.text,
            "date": None if r.period.start is None else r.period.start.isoformat(),
            "until": None if r.period.end is None else r.period.end.isoformat(),
            "approximate": r.period.approximate,
            "why": r.period.why,
        },
        "parameters": [
            {
                "name": p.name,
                "value": _plain(p.value),
                "enabled": p.enabled,
                "description": p.description,
                "source": p.source,
            }
            for p in r.parameters
        ],
    }


def rules_text(pack: RulePack, chosen: Sequence[Rule], law: LawVersion | None, one: bool) -> str:
    """``decree8 rules`` for people: a table of the rules, or one rule in full (no trailing
    newline)."""
    if one:
        return _one_rule_text(chosen[0], law)
    lines = []
    if law is not None:
        lines += [law.describe(), ""]
    lines.append(f"{'code':>4}  {'rule':<18} {'confidence':<34} {'in force from':<14} basis")
    lines += [
        f"{r.code:>4}  {r.id:<18} {confidence_label(r):<34} {_since(r.period):<14} {r.basis}"
        for r in chosen
    ]
    lines.append("")
    lines += [
        textwrap.fill(f"{confidence_label(n)}: {n.title}.", 100, subsequent_indent="  ")
        for n in pack.notes
    ]
    lines.append("`decree8 rules RULE-ID` shows one rule in full.")
    return "\n".join(lines)


def _one_rule_text(r: Rule, law: LawVersion | None) -> str:
    lines = [
        f"{r.id} (restriction code {r.code}): {r.title}",
        textwrap.fill(r.summary, 100, initial_indent="  ", subsequent_indent="  "),
        f"  legal basis:  {r.basis}",
        f"  confidence:   {confidence_label(r)}",
        f"  severity:     {r.severity}",
        f"  applies to:   {', '.join(r.applies_to)}",
        f"  enforced by:  {r.enforced_by}",
        f"  in force:     {r.period.describe()}" + (f" ({r.period.why})" if r.period.why else ""),
    ]
    if law is not None:
        state = "in force" if r.id in law.in_force else "NOT in force"
        lines.append(f"  on {law.day:%d.%m.%Y}:   {state} ({law.label})")
    for p in r.parameters:
        state = "" if p.enabled else " (off)"
        value = "" if p.value is None else f" = {p.value}"
        lines.append(f"  parameter {p.name}{value}{state}: {p.description} ({p.source})")
    return "\n".join(lines)


def _since(period: Period) -> str:
    """``20.09.2024``, ``~15.05.2022`` (approximate) or ``deployment``."""
    if period.start is None:
        return "deployment"
    return f"{'~' if period.approximate else ''}{period.start:%d.%m.%Y}"


def _plain(value: Any) -> Any:
    """Read-only pack values (mapping proxies, tuples) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def templates_to_dict(templates: Iterable[Any]) -> dict[str, Any]:
    """``decree8 templates --json``: each template's parameters, roles and rules."""
    return {
        "schema": TEMPLATES_SCHEMA_ID,
        "templates": [
            {
                "name": t.name,
                "contract": t.contract,
                "version": t.version,
                "summary": t.summary,
                "params": [
                    {
                        "name": p.name,
                        "kind": p.kind,
                        "required": p.required,
                        "default": p.default,
                        "help": p.help,
                    }
                    for p in t.params
                ],
                "roles": [
                    {"name": r.name, "holder_param": r.holder_param, "duty": r.duty}
                    for r in t.roles
                ],
                "rules": list(t.rules),
            }
            for t in templates
        ],
    }


_WHERE = {"T": "token template", "E": "escrow template", "C": "checker"}


def rules_markdown(pack: RulePack | None = None) -> str:
    """Every rule with its code, legal basis, confidence, severity, enforcement and parameters."""
    pack = pack or load_pack()
    lines = [
        "# The rules decree8 enforces and checks",
        "",
        "Generated from the rule pack shipped with decree8 (`src/decree8/rules/pack.toml`), which",
        "copies the rule table of the project's legal-basis document. Do not edit by hand: run",
        "`python -c 'from decree8.report.catalog import rules_markdown as r; print(r(), end=\"\")'",
        "> docs/rules.md`.",
        "",
        "Confidence: *primary* (the act's text or a translation), *secondary* (a law firm's or",
        "professional summary), *news* (news only), *policy* (a safeguard decree8 adds on purpose:",
        "not law), *unverified* (claimed, no source confirmed: never presented as law).",
        "Severity is `error` for rules with a legal basis and `warning` for policy safeguards.",
        "",
        "A rule applies only to actions made while it is in force (no retroactivity): the checker",
        "and the audit judge each transaction by the rules in force at its block's time, counting",
        "days in Minsk time (UTC+3). Where the day of entry into force is approximate, reports say",
        "so. Policy safeguards apply from the deployment of the contract they guard.",
        "`decree8 rules --at YYYY-MM-DD` lists the rules in force on a day.",
        "",
        "| code | rule | basis | confidence | severity | in force from |",
        "|---:|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {rule.code} | [{rule.id}](#{rule.id.lower()}) {rule.title} | {rule.basis} | "
        f"{confidence_label(rule)} | {rule.severity} | {rule.period.text} |"
        for rule in pack
    )
    for rule in pack:
        lines += [
            "",
            f"## {rule.id}",
            "",
            f"**{rule.title}.** {rule.summary}",
            "",
            f"- Restriction code (ERC-1404, `RuleCodes.sol`): {rule.code}",
            f"- Legal basis: {rule.basis}",
            f"- Confidence: {confidence_label(rule)}",
            f"- Severity: {rule.severity}",
            f"- Applies to: {', '.join(rule.applies_to)}",
            f"- Enforced by: {rule.enforced_by}",
            f"- In force: {_md_period(rule.period)}",
        ]
        for param in rule.parameters:
            state = "" if param.enabled else " (off by default)"
            value = "" if param.value is None else f" = `{param.value}`"
            lines.append(
                f"- Parameter `{param.name}`{value}{state}: {param.description} "
                f"(source: {param.source})"
            )
    if pack.notes:
        lines += ["", "## Notes that are not rules", ""]
        for note in pack.notes:
            lines.append(f"- **{confidence_label(note)}**: {note.text}")
    lines += ["", "## Acts", "", "| act | date | in force from |", "|---|---|---|"]
    lines += [f"| {act.name} | {act.date} | {_act_period(act.period)} |" for act in pack.acts]
    return "\n".join(lines) + "\n"


def _md_period(period: Period) -> str:
    if period.from_deployment:
        return f"from the deployment of the contract ({period.why})"
    return f"{period.describe()} ({period.why})" if period.why else period.describe()


def _act_period(period: Period) -> str:
    return period.text or "not given"
