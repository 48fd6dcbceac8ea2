"""Real audits for the evidence-report tests: the bundled demo scenario (examples/demo.toml) run on
an embedded chain and audited, and a generated history of several thousand transfers on the revm
chain, each audited with a :class:`~decree8.report.history.HistoryRecorder`."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from decree8.audit import audit
from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.deploy import Deployment
from decree8.report import Report
from decree8.report.history import HistoryRecorder, manifest_names

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = (
    "contracts/registry",
    "contracts/token",
    "contracts/escrow",
    "contracts/mocks/UnrecordedToken.sol",
)
DEMO = ROOT / "examples" / "demo.toml"


def template_build() -> Build:
    return build_project(ROOT, sources=TEMPLATES)


@dataclass
class DemoAudit:
    report: Report
    names: dict[str, str]  # address -> scenario name
    deployments: dict[str, Deployment]
    seconds: float


def demo_audit(build: Build) -> DemoAudit:
    """Run examples/demo.toml on a fresh embedded chain, then audit its token, registry and
    escrow with the history recorded, parties named as the scenario names them."""
    from decree8.scenario import load_scenario, run_scenario

    scenario = load_scenario(DEMO)
    chain = Chain.embedded(accounts=max(scenario.accounts.values()) + 1)
    deployments: dict[str, Deployment] = {}
    try:
        result = run_scenario(
            scenario, chain, build, on_deploy=lambda n, d: deployments.__setitem__(n, d)
        )
        audited = [deployments[n] for n in ("token", "registry", "escrow")]
        names = {**manifest_names(audited), **dict(result.names)}
        recorder = HistoryRecorder(names)
        began = time.perf_counter()
        report = audit(chain, build, deployments=audited, observer=recorder)
        report = replace(report, history=recorder.finish(report.block_range))
        return DemoAudit(report, names, deployments, time.perf_counter() - began)
    finally:
        chain.close()
