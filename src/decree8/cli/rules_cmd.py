"""`decree8 rules`: the rule pack, for people who must judge what a finding rests on."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import click

from decree8.cli._app import App, pass_app


@click.command("rules", short_help="List the rules with their legal basis and confidence.")
@click.argument("rule_id", required=False, metavar="[RULE-ID]")
@pass_app
def rules_cmd(app: App, rule_id: str | None) -> None:
    """List every rule decree8 enforces and checks: its ID, restriction code, legal basis and how
    sure we are of that basis (primary source, secondary source, news only, policy safeguard, or
    UNVERIFIED). Give a RULE-ID (e.g. P2P-SALE) to see one rule in full, with its parameters.

    Policy safeguards are decree8's own additions, not law; unverified claims are never presented
    as law.
    """
    from decree8.rules import load_pack
    from decree8.rules.pack import confidence_label

    pack = load_pack()
    chosen = [pack.rule(rule_id.upper())] if rule_id else list(pack)
    data = {
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
    }

    def text() -> str:
        if not rule_id:
            lines = [f"{'code':>4}  {'rule':<18} {'confidence':<34} basis"]
            lines += [
                f"{r.code:>4}  {r.id:<18} {confidence_label(r):<34} {r.basis}" for r in chosen
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
        ]
        for p in r.parameters:
            state = "" if p.enabled else " (off)"
            value = "" if p.value is None else f" = {p.value}"
            lines.append(f"  parameter {p.name}{value}{state}: {p.description} ({p.source})")
        return "\n".join(lines)

    app.emit(data, text)


def _plain(value: Any) -> Any:
    """Read-only pack values (mapping proxies, tuples) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
