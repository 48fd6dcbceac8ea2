"""`decree8 rules`: the rule pack, for people who must judge what a finding rests on."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import click

from decree8.cli._app import App, pass_app
from decree8.rules.pack import Period


@click.command("rules", short_help="List the rules with their legal basis and confidence.")
@click.argument("rule_id", required=False, metavar="[RULE-ID]")
@click.option(
    "--at",
    "at",
    metavar="DATE",
    help="Show the pack as of DATE (YYYY-MM-DD, a day in Minsk time): only the rules in force "
    "that day, and the law version a check of that day applies.",
)
@pass_app
def rules_cmd(app: App, rule_id: str | None, at: str | None) -> None:
    """List every rule decree8 enforces and checks: its ID, restriction code, legal basis, how
    sure we are of that basis (primary source, secondary source, news only, policy safeguard, or
    UNVERIFIED) and since when it is in force. Give a RULE-ID (e.g. P2P-SALE) to see one rule in
    full, with its parameters; --at DATE to see the pack as it stood that day.

    A rule applies only to actions made while it is in force. Policy safeguards are decree8's
    own additions, not law, and apply from a contract's deployment; unverified claims are never
    presented as law.

    \b
    Examples:
      decree8 rules                      every rule, with basis, confidence and in-force date
      decree8 rules P2P-SALE             one rule in full, with its parameters
      decree8 rules --at 2024-09-19      the law as it stood that day (before Decree No. 367)
      decree8 rules --json               for scripts
    """
    from decree8.rules import load_pack
    from decree8.rules.pack import confidence_label, day_start, parse_date

    full = load_pack()
    pack = full
    law = None
    if at is not None:
        day = parse_date(at, "--at")
        pack = full.as_of(day)
        law = full.law_at(day_start(day))
    # One rule is shown whether or not it was in force on --at (the answer says which).
    chosen = [full.rule(rule_id.upper())] if rule_id else list(pack)
    data: dict[str, Any] = {
        "at": at,
        "law": None if law is None else law.to_dict(),
        "rules": [
            {
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
            for r in chosen
        ],
        "notes": []
        if rule_id
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

    def text() -> str:
        if not rule_id:
            lines = []
            if law is not None:
                lines += [law.describe(), ""]
            lines.append(
                f"{'code':>4}  {'rule':<18} {'confidence':<34} {'in force from':<14} basis"
            )
            lines += [
                f"{r.code:>4}  {r.id:<18} {confidence_label(r):<34} "
                f"{_since(r.period):<14} {r.basis}"
                for r in chosen
            ]
            lines.append("")
            lines += [
                textwrap.fill(f"{confidence_label(n)}: {n.title}.", 100, subsequent_indent="  ")
                for n in pack.notes
            ]
            lines.append("`decree8 rules RULE-ID` shows one rule in full.")
            return "\n".join(lines)
        r = chosen[0]
        lines = [
            f"{r.id} (restriction code {r.code}): {r.title}",
            textwrap.fill(r.summary, 100, initial_indent="  ", subsequent_indent="  "),
            f"  legal basis:  {r.basis}",
            f"  confidence:   {confidence_label(r)}",
            f"  severity:     {r.severity}",
            f"  applies to:   {', '.join(r.applies_to)}",
            f"  enforced by:  {r.enforced_by}",
            f"  in force:     {r.period.describe()}"
            + (f" ({r.period.why})" if r.period.why else ""),
        ]
        if law is not None:
            state = "in force" if r.id in law.in_force else "NOT in force"
            lines.append(f"  on {law.day:%d.%m.%Y}:   {state} ({law.label})")
        for p in r.parameters:
            state = "" if p.enabled else " (off)"
            value = "" if p.value is None else f" = {p.value}"
            lines.append(f"  parameter {p.name}{value}{state}: {p.description} ({p.source})")
        return "\n".join(lines)

    app.emit(data, text)


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
