"""The text of a ``check`` report: a verdict for people, the verdict line first, then one block per
failing rule (``decree8 check call`` and ``check tx``). A batch (several verdicts, e.g. ``check tx
--from-file ... --format text``): a summary, one line per transaction, then the findings by rule."""

from __future__ import annotations

from typing import Any

from decree8.check.verdict import Verdict
from decree8.result import Report, iso_utc, jsonable, plain
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack

__all__ = ["batch_text", "check_text", "summary_line", "verdict_line", "verdict_text"]


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
    """The report's verdicts as text (one in full; several as a batch), or ``None`` when it holds
    one verdict that is no :class:`Verdict` object (read back from JSON, or an error: the generic
    text applies)."""
    if len(report.verdicts) > 1:
        return batch_text(report, pack)
    if len(report.verdicts) == 1 and isinstance(report.verdicts[0], Verdict):
        return verdict_text(report.verdicts[0], pack) + "\n"
    return None


def batch_text(report: Report, pack: RulePack | None = None) -> str:
    """A batch of verdicts (objects or their JSON data): what was checked and the tally, one line
    per transaction (hash, block, verdict, rules), then each rule's findings with its basis."""
    pack = pack or load_pack()
    rows = [plain(v) for v in report.verdicts]
    tally = {name: sum(1 for r in rows if r.get("verdict") == name) for name in _VERDICT_NAMES}
    lines = [report.title]
    where = [f"chain {report.chain_id}"] if report.chain_id is not None else []
    if report.block_range is not None:
        where.append("blocks {}-{}".format(*report.block_range))
    law = plain(report.law) if report.law is not None else None
    if isinstance(law, dict) and law.get("label"):
        where.append(f"{law['label']}")
    if where:
        lines.append(", ".join(where))
    lines.append(", ".join(f"{n:,} {_VERDICT_NAMES[name]}" for name, n in tally.items()))
    lines.append("")
    lines.extend(_batch_line(row) for row in rows)
    for rule_id in report.rule_order(pack):
        found = report.findings_of(rule_id)
        if not found:
            continue
        rule = pack.rule(rule_id) if rule_id in pack.ids else None
        lines += ["", f"{rule_id}: {rule.title}" if rule else rule_id]
        lines += [f"  - {f.tx_hash + ': ' if f.tx_hash else ''}{f.message}" for f in found]
        if rule is not None:
            label = " / ".join(_label(tag) for tag in rule.confidence)
            lines += [f"  legal basis: {rule.basis}", f"  confidence: {label}"]
    return "\n".join(lines) + "\n"


_VERDICT_NAMES = {
    "compliant": "compliant",
    "violation": "with violations",
    "refused": "refused",
    "error": "not checked",
}


def _batch_line(row: dict[str, Any]) -> str:
    """``0x..  block 12  transfer  VIOLATION  P2P-SALE`` (``ERROR: why`` for one not checked)."""
    call: dict[str, Any] = row["call"] if isinstance(row.get("call"), dict) else {}
    tx = str(row.get("tx_hash") or call.get("address") or "")
    if row.get("verdict") == "error":
        return f"{tx}  ERROR: {row.get('error')}"
    block = f"  block {row['block']}" if row.get("block") is not None else ""
    function = f"  {call['function']}" if call.get("function") else ""
    verdict = str(row.get("verdict", "")).upper()
    if row.get("verdict") == "refused" and row.get("refusal"):
        verdict += f" ({row['refusal']})"
    rules = ", ".join(str(r) for r in row.get("rule_ids") or ())
    return f"{tx}{block}{function}  {verdict}" + (f"  {rules}" if rules else "")


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
