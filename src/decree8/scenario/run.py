"""Running a scenario: names and arguments resolved whole first, then each step sent and checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, keccak, to_checksum_address

from decree8.errors import ChainError, TransactionReverted, UsageError
from decree8.hexutil import to_0x
from decree8.scenario.model import (
    STEP_GAS,
    ScenarioError,
    ScenarioResult,
    StepResult,
    parse_duration,
)
from decree8.templates.params import parse_amount, parse_reference

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.check import Checker, Verdict
    from decree8.compile import Artifact, Build
    from decree8.deploy import Deployment
    from decree8.scenario.model import DeploySpec, Scenario, StepSpec


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
