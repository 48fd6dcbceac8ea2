"""A scenario and its results as data: deployments, steps, what each step showed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decree8.errors import UsageError

if TYPE_CHECKING:
    from decree8.check import Verdict
    from decree8.result import Report


STEP_GAS = 3_000_000
_DURATION = re.compile(r"^\s*\+?(\d+)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ScenarioError(UsageError):
    """A scenario file that cannot be run as written."""


def parse_duration(text: str | int) -> int:
    """Seconds from `3600`, `"90m"`, `"8d"`, `"+2w"`."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 3600, 90m, 12h or 8d")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class DeploySpec:
    name: str
    template: str | None
    contract: str | None
    sender: str
    params: Mapping[str, Any]
    args: Sequence[Any]


@dataclass(frozen=True)
class StepSpec:
    index: int
    actor: str | None
    call: str | None
    args: Mapping[str, Any]
    value: Any
    advance: int
    expect: str | None
    rules: tuple[str, ...]
    send: bool
    note: str
    at: int | None = None  # the next block's unix time


#: What a step may expect: compliant ("ok"), a planted violation, or a refusal without a rule.
EXPECTATIONS = ("ok", "violation", "refused")


def parse_moment(text: Any) -> int:
    """Unix time from ``2024-09-20`` (00:00 in Minsk, where the law's days begin) or an ISO 8601
    time (``2024-09-20T12:00:00Z``; without an offset, UTC)."""
    from datetime import UTC, datetime

    from decree8.rules.pack import day_start

    raw = str(text).strip()
    if len(raw) == 10:
        try:
            return day_start(datetime.strptime(raw, "%Y-%m-%d").date())
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time (2024-09-20T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


@dataclass(frozen=True)
class Scenario:
    path: Path
    title: str
    accounts: Mapping[str, int]
    deployments: tuple[DeploySpec, ...]
    steps: tuple[StepSpec, ...]
    start: int | None = None  # the genesis time the scenario needs (unix), if any

    @property
    def base_dir(self) -> Path:
        return self.path.parent


@dataclass(frozen=True)
class StepResult:
    index: int
    call: str
    actor: str | None
    expected: str | None
    expected_rules: tuple[str, ...]
    verdict: str  # "ok" | "violation" | "refused"
    rules: tuple[str, ...]
    tx: str | None
    stage: str  # "preflight" | "mined" | "preflight+mined" | "-"
    note: str
    detail: str
    verdicts: tuple[Verdict, ...] = field(default=(), repr=False, compare=False)

    @property
    def planted(self) -> bool:
        return self.expected == "violation"

    @property
    def detected(self) -> bool:
        return (
            self.planted
            and self.verdict == "violation"
            and set(self.expected_rules) <= set(self.rules)
        )

    @property
    def false_positive(self) -> bool:
        return self.expected in ("ok", "refused") and self.verdict == "violation"

    @property
    def met(self) -> bool:
        if self.expected is None:
            return True
        if self.planted:
            return self.detected
        return self.verdict == self.expected

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "call": self.call,
            "expected": self.expected,
            "verdict": self.verdict,
            "rules": list(self.rules),
            "tx": self.tx,
            "as": self.actor,
            "expected_rules": list(self.expected_rules),
            "stage": self.stage,
            "met": self.met,
            "note": self.note,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ScenarioResult:
    title: str
    steps: tuple[StepResult, ...]
    deployments: Mapping[str, str]
    names: Mapping[str, str] = field(default_factory=dict)  # address -> account/deployment name
    #: Rules the run must catch (``demo``: every rule); one not caught fails the run.
    rules_required: tuple[str, ...] = ()

    def named(self, text: str) -> str:
        """``text`` with every known address replaced by its scenario name."""
        for address, name in self.names.items():
            text = text.replace(address, name)
        return text

    @property
    def summary(self) -> dict[str, int]:
        planted = [s for s in self.steps if s.planted]
        refusals = [s for s in self.steps if s.expected == "refused"]
        return {
            "planted": len(planted),
            "detected": sum(1 for s in planted if s.detected),
            "false_positives": sum(1 for s in self.steps if s.false_positive),
            "missed": sum(1 for s in planted if not s.detected),
            "refusals": len(refusals),
            "refusals_labelled": sum(1 for s in refusals if s.met),
        }

    @property
    def ok(self) -> bool:
        """Every expectation met, and every required rule caught."""
        return all(s.met for s in self.steps) and not self.rules_missed()

    def rules_caught(self) -> set[str]:
        return {r for s in self.steps if s.detected for r in s.rules}

    def rules_missed(self) -> list[str]:
        """The required rules no detected planted violation was caught under, sorted."""
        return sorted(set(self.rules_required) - self.rules_caught())

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "deployments": dict(self.deployments),
            "steps": [s.to_dict() for s in self.steps],
            "summary": self.summary,
            "rules_caught": sorted(self.rules_caught()),
            "rules_required": list(self.rules_required),
            "ok": self.ok,
        }

    def to_report(self, chain_id: int | None = None) -> Report:
        """This run as a ``scenario`` :class:`Report`: its deployments, the findings of every step's
        checks, and the steps with their verdicts."""
        from decree8.result import Report

        findings = tuple(f for s in self.steps for v in s.verdicts for f in v.findings)
        return Report(
            title=self.title,
            kind="scenario",
            ok=self.ok,
            subject=tuple(f"{name} {address}" for name, address in self.deployments.items()),
            chain_id=chain_id,
            findings=findings,
            transactions=len({s.tx for s in self.steps if s.tx}),
            steps=self.steps,
            detail=self,
        )


# -- loading ---------------------------------------------------------------------------------------
