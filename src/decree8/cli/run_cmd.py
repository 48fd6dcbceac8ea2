"""`decree8 run FILE` (a scenario) and `decree8 demo` (the bundled scenario)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from decree8.cli._app import App, pass_app

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.deploy import Deployment
    from decree8.scenario import StepResult

#: Funded accounts of the chain opened for a scenario that starts in the past (a node's own count
#: applies elsewhere: Hardhat has 20).
SCENARIO_ACCOUNTS = 12


def _execute(app: App, path: Path, *, require_all_rules: bool) -> int:
    from decree8.report.text_scenario import step_line, summary_text
    from decree8.rules import load_pack
    from decree8.scenario import load_scenario, resolve_scenario, run_scenario
    from decree8.templates.home import scenario_build

    scenario = load_scenario(path)
    if scenario.start is not None and not app.rpc and app._chain is None:
        app._chain = _chain_from(app.chain_kind, scenario.start)
    chain = app.chain()
    build = scenario_build(
        build_dir=app.build_dir / "templates", compiler=app.compiler, on_compile=app.compiling
    )
    resolve_scenario(scenario, chain, build)  # a bad step anywhere: refused before any output
    live = not app.json_output
    if live:
        app.out(f"{scenario.title}")
        app.out(
            f"chain {chain.chain_id} ({'JSON-RPC ' + app.rpc if app.rpc else app.chain_kind}), "
            f"{len(scenario.deployments)} deployments, {len(scenario.steps)} steps\n"
        )

    def on_deploy(name: str, dep: Deployment) -> None:
        if live:
            what = dep.template or f"{dep.contract} (test-only mock)"
            app.out(f"  deployed {name:<12} {what:<26} at {dep.address}")

    def on_step(step: StepResult) -> None:
        if live:
            app.out(step_line(step, color=sys.stdout.isatty()))

    if live:
        app.out("deployments:")
    result = run_scenario(
        scenario,
        chain,
        build,
        on_deploy=on_deploy,
        on_step=on_step if live else None,
    )
    if live:
        app.out("")
    if require_all_rules:
        result = replace(result, rules_required=tuple(r.id for r in load_pack()))
    if app.json_output:
        app.emit_report(result.to_report(chain.chain_id))
    else:
        app.out(summary_text(result, color=sys.stdout.isatty()))
    return 0 if result.ok else 1


def _chain_from(kind: str, start: int) -> Chain:
    """An in-process chain whose genesis block has the time ``start`` (a scenario's ``start``)."""
    from decree8.chain import Chain

    return Chain.open(kind, accounts=SCENARIO_ACCOUNTS, timestamp=start)


def _use_chain(app: App, chain_kind: str | None) -> None:
    """A command's own --chain wins over the global --chain and --rpc."""
    if chain_kind is not None:
        app.chain_kind = chain_kind
        app.rpc = None


_CHAIN_OPTION = click.option(
    "--chain",
    "chain_kind",
    type=click.Choice(["embedded", "revm"]),
    default=None,
    help="Run on this in-process chain (overrides the global --chain and --rpc).",
)


@click.command("run", short_help="Run a scenario file: deploy, act, check each step.")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@_CHAIN_OPTION
@pass_app
def run_cmd(app: App, scenario: Path, chain_kind: str | None) -> int:
    """Run SCENARIO (TOML): deploy templates, then send each step and check it.

    Each step is checked pre-flight (before signing) and, when it is sent, again after mining.
    A step with expect = "violation" is a planted violation: it must be detected, under the
    rules it lists. A step with expect = "ok" must not be flagged. Exit 1 when an expectation fails.
    The format is described in docs/scenarios.md; examples/demo.toml is a full example.

    \b
    Examples:
      decree8 run my-scenario.toml
      decree8 run my-scenario.toml --chain revm --json
      decree8 --rpc http://127.0.0.1:8545 run my-scenario.toml
    """
    _use_chain(app, chain_kind)
    return _execute(app, scenario, require_all_rules=False)


@click.command("demo", short_help="Run the bundled scenario with planted violations.")
@_CHAIN_OPTION
@pass_app
def demo_cmd(app: App, chain_kind: str | None) -> int:
    """Run the bundled demonstration on a local chain.

    An HTP resident issues a token under published terms, an operator identifies the holders,
    compliant transfers and a two-sided escrow deal go through, and planted violations, every
    rule at least once, are caught before signing or after mining. Exits 0 only when every
    planted violation is detected and no compliant step is flagged.

    \b
    Examples:
      decree8 demo                 on the embedded chain (eth-tester)
      decree8 demo --chain revm    on the fast chain
      decree8 demo --json          the steps and verdicts as JSON
    """
    _use_chain(app, chain_kind)
    from decree8.templates.home import demo_scenario

    return _execute(app, demo_scenario(), require_all_rules=True)
