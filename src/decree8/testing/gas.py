"""The gas report of the pytest plugin, the Foundry way: ``--decree8-gas`` prints, per contract and
function, how many transactions the tests sent and the min / median / max gas they used (from the
receipts); ``--decree8-gas-snapshot FILE`` writes those figures to FILE, or compares them with
the FILE a previous run wrote and fails the run when one changed by more than
``--decree8-gas-tolerance PCT`` (default 0: any change), naming the function and the change.
``--decree8-gas-update`` rewrites the snapshot instead.

What is counted: every transaction mined through :meth:`decree8.chain.Chain.transact` (the
fixtures, factories, state machines, scenarios and ``deploy`` all send through it), seen by an
observer in :data:`decree8.chain.interface.TRANSACT_OBSERVERS`. Transactions that reverted are
left out (their gas says little about the function). A deployment counts as the contract's
``(deploy)``. Contract names come from the creation code of the build's artifacts (the
``decree8_build`` fixture's, and decree8's template build); functions from their ABIs. Gas is
the chain's: the fast chain (revm, the default) and the embedded chain (eth-tester) charge the same
gas for every transaction (docs/revm.md), as mainnet does.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from decree8.fsutil import atomic_write_text
from decree8.hexutil import to_bytes

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Artifact, Build

__all__ = ["SNAPSHOT_SCHEMA", "GasPlugin", "GasRecorder", "add_gas_options", "compare_snapshots"]

SNAPSHOT_SCHEMA = "decree8-gas-snapshot/1"

Key = tuple[str, str]


def add_gas_options(group: Any) -> None:
    group.addoption(
        "--decree8-gas",
        action="store_true",
        default=False,
        help="print a gas report: per contract and function, calls and min/median/max gas",
    )
    group.addoption(
        "--decree8-gas-snapshot",
        metavar="FILE",
        default=None,
        help="write the gas figures to FILE, or compare them with FILE when it exists",
    )
    group.addoption(
        "--decree8-gas-tolerance",
        metavar="PCT",
        type=float,
        default=0.0,
        help="with --decree8-gas-snapshot: the change in percent allowed (default 0)",
    )
    group.addoption(
        "--decree8-gas-update",
        action="store_true",
        default=False,
        help="with --decree8-gas-snapshot: rewrite FILE with this run's figures",
    )


class GasRecorder:
    """Collects the gas of every successful transaction, named by contract and function."""

    def __init__(self) -> None:
        self.gas: dict[Key, list[int]] = defaultdict(list)
        self._artifacts: dict[str, Artifact] = {}
        self._at: dict[str, str] = {}  # address (lower) -> contract name
        self._selectors: dict[str, dict[bytes, str]] = {}
        self._loaded_templates = False

    def add_build(self, build: Build) -> None:
        for name, artifact in build.artifacts.items():
            if artifact.bytecode:
                self._artifacts.setdefault(name, artifact)

    def _templates(self) -> None:
        if self._loaded_templates:
            return
        self._loaded_templates = True
        try:
            from decree8.templates.home import template_build

            self.add_build(template_build())
        except Exception:  # noqa: BLE001 - naming is best effort: unknown stays unknown
            return

    def _contract_of_creation(self, data: bytes) -> str:
        code = data.hex()
        for attempt in range(2):
            best = max(
                (a for a in self._artifacts.values() if code.startswith(a.bytecode.lower())),
                key=lambda a: len(a.bytecode),
                default=None,
            )
            if best is not None:
                return best.name
            if attempt == 0:
                self._templates()
        return "(unknown contract)"

    def _function(self, contract: str, data: bytes) -> str:
        if len(data) < 4:
            return "(receive)" if not data else "(fallback)"
        artifact = self._artifacts.get(contract)
        if artifact is None:
            return "0x" + data[:4].hex()
        table = self._selectors.get(contract)
        if table is None:
            table = self._selectors[contract] = _selectors(artifact.abi)
        return table.get(data[:4], "0x" + data[:4].hex())

    def observe(self, chain: Chain, params: Mapping[str, Any], receipt: Any) -> None:
        try:
            if int(receipt["status"]) != 1:
                return
            data = to_bytes(params.get("data") or params.get("input") or b"")
            gas = int(receipt["gasUsed"])
            to = params.get("to")
            if not to:
                name = self._contract_of_creation(data)
                created = receipt.get("contractAddress")
                if created:
                    self._at[str(created).lower()] = name
                self.gas[(name, "(deploy)")].append(gas)
                return
            known = self._at.get(str(to).lower())
            name = known if known is not None else f"(contract at {to})"
            self.gas[(name, self._function(name, data))].append(gas)
        except Exception:  # noqa: BLE001 - a gas report never breaks a test
            return

    def figures(self) -> dict[str, dict[str, int]]:
        """``{"Contract.function": {"calls", "min", "median", "max"}}``, sorted."""
        out = {}
        for (contract, fn), values in sorted(self.gas.items()):
            out[f"{contract}.{fn}"] = {
                "calls": len(values),
                "min": min(values),
                "median": int(statistics.median(values)),
                "max": max(values),
            }
        return out


def _selectors(abi: Iterable[Mapping[str, Any]]) -> dict[bytes, str]:
    from eth_utils import function_signature_to_4byte_selector

    functions = [e for e in abi if e.get("type") == "function"]
    names = [str(e["name"]) for e in functions]
    out = {}
    for entry in functions:
        types = ",".join(_type(i) for i in entry.get("inputs", []))
        signature = f"{entry['name']}({types})"
        shown = signature if names.count(str(entry["name"])) > 1 else str(entry["name"])
        out[function_signature_to_4byte_selector(signature)] = shown
    return out


def _type(item: Mapping[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in item.get("components", [])) + ")" + kind[5:]
    return kind


def format_report(figures: Mapping[str, Mapping[str, int]]) -> str:
    """The table, one block per contract, like ``forge test --gas-report``."""
    if not figures:
        return "decree8 gas report: no transactions were sent through the decree8 chain"
    by_contract: dict[str, list[tuple[str, Mapping[str, int]]]] = defaultdict(list)
    for key, row in figures.items():
        contract, _, fn = key.partition(".")
        by_contract[contract].append((fn, row))
    width = max(len(fn) for rows in by_contract.values() for fn, _ in rows)
    width = max(width, len("function"))
    lines = ["decree8 gas report (gas used per successful transaction, from the receipts)"]
    head = f"  {'function':<{width}}  {'calls':>6}  {'min':>9}  {'median':>9}  {'max':>9}"
    for contract, rows in by_contract.items():
        lines += ["", contract, head]
        for fn, row in rows:
            lines.append(
                f"  {fn:<{width}}  {row['calls']:>6}  {row['min']:>9}  {row['median']:>9}  "
                f"{row['max']:>9}"
            )
    return "\n".join(lines)


def compare_snapshots(
    old: Mapping[str, Mapping[str, int]],
    new: Mapping[str, Mapping[str, int]],
    tolerance: float,
) -> list[str]:
    """One line per function whose median or max gas changed by more than ``tolerance`` percent
    (functions this run did not call are not compared)."""
    out = []
    for key in sorted(set(old) & set(new)):
        for metric in ("median", "max"):
            before, after = int(old[key][metric]), int(new[key][metric])
            if before == after:
                continue
            change = (after - before) / before * 100 if before else float("inf")
            if abs(change) > tolerance:
                out.append(
                    f"{key}: {metric} gas {before} -> {after} ({change:+.2f}%, tolerance "
                    f"{tolerance:g}%)"
                )
    return out


class GasPlugin:
    """Registered by the decree8 plugin when a gas option is given."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.show = bool(config.getoption("decree8_gas"))
        snapshot = config.getoption("decree8_gas_snapshot")
        self.snapshot = Path(snapshot) if snapshot else None
        self.tolerance = float(config.getoption("decree8_gas_tolerance"))
        self.update = bool(config.getoption("decree8_gas_update"))
        if self.tolerance < 0:
            raise pytest.UsageError("--decree8-gas-tolerance must not be negative")
        self.recorder = GasRecorder()
        self.messages: list[str] = []
        self.failures: list[str] = []

    def start(self) -> None:
        from decree8.chain.interface import TRANSACT_OBSERVERS

        TRANSACT_OBSERVERS.append(self.recorder.observe)

    def stop(self) -> None:
        from decree8.chain.interface import TRANSACT_OBSERVERS

        if self.recorder.observe in TRANSACT_OBSERVERS:
            TRANSACT_OBSERVERS.remove(self.recorder.observe)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Any:
        outcome = yield
        if fixturedef.argname == "decree8_build":
            try:
                self.recorder.add_build(outcome.get_result())
            except Exception:  # noqa: BLE001 - the fixture's own error is reported by pytest
                pass

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.stop()
        if self.snapshot is None:
            return
        figures = self.recorder.figures()
        data = {"schema": SNAPSHOT_SCHEMA, "functions": figures}
        text = json.dumps(data, indent=2) + "\n"
        if self.snapshot.exists() and not self.update:
            try:
                old = json.loads(self.snapshot.read_text(encoding="utf-8"))
                if old.get("schema") != SNAPSHOT_SCHEMA:
                    raise ValueError(f"not a {SNAPSHOT_SCHEMA} file")
                old_figures = old["functions"]
            except (OSError, ValueError, KeyError, AttributeError) as exc:
                self.failures.append(f"cannot read gas snapshot {self.snapshot}: {exc}")
            else:
                self.failures += compare_snapshots(old_figures, figures, self.tolerance)
                if not self.failures:
                    self.messages.append(
                        f"gas snapshot {self.snapshot}: no change beyond {self.tolerance:g}%"
                    )
            if self.failures and session.exitstatus == 0:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
            return
        atomic_write_text(self.snapshot, text, overwrite=True)
        self.messages.append(f"gas snapshot written to {self.snapshot}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.show:
            terminalreporter.write_line("")
            for line in format_report(self.recorder.figures()).splitlines():
                terminalreporter.write_line(line)
        for message in self.messages:
            terminalreporter.write_line(message)
        if self.failures:
            terminalreporter.write_line(
                f"gas snapshot {self.snapshot}: changed beyond the tolerance", red=True
            )
            for line in self.failures:
                terminalreporter.write_line(f"  {line}", red=True)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.stop()


def configure(config: pytest.Config) -> None:
    """Registers the gas plugin when ``--decree8-gas`` or ``--decree8-gas-snapshot`` is given."""
    try:
        wanted = config.getoption("decree8_gas") or config.getoption("decree8_gas_snapshot")
    except ValueError:  # options not registered
        return
    if not wanted or config.pluginmanager.has_plugin("decree8-gas"):
        return
    plugin = GasPlugin(config)
    plugin.start()
    config.pluginmanager.register(plugin, "decree8-gas")
