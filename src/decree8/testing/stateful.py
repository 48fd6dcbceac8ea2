"""Stateful property tests on a chain: deploy once, snapshot once, revert per example.

```python
from decree8.testing.stateful import ChainMachine, Kit, rule, precondition, invariant
from hypothesis import strategies as st

class TokenMachine(ChainMachine):
    @classmethod
    def setup_chain(cls, kit: Kit) -> None:          # once per test run
        cls.token = kit.factory.token(parties=["alice", "bob"], issue={"alice": 10**21})

    @rule(amount=st.integers(0, 10**21))
    def gift(self, amount: int) -> None:
        out = self.send(self.token, "transferWithPurpose", self.kit.accounts.bob, amount, 1,
                        sender=self.kit.accounts.alice)
        ...

TokenMachine.run(chain, build)            # or, under pytest: decree8_machine(TokenMachine)
TokenMachine.run(build=build)             # on a fresh fast chain (Chain.default())
```
Every call carries explicit gas (nothing is estimated) and goes through
:meth:`Chain.transact <decree8.chain.interface.Chain.transact>`, so on ``Chain.revm()`` it takes
that chain's fast path straight to the EVM. Each call is recorded with
:func:`hypothesis.note`, so a failing example is printed as decoded calls, one per line::

    alice: token.transfer(to=bob, value=5e18) -> reverted TransferRestricted(code=7, ...) [P2P-SALE]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from eth_utils import to_checksum_address
from hypothesis import HealthCheck, note
from hypothesis import settings as Settings
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from decree8.errors import TransactionReverted
from decree8.rules import load_pack
from decree8.rules.evaluators import rule_for_error
from decree8.testing.factories import DEFAULT_GAS, Accounts, Deployed, Factory
from decree8.testing.show import show_call, show_value

if TYPE_CHECKING:
    from web3.types import TxReceipt

    from decree8.chain import Chain
    from decree8.compile import Build

__all__ = [
    "Bundle",
    "ChainMachine",
    "Kit",
    "MachineStats",
    "Outcome",
    "consumes",
    "initialize",
    "invariant",
    "machine_settings",
    "multiple",
    "precondition",
    "revert_rule",
    "rule",
]

M = TypeVar("M", bound="type[ChainMachine]")
#: ``to_checksum_address``, remembered: a machine sends from a handful of accounts, every step
_checksum = lru_cache(maxsize=1024)(to_checksum_address)
_CODED = ("TransferRestricted", "DealRestricted", "WithdrawalRestricted")


@dataclass(frozen=True)
class Kit:
    """What a machine's :meth:`ChainMachine.setup_chain` and rules use."""

    chain: Chain
    build: Build
    accounts: Accounts
    factory: Factory


@dataclass
class MachineStats:
    """Counters of one run (mutable: the machine adds to them as it goes)."""

    examples: int = 0
    calls: int = 0
    reverts: int = 0
    rules: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """The result of :meth:`ChainMachine.send`: a receipt, or the decoded revert and its rule."""

    line: str
    receipt: TxReceipt | None
    error: TransactionReverted | None
    rule: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def reverted(self) -> bool:
        return self.error is not None

    def expect_ok(self) -> TxReceipt:
        """The receipt; an AssertionError naming the decoded revert if the call reverted."""
        if self.error is not None or self.receipt is None:
            raise AssertionError(f"expected success: {self.line}")
        return self.receipt

    def expect_revert(self, name: str | None = None, rule: str | None = None) -> None:
        """Asserts the call reverted (with custom error ``name`` and under ``rule`` if given)."""
        if self.error is None:
            raise AssertionError(f"expected a revert: {self.line}")
        if name is not None and self.error.name != name:
            raise AssertionError(f"expected {name}: {self.line}")
        if rule is not None and self.rule != rule:
            raise AssertionError(f"expected rule {rule}: {self.line}")


def revert_rule(contract: str | None, fn: str, err: TransactionReverted) -> str | None:
    """The rule ID a decoded revert names: ``TransferRestricted(code)`` and its kin through the
    rule pack's codes, other custom errors through the checker's error table; ``None`` when the
    revert is not a rule (``ERC20InsufficientBalance``)."""
    if err.name is None:
        return None
    found = rule_for_error(contract or "", fn, err.name, err.args)
    if found is None and err.name in _CODED:
        try:
            found = load_pack().by_code(int(err.args.get("code", 0))).id
        except Exception:  # noqa: BLE001 - an unknown code names no rule
            return None
    return found


def machine_settings(base: Settings | None = None) -> Settings:
    """``base`` (default: the current profile) with no deadline and no too-slow check: chain
    steps take milliseconds, which hypothesis would otherwise count against a test."""
    parent = base if base is not None else Settings()
    checks = set(parent.suppress_health_check) | {HealthCheck.too_slow}
    return Settings(
        parent, deadline=None, suppress_health_check=sorted(checks, key=lambda c: c.value)
    )


class ChainMachine(RuleBasedStateMachine):
    """A :class:`~hypothesis.stateful.RuleBasedStateMachine` bound to a chain.

    Override :meth:`setup_chain` to deploy what the rules use (once per test run, keep it on
    ``cls``). :meth:`bind` runs it and takes the snapshot every example starts from; after each
    example :meth:`teardown` reverts to it and takes a fresh one (snapshots are single-use).
    Preconditions, invariants, bundles and ``initialize`` rules work as in hypothesis (re-exported
    here). Calls go through :meth:`send`: explicit gas, decoded reverts, readable traces.
    """

    kit: ClassVar[Kit]
    stats: ClassVar[MachineStats]
    names: ClassVar[dict[str, str]]
    _snapshot: ClassVar[list[int]]
    #: Gas sent with each call (explicit: no estimation).
    gas: ClassVar[int] = DEFAULT_GAS

    # -- hooks ------------------------------------------------------------------------------
    @classmethod
    def setup_chain(cls, kit: Kit) -> None:
        """Deploy and prepare what every example starts from; store it on ``cls``."""

    # -- binding and running ----------------------------------------------------------------
    @classmethod
    def bind(cls: M, chain: Chain, build: Build, accounts: Accounts | None = None) -> M:
        """A subclass bound to ``chain``: runs :meth:`setup_chain` and snapshots the result."""
        accounts = accounts or Accounts.of(chain)
        kit = Kit(chain, build, accounts, Factory(chain, build, accounts))
        bound: M = type(cls.__name__, (cls,), {"__module__": cls.__module__})  # type: ignore[assignment]
        bound.kit = kit
        bound.stats = MachineStats()
        bound.setup_chain(kit)
        names = {addr: name for name, addr in accounts.items()}
        names.update({d.address: d.label for d in kit.factory.deployed})
        bound.names = names
        bound._snapshot = [chain.snapshot()]
        return bound

    @classmethod
    def run(
        cls,
        chain: Chain | None = None,
        build: Build | None = None,
        *,
        settings: Settings | None = None,
        accounts: Accounts | None = None,
    ) -> MachineStats:
        """Runs the machine as a test on ``chain`` and leaves the chain as it found it.

        Without ``chain`` it runs on a fresh :meth:`Chain.default` (the fast chain where decree8's
        extension loaded, else eth-tester), closed at the end; without ``build``, on decree8's own
        templates. Raises what the failing example raised, with its decoded calls in the
        exception's notes.
        """
        if build is None:
            from decree8.templates.home import template_build

            build = template_build()
        if chain is None:
            from decree8.chain import Chain

            own = Chain.default()
            try:
                return cls.run(own, build, settings=settings, accounts=accounts)
            finally:
                own.close()
        base = chain.snapshot()
        try:
            bound = cls.bind(chain, build, accounts)
            # typed as a class, documented as "a class or a function": any machine factory
            factory = cast("type[RuleBasedStateMachine]", _Factory(bound))
            run_state_machine_as_test(factory, settings=machine_settings(settings))
            return bound.stats
        finally:
            chain.revert(base)

    def teardown(self) -> None:
        chain = self.kit.chain
        chain.revert(self._snapshot[0])
        self._snapshot[0] = chain.snapshot()
        self.stats.examples += 1

    # -- calls --------------------------------------------------------------------------------
    def name_of(self, address: str) -> str | None:
        return self.names.get(address)

    def label(self, deployed: Deployed) -> None:
        """Names a contract deployed inside a rule in traces."""
        type(self).names[deployed.address] = deployed.label

    def send(
        self,
        target: Deployed,
        fn: str,
        *args: Any,
        sender: str,
        value: int = 0,
        gas: int | None = None,
    ) -> Outcome:
        """Sends ``target.fn(*args)`` from ``sender`` with explicit gas and returns the
        :class:`Outcome`; a revert is returned decoded (with its rule), not raised."""
        abi_fn = target.index.function(fn, len(args))
        shown = dict(zip(abi_fn.input_names, args, strict=True))
        line = show_call(sender, target.label, fn, shown, self.name_of, value)
        sender = _checksum(sender)
        data = abi_fn.encode_values(args)
        tx = {"from": sender, "to": target.address, "data": data, "value": value}
        self.stats.calls += 1
        try:
            receipt = self.kit.chain.transact(tx, gas=gas or self.gas)
        except TransactionReverted as err:
            self.stats.reverts += 1
            found = revert_rule(target.template or target.deployment.contract, fn, err)
            line = f"{line} -> reverted {self._show_error(err)}"
            if found:
                line += f" [{found}]"
                self.stats.rules[found] = self.stats.rules.get(found, 0) + 1
            _note(line)
            return Outcome(line, None, err, found)
        _note(line)
        return Outcome(line, receipt, None, None)

    def call(self, target: Deployed, fn: str, *args: Any) -> Any:
        """A view of ``target`` (no transaction, not traced)."""
        return target.call(fn, *args)

    def _show_error(self, err: TransactionReverted) -> str:
        if err.name is None:
            return "without a known error"
        args: Mapping[str, Any] = err.args
        shown = ", ".join(f"{k}={show_value(v, self.name_of)}" for k, v in args.items())
        return f"{err.name}({shown})"


class _Factory:
    """Makes instances of a bound machine, for ``run_state_machine_as_test`` (which takes anything
    that returns a machine when called).

    Given the class itself, hypothesis reads and tokenizes its module's source on every run (to key
    its example database and seed derandomized runs): tens of milliseconds, as much as a hundred
    steps on revm. A factory has no source to read; hypothesis keys it by ``__name__``, the
    machine's qualified name, which is as stable and still tells machines apart.
    """

    def __init__(self, machine: type[ChainMachine]) -> None:
        self.machine = machine
        self.__name__ = f"{machine.__module__}.{machine.__qualname__}"

    def __call__(self) -> ChainMachine:
        return self.machine()


def _note(line: str) -> None:
    if currently_in_test_context():
        note(line)
