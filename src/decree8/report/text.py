"""Text report for a terminal: a summary line first, then a table of findings.

Reports of a check, a verification or a scenario run have their own section (the verdict, the
code comparison, the steps: :mod:`decree8.report.text_check`, :mod:`~decree8.report.text_verify`,
:mod:`~decree8.report.text_scenario`); read back from JSON, they get the generic text.

On a terminal the table is drawn with ``rich``; otherwise (a pipe, a file, a CI log) it is plain
aligned text with no ANSI escape codes.
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Sequence
from typing import NamedTuple

from decree8.report.interface import Formatter
from decree8.result import Finding, Report
from decree8.rules import RulePack, confidence_label, load_pack

__all__ = ["TextFormatter"]

_HEADERS = ("RULE", "SEVERITY", "BLOCK", "TIME (UTC)", "TX", "MESSAGE")


def _parties(finding: Finding) -> str:
    return ", ".join(f"{role} {address}" for role, address in finding.parties)


def _message(finding: Finding) -> str:
    extra = [part for part in (finding.function, _parties(finding)) if part]
    return finding.message + (f" [{'; '.join(extra)}]" if extra else "")


def _row(finding: Finding) -> tuple[str, ...]:
    return (
        finding.rule_id,
        finding.severity,
        "" if finding.block is None else str(finding.block),
        finding.time or "",
        finding.tx_hash or "",
        _message(finding),
    )


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; the last column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


class _Parts(NamedTuple):
    """What the generic text shows, in either style: the three head lines, the titled sections of
    (key, value) pairs, and the notes."""

    head: list[str]
    sections: tuple[tuple[str, list[tuple[str, str]]], ...]
    notes: list[str]


def _kind_text(report: Report, pack: RulePack, color: bool) -> str | None:
    """The section of a report's kind of subject, if it has one."""
    if report.kind == "check":
        from decree8.report.text_check import check_text

        return check_text(report, pack)
    if report.kind == "verify":
        from decree8.report.text_verify import verify_report_text

        return verify_report_text(report)
    if report.kind == "scenario":
        from decree8.report.text_scenario import scenario_text

        return scenario_text(report, color)
    return None


class TextFormatter(Formatter):
    """``color=None`` decides by whether stdout is a terminal; ``True``/``False`` force it."""

    def __init__(
        self, color: bool | None = None, width: int | None = None, pack: RulePack | None = None
    ) -> None:
        self._color = color
        self._width = width
        self._pack = pack

    @property
    def color(self) -> bool:
        if self._color is not None:
            return self._color
        isatty = getattr(sys.stdout, "isatty", None)
        return bool(isatty and isatty())

    def format(self, report: Report) -> str:
        pack = self._pack or load_pack()
        own = _kind_text(report, pack, self.color)
        if own is not None:
            return own
        head = self._head(report)
        rules = self._rule_lines(report, pack)
        checks = [
            (c.rule_id, f"{c.description} ({c.scope}, {c.count:,})")
            for c in report.checks
            if c.passed
        ]
        facts = list(report.facts)
        notes = [
            f"{note.title}: {confidence_label(note)}, not relied on."
            for note in pack.notes
            if note.kind == "presumption"
        ]
        parts = _Parts(
            head,
            (
                ("Rules with findings", rules),
                ("Checked and found clean", checks),
                ("Legal facts stated by the contract", facts),
            ),
            notes,
        )
        if self.color:
            return self._rich(report, parts)
        return self._plain(report, parts)

    # -- pieces --------------------------------------------------------------------------------

    @staticmethod
    def _head(report: Report) -> list[str]:
        where = []
        if report.subject:
            where.append(", ".join(report.subject))
        if report.chain_id is not None:
            where.append(f"chain {report.chain_id}")
        if report.block_range is not None:
            where.append(f"blocks {report.block_range[0]}-{report.block_range[1]}")
        where.append(f"generated {report.generated_at}")
        where.append(f"decree8 {report.tool_version}")
        return [report.summary_line(), report.title, " | ".join(where)]

    @staticmethod
    def _rule_lines(report: Report, pack: RulePack) -> list[tuple[str, str]]:
        lines = []
        for rule_id in report.by_rule(pack):
            if rule_id in pack:
                rule = pack.rule(rule_id)
                lines.append(
                    (
                        rule_id,
                        f"{rule.title}. Basis: {rule.basis}. Confidence: {confidence_label(rule)}.",
                    )
                )
            else:
                lines.append((rule_id, "not a rule of the decree8 pack"))
        return lines

    def _plain(self, report: Report, parts: _Parts) -> str:
        out = [*parts.head, ""]
        if report.findings:
            out += _aligned([_HEADERS, *(_row(f) for f in report.findings)])
            out.append("")
        for title, pairs in parts.sections:
            if pairs:
                out.append(f"{title}:")
                out += ["  " + line for line in _aligned(pairs)]
                out.append("")
        out += [f"Note: {note}" for note in parts.notes]
        return "\n".join(out).rstrip() + "\n"

    def _rich(self, report: Report, parts: _Parts) -> str:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        width = self._width or shutil.get_terminal_size((120, 24)).columns
        buffer = io.StringIO()
        console = Console(file=buffer, force_terminal=True, width=width, highlight=False)
        summary_style = "bold red" if report.findings else "bold green"
        console.print(Text(parts.head[0], style=summary_style))
        console.print(Text(parts.head[1], style="bold"))
        console.print(Text(parts.head[2], style="dim"))
        if report.findings:
            table = Table(show_edge=False, header_style="bold")
            for header in _HEADERS:
                table.add_column(header, overflow="fold", no_wrap=header in {"RULE", "SEVERITY"})
            styles = {"error": "red", "warning": "yellow", "note": "cyan"}
            for finding in report.findings:
                row = _row(finding)
                table.add_row(
                    Text(row[0]),
                    Text(row[1], style=styles.get(finding.severity, "")),
                    *(Text(cell) for cell in row[2:]),
                )
            console.print(table)
        for title, pairs in parts.sections:
            if pairs:
                console.print(Text(title, style="bold"))
                grid = Table.grid(padding=(0, 2))
                grid.add_column(no_wrap=True)
                grid.add_column(overflow="fold")
                for key, value in pairs:
                    grid.add_row(Text(key), Text(value))
                console.print(grid)
        for note in parts.notes:
            console.print(Text(f"Note: {note}", style="dim"))
        return buffer.getvalue()
