"""The text a person reads after ``decree8 verify``: the verdict line first, then the legal facts,
the immutables, the constructor arguments, the findings and the notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decree8.verify.result import VerifyResult

__all__ = ["verify_text"]


def _mark(ok: bool | None) -> str:
    return {True: "ok", False: "DIFFERS", None: "-"}[ok]


def _aligned(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        (
            indent + "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]])
        ).rstrip()
        for row in rows
    ]


def verify_text(result: VerifyResult) -> str:
    """The result as plain text (no colour), ending with a newline."""
    out = [result.verdict_line()]
    out.append(
        f"  {result.contract} on chain {result.chain_id}; code {result.code_match}"
        + (f", first difference at {result.first_difference}" if result.first_difference else "")
    )
    if result.creation_match is not None:
        out.append(
            f"  creation code (from {result.tx_hash}) {result.creation_match}"
            + (
                f", first difference at {result.creation_difference}"
                if result.creation_difference
                else ""
            )
        )
    out.append(f"  metadata expected: {result.expected_metadata}")
    out.append(f"  metadata found:    {result.found_metadata}")
    if result.facts:
        out += ["", "Legal facts stated by the contract:"]
        out += _aligned([(label, value) for label, value in result.facts])
    if result.immutables:
        out += ["", "Immutables (masked for the code comparison, then checked):"]
        rows = [("NAME", "FOUND", "EXPECTED", "")]
        rows += [
            (i.name, i.found, i.expected if i.expected is not None else "(not given)", _mark(i.ok))
            for i in result.immutables
        ]
        out += _aligned(rows)
    if result.constructor_args:
        where = f" (from {result.tx_hash})" if result.tx_hash else ""
        out += ["", f"Constructor arguments{where}:"]
        rows = [("NAME", "FOUND", "EXPECTED", "")]
        rows += [
            (
                a.name,
                a.found if a.found is not None else "(not decoded)",
                a.expected if a.expected is not None else "(not given)",
                _mark(a.ok),
            )
            for a in result.constructor_args
        ]
        out += _aligned(rows)
    if result.findings:
        out += ["", "Findings:"]
        out += [f"  {f.rule_id} ({f.severity}): {f.message}" for f in result.findings]
    if result.notes:
        out += [""]
        out += [f"Note: {note}" for note in result.notes]
    return "\n".join(out) + "\n"
