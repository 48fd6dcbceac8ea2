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
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeVar

from decree8.errors import UsageError

__all__ = [
    "CONFIDENCE_LABELS",
    "CONFIDENCE_LEVELS",
    "SEVERITIES",
    "TARGETS",
    "LAW_TIMEZONE",
    "Act",
    "LawVersion",
    "Note",
    "Parameter",
    "Period",
    "Rule",
    "RulePack",
    "confidence_label",
    "parse_date",
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

#: Belarus keeps UTC+3 all year (Europe/Minsk since 2011): an act in force "from 20.09.2024" is in
#: force from 00:00 Minsk time that day, i.e. 19.09.2024 21:00 UTC.
LAW_TIMEZONE = timezone(timedelta(hours=3), "Minsk")

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


def parse_date(text: str, what: str = "date") -> date:
    """A calendar date from ``2024-09-20`` or ``20.09.2024``; :class:`UsageError` otherwise."""
    raw = str(text).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise UsageError(f"{what} {text!r} is not a date: write it as YYYY-MM-DD (e.g. 2024-09-20)")


def day_start(day: date) -> int:
    """The unix time at which ``day`` begins in Minsk (:data:`LAW_TIMEZONE`)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=LAW_TIMEZONE).timestamp())


def law_day(timestamp: int) -> date:
    """The calendar day in Minsk of the unix time ``timestamp``."""
    return datetime.fromtimestamp(timestamp, tz=UTC).astimezone(LAW_TIMEZONE).date()


@dataclass(frozen=True)
class Period:
    """When a rule or an act is in force: from ``start`` (a day in Minsk time) until the day before
    ``end`` (``None``: not repealed). ``start`` is ``None`` for a policy safeguard, which applies
    from the deployment of the contract it guards, and for an act the sources give no day for.
    ``text`` is the period as LEGAL-BASIS.md words it; ``approximate`` when the sources give the
    day only approximately (reports then say so); ``why`` is the act the period comes from."""

    text: str
    start: date | None = None
    end: date | None = None
    approximate: bool = False
    why: str = ""

    @property
    def from_deployment(self) -> bool:
        return self.start is None

    def in_force_at(self, timestamp: int | None) -> bool:
        """In force at the unix time ``timestamp`` (``None``: now, i.e. the latest law)."""
        if timestamp is None:
            return self.end is None
        if self.start is not None and timestamp < day_start(self.start):
            return False
        return self.end is None or timestamp < day_start(self.end)

    def describe(self) -> str:
        """``in force from 20.09.2024``, ``in force from about 15.05.2022 (approximate)``,
        ``from the deployment of the contract (policy)``."""
        if self.start is None:
            return self.text or "from deployment"
        about = "about " if self.approximate else ""
        text = f"in force from {about}{self.start:%d.%m.%Y}"
        if self.approximate:
            text += " (exact day unverified)"
        if self.end is not None:
            text += f" until {self.end - timedelta(days=1):%d.%m.%Y}"
        return text


@dataclass(frozen=True)
class Act:
    """A row of the LEGAL-BASIS.md acts table, with the period it is in force."""

    key: str
    name: str
    date: str  # as the table gives it; empty when the table gives none
    matters: str  # what matters here
    period: Period = field(default=Period(""), compare=False)


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
    #: When the rule applies (LEGAL-BASIS.md "in force from"); policy rules: from deployment.
    period: Period = field(default=Period("from deployment"), compare=False)
    #: The rule as the LEGAL-BASIS.md rule table words it (empty for a pack that does not copy it).
    statement: str = ""

    def in_force_at(self, timestamp: int | None) -> bool:
        """True when the rule applies to an action at the unix time ``timestamp``."""
        return self.period.in_force_at(timestamp)

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


#: How close (in days) to an approximate day of entry into force a moment must be for a report to
#: warn that the rule's application there is uncertain.
APPROXIMATE_MARGIN_DAYS = 31


@dataclass(frozen=True)
class LawVersion:
    """The law a verdict applies: the rules of the pack in force at one moment.

    ``day`` is the day judged (Minsk time; ``None`` for the latest law), ``since`` the last day on
    or before it on which a rule of the pack came into force or ended: two moments with the same
    ``since`` are judged by the same rules. ``uncertain`` names rules whose day of entry into force
    is approximate and within :data:`APPROXIMATE_MARGIN_DAYS` of ``day``: whether they applied is
    not certain, and reports say so.
    """

    day: date | None
    since: date | None
    in_force: tuple[str, ...]
    not_yet: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()
    approximate: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``law in force from 20.09.2024`` (the version's name in reports)."""
        if self.since is None:
            return "law in force at deployment (policy rules only)"
        return f"law in force from {self.since:%d.%m.%Y}"

    def describe(self) -> str:
        """One line for a report: the version, what is not (yet) in force, what is approximate."""
        when = "latest law" if self.day is None else f"law on {self.day:%d.%m.%Y}"
        parts = [f"{when} ({self.label}): {len(self.in_force)} rules in force"]
        if self.not_yet:
            parts.append(f"not yet in force: {', '.join(self.not_yet)}")
        if self.ended:
            parts.append(f"no longer in force: {', '.join(self.ended)}")
        if self.uncertain:
            close = ", ".join(self.uncertain)
            parts.append(f"day of entry into force approximate, close to this day: {close}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "day": None if self.day is None else self.day.isoformat(),
            "since": None if self.since is None else self.since.isoformat(),
            "in_force": list(self.in_force),
            "not_yet_in_force": list(self.not_yet),
            "no_longer_in_force": list(self.ended),
            "approximate": list(self.approximate),
            "uncertain": list(self.uncertain),
        }


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

    # -- the law in force -------------------------------------------------------------------------
    def in_force(self, rule_id: str, timestamp: int | None) -> bool:
        """True when ``rule_id`` applies at the unix time ``timestamp`` (``None``: the latest law);
        IDs the pack does not know (a project's own rules) always apply."""
        if rule_id not in self._by_id:
            return True
        return self.rule(rule_id).in_force_at(timestamp)

    def rules_at(self, timestamp: int | None) -> tuple[Rule, ...]:
        """The rules in force at ``timestamp``, in table order."""
        return tuple(rule for rule in self.rules if rule.in_force_at(timestamp))

    def law_at(self, timestamp: int | None) -> LawVersion:
        """The :class:`LawVersion` at the unix time ``timestamp`` (``None``: the latest law)."""
        day = None if timestamp is None else law_day(timestamp)
        in_force, not_yet, ended, approximate, uncertain = [], [], [], [], []
        changes: list[date] = []
        for rule in self.rules:
            period = rule.period
            if rule.in_force_at(timestamp):
                in_force.append(rule.id)
                if period.approximate:
                    approximate.append(rule.id)
            elif period.end is not None and (
                timestamp is None or timestamp >= day_start(period.end)
            ):
                ended.append(rule.id)
            else:
                not_yet.append(rule.id)
            changes.extend(
                edge
                for edge in (period.start, period.end)
                if edge is not None and (day is None or edge <= day)
            )
            if (
                period.approximate
                and period.start is not None
                and day is not None
                and abs((day - period.start).days) <= APPROXIMATE_MARGIN_DAYS
            ):
                uncertain.append(rule.id)
        return LawVersion(
            day=day,
            since=max(changes, default=None),
            in_force=tuple(in_force),
            not_yet=tuple(not_yet),
            ended=tuple(ended),
            approximate=tuple(approximate),
            uncertain=tuple(uncertain),
        )

    def as_of(self, day: date) -> RulePack:
        """The pack as it stood at the start of ``day`` (Minsk time): the rules and acts in force
        then (policy rules included: they apply from a contract's deployment)."""
        moment = day_start(day)
        rules = tuple(rule for rule in self.rules if rule.in_force_at(moment))
        keys = {key for rule in rules for key in rule.acts}
        acts = tuple(
            act
            for act in self.acts
            if act.key in keys or act.period.start is None or act.period.in_force_at(moment)
        )
        return replace(self, rules=rules, acts=acts)

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
def builtin_pack() -> RulePack:
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
        period=_period(entry, where, default_text=str(entry.get("date", ""))),
    )


def _period(entry: Mapping[str, Any], where: str, default_text: str = "") -> Period:
    """The period of a rule or act: ``in_force_from`` (the source's words), ``in_force_date`` and
    ``in_force_until`` (``YYYY-MM-DD`` or TOML dates), ``approximate`` and ``in_force_why``."""
    text = entry.get("in_force_from", default_text)
    if not isinstance(text, str):
        raise UsageError(f"rule pack: {where} 'in_force_from' must be a string")

    def day(key: str) -> date | None:
        raw = entry.get(key)
        if raw is None:
            return None
        if isinstance(raw, date) and not isinstance(raw, datetime):
            return raw
        if not isinstance(raw, str):
            raise UsageError(f"rule pack: {where} {key!r} must be a date (YYYY-MM-DD)")
        return parse_date(raw, f"rule pack: {where} {key!r}")

    start, end = day("in_force_date"), day("in_force_until")
    if start is not None and end is not None and end <= start:
        raise UsageError(f"rule pack: {where} is repealed ({end}) before it came into force")
    approximate = entry.get("approximate", False)
    if not isinstance(approximate, bool):
        raise UsageError(f"rule pack: {where} 'approximate' must be true or false")
    if approximate and start is None:
        raise UsageError(f"rule pack: {where} is 'approximate' but has no 'in_force_date'")
    why = entry.get("in_force_why", "")
    if not isinstance(why, str):
        raise UsageError(f"rule pack: {where} 'in_force_why' must be a string")
    if start is not None and not re.search(
        rf"\b0?{start.day}\.{start.month:02d}\.{start.year}", text
    ):
        raise UsageError(
            f"rule pack: {where} says it is in force from {text!r}, which does not name its "
            f"in_force_date {start:%d.%m.%Y}"
        )
    return Period(text=text, start=start, end=end, approximate=approximate, why=why)


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
        period=_rule_period(entry, where, confidence),
        statement=str(entry.get("statement", "")),
    )


def _rule_period(entry: Mapping[str, Any], where: str, confidence: tuple[str, ...]) -> Period:
    period = _period(entry, where, default_text="from deployment")
    if "policy" in confidence and not period.from_deployment:
        raise UsageError(f"rule pack: {where} is a policy safeguard: it applies from deployment")
    if "policy" not in confidence and period.from_deployment and "in_force_from" in entry:
        raise UsageError(f"rule pack: {where} is law: it needs the day it came into force")
    return period


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
