"""The one result type of every rule: :class:`Finding` (with the plain-data helpers every layer
uses, :func:`jsonable` and :func:`iso_utc`). :class:`decree8.result.Report` groups findings with
what was checked; the report package renders it.

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
from decree8.rules.pack import SEVERITIES, RulePack, confidence_label
from decree8.rules.project import load_pack

__all__ = ["SOURCES", "Finding", "iso_utc", "jsonable", "pairs"]

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


def pairs(
    value: Mapping[str, Any] | Iterable[tuple[str, Any]] | None, what: str
) -> tuple[tuple[str, Any], ...]:
    """``value`` (a mapping or ``(name, value)`` pairs) as a tuple of pairs, lists frozen."""
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
        parties = pairs(self.parties, "finding parties")
        object.__setattr__(self, "parties", tuple((r, str(a)) for r, a in parties))
        object.__setattr__(self, "details", pairs(self.details, "finding details"))

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
