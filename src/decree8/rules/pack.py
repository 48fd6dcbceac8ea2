"""The rule pack: every rule of LEGAL-BASIS.md as data, loaded from the packaged ``pack.toml``.

A :class:`Rule` says what is required, on which legal basis, how sure we are of that basis, and
which ERC-1404 restriction code the contracts use for it. Rules are plain data: the functions that
check a transaction against chain state (evaluators) are kept apart and attached by rule ID with
:meth:`RulePack.bind`, so the pack can be read, printed and cited without any chain code.

Severity follows the basis: a rule backed by a statute (any confidence but ``policy``) is an
``"error"``; a safeguard decree8 adds on purpose (``policy``) is a ``"warning"``, because breaking
it is not breaking the law. The ``unverified`` presumption is a :class:`Note`, never a rule.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeVar

from decree8.errors import UsageError

__all__ = [
    "CONFIDENCE_LABELS",
    "CONFIDENCE_LEVELS",
    "SEVERITIES",
    "TARGETS",
    "Act",
    "Note",
    "Parameter",
    "Rule",
    "RulePack",
    "confidence_label",
    "load_pack",
    "parse_pack",
]

#: Confidence tags from the strongest to the weakest (LEGAL-BASIS.md).
CONFIDENCE_LEVELS: tuple[str, ...] = ("primary", "secondary", "news", "policy", "unverified")

#: The words a report prints for each confidence tag.
CONFIDENCE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "primary": "primary source",
        "secondary": "secondary source",
        "news": "news only",
        "policy": "policy safeguard (not law)",
        "unverified": "UNVERIFIED",
    }
)

SEVERITIES: tuple[str, ...] = ("error", "warning", "note")
TARGETS: tuple[str, ...] = ("token", "escrow", "registry")

PACK_SCHEMA = "decree8.rules/1"

_V = TypeVar("_V")


# -------------------------------------------------------------------------------------------------
# Data types
# -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One setting of a rule. ``source`` says where the value came from.

    A parameter the sources could not pin down is off (``enabled=False``) and has no value.
    Mappings are read-only and lists are tuples, so a loaded pack cannot be changed by accident.
    """

    name: str
    description: str
    source: str
    value: Any = field(default=None, hash=False)
    enabled: bool = True


@dataclass(frozen=True)
class Act:
    """A row of the LEGAL-BASIS.md acts table."""

    key: str
    name: str
    date: str  # as the table gives it; empty when the table gives none
    matters: str  # what matters here


@dataclass(frozen=True)
class Note:
    """A claim that is not a rule and is never enforced (e.g. the unverified presumption)."""

    key: str
    kind: str
    confidence: str
    title: str
    text: str


@dataclass(frozen=True)
class Rule:
    """One rule of the pack. ``confidence`` keeps every tag the table gives, in its order."""

    id: str
    code: int
    title: str
    summary: str
    basis: str
    confidence: tuple[str, ...]
    severity: str
    enforced_by: str
    applies_to: tuple[str, ...]
    acts: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = field(default=(), hash=False)

    @property
    def weakest(self) -> str:
        """The weakest confidence tag: what a report must not overstate."""
        return max(self.confidence, key=CONFIDENCE_LEVELS.index)

    @property
    def is_policy(self) -> bool:
        """True for a safeguard decree8 adds on purpose rather than a rule of law."""
        return "policy" in self.confidence

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; :class:`UsageError` listing the valid names otherwise."""
        for param in self.parameters:
            if param.name == name:
                return param
        valid = ", ".join(p.name for p in self.parameters) or "none"
        raise UsageError(f"rule {self.id} has no parameter {name!r}; its parameters: {valid}")

    def value(self, name: str) -> Any:
        """The value of parameter ``name``, or ``None`` when that parameter is off."""
        param = self.parameter(name)
        return param.value if param.enabled else None


def confidence_label(item: Rule | Note | str | Sequence[str]) -> str:
    """The text a report prints for a confidence: ``"primary source / secondary source"`` etc."""
    if isinstance(item, Rule):
        tags: Sequence[str] = item.confidence
    elif isinstance(item, Note):
        tags = (item.confidence,)
    elif isinstance(item, str):
        tags = (item,)
    else:
        tags = item
    try:
        return " / ".join(CONFIDENCE_LABELS[tag] for tag in tags)
    except KeyError as err:
        raise UsageError(
            f"unknown confidence tag {err.args[0]!r}; valid tags: {', '.join(CONFIDENCE_LEVELS)}"
        ) from None


@dataclass(frozen=True)
class RulePack:
    """All rules, acts and notes, in LEGAL-BASIS.md table order. Iterating yields the rules."""

    rules: tuple[Rule, ...]
    acts: tuple[Act, ...] = ()
    notes: tuple[Note, ...] = ()
    schema: str = PACK_SCHEMA
    _by_id: Mapping[str, int] = field(init=False, repr=False, compare=False, hash=False)
    _by_code: Mapping[int, Rule] = field(init=False, repr=False, compare=False, hash=False)
    _acts: Mapping[str, Act] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_id: dict[str, int] = {}
        by_code: dict[int, Rule] = {}
        for index, rule in enumerate(self.rules):
            if rule.id in by_id:
                raise UsageError(f"rule pack lists rule {rule.id} twice")
            if rule.code in by_code:
                raise UsageError(
                    f"rule pack gives code {rule.code} to both "
                    f"{by_code[rule.code].id} and {rule.id}"
                )
            by_id[rule.id] = index
            by_code[rule.code] = rule
        acts = {act.key: act for act in self.acts}
        for rule in self.rules:
            unknown = [key for key in rule.acts if key not in acts]
            if unknown:
                raise UsageError(f"rule {rule.id} cites unknown act(s): {', '.join(unknown)}")
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))
        object.__setattr__(self, "_acts", MappingProxyType(acts))

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    @property
    def ids(self) -> tuple[str, ...]:
        """Rule IDs in table order."""
        return tuple(rule.id for rule in self.rules)

    def rule(self, rule_id: str) -> Rule:
        """The rule with ID ``rule_id``; :class:`UsageError` listing the valid IDs otherwise."""
        try:
            return self.rules[self._by_id[rule_id]]
        except KeyError:
            raise UsageError(
                f"unknown rule ID {rule_id!r}; valid IDs: {', '.join(self.ids)}"
            ) from None

    def index(self, rule_id: str) -> int:
        """Position of ``rule_id`` in table order (e.g. a SARIF ``ruleIndex``)."""
        self.rule(rule_id)
        return self._by_id[rule_id]

    def by_code(self, code: int) -> Rule:
        """The rule behind ERC-1404 restriction ``code``; :class:`UsageError` for 0 or unknown."""
        try:
            return self._by_code[code]
        except KeyError:
            if code == 0:
                raise UsageError(
                    "restriction code 0 means no restriction; it names no rule"
                ) from None
            valid = ", ".join(f"{r.code}={r.id}" for r in self.rules)
            raise UsageError(f"unknown restriction code {code}; valid codes: {valid}") from None

    def act(self, key: str) -> Act:
        """The act with ``key``; :class:`UsageError` listing the valid keys otherwise."""
        try:
            return self._acts[key]
        except KeyError:
            raise UsageError(
                f"unknown act {key!r}; valid acts: {', '.join(a.key for a in self.acts)}"
            ) from None

    def acts_cited(self, rule_ids: Iterable[str] | None = None) -> tuple[Act, ...]:
        """Acts cited by the given rules (all rules when ``None``), in acts-table order."""
        rules = self.rules if rule_ids is None else tuple(self.rule(r) for r in rule_ids)
        keys = {key for rule in rules for key in rule.acts}
        return tuple(act for act in self.acts if act.key in keys)

    def bind(self, by_id: Mapping[str, _V]) -> tuple[tuple[Rule, _V], ...]:
        """Pair rules with things keyed by rule ID (e.g. evaluators), in table order.

        Every key must be a rule ID (:class:`UsageError` otherwise); rules without an entry are
        left out: ``set(pack.ids) - by_id.keys()`` are the rules a caller does not cover.
        """
        unknown = sorted(key for key in by_id if key not in self._by_id)
        if unknown:
            raise UsageError(
                f"unknown rule ID(s) {', '.join(unknown)}; valid IDs: {', '.join(self.ids)}"
            )
        return tuple((rule, by_id[rule.id]) for rule in self.rules if rule.id in by_id)


# -------------------------------------------------------------------------------------------------
# Loading
# -------------------------------------------------------------------------------------------------


@functools.cache
def load_pack() -> RulePack:
    """The rule pack shipped with decree8 (read once, then cached)."""
    text = resources.files("decree8.rules").joinpath("pack.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"rule pack pack.toml is not valid TOML: {err}") from None
    return parse_pack(data)


def parse_pack(data: Mapping[str, Any]) -> RulePack:
    """Build a :class:`RulePack` from parsed TOML; :class:`UsageError` names the first bad entry."""
    schema = data.get("schema", PACK_SCHEMA)
    if schema != PACK_SCHEMA:
        raise UsageError(f"rule pack schema {schema!r} is not supported; expected {PACK_SCHEMA!r}")
    acts = tuple(_act(entry) for entry in _table_list(data, "acts"))
    notes = tuple(_note(entry) for entry in _table_list(data, "notes"))
    rules = tuple(_rule(entry) for entry in _table_list(data, "rules"))
    if not rules:
        raise UsageError("rule pack has no rules")
    return RulePack(rules=rules, acts=acts, notes=notes, schema=schema)


def _table_list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise UsageError(f"rule pack: [[{key}]] must be a list of tables")
    return entries


def _str(entry: Mapping[str, Any], key: str, where: str, *, allow_empty: bool = False) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise UsageError(f"rule pack: {where} needs a non-empty string {key!r}")
    return value


def _strs(entry: Mapping[str, Any], key: str, where: str, valid: Sequence[str]) -> tuple[str, ...]:
    raw = entry.get(key)
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise UsageError(f"rule pack: {where} needs {key!r} as a string or a list of strings")
    bad = [v for v in values if v not in valid]
    if bad:
        raise UsageError(
            f"rule pack: {where} has unknown {key} {', '.join(bad)}; valid: {', '.join(valid)}"
        )
    return tuple(values)


def _act(entry: Mapping[str, Any]) -> Act:
    where = f"act {entry.get('key', '?')!r}"
    return Act(
        key=_str(entry, "key", where),
        name=_str(entry, "name", where),
        date=_str(entry, "date", where, allow_empty=True),
        matters=_str(entry, "matters", where),
    )


def _note(entry: Mapping[str, Any]) -> Note:
    where = f"note {entry.get('key', '?')!r}"
    return Note(
        key=_str(entry, "key", where),
        kind=_str(entry, "kind", where),
        confidence=_strs(entry, "confidence", where, CONFIDENCE_LEVELS)[0],
        title=_str(entry, "title", where),
        text=_str(entry, "text", where),
    )


def _rule(entry: Mapping[str, Any]) -> Rule:
    where = f"rule {entry.get('id', '?')!r}"
    code = entry.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or not 1 <= code <= 255:
        raise UsageError(f"rule pack: {where} needs an integer 'code' from 1 to 255")
    confidence = _strs(entry, "confidence", where, CONFIDENCE_LEVELS)
    raw_params = entry.get("parameters", {})
    if not isinstance(raw_params, Mapping):
        raise UsageError(f"rule pack: {where} 'parameters' must be a table")
    acts = entry.get("acts", [])
    if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
        raise UsageError(f"rule pack: {where} 'acts' must be a list of act keys")
    return Rule(
        id=_str(entry, "id", where),
        code=code,
        title=_str(entry, "title", where),
        summary=_str(entry, "summary", where),
        basis=_str(entry, "basis", where),
        confidence=confidence,
        severity=_strs(entry, "severity", where, SEVERITIES)[0],
        enforced_by=_str(entry, "enforced_by", where),
        applies_to=_strs(entry, "applies_to", where, TARGETS),
        acts=tuple(acts),
        parameters=tuple(
            _parameter(name, spec, f"{where} parameter {name!r}")
            for name, spec in raw_params.items()
        ),
    )


def _parameter(name: str, spec: Any, where: str) -> Parameter:
    if not isinstance(spec, Mapping):
        raise UsageError(f"rule pack: {where} must be a table")
    enabled = spec.get("enabled", True)
    if not isinstance(enabled, bool):
        raise UsageError(f"rule pack: {where} 'enabled' must be true or false")
    if enabled and "value" not in spec:
        raise UsageError(f"rule pack: {where} is enabled but has no 'value'")
    if not enabled and "value" in spec:
        raise UsageError(f"rule pack: {where} is off, so it must not carry a 'value'")
    return Parameter(
        name=name,
        description=_str(spec, "description", where),
        source=_str(spec, "source", where),
        value=_freeze(spec.get("value")),
        enabled=enabled,
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
