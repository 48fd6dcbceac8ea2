"""The text of a ``scenario`` report (``decree8 run`` and ``demo``): a line or two per step, then
the summary (planted violations detected, refusals labelled, rules caught, PASS or FAIL).
``run`` prints :func:`step_line` as each step runs, then :func:`summary_text`."""

from __future__ import annotations

from typing import Any

import click

from decree8.result import Report
from decree8.scenario import ScenarioResult, StepResult

__all__ = ["scenario_text", "step_line", "summary_text"]


def _styler(color: bool) -> Any:
    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    return style


def step_line(s: StepResult, color: bool = False) -> str:
    """A step: its number, who did what, the verdict and how it compares with the expectation."""
    style = _styler(color)
    if s.expected is None:
        mark = "  "
    elif s.met:
        mark = style("✓ ", fg="green")
    else:
        mark = style("✗ ", fg="red", bold=True)
    colour = {"ok": "green", "refused": "cyan"}.get(s.verdict, "yellow")
    verdict = style(s.verdict.upper(), fg=colour)
    rules = f" [{', '.join(s.rules)}]" if s.rules else ""
    who = f"{s.actor}: " if s.actor else ""
    planted = " (planted)" if s.planted else ""
    lines = [f"{mark}{s.index:>3}. {who}{s.call}"]
    lines.append(
        f"        {verdict}{rules}{planted} via {s.stage}" + (f", tx {s.tx[:18]}…" if s.tx else "")
    )
    if s.note:
        lines.append(f"        {s.note}")
    if s.verdict != "ok" or not s.met:
        lines.append(f"        {s.detail}")
    if not s.met:
        want = f"{s.expected}" + (f" {list(s.expected_rules)}" if s.expected_rules else "")
        lines.append(style(f"        expected {want}", fg="red"))
    return "\n".join(lines)


def summary_text(result: ScenarioResult, color: bool = False) -> str:
    """The counts, the rules caught of those required, and PASS or FAIL (starts with a blank
    line, no trailing newline)."""
    style = _styler(color)
    s = result.summary
    caught = result.rules_caught()
    rule_ids = list(result.rules_required)
    lines = [
        "",
        f"planted violations: {s['planted']}, detected: {s['detected']}, missed: {s['missed']}, "
        f"false positives: {s['false_positives']}",
    ]
    if s["refusals"]:
        lines.append(
            f"expected refusals (reverted, no rule in force): {s['refusals']}, "
            f"labelled REFUSED: {s['refusals_labelled']}"
        )
    if rule_ids:
        missing = result.rules_missed()
        lines.append(
            f"rules caught: {len(caught & set(rule_ids))} of {len(rule_ids)}"
            + (f" (not exercised: {', '.join(missing)})" if missing else " (every rule)")
        )
    verdict = "PASS" if result.ok else "FAIL"
    lines.append(
        style(verdict, fg="green" if result.ok else "red", bold=True)
        + (": every expectation met" if result.ok else ": some expectations failed")
    )
    return "\n".join(lines)


def scenario_text(report: Report, color: bool = False) -> str | None:
    """The whole run: title, steps and summary (``None`` for a report read back from JSON)."""
    result = report.detail
    if not isinstance(result, ScenarioResult):
        return None
    lines = [result.title, ""]
    lines += [step_line(step, color) for step in result.steps]
    lines.append(summary_text(result, color))
    return "\n".join(lines) + "\n"
