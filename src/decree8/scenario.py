"""Scenarios: a TOML script of accounts, deployments and steps, each step checked before and after.

```toml
title = "..."
[accounts]              # names for the chain's funded accounts (index into its account list)
issuer = 0
alice = 2

[[deploy]]
name = "registry"
template = "holder-registry"      # or contract = "UnrecordedToken" for a test-only mock
from = "operator"
params = { operator_registration = "HTP-2019-0777" }   # a value may name an account or deployment

[[step]]
as = "alice"
call = "token.transfer"           # deployment.function
args = { to = "bob", value = "10e18" }   # by ABI parameter name
value = "0"                       # wei sent with the call (amounts accept 2e18)
advance = "8d"                    # move the clock first (s, m, h, d)
at = "2024-09-20"                 # or: the next block's time (a day, 00:00 Minsk, or ISO 8601)
expect = "violation"              # or "ok", or "refused" (reverts for a reason that is no
                                  # rule in force); steps without expect are not scored
rules = ["HOLDER-IDENTIFIED"]     # the rules a planted violation must be caught under
send = true                       # send even when pre-flight flags it (shows the mined check)
note = "transfer to an unidentified address"
```
A top-level `start = "2024-09-16"` (a day, or an ISO 8601 time) starts the chain then: `decree8 run`
and `decree8 demo` open an in-process chain whose genesis block has that time (a history across a
law's entry into force); on a node already past that time the scenario is refused.
Special argument values: an account or deployment name gives its address; `"+365d"` in a
uint field gives now plus that duration; `"file:terms/x.md"` in a bytes32 field gives the keccak-256
of that file (relative to the scenario); other text in a bytes32 field is right-padded UTF-8.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, keccak, to_checksum_address

from decree8.errors import ChainError, TransactionReverted, UsageError
from decree8.fsutil import read_user_text
from decree8.hexutil import to_0x
from decree8.templates.params import parse_amount, parse_reference

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.check import Checker, Verdict
    from decree8.compile import Artifact, Build
    from decree8.deploy import Deployment
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
def load_scenario(path: str | Path) -> Scenario:
    """Parse and validate a scenario file. Errors name the file, the entry and what to fix."""
    source = Path(path)
    try:
        raw = read_user_text(source, "scenario file")
    except UsageError as exc:
        raise ScenarioError(str(exc)) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: invalid TOML: {exc}") from None
    known_top = {"title", "accounts", "deploy", "step", "description", "start"}
    extra = sorted(set(data) - known_top)
    if extra:
        raise ScenarioError(
            f"{source}: unknown top-level key {extra[0]!r} (expected one of "
            f"{', '.join(sorted(known_top))})"
        )
    accounts = data.get("accounts", {})
    if not isinstance(accounts, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in accounts.values()
    ):
        raise ScenarioError(f"{source}: [accounts] maps names to account indexes, e.g. alice = 2")
    deploys = _parse_deploys(source, data.get("deploy", []), accounts)
    deployed = {d.name for d in deploys}
    steps = [
        _parse_step(f"{source}: [[step]] #{i}", i, entry, accounts, deployed)
        for i, entry in enumerate(data.get("step", []), start=1)
    ]
    _check_rule_ids(source, steps)
    start = None
    if "start" in data:
        try:
            start = parse_moment(data["start"])
        except ValueError as exc:
            raise ScenarioError(f"{source}: start: {exc}") from None
    if not steps:
        raise ScenarioError(
            f"{source} has no [[step]]: a scenario needs at least one step to check "
            "(see docs/scenarios.md)"
        )
    return Scenario(
        source,
        str(data.get("title", source.stem)),
        dict(accounts),
        tuple(deploys),
        tuple(steps),
        start,
    )


def _parse_deploys(
    source: Path, entries: Sequence[Mapping[str, Any]], accounts: Mapping[str, int]
) -> list[DeploySpec]:
    deploys: list[DeploySpec] = []
    names: set[str] = set(accounts)
    for i, entry in enumerate(entries, start=1):
        where = f"{source}: [[deploy]] #{i}"
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ScenarioError(f'{where} needs name = "..."')
        if name in names:
            raise ScenarioError(
                f"{where}: name {name!r} is already used by an account or deployment"
            )
        template, contract = entry.get("template"), entry.get("contract")
        if bool(template) == bool(contract):
            raise ScenarioError(f"{where} ({name}) needs exactly one of template = or contract =")
        sender = entry.get("from", next(iter(accounts), None))
        if sender not in accounts:
            raise ScenarioError(
                f"{where} ({name}): from = {sender!r} is not an account in [accounts]"
            )
        deploys.append(
            DeploySpec(
                name,
                template,
                contract,
                sender,
                dict(entry.get("params", {})),
                tuple(entry.get("args", ())),
            )
        )
        names.add(name)
    return deploys


_STEP_KEYS = {"as", "call", "args", "value", "advance", "at", "expect", "rules", "send", "note"}


def _parse_step(
    where: str,
    index: int,
    entry: Mapping[str, Any],
    accounts: Mapping[str, int],
    deployed: set[str],
) -> StepSpec:
    unknown = sorted(set(entry) - _STEP_KEYS)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_STEP_KEYS))})"
        )
    actor, call = entry.get("as"), entry.get("call")
    if call is not None:
        if actor not in accounts:
            raise ScenarioError(f"{where}: as = {actor!r} is not an account in [accounts]")
        if not isinstance(call, str) or call.count(".") != 1:
            raise ScenarioError(f'{where}: call = {call!r} must be "deployment.function"')
        dep_name = call.split(".")[0]
        if dep_name not in deployed:
            raise ScenarioError(f"{where}: call = {call!r} names no deployment {dep_name!r}")
    elif "advance" not in entry and "at" not in entry:
        raise ScenarioError(f'{where} needs call = "deployment.function", advance = or at =')
    expect = entry.get("expect")
    if expect not in (None, *EXPECTATIONS):
        raise ScenarioError(
            f'{where}: expect must be "ok", "violation" or "refused", not {expect!r}'
        )
    if expect == "refused" and entry.get("rules"):
        raise ScenarioError(f"{where}: a refusal breaks no rule: drop rules = or expect it")
    at = None
    if "at" in entry:
        if "advance" in entry:
            raise ScenarioError(f"{where}: give advance = or at =, not both")
        try:
            at = parse_moment(entry["at"])
        except ValueError as exc:
            raise ScenarioError(f"{where}: at: {exc}") from None
    try:
        advance = parse_duration(entry.get("advance", 0))
    except ValueError as exc:
        raise ScenarioError(f"{where}: advance: {exc}") from None
    rules = entry.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise ScenarioError(f"{where}: rules must be a list of rule IDs")
    return StepSpec(
        index=index,
        actor=actor,
        call=call,
        args=dict(entry.get("args", {})),
        value=entry.get("value", 0),
        advance=advance,
        expect=expect,
        rules=tuple(rules),
        send=bool(entry.get("send", False)),
        note=str(entry.get("note", "")),
        at=at,
    )


def _check_rule_ids(source: Path, steps: Sequence[StepSpec]) -> None:
    try:
        from decree8.rules import load_pack
    except ImportError:  # pragma: no cover - the pack ships with the package
        return
    pack = load_pack()
    for step in steps:
        for rid in step.rules:
            pack.rule(rid)  # raises a UsageError listing the valid IDs


# -- running ---------------------------------------------------------------------------------------
class _Names:
    """Resolves account and deployment names to addresses."""

    def __init__(self, chain: Chain, scenario: Scenario) -> None:
        self.accounts: dict[str, str] = {}
        for name, index in scenario.accounts.items():
            if index >= len(chain.accounts):
                raise ScenarioError(
                    f"{scenario.path}: account {name} = {index}, but the chain has only "
                    f"{len(chain.accounts)} accounts"
                )
            self.accounts[name] = chain.accounts[index]
        self.deployments: dict[str, Deployment] = {}
        #: Deployments not made yet, at stand-in addresses (resolving a scenario before it runs).
        self.planned: dict[str, str] = {}

    def named(self, text: str) -> str:
        """``text`` with every account and deployment address replaced by its name."""
        for name, address in self.accounts.items():
            text = text.replace(address, name)
        for name, dep in self.deployments.items():
            text = text.replace(dep.address, name)
        return text

    def address(self, text: str) -> str:
        if text in self.accounts:
            return self.accounts[text]
        if text in self.deployments:
            return self.deployments[text].address
        if text in self.planned:
            return self.planned[text]
        if is_address(text):
            return to_checksum_address(text)
        known = ", ".join([*self.accounts, *self.deployments, *self.planned])
        raise ScenarioError(
            f"{text!r} is not an account, a deployment or an address (known: {known})"
        )


def _convert_arg(abi_type: str, value: Any, names: _Names, now: int, base_dir: Path) -> Any:
    if abi_type.endswith("]"):
        inner = abi_type[: abi_type.rindex("[")]
        if not isinstance(value, list):
            raise ValueError(f"expected a list for {abi_type}")
        return [_convert_arg(inner, v, names, now, base_dir) for v in value]
    if abi_type == "address":
        return names.address(str(value))
    if abi_type.startswith(("uint", "int")):
        if isinstance(value, str) and value.startswith("+"):
            return now + parse_duration(value)
        if isinstance(value, bool):
            raise ValueError("expected a number")
        if isinstance(value, str) and value.startswith("0x"):
            return int(value, 16)
        return parse_amount(value) if not (isinstance(value, int) and value < 0) else value
    if abi_type == "bool":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if abi_type.startswith("bytes") and abi_type != "bytes":
        size = int(abi_type[5:])
        text = str(value)
        if text.startswith("file:"):
            path = Path(text[5:])
            path = path if path.is_absolute() else base_dir / path
            try:
                digest = keccak(path.read_bytes())
            except OSError:
                raise ValueError(f"file {path} cannot be read") from None
            return digest[:size]
        if text.startswith("0x") and len(text) == 2 + 2 * size:
            return bytes.fromhex(text[2:])
        raw = parse_reference(text) if size == 32 else text.encode("utf-8")
        if len(raw.rstrip(b"\0")) > size:
            raise ValueError(f"{text!r} does not fit in {abi_type}")
        return raw[:size].ljust(size, b"\0")
    if abi_type == "bytes":
        text = str(value)
        return bytes.fromhex(text[2:]) if text.startswith("0x") else text.encode("utf-8")
    if abi_type == "string":
        return str(value)
    raise ValueError(f"unsupported ABI type {abi_type}")


def _function_abi(
    contract: str, abi: Sequence[Mapping[str, Any]], fn_name: str, arg_names: Sequence[str]
) -> dict[str, Any]:
    candidates = [e for e in abi if e.get("type") == "function" and e.get("name") == fn_name]
    if not candidates:
        available = sorted({str(e["name"]) for e in abi if e.get("type") == "function"})
        raise ScenarioError(
            f"{contract} has no function {fn_name!r} (it has: {', '.join(available)})"
        )
    for entry in candidates:
        if sorted(i["name"] for i in entry["inputs"]) == sorted(arg_names):
            return dict(entry)
    wanted = " or ".join("(" + ", ".join(i["name"] for i in e["inputs"]) + ")" for e in candidates)
    raise ScenarioError(
        f"{contract}.{fn_name} takes arguments {wanted}, not ({', '.join(arg_names)})"
    )


def _constructor_args(
    artifact: Artifact, spec: DeploySpec, names: _Names, now: int, base_dir: Path
) -> list[Any]:
    ctor = next((e for e in artifact.abi if e.get("type") == "constructor"), None)
    types = [i["type"] for i in ctor["inputs"]] if ctor else []
    if len(types) != len(spec.args):
        raise ValueError(f"{spec.contract} takes {len(types)} constructor args")
    return [_convert_arg(t, v, names, now, base_dir) for t, v in zip(types, spec.args, strict=True)]


def _call_values(
    step: StepSpec, fn: Mapping[str, Any], names: _Names, now: int, base_dir: Path
) -> tuple[list[Any], int]:
    """The ABI values of a step's arguments and the wei it sends."""
    args = [
        _convert_arg(i["type"], step.args[i["name"]], names, now, base_dir) for i in fn["inputs"]
    ]
    return args, parse_amount(step.value)


def resolve_scenario(scenario: Scenario, chain: Chain, build: Build) -> None:
    """Resolves the whole scenario before anything is sent: every deployment's template or
    contract and parameters, every step's function and arguments (names, addresses, values of
    the ABI's types), deployments at stand-in addresses. A bad entry anywhere in the file is a
    :class:`ScenarioError` naming it, and the chain is left as it was."""
    from decree8.templates import get_template

    names = _Names(chain, scenario)
    now = chain.timestamp()
    abis: dict[str, tuple[str, Sequence[Mapping[str, Any]]]] = {}
    for spec in scenario.deployments:
        where = f"{scenario.path}: [[deploy]] {spec.name}"
        sender = names.accounts[spec.sender]
        try:
            if spec.template:
                template = get_template(spec.template)
                template.resolve(
                    {k: _param_text(v) for k, v in spec.params.items()},
                    deployer=sender,
                    resolve_address=names.address,
                    base_dir=scenario.base_dir,
                )
                artifact = build.artifact(template.contract)
            else:
                artifact = build.artifact(str(spec.contract))
                _constructor_args(artifact, spec, names, now, scenario.base_dir)
        except (ValueError, UsageError) as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        abis[spec.name] = (artifact.name, artifact.abi)
        stand_in = keccak(f"decree8 scenario deployment {spec.name}".encode())[-20:]
        names.planned[spec.name] = to_checksum_address(stand_in)
    for step in scenario.steps:
        if step.call is None:
            continue
        where = f"{scenario.path}: [[step]] #{step.index}"
        dep_name, fn_name = step.call.split(".")
        try:
            fn = _function_abi(*abis[dep_name], fn_name, list(step.args))
            moment = now if step.at is None else step.at
            _call_values(step, fn, names, moment, scenario.base_dir)
        except (ValueError, UsageError) as exc:
            raise ScenarioError(f"{where}: {exc}") from None


def run_scenario(
    scenario: Scenario,
    chain: Chain,
    build: Build,
    *,
    on_step: Callable[[StepResult], None] | None = None,
    on_deploy: Callable[[str, Deployment], None] | None = None,
) -> ScenarioResult:
    """Deploy, then run every step: pre-flight check, send (when compliant or `send = true`),
    check the mined transaction. Returns the per-step verdicts and the summary."""
    from decree8.check import CallRequest, Checker
    from decree8.deploy import deploy
    from decree8.templates import deploy_template

    if scenario.start is not None and chain.timestamp() > scenario.start:
        from decree8.rules.finding import iso_utc

        raise ScenarioError(
            f"{scenario.path}: the scenario starts at {iso_utc(scenario.start)}, but the chain is "
            f"already at {iso_utc(chain.timestamp())}: run it on an in-process chain (decree8 "
            "run opens one that starts then) or on a node started at that time"
        )
    resolve_scenario(scenario, chain, build)
    names = _Names(chain, scenario)
    checker: Checker = Checker(chain, build, deployments=[])
    for spec in scenario.deployments:
        sender = names.accounts[spec.sender]
        where = f"{scenario.path}: [[deploy]] {spec.name}"
        try:
            if spec.template:
                dep = deploy_template(
                    chain,
                    build,
                    spec.template,
                    {k: _param_text(v) for k, v in spec.params.items()},
                    sender=sender,
                    resolve_address=names.address,
                    base_dir=scenario.base_dir,
                )
            else:
                artifact = build.artifact(str(spec.contract))
                args = _constructor_args(
                    artifact, spec, names, chain.timestamp(), scenario.base_dir
                )
                dep = deploy(chain, artifact, args, sender=sender)
        except (ValueError, TransactionReverted) as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        except UsageError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        names.deployments[spec.name] = dep
        checker.add_deployment(dep)
        if on_deploy:
            on_deploy(spec.name, dep)

    results: list[StepResult] = []
    for step in scenario.steps:
        result = _run_step(step, scenario, chain, checker, names, CallRequest)
        results.append(result)
        if on_step:
            on_step(result)
    known = {address: name for name, address in names.accounts.items()}
    known.update({dep.address: name for name, dep in names.deployments.items()})
    return ScenarioResult(
        scenario.title,
        tuple(results),
        {k: v.address for k, v in names.deployments.items()},
        known,
    )


def _param_text(value: Any) -> Any:
    return value if isinstance(value, str) else (str(value) if isinstance(value, int) else value)


def _run_step(
    step: StepSpec,
    scenario: Scenario,
    chain: Chain,
    checker: Checker,
    names: _Names,
    call_request: Any,
) -> StepResult:
    where = f"{scenario.path}: [[step]] #{step.index}"
    _move_clock(step, chain, where)
    if step.call is None:
        return StepResult(
            step.index,
            f"advance {step.advance}s" if step.at is None else f"clock to {_iso(step.at)}",
            None,
            step.expect,
            step.rules,
            "ok",
            (),
            None,
            "-",
            step.note,
            "clock moved",
        )
    dep_name, fn_name = step.call.split(".")
    dep = names.deployments[dep_name]
    fn = _function_abi(dep.contract, dep.abi, fn_name, list(step.args))
    now = chain.timestamp() if step.at is None else step.at
    try:
        args, value = _call_values(step, fn, names, now, scenario.base_dir)
    except (ValueError, UsageError) as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    sender = names.accounts[str(step.actor)]
    request = call_request(to=dep.address, sender=sender, function=fn_name, args=args, value=value)
    pre = checker.check_call(request)
    mined: Verdict | None = None
    tx_hash: str | None = None
    refused = ""
    if pre.compliant or step.send:
        tx_hash, refused = _send(chain, dep, fn_name, args, sender, value)
        if tx_hash is not None:
            mined = checker.check_tx(tx_hash)
    return _step_result(step, names, pre, mined, tx_hash, refused)


def _move_clock(step: StepSpec, chain: Chain, where: str) -> None:
    if step.advance:
        chain.time_travel(step.advance)
    if step.at is not None:
        try:
            chain.set_next_timestamp(step.at)
        except ChainError as exc:
            raise ScenarioError(f"{where}: at: {exc}") from None
        if step.call is None:
            chain.mine(1)


def _send(
    chain: Chain, dep: Deployment, fn_name: str, args: list[Any], sender: str, value: int
) -> tuple[str | None, str]:
    """The hash of the step's mined transaction, or ``None`` and why when the node refused it
    outright (Hardhat): nothing was mined."""
    address = to_checksum_address(dep.address)
    contract = chain.w3.eth.contract(address=address, abi=list(dep.abi))
    data = contract.encode_abi(fn_name, args=args)
    tx = {"from": sender, "to": dep.address, "data": data, "value": value}
    try:
        receipt = chain.transact(tx, gas=STEP_GAS)
    except TransactionReverted as exc:
        if exc.tx_hash is None:
            return None, f"; not mined: {exc}"
        return exc.tx_hash, ""
    return to_0x(receipt["transactionHash"]), ""


def _step_result(
    step: StepSpec,
    names: _Names,
    pre: Verdict,
    mined: Verdict | None,
    tx_hash: str | None,
    refused: str,
) -> StepResult:
    verdicts = [pre]
    rules = set(pre.rule_ids)
    stage = "preflight"
    detail = _describe(pre) + refused
    final = pre
    if mined is not None:
        verdicts.append(mined)
        rules |= set(mined.rule_ids)
        stage = "preflight+mined" if not pre.compliant else "mined"
        if pre.compliant or (mined.verdict == "violation" and pre.verdict != "violation"):
            final = mined
        if not mined.compliant and pre.compliant:
            detail = _describe(mined)
    if rules:
        verdict = "violation"
    elif any(v.verdict == "refused" for v in verdicts):
        verdict = "refused"
    else:
        verdict = "ok"
    if final.law is not None:
        detail += f" [{final.law.label}]"
    return StepResult(
        index=step.index,
        call=f"{step.call}({', '.join(f'{k}={v}' for k, v in step.args.items())})",
        actor=step.actor,
        expected=step.expect,
        expected_rules=step.rules,
        verdict=verdict,
        rules=tuple(sorted(rules)),
        tx=tx_hash,
        stage=stage,
        note=step.note,
        detail=names.named(detail),
        verdicts=tuple(verdicts),
    )


def _iso(timestamp: int) -> str:
    from decree8.rules.finding import iso_utc

    return iso_utc(timestamp)


def _describe(v: Verdict) -> str:
    if v.compliant:
        return "compliant"
    if v.findings:
        return "; ".join(f"{f.rule_id}: {f.message}" for f in v.findings)
    sim = v.simulation
    text = f"refused: reverts with {sim.error}" if sim.error else "refused"
    if sim.rule_not_in_force:
        text += f" ({sim.rule_not_in_force} was not in force then)"
    return text
