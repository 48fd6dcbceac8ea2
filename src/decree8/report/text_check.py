"""The text of a ``check`` report: a verdict for people, the verdict line first, then one block per
failing rule (``decree8 check call`` and ``check tx``; one line per verdict for several)."""

from __future__ import annotations

from decree8.check.verdict import Verdict
from decree8.result import Report, iso_utc, jsonable
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack

__all__ = ["check_text", "summary_line", "verdict_line", "verdict_text"]


def verdict_line(verdict: Verdict) -> str:
    """``COMPLIANT``, ``VIOLATION: 2 rules`` or ``REFUSED: ...`` (reverted, no rule in force)."""
    rules = len(verdict.rule_ids)
    if rules:
        return f"VIOLATION: {rules} rule{'s' if rules != 1 else ''}"
    sim = verdict.simulation
    if not sim.success:
        verb = "would revert" if verdict.source == "preflight" else "reverted"
        return f"REFUSED: the call {verb} with {sim.error} (no rule in force applies)"
    return "COMPLIANT"


def check_text(report: Report, pack: RulePack | None = None) -> str | None:
    """The report's verdicts as text (one in full; several one line each), or ``None`` when it
    holds no :class:`Verdict` objects (read back from JSON: the generic text applies)."""
    verdicts = [v for v in report.verdicts if isinstance(v, Verdict)]
    if not verdicts or len(verdicts) != len(report.verdicts):
        return None
    if len(verdicts) == 1:
        return verdict_text(verdicts[0], pack) + "\n"
    return "".join(f"{v.tx_hash or v.decoded.address}  {summary_line(v)}\n" for v in verdicts)


def summary_line(verdict: Verdict) -> str:
    """The verdict line with the rules broken (a batch's line per call or transaction)."""
    rules = f"  {', '.join(verdict.rule_ids)}" if verdict.rule_ids else ""
    return verdict_line(verdict) + rules


def verdict_text(verdict: Verdict, pack: RulePack | None = None) -> str:
    """One verdict in full (no trailing newline)."""
    pack = pack or load_pack()
    call = verdict.decoded
    shown = ", ".join(f"{k}={jsonable(v)}" for k, v in call.args.items())
    lines = [verdict_line(verdict)]
    where = f"{call.template} at {call.address}"
    if verdict.source == "mined":
        lines.append(f"  transaction {verdict.tx_hash} in block {verdict.block}")
    else:
        lines.append(f"  pre-flight at block {verdict.block}")
    lines.append(f"  call {call.function}({shown}) on {where}")
    lines.append(f"  from {call.sender}" + (f", value {call.value} wei" if call.value else ""))
    if verdict.law is not None:
        when = "" if verdict.timestamp is None else f" at {iso_utc(verdict.timestamp)}"
        lines.append(f"  law applied: {verdict.law.label}{when}")
        if verdict.law.not_yet:
            lines.append(f"  not yet in force then: {', '.join(verdict.law.not_yet)}")
    for rule_id in verdict.rule_ids:
        rule = pack.rule(rule_id)
        label = " / ".join(_label(tag) for tag in rule.confidence)
        lines.append("")
        lines.append(f"{rule.id}: {rule.title}")
        lines.extend(f"  - {f.message}" for f in verdict.findings if f.rule_id == rule_id)
        lines.append(f"  legal basis: {rule.basis}")
        lines.append(f"  confidence: {label}")
        lines.append(f"  on-chain restriction code: {rule.code}")
    sim = verdict.simulation
    lines.append("")
    what = "simulation" if verdict.source == "preflight" else "on chain"
    if sim.success:
        lines.append(f"{what}: succeeds" if verdict.source == "preflight" else f"{what}: succeeded")
    else:
        if sim.rule_id:
            named = f" -> {sim.rule_id}"
        elif sim.rule_not_in_force:
            named = f" ({sim.rule_not_in_force}, not in force then: no rule ID)"
        else:
            named = " (not a rule: no rule ID)"
        code = f" [restriction code {sim.code}]" if sim.code is not None else ""
        verb = "reverts with" if verdict.source == "preflight" else "reverted with"
        lines.append(f"{what}: {verb} {sim.error}{code}{named}")
    if verdict.events:
        lines.append("events: " + ", ".join(e.name for e in verdict.events))
    lines.extend(f"note: {note}" for note in verdict.notes)
    return "\n".join(lines)


def _label(tag: str) -> str:
    if tag == "policy":
        return "POLICY safeguard (not law)"
    if tag == "unverified":
        return "UNVERIFIED (not confirmed law)"
    return {"primary": "primary source", "secondary": "secondary source", "news": "news only"}.get(
        tag, tag
    )
