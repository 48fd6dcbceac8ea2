"""What a check takes and gives: :class:`CallRequest` in, :class:`Verdict` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from decree8.check.decode import DecodedEvent
from decree8.result import Report
from decree8.rules.finding import Finding, jsonable
from decree8.rules.pack import LawVersion

__all__ = [
    "VERDICTS",
    "CallRequest",
    "DecodedCall",
    "SimulationResult",
    "Verdict",
    "error_report",
]

#: The three verdicts: it happened (or would) and breaks no rule in force; it breaks rules (the
#: findings say which); it reverted (or would) for a reason that is no rule in force.
VERDICTS: tuple[str, ...] = ("compliant", "violation", "refused")


@dataclass(frozen=True)
class CallRequest:
    """An unsigned call: ``function`` with ``args`` (positional in ABI order or by parameter name;
    text is parsed by ABI type), or raw calldata ``data`` (then ``function`` and ``args`` are not
    given). ``value`` is the ETH sent, in wei."""

    to: str
    sender: str
    function: str | None = None
    args: Sequence[Any] | Mapping[str, Any] = ()
    value: int = 0
    data: bytes | None = None


@dataclass(frozen=True)
class SimulationResult:
    """How the call ran on chain (pre-flight: an ``eth_call``; mined: the receipt and, for a failed
    transaction, its replay). ``error`` is the decoded revert (``TransferRestricted(code=4, ...)``),
    ``code`` the ERC-1404 restriction code it carries, ``rule_id`` the rule the revert stands for
    (``None`` when it is not a rule, e.g. ``ERC20InsufficientBalance``, or when that rule was not
    in force at the block time: then ``rule_not_in_force`` names it). ``recovered_by`` says how a
    mined transaction's revert was recovered (see :data:`decree8.chain.replay.RECOVERED_BY`)."""

    success: bool
    error: str | None = None
    code: int | None = None
    rule_id: str | None = None
    data: bytes = b""
    name: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    rule_not_in_force: str | None = None
    recovered_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "error": self.error,
            "error_name": self.name,
            "error_args": {k: jsonable(v) for k, v in self.args.items()},
            "code": self.code,
            "rule_id": self.rule_id,
            "rule_not_in_force": self.rule_not_in_force,
            "recovered_by": self.recovered_by,
            "data": "0x" + bytes(self.data).hex(),
        }


@dataclass(frozen=True)
class DecodedCall:
    """A call decoded with its template's ABI: ``args`` by parameter name in ABI order."""

    template: str
    contract: str
    address: str
    function: str
    args: Mapping[str, Any]
    sender: str
    value: int
    signature: str = ""
    data: bytes = b""

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "contract": self.contract,
            "address": self.address,
            "function": self.function,
            "signature": self.signature,
            "args": {k: jsonable(v) for k, v in self.args.items()},
            "from": self.sender,
            "value": self.value,
            "data": "0x" + bytes(self.data).hex(),
        }


@dataclass(frozen=True)
class Verdict:
    """The checker's answer about one call or transaction: one of :data:`VERDICTS`.

    ``verdict`` is ``"violation"`` when a rule in force fails (``findings``), ``"refused"`` when
    the call reverts (or reverted) for a reason that is no rule in force (``simulation`` says
    why: ``ERC20InsufficientBalance``, a deadline not reached ...), else ``"compliant"``: it
    happened (or would) and breaks no rule. ``compliant`` is True for the last only. ``law`` is
    the version of the law applied: the rules in force at the block time of the call.
    """

    source: str  # "preflight" | "mined"
    compliant: bool
    findings: tuple[Finding, ...]
    simulation: SimulationResult
    decoded: DecodedCall
    tx_hash: str | None = None
    block: int | None = None
    timestamp: int | None = None
    events: tuple[DecodedEvent, ...] = ()
    law: LawVersion | None = None
    notes: tuple[str, ...] = ()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Sorted unique IDs of the rules found broken."""
        return tuple(sorted({f.rule_id for f in self.findings}))

    @property
    def verdict(self) -> str:
        """``"compliant"``, ``"violation"`` or ``"refused"`` (see the class docs)."""
        if self.findings:
            return "violation"
        if not self.simulation.success:
            return "refused"
        return "compliant"

    @property
    def refused(self) -> bool:
        return self.verdict == "refused"

    @property
    def refused_without_rule(self) -> bool:
        """True when the call fails (or failed) for a reason that is no rule."""
        return not self.simulation.success and self.simulation.rule_id is None

    @property
    def reason(self) -> str | None:
        """Why a refused call was refused (the decoded revert)."""
        return None if self.simulation.success else self.simulation.error

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "refusal": self.reason if self.verdict == "refused" else None,
            "law": None if self.law is None else self.law.to_dict(),
            "notes": list(self.notes),
            "compliant": self.compliant,
            "source": self.source,
            "rule_ids": list(self.rule_ids),
            "call": self.decoded.to_dict(),
            "simulation": self.simulation.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "tx_hash": self.tx_hash,
            "block": self.block,
            "timestamp": self.timestamp,
            "events": [e.to_dict() for e in self.events],
        }

    def to_report(self, chain_id: int | None = None) -> Report:
        """This verdict as a ``check`` :class:`Report` (the one result model every format renders):
        its findings, the law applied, the block it was judged at, and the verdict itself."""
        call = self.decoded
        if self.source == "mined":
            title = f"Check of transaction {self.tx_hash}"
        else:
            title = f"Check of {call.function} on {call.template} at {call.address}"
        return Report(
            title=title,
            kind="check",
            ok=self.compliant,
            subject=(call.address,),
            chain_id=chain_id,
            block_range=None if self.block is None else (self.block, self.block),
            findings=self.findings,
            transactions=1 if self.source == "mined" else None,
            law=self.law,
            verdicts=(self,),
        )


def error_report(tx_hash: str, error: str, chain_id: int | None = None) -> Report:
    """The ``check`` report of a transaction that could not be checked (verdict ``error``)."""
    return Report(
        title=f"Check of transaction {tx_hash}",
        kind="check",
        ok=False,
        subject=(tx_hash,),
        chain_id=chain_id,
        verdicts=({"verdict": "error", "tx_hash": tx_hash, "error": error},),
    )
