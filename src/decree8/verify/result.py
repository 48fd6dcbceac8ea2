"""What ``verify`` found: the comparison of the code, each immutable and constructor argument
checked, the legal facts, and the findings (:class:`VerifyResult`, its verdict line and report)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from decree8.compile.bytecode import (
    Difference,
    MatchKind,
)
from decree8.result import Check, Finding, Report
from decree8.templates import Template

if TYPE_CHECKING:
    pass

__all__ = ["ImmutableCheck", "ArgCheck", "VerifyResult"]


_STATUS_WORDS = {"exact": "EXACT MATCH", "functional": "FUNCTIONAL MATCH", "mismatch": "MISMATCH"}


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImmutableCheck:
    """One immutable: its name (``cap``; ``immutable <id>`` when it cannot be named), the template
    parameter that sets it, the expected and found values as text, and whether they agree
    (``None`` when nothing was expected)."""

    name: str
    ast_id: str
    param: str | None
    expected: str | None
    found: str
    ok: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ast_id": self.ast_id,
            "param": self.param,
            "expected": self.expected,
            "found": self.found,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class ArgCheck:
    """One constructor argument: expected (``None`` when not given) and found in the creation
    transaction (``None`` when it did not decode)."""

    name: str
    expected: str | None
    found: str | None
    ok: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "expected": self.expected, "found": self.found, "ok": self.ok}


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` found. ``status`` is the verdict (code, immutables and constructor
    arguments together); ``code_match`` the verdict of the code alone."""

    status: MatchKind
    code_match: MatchKind
    template: str
    template_version: str
    contract: str
    address: str
    chain_id: int
    first_difference: Difference | None
    immutables: tuple[ImmutableCheck, ...]
    constructor_args: tuple[ArgCheck, ...]
    facts: tuple[tuple[str, str], ...]
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    expected_metadata: str = ""
    found_metadata: str = ""
    build_input_hash: str = ""
    recorded_input_hash: str | None = None
    tx_hash: str | None = None
    code_size: int = 0
    creation_match: MatchKind | None = None  # None when the creation transaction is unknown
    creation_difference: Difference | None = None

    @property
    def ok(self) -> bool:
        """An exact or functional match with the expected parameters and no findings."""
        return self.status != "mismatch" and not self.findings

    @property
    def mismatched(self) -> tuple[str, ...]:
        """Names of the immutables and constructor arguments that differ from the expected ones."""
        names = [i.name for i in self.immutables if i.ok is False]
        names += [a.name for a in self.constructor_args if a.ok is False and a.name not in names]
        return tuple(names)

    def verdict_line(self) -> str:
        """``EXACT MATCH: compliant-token v1 at 0x…`` (with the reason of a mismatch)."""
        line = (
            f"{_STATUS_WORDS[self.status]}: {self.template} v{self.template_version} "
            f"at {self.address}"
        )
        reasons = []
        if self.first_difference is not None:
            reasons.append(f"code differs at byte {self.first_difference.offset}")
        if self.creation_difference is not None:
            reasons.append(f"creation code differs at byte {self.creation_difference.offset}")
        wrong_imm = [i.name for i in self.immutables if i.ok is False]
        if wrong_imm:
            reasons.append(f"immutables differ: {', '.join(wrong_imm)}")
        wrong_args = [a.name for a in self.constructor_args if a.ok is False]
        if wrong_args:
            reasons.append(f"constructor arguments differ: {', '.join(wrong_args)}")
        if reasons:
            line += f" ({'; '.join(reasons)})"
        if self.findings:
            count = len(self.findings)
            line += f", {count} finding{'s' if count != 1 else ''}"
        if self.creation_match is None and self.status != "mismatch":
            line += "; creation code not compared (the constructor is unproven)"
        return line

    def report_facts(self) -> tuple[tuple[str, str], ...]:
        """The verdict, the comparison and the legal facts as ``(label, text)`` pairs."""
        facts: list[tuple[str, str]] = [
            ("Verdict", self.verdict_line()),
            ("Code", self.code_match),
        ]
        if self.first_difference is not None:
            facts.append(("First difference", str(self.first_difference)))
        if self.creation_match is not None:
            facts.append(("Creation code", self.creation_match))
        if self.creation_difference is not None:
            facts.append(("First difference in the creation code", str(self.creation_difference)))
        facts.append(("Metadata expected", self.expected_metadata))
        facts.append(("Metadata found", self.found_metadata))
        facts += list(self.facts)
        for imm in self.immutables:
            facts.append((f"Immutable {imm.name}", _compared(imm.expected, imm.found, imm.ok)))
        for arg in self.constructor_args:
            facts.append(
                (f"Constructor argument {arg.name}", _compared(arg.expected, arg.found, arg.ok))
            )
        facts += [(f"Note {i}", note) for i, note in enumerate(self.notes, 1)]
        return tuple(facts)

    def to_report(self) -> Report:
        """The result as a :class:`Report` for the text, JSON, Markdown and SARIF formats."""
        return Report(
            title=f"Verification of {self.template} v{self.template_version} at {self.address}",
            subject=(self.address,),
            chain_id=self.chain_id,
            findings=self.findings,
            checks=self.checks,
            facts=self.report_facts(),
            kind="verify",
            ok=self.ok,
            detail=self,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "ok": self.ok,
            "code_match": self.code_match,
            "template": self.template,
            "template_version": self.template_version,
            "contract": self.contract,
            "address": self.address,
            "chain_id": self.chain_id,
            "first_difference": (
                self.first_difference.to_dict() if self.first_difference is not None else None
            ),
            "creation_match": self.creation_match,
            "creation_difference": (
                self.creation_difference.to_dict() if self.creation_difference is not None else None
            ),
            "immutables": [i.to_dict() for i in self.immutables],
            "constructor_args": [a.to_dict() for a in self.constructor_args],
            "facts": dict(self.facts),
            "findings": [f.to_dict() for f in self.findings],
            "checks": [c.to_dict() for c in self.checks],
            "notes": list(self.notes),
            "expected_metadata": self.expected_metadata,
            "found_metadata": self.found_metadata,
            "build_input_hash": self.build_input_hash,
            "recorded_input_hash": self.recorded_input_hash,
            "tx_hash": self.tx_hash,
        }


def _compared(expected: str | None, found: str | None, ok: bool | None) -> str:
    shown_found = found if found is not None else "(not decoded)"
    if ok is None:
        return f"{shown_found} (nothing expected)"
    if ok:
        return f"{shown_found} (as expected)"
    return f"{shown_found}, expected {expected}"


def _finding(
    rule_id: str, message: str, template: Template, address: str, **details: Any
) -> Finding:
    return Finding.for_rule(
        rule_id,
        message,
        source="verify",
        contract=template.contract,
        parties=(("contract", address),),
        details=details,
    )
