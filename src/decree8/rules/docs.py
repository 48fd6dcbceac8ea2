"""The rule pack as a Markdown page (docs/rules.md is its output; a test keeps it so)."""

from __future__ import annotations

from decree8.rules.pack import Period, RulePack, confidence_label
from decree8.rules.project import load_pack

_WHERE = {"T": "token template", "E": "escrow template", "C": "checker"}


def render_rules_markdown(pack: RulePack | None = None) -> str:
    """Every rule with its code, legal basis, confidence, severity, enforcement and parameters."""
    pack = pack or load_pack()
    lines = [
        "# The rules decree8 enforces and checks",
        "",
        "Generated from the rule pack shipped with decree8 (`src/decree8/rules/pack.toml`), which",
        "copies the rule table of the project's legal-basis document. Do not edit by hand: run",
        "`python -c 'from decree8.rules.docs import render_rules_markdown as r; "
        'print(r(), end="")\'',
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
            f"- In force: {_period(rule.period)}",
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


def _period(period: Period) -> str:
    if period.from_deployment:
        return f"from the deployment of the contract ({period.why})"
    return f"{period.describe()} ({period.why})" if period.why else period.describe()


def _act_period(period: Period) -> str:
    return period.text or "not given"
