"""The one result type of every check: :class:`Finding`, grouped with :class:`Check`s into a
:class:`Report` that the formatters render.

A finding copies the legal basis, confidence and severity of its rule from the rule pack
(:meth:`Finding.for_rule`), so a report never has to look a rule up to cite it correctly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from decree8.errors import UsageError
from decree8.rules import SEVERITIES, RulePack, confidence_label, load_pack

__all__ = ["SOURCES", "Check", "Finding", "Report", "iso_utc", "jsonable"]

#: Where a finding comes from: a check before sending, a mined transaction, an audit of a
#: deployment's history, or a comparison of deployed code with a template build.
SOURCES: tuple[str, ...] = ("preflight", "mined", "audit", "verify")


def iso_utc(when: int | float | datetime) -> str:
    """``2025-09-04T12:00:00Z`` for a unix time or an aware datetime."""
    if isinstance(when, datetime):
        moment = when.astimezone(UTC)
    else:
        moment = datetime.fromtimestamp(when, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: bytes as ``0x`` hex, tuples as lists, mappings as objects."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def _pairs(
    value: Mapping[str, Any] | Iterable[tuple[str, Any]] | None, what: str
) -> tuple[tuple[str, Any], ...]:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    pairs = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2 or not isinstance(item[0], str):
            raise UsageError(f"{what} must be (name, value) pairs, got {item!r}")
        pairs.append((item[0], _freeze(item[1])))
    return tuple(pairs)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


@dataclass(frozen=True)
class Finding:
    """One rule found broken (or a transaction that would break it), with the evidence.

    ``parties`` are ``(role, address)`` pairs such as ``("from", "0x..")``; ``details`` are
    ``(name, value)`` pairs (a mapping is accepted and kept in its order). ``timestamp`` is the
    block's unix time. Build one with :meth:`for_rule` so basis and confidence come from the pack.
    """

    rule_id: str
    message: str
    severity: str
    basis: str
    confidence: tuple[str, ...]
    _: KW_ONLY
    source: str
    code: int | None = None
    contract: str | None = None
    tx_hash: str | None = None
    block: int | None = None
    timestamp: int | None = None
    parties: tuple[tuple[str, str], ...] = ()
    function: str | None = None
    details: tuple[tuple[str, Any], ...] = field(default=(), hash=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise UsageError(
                f"finding severity {self.severity!r} is not one of {', '.join(SEVERITIES)}"
            )
        if self.source not in SOURCES:
            raise UsageError(f"finding source {self.source!r} is not one of {', '.join(SOURCES)}")
        if isinstance(self.confidence, str):
            object.__setattr__(self, "confidence", (self.confidence,))
        else:
            object.__setattr__(self, "confidence", tuple(self.confidence))
        parties = _pairs(self.parties, "finding parties")
        object.__setattr__(self, "parties", tuple((r, str(a)) for r, a in parties))
        object.__setattr__(self, "details", _pairs(self.details, "finding details"))

    @classmethod
    def for_rule(
        cls, rule_id: str, message: str, *, pack: RulePack | None = None, **context: Any
    ) -> Finding:
        """A finding of ``rule_id`` with severity, basis, confidence and code copied from the pack.

        ``context`` sets the other fields (``source``, ``tx_hash``, ``parties`` ...); ``code``
        defaults to the rule's restriction code and ``severity`` to the rule's severity.
        """
        rule = (pack or load_pack()).rule(rule_id)
        names = {f.name for f in dataclasses.fields(cls)} - {"_", "rule_id", "message"}
        unknown = sorted(set(context) - names)
        if unknown:
            raise UsageError(
                f"unknown finding field(s) {', '.join(unknown)}; valid: {', '.join(sorted(names))}"
            )
        context.setdefault("code", rule.code)
        context.setdefault("severity", rule.severity)
        context.setdefault("basis", rule.basis)
        context.setdefault("confidence", rule.confidence)
        return cls(rule_id=rule.id, message=message, **context)

    @property
    def confidence_label(self) -> str:
        """What a report prints for this finding's confidence (``"UNVERIFIED"`` etc.)."""
        return confidence_label(self.confidence)

    @property
    def time(self) -> str | None:
        """The block time in ISO 8601 UTC, if known."""
        return None if self.timestamp is None else iso_utc(self.timestamp)

    @property
    def details_dict(self) -> dict[str, Any]:
        return dict(self.details)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, keys in a fixed order."""
        return {
            "rule_id": self.rule_id,
            "message": self.message,
            "severity": self.severity,
            "basis": self.basis,
            "confidence": list(self.confidence),
            "code": self.code,
            "contract": self.contract,
            "tx_hash": self.tx_hash,
            "block": self.block,
            "timestamp": self.timestamp,
            "parties": [{"role": role, "address": address} for role, address in self.parties],
            "function": self.function,
            "source": self.source,
            "details": {name: jsonable(value) for name, value in self.details},
        }


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
    #: Timeline and holders of an audit (:class:`decree8.report.history.History`), if recorded.
    history: Any = field(default=None, compare=False)
    #: :class:`decree8.report.sign.Signature` of a signed report (covers everything else).
    signature: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        subject = (self.subject,) if isinstance(self.subject, str) else tuple(self.subject)
        object.__setattr__(self, "subject", subject)
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "checks", tuple(self.checks))
        facts = _pairs(self.facts, "report facts")
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
