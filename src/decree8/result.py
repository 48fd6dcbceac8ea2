"""The one result model: a :class:`Report` of :class:`~decree8.rules.finding.Finding`s and
:class:`Check`s, with what was checked (subject, chain, block range, tool version, the law in force)
and, per kind of subject, the verdict of each checked transaction, the steps of a scenario or the
comparison of deployed code. check, verify, audit, scenario and watch build it; the formatters of
:mod:`decree8.report` render it (text, JSON, Markdown, SARIF, HTML).

```python
from decree8.result import Report
from decree8.rules.finding import Finding
finding = Finding.for_rule("HOLDER-IDENTIFIED", "receiver has no attestation", source="mined")
report = Report(title="Audit", kind="audit", findings=(finding,))
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from decree8.errors import UsageError
from decree8.rules.finding import SOURCES, Finding, iso_utc, jsonable, pairs
from decree8.rules.pack import SEVERITIES, RulePack
from decree8.rules.project import load_pack

__all__ = ["KINDS", "SOURCES", "Check", "Finding", "Report", "iso_utc", "jsonable", "plain"]

#: What a report is about, i.e. which command made it: ``check`` (calls or transactions, one
#: verdict each), ``verify`` (deployed code against a template build), ``audit`` (a block range),
#: ``scenario`` (``run``/``demo``: steps), ``watch`` (a live follower's findings) or ``report``
#: (anything else, e.g. one built by hand).
KINDS: tuple[str, ...] = ("check", "verify", "audit", "scenario", "watch", "report")


def plain(value: Any) -> Any:
    """``value`` as JSON data: its ``to_dict()`` when it has one, else :func:`jsonable`."""
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else jsonable(value)


@dataclass(frozen=True)
class Check:
    """Something that was checked and found clean, e.g. ``1,204 transfers screened against the
    illicit-address register``. ``passed`` is False when the check found something (its findings
    are listed separately)."""

    rule_id: str
    description: str
    scope: str
    count: int
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "description": self.description,
            "scope": self.scope,
            "count": self.count,
            "passed": self.passed,
        }


def _tool_version() -> str:
    try:
        import decree8

        version = getattr(decree8, "__version__", None)
        if isinstance(version, str):
            return version
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        try:
            return dist_version("decree8")
        except PackageNotFoundError:
            return "unknown"
    except ImportError:  # pragma: no cover - decree8 is always importable from here
        return "unknown"


def _now() -> str:
    return iso_utc(datetime.now(UTC))


@dataclass(frozen=True, kw_only=True)
class Report:
    """What was checked, what was found, and the legal facts the contract states about itself.

    ``subject`` names what was checked (contract addresses, a manifest path). ``block_range`` is
    ``(from, to)`` inclusive. ``transactions`` is how many transactions were screened, when known.
    ``facts`` are ``(label, value)`` pairs such as ``("HTP registration reference", "0x..")``.
    """

    title: str
    subject: tuple[str, ...] = ()
    chain_id: int | None = None
    block_range: tuple[int, int] | None = None
    generated_at: str = field(default_factory=_now)
    tool_version: str = field(default_factory=_tool_version)
    findings: tuple[Finding, ...] = ()
    checks: tuple[Check, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    transactions: int | None = None
    #: Timeline and holders of an audit (:class:`decree8.audit.timeline.History`), if recorded.
    history: Any = field(default=None, compare=False)
    #: :class:`decree8.report.sign.Signature` of a signed report (covers everything else).
    signature: Any = field(default=None, compare=False)
    #: Which command made it (one of :data:`KINDS`).
    kind: str = "report"
    #: The outcome the exit code follows; ``None``: no findings means ok.
    ok: bool | None = None
    #: The version of the law applied (:class:`decree8.rules.pack.LawVersion` or its JSON data).
    law: Any = None
    #: ``check``: one :class:`decree8.check.Verdict` per checked call or transaction (or its data).
    verdicts: tuple[Any, ...] = field(default=(), compare=False)
    #: ``scenario``: one :class:`decree8.scenario.StepResult` per step (or its data).
    steps: tuple[Any, ...] = field(default=(), compare=False)
    #: The command's own result for its format sections: a :class:`decree8.verify.VerifyResult`
    #: or :class:`decree8.scenario.ScenarioResult` (or, read back from JSON, its data).
    detail: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"report kind {self.kind!r} is not one of {', '.join(KINDS)}")
        object.__setattr__(self, "verdicts", tuple(self.verdicts))
        object.__setattr__(self, "steps", tuple(self.steps))
        subject = (self.subject,) if isinstance(self.subject, str) else tuple(self.subject)
        object.__setattr__(self, "subject", subject)
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "checks", tuple(self.checks))
        facts = pairs(self.facts, "report facts")
        labels = [label for label, _ in facts]
        doubled = sorted({label for label in labels if labels.count(label) > 1})
        if doubled:
            raise UsageError(f"report facts name {', '.join(doubled)} more than once")
        object.__setattr__(self, "facts", tuple((k, str(jsonable(v))) for k, v in facts))
        if self.block_range is not None:
            start, end = self.block_range
            if start > end:
                raise UsageError(f"block range {start}-{end} ends before it starts")
            object.__setattr__(self, "block_range", (start, end))

    @property
    def passed(self) -> bool:
        """True when the command succeeded (exit 0): ``ok`` if set, else no findings."""
        return (not self.findings) if self.ok is None else self.ok

    # -- summaries shared by every format --------------------------------------------------------

    def rule_order(self, pack: RulePack | None = None) -> tuple[str, ...]:
        """IDs of the rules this report mentions (findings or checks), in pack order; IDs the pack
        does not know come last, sorted."""
        pack = pack or load_pack()
        mentioned = {f.rule_id for f in self.findings} | {c.rule_id for c in self.checks}
        known = [rule_id for rule_id in pack.ids if rule_id in mentioned]
        return tuple(known + sorted(mentioned - set(known)))

    def findings_of(self, rule_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.rule_id == rule_id)

    def checks_of(self, rule_id: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.rule_id == rule_id)

    def by_rule(self, pack: RulePack | None = None) -> dict[str, int]:
        """Number of findings per rule that has any, in pack order."""
        counts = {rule_id: len(self.findings_of(rule_id)) for rule_id in self.rule_order(pack)}
        return {rule_id: n for rule_id, n in counts.items() if n}

    def by_severity(self) -> dict[str, int]:
        """Number of findings per severity; every severity is present."""
        return {sev: sum(1 for f in self.findings if f.severity == sev) for sev in SEVERITIES}

    def summary_line(self) -> str:
        """``3 findings (2 rules) in 1,204 transactions`` (or ``no findings ...``)."""
        count = len(self.findings)
        if count == 0:
            text = "no findings"
        else:
            rules = len({f.rule_id for f in self.findings})
            text = (
                f"{count:,} finding{'s' if count != 1 else ''} "
                f"({rules} rule{'s' if rules != 1 else ''})"
            )
        if self.transactions is not None:
            text += f" in {self.transactions:,} transaction{'s' if self.transactions != 1 else ''}"
        return text
