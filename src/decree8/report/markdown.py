"""Markdown evidence report: written to be read by a lawyer or a compliance officer.

Layout: what was checked, the legal facts the contract states, a summary, then one section per rule
(in rule-pack order) with its legal basis, how sure we are of it, the findings and what was found
clean; an appendix of the acts cited and a closing note on method and limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from decree8.report.interface import Formatter
from decree8.report.words import SOURCE_WORDS, TAG_MEANING
from decree8.result import SOURCES, Finding, Report, iso_utc, plain
from decree8.rules import Rule, RulePack, confidence_label, load_pack

__all__ = ["MarkdownFormatter"]


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def _confidence_text(confidence: Sequence[str], label: str) -> str:
    text = f"**Confidence:** {label}."
    if "unverified" in confidence:
        text += " UNVERIFIED: no source confirms this; it is not presented as law."
    elif "policy" in confidence:
        text += (
            " This is a safeguard decree8 adds on purpose, not a legal requirement; a finding under"
            " it is not in itself a breach of law."
        )
    elif "news" in confidence:
        text += " Part of this basis rests on news reports only."
    return text


def _finding_row(index: int, finding: Finding) -> list[object]:
    where = ", ".join(
        part for part in (_code(finding.contract or ""), _code(finding.function or "")) if part
    )
    return [
        index,
        "" if finding.block is None else finding.block,
        finding.time or "",
        _code(finding.tx_hash or ""),
        "; ".join(f"{role} {_code(address)}" for role, address in finding.parties),
        where,
        finding.message,
    ]


def _verdicts(report: Report) -> list[str]:
    """A check report's verdicts: one row per checked transaction or call."""
    rows = []
    for item in report.verdicts:
        data = plain(item)
        call = data["call"] if isinstance(data.get("call"), dict) else {}
        where = f"{call.get('template', '')} {_code(call['address'])}" if call else ""
        if call.get("function"):
            where += f" {_code(call['function'])}"
        reason = ", ".join(data.get("rule_ids") or ()) or data.get("refusal") or ""
        rows.append(
            (
                _code(data["tx_hash"]) if data.get("tx_hash") else "",
                "" if data.get("block") is None else data["block"],
                iso_utc(data["timestamp"]) if data.get("timestamp") is not None else "",
                where.strip(),
                str(data.get("verdict", "")).upper(),
                reason or data.get("error") or "",
            )
        )
    heads = ("Transaction", "Block", "Time (UTC)", "Contract / function", "Verdict")
    return ["## Verdicts", "", *_table((*heads, "Rules / reason"), rows), ""]


class MarkdownFormatter(Formatter):
    def __init__(self, pack: RulePack | None = None) -> None:
        self._pack = pack

    def format(self, report: Report) -> str:
        pack = self._pack or load_pack()
        shown = report.rule_order(pack)
        out: list[str] = [f"# {report.title}", ""]
        out += self._header(report)
        out += self._facts(report)
        out += self._summary(report, pack, shown)
        if report.kind == "check" and report.verdicts:
            out += _verdicts(report)
        for rule_id in shown:
            out += self._rule_section(report, pack, rule_id)
        not_covered = [rule_id for rule_id in pack.ids if rule_id not in shown]
        if not_covered:
            out += [
                "## Rules not covered by this report",
                "",
                "Nothing was recorded as checked or found for these rules, so this report says "
                "nothing about them: " + ", ".join(not_covered) + ".",
                "",
            ]
        out += self._appendix(pack, shown)
        out += self._method(report, pack)
        return "\n".join(out).rstrip() + "\n"

    # -- sections ------------------------------------------------------------------------------

    @staticmethod
    def _header(report: Report) -> list[str]:
        rows: list[tuple[str, str]] = [
            ("Subject", ", ".join(_code(s) for s in report.subject) or "not stated"),
            ("Chain ID", "not stated" if report.chain_id is None else str(report.chain_id)),
        ]
        if report.block_range is not None:
            rows.append(("Blocks", f"{report.block_range[0]} to {report.block_range[1]}"))
        if report.transactions is not None:
            rows.append(("Transactions screened", f"{report.transactions:,}"))
        rows.append(("Generated (UTC)", report.generated_at))
        rows.append(("Tool", f"decree8 {report.tool_version}"))
        return [*_table(("Item", "Value"), rows), ""]

    @staticmethod
    def _facts(report: Report) -> list[str]:
        out = ["## Legal facts stated by the contract", ""]
        if report.facts:
            out += _table(("Fact", "Value"), report.facts)
        else:
            out.append("No legal facts were read from the contract for this report.")
        return [*out, ""]

    @staticmethod
    def _summary(report: Report, pack: RulePack, shown: Sequence[str]) -> list[str]:
        out = ["## Summary", "", f"**{report.summary_line().capitalize()}.**", ""]
        sev = report.by_severity()
        out.append(
            f"Errors: {sev['error']}. Warnings: {sev['warning']}. Notes: {sev['note']}. "
            f"Checks found clean: {sum(1 for c in report.checks if c.passed)}."
        )
        out.append("")
        if shown:
            rows = []
            for rule_id in shown:
                label = confidence_label(pack.rule(rule_id)) if rule_id in pack else "not in pack"
                title = pack.rule(rule_id).title if rule_id in pack else ""
                rows.append((rule_id, title, len(report.findings_of(rule_id)), label))
            out += _table(("Rule", "Title", "Findings", "Confidence"), rows)
            out.append("")
        return out

    @staticmethod
    def _rule_section(report: Report, pack: RulePack, rule_id: str) -> list[str]:
        findings = report.findings_of(rule_id)
        rule: Rule | None = pack.rule(rule_id) if rule_id in pack else None
        if rule is not None:
            out = [f"## {rule.id} — {rule.title}", ""]
            out += [f"**What the rule requires:** {rule.summary}", ""]
            out += [f"**Legal basis:** {rule.basis}", ""]
            out += [_confidence_text(rule.confidence, confidence_label(rule)), ""]
        else:
            out = [f"## {rule_id} — not a rule of the decree8 pack", ""]
            if findings:
                first = findings[0]
                out += [f"**Legal basis:** {first.basis}", ""]
                out += [_confidence_text(first.confidence, first.confidence_label), ""]
        out += ["### Findings", ""]
        if findings:
            out += _table(
                (
                    "#",
                    "Block",
                    "Time (UTC)",
                    "Transaction",
                    "Parties",
                    "Contract / call",
                    "Finding",
                ),
                (_finding_row(i, f) for i, f in enumerate(findings, start=1)),
            )
        else:
            out.append("No findings.")
        out += ["", "### What was checked and found clean", ""]
        checks = report.checks_of(rule_id)
        clean = [c for c in checks if c.passed]
        if clean:
            out += [f"- {c.description} ({c.scope}; {c.count:,} checked)" for c in clean]
        else:
            out.append("No check of this rule was recorded as clean.")
        failed = [c for c in checks if not c.passed]
        if failed:
            out += ["", "Checked, not clean (see the findings above):", ""]
            out += [f"- {c.description} ({c.scope}; {c.count:,} checked)" for c in failed]
        return [*out, ""]

    @staticmethod
    def _appendix(pack: RulePack, shown: Sequence[str]) -> list[str]:
        known = [rule_id for rule_id in shown if rule_id in pack]
        acts = pack.acts_cited(known) if known else pack.acts
        title = "## Appendix: acts cited" if known else "## Appendix: acts the rule pack relies on"
        out = [title, ""]
        for act in acts:
            date = f" ({act.date})" if act.date else ""
            out.append(f"- **{act.name}**{date}: {act.matters}")
        return [*out, ""]

    @staticmethod
    def _method(report: Report, pack: RulePack) -> list[str]:
        sources = [s for s in SOURCES if any(f.source == s for f in report.findings)]
        out = ["## Method and limits", ""]
        if sources:
            out.append("Findings come from " + "; ".join(SOURCE_WORDS[s] for s in sources) + ".")
            out.append("")
        out.append(
            "decree8 reads what the chain records: contract state, events and transactions at the "
            "blocks named. It can show that an operator attested a party and when; it cannot check "
            "the off-chain identification record behind an attestation's hash, or facts that were "
            "never put on chain."
        )
        out.append("")
        out.append("Each rule carries a confidence tag for its legal basis:")
        out.append("")
        out += [f"- {confidence_label(tag)}: {meaning}." for tag, meaning in TAG_MEANING.items()]
        out.append("")
        for note in pack.notes:
            out.append(f"**{confidence_label(note)}: {note.title}.** {note.text}")
            out.append("")
        return out
