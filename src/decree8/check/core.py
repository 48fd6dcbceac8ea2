"""What both checks share (:class:`CheckerBase`): which template is at which address, decoding,
the state and context the rules read, and the verdict's parts. The checks themselves are in
:mod:`decree8.check.preflight` and :mod:`decree8.check.mined`; :class:`decree8.check.Checker`
offers both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from decree8.check.decode import AbiFunction, ContractAbi, DecodedEvent, runtime_matches
from decree8.check.verdict import CallRequest, DecodedCall, SimulationResult, Verdict
from decree8.errors import TransactionReverted, UsageError
from decree8.hexutil import checksummed, parse_address
from decree8.result import Finding
from decree8.rules.engine import evaluate
from decree8.rules.evaluators import TxContext, rule_for_error
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack
from decree8.rules.state import StateReader, StateView
from decree8.templates import CATALOGUE, get_template, template_for_contract

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.check.context import MinedRevert
    from decree8.compile import Artifact, Build
    from decree8.deploy import Deployment

__all__ = ["CheckerBase"]

_CODED = ("TransferRestricted", "DealRestricted", "WithdrawalRestricted")


class CheckerBase:
    """The part of :class:`~decree8.check.Checker` that the checks read."""

    def __init__(
        self,
        chain: Chain,
        build: Build,
        deployments: Iterable[Deployment] = (),
        pack: RulePack | None = None,
    ) -> None:
        self.chain = chain
        self.build = build
        self.pack = pack or load_pack()
        self.artifacts: dict[str, Artifact] = {}
        for template in CATALOGUE.values():
            try:
                self.artifacts[template.contract] = build.artifact(template.contract)
            except UsageError:
                continue
        if not self.artifacts:
            raise UsageError("the build holds none of decree8's template contracts")
        self.abis = {name: ContractAbi(name, art.abi) for name, art in self.artifacts.items()}
        self.raw_abis = {name: art.abi for name, art in self.artifacts.items()}
        for art in self.artifacts.values():
            chain.register_abi(art.abi)
        self._known: dict[str, str] = {}
        self._recognised: dict[str, str | None] = {}
        self._immutables: dict[Any, Any] = {}
        self.foreign_tokens: set[str] = set()
        for dep in deployments:
            self.add_deployment(dep)

    # -- which template where ---------------------------------------------------------------------
    def add_deployment(self, dep: Deployment) -> None:
        """Remembers the template of a deployment (from its manifest)."""
        template = (
            get_template(dep.template) if dep.template else template_for_contract(dep.contract)
        )
        if template is None:
            if _erc20_shaped(dep.abi):
                self._add_foreign_token(dep)
                return
            raise UsageError(
                f"deployment {dep.address} is a {dep.contract}, which is not a decree8 template"
            )
        if template.contract not in self.artifacts:
            raise UsageError(f"the build has no {template.contract} for deployment {dep.address}")
        self._known[to_checksum_address(dep.address)] = template.contract

    def _add_foreign_token(self, dep: Deployment) -> None:
        """An ERC-20-shaped contract that is no template (e.g. a test-only mock): its calls are
        decoded with its own ABI and its mined transactions are checked for RECORDS only."""
        name = dep.contract
        abi = [dict(e) for e in dep.abi]
        self.abis[name] = ContractAbi(name, abi)
        self.raw_abis[name] = abi
        self.foreign_tokens.add(name)
        self.chain.register_abi(abi)
        self._known[to_checksum_address(dep.address)] = name

    def contract_at(self, address: str) -> str:
        """The template contract name at ``address``; :class:`UsageError` for an address without
        code or whose code is no template."""
        found = self.contract_or_none(address)
        if found is not None:
            return found
        code = bytes(self.chain.w3.eth.get_code(to_checksum_address(address)))
        if not code:
            raise UsageError(f"there is no contract at {address} on this chain")
        raise UsageError(
            f"the contract at {address} is not a decree8 template "
            f"({', '.join(sorted(self.artifacts))}); pass its --manifest if it is one"
        )

    def contract_or_none(self, address: str) -> str | None:
        address = found_at = checksummed(address)
        if address in self._known:
            return self._known[address]
        if address in self._recognised:
            return self._recognised[address]
        code = bytes(self.chain.w3.eth.get_code(found_at))
        found = next(
            (n for n, a in self.artifacts.items() if code and runtime_matches(a, code)), None
        )
        if code:  # an address without code may be deployed to later: ask again then
            self._recognised[address] = found
        return found

    def token_contracts(self) -> set[str]:
        """Contract names whose balances RECORDS checks: the template token and foreign ERC-20s."""
        return {"CompliantToken", *self.foreign_tokens}

    def template_name(self, contract: str) -> str:
        found = template_for_contract(contract)
        return found.name if found is not None else contract

    # -- decoding ----------------------------------------------------------------------------------
    def decode_request(self, req: CallRequest, resolve: Any = None) -> tuple[DecodedCall, bytes]:
        """The call ``req`` makes, decoded with its template's ABI, and its calldata."""
        to = _address(req.to, "--to")
        sender = _address(req.sender, "--from")
        contract = self.contract_at(to)
        cabi = self.abis[contract]
        if req.data is not None:
            if req.function is not None or req.args:
                raise UsageError("give a call either as calldata or as a function with arguments")
            data = bytes(req.data)
            fn = cabi.function_for(data)
            args = fn.decode(data)
        else:
            if not req.function:
                raise UsageError("name the function to call (--fn NAME) or give calldata")
            fn = cabi.function(req.function, arity=len(req.args))
            args = fn.arguments(req.args, resolve)
            data = fn.encode(args)
        value = int(req.value)
        if value < 0:
            raise UsageError(f"--value {value} is negative")
        if value and not fn.payable:
            raise UsageError(f"{contract}.{fn.name} is not payable: it takes no --value")
        return self._decoded(contract, to, fn, args, sender, value, data), data

    def _decoded(
        self,
        contract: str,
        to: str,
        fn: AbiFunction,
        args: Mapping[str, Any],
        sender: str,
        value: int,
        data: bytes,
    ) -> DecodedCall:
        return DecodedCall(
            template=self.template_name(contract),
            contract=contract,
            address=to,
            function=fn.name,
            args=dict(args),
            sender=sender,
            value=value,
            signature=fn.signature,
            data=data,
        )

    def decode_logs(self, logs: Iterable[Mapping[str, Any]]) -> tuple[DecodedEvent, ...]:
        """The logs that a known ABI decodes (the emitter's own ABI first)."""
        out = []
        for log in logs:
            emitter = self.contract_or_none(str(log["address"]))
            order = [emitter] if emitter else []
            order += [name for name in self.abis if name != emitter]
            for name in order:
                event = self.abis[name].decode_log(log)
                if event is not None:
                    if name != emitter:
                        event = DecodedEvent(
                            event.address, emitter, event.name, event.args, event.log_index
                        )
                    out.append(event)
                    break
        return tuple(out)

    # -- shared pieces of both checks --------------------------------------------------------------
    def state_at(self, block: int | str, timestamp: int | None) -> StateReader:
        return StateReader(
            self.chain,
            block,
            self.raw_abis,
            timestamp=timestamp,
            template_of=self.contract_or_none,
            immutables=self._immutables,
        )

    def context(
        self,
        decoded: DecodedCall,
        *,
        source: str,
        block: int | None,
        timestamp: int | None,
        tx_hash: str | None = None,
    ) -> TxContext:
        return TxContext(
            contract=decoded.contract,
            address=decoded.address,
            function=decoded.function,
            args=decoded.args,
            sender=decoded.sender,
            value=decoded.value,
            source=source,
            template=decoded.template,
            tx_hash=tx_hash,
            block=block,
            timestamp=timestamp,
            pack=self.pack,
        )

    def evaluate(self, ctx: TxContext, state: StateView) -> list[Finding]:
        return evaluate(ctx, state, self.pack)

    def simulation_from(
        self,
        decoded: DecodedCall,
        err: TransactionReverted | None,
        timestamp: int | None = None,
        revert: MinedRevert | None = None,
    ) -> SimulationResult:
        """A :class:`SimulationResult` for a call that succeeded (``err`` None) or reverted, at the
        block time ``timestamp``: a revert under a rule that was not in force then names no rule
        (``rule_not_in_force`` keeps it). ``revert`` is how a mined revert was recovered."""
        if err is None and revert is not None:
            err = revert.error
        if err is None:
            return SimulationResult(success=True)
        args = dict(err.args)
        code = int(args["code"]) if err.name in _CODED and "code" in args else None
        rule_id = rule_for_error(decoded.contract, decoded.function, err.name, args, self.pack)
        not_in_force = None
        if rule_id is not None and not self.pack.in_force(rule_id, timestamp):
            rule_id, not_in_force = None, rule_id
        if err.name is None:
            why = revert.text if revert is not None else None
            text = (
                f"reverted with unknown data 0x{err.data.hex()}"
                if err.data
                else why or "reverted without data (an invalid operation or out of gas)"
            )
        else:
            shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
            text = f"{err.name}({shown})"
        return SimulationResult(
            success=False,
            error=text,
            code=code,
            rule_id=rule_id,
            data=err.data,
            name=err.name,
            args=args,
            rule_not_in_force=not_in_force,
            recovered_by=None if revert is None else revert.how,
        )

    def verdict(
        self,
        source: str,
        findings: Sequence[Finding],
        sim: SimulationResult,
        decoded: DecodedCall,
        timestamp: int | None,
        notes: Sequence[str] = (),
        **where: Any,
    ) -> Verdict:
        """The verdict of a check: compliant when no rule is broken and the simulation
        succeeded, with the law in force at ``timestamp`` and notes on it after ``notes``."""
        return Verdict(
            source=source,
            compliant=not findings and sim.success,
            findings=tuple(findings),
            simulation=sim,
            decoded=decoded,
            timestamp=timestamp,
            law=self.pack.law_at(timestamp),
            notes=(*notes, *self.law_notes(sim, timestamp)),
            **where,
        )

    def law_notes(self, sim: SimulationResult, timestamp: int | None) -> tuple[str, ...]:
        """Notes on the law applied: a refusal under a rule not yet in force, a rule whose day
        of entry into force is approximate and close to the block's day."""
        law = self.pack.law_at(timestamp)
        notes = []
        if sim.rule_not_in_force is not None:
            rule = self.pack.rule(sim.rule_not_in_force)
            notes.append(
                f"the contract refuses it under {rule.id} (restriction code {rule.code}), which "
                f"was not in force at the block time ({rule.period.describe()}): no violation "
                "of law in force, a refusal"
            )
        for rule_id in law.uncertain:
            rule = self.pack.rule(rule_id)
            notes.append(
                f"{rule.id} is applied as {rule.period.describe()}: the day is approximate and "
                "close to the block's day, so whether it applied is uncertain"
            )
        return tuple(notes)

    def with_simulated_rule(
        self, findings: list[Finding], sim: SimulationResult, ctx: TxContext
    ) -> list[Finding]:
        """``findings`` plus one for the rule the revert names, when no evaluator found it."""
        if sim.rule_id is None or any(f.rule_id == sim.rule_id for f in findings):
            return findings
        extra = ctx.finding(
            sim.rule_id,
            f"the contract refuses the call with {sim.error}",
            parties=[("caller", ctx.sender)],
            details={"from_simulation": True},
            code=sim.code,
        )
        return [*findings, extra]


def _erc20_shaped(abi: Iterable[Mapping[str, Any]]) -> bool:
    names = {(e.get("type"), e.get("name")) for e in abi}
    return {("function", "balanceOf"), ("function", "totalSupply"), ("event", "Transfer")} <= names


def _address(text: str, what: str) -> str:
    try:
        return parse_address(text)
    except ValueError as exc:
        raise UsageError(f"{what} {exc}") from None


def _show(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)
