"""Real audits for the evidence-report tests: the bundled demo scenario (examples/demo.toml) run on
an embedded chain and audited, and a generated history of several thousand transfers on the revm
chain, each audited with a :class:`~decree8.audit.timeline.HistoryRecorder`."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from eth_typing import HexStr

from decree8.audit import audit
from decree8.audit.timeline import HistoryRecorder, manifest_names
from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.deploy import Deployment
from decree8.report import Report
from support import ACCOUNTS, ISSUED, PURPOSE_GIFT, deploy_system, ref

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = (
    "contracts/registry",
    "contracts/token",
    "contracts/escrow",
    "contracts/mocks/UnrecordedToken.sol",
)
TEST_MOCKS = ("contracts/mocks/LaxToken.sol", "contracts/mocks/SilentRegistryMutator.sol")
DEMO = ROOT / "examples" / "demo.toml"


@dataclass
class DemoAudit:
    report: Report
    names: dict[str, str]  # address -> scenario name
    deployments: dict[str, Deployment]
    seconds: float
    chain: Chain  # still open: the caller closes it


def demo_audit(build: Build) -> DemoAudit:
    """Run examples/demo.toml on a fresh embedded chain, then audit its token, registry and
    escrow with the history recorded, parties named as the scenario names them. The chain is
    left open (close it with ``.chain.close()``)."""
    from decree8.scenario import load_scenario, run_scenario

    scenario = load_scenario(DEMO)
    # The demo starts on a day in the past (it crosses Decree No. 367's entry into force).
    chain = Chain.open(
        "embedded", accounts=max(scenario.accounts.values()) + 1, timestamp=scenario.start
    )
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
    except BaseException:
        chain.close()
        raise
    return DemoAudit(report, names, deployments, time.perf_counter() - began, chain)


# --------------------------------------------------------------------------------------------------
# A generated history of several thousand transactions
# --------------------------------------------------------------------------------------------------

HOUR = 3600


@dataclass
class GeneratedAudit:
    report: Report
    transactions: int  # transactions sent after the system was set up
    seconds_generate: float
    seconds_audit: float
    expected: dict[str, int]  # what the history holds: pauses, legal orders, amendments, planted


def generated_audit(transactions: int, build: Build | None = None) -> GeneratedAudit:
    """The audit system of tests/audit (registry, token, escrow, a LaxToken) on the revm chain,
    then ``transactions`` transactions spread over days (six hours every 50): transfers between
    an entity and individuals (plain, and gifts with a stated purpose), an issuance every 500,
    one pause, a legal order freezing and later unfreezing part of a balance, a terms amendment
    that the holders accept, and a planted sale between two individuals on the LaxToken every
    700 (a P2P-SALE finding each). Audited with the history recorded."""
    build = build or evidence_build()
    chain = Chain.revm(accounts=ACCOUNTS)
    try:
        began = time.perf_counter()
        s = deploy_system(chain, build, escrow=True, lax=True)
        token = s.token.bind(chain)
        lax = s.lax.bind(chain)
        gift = token.encode_abi("transferWithPurpose", args=[s.bob, 1, PURPOSE_GIFT])
        plain = token.encode_abi("transfer", args=[s.alice, 1])
        back = token.encode_abi("transfer", args=[s.carol, 1])
        sale = lax.encode_abi("laxTransfer", args=[s.bob, 1])
        expected = {"pauses": 0, "legal orders": 0, "amendments": 0, "planted": 0}
        now = chain.timestamp()
        sent = 0

        def send(sender: str, to: str, data: HexStr) -> None:
            nonlocal sent, now
            if sent and sent % 50 == 0:
                now += 6 * HOUR
                chain.set_next_timestamp(now)
            chain.w3.eth.send_transaction({"from": sender, "to": to, "data": data, "gas": 400_000})
            sent += 1
            now = max(now, chain.timestamp())

        def call(dep: Deployment, fn: str, *args: object, sender: str) -> None:
            contract = dep.bind(chain)
            send(sender, dep.address, contract.encode_abi(fn, args=list(args)))

        i = 0
        while sent < transactions:
            i += 1
            step = sent
            if step == transactions * 3 // 10 and not expected["pauses"]:
                call(s.token, "pause", sender=s.oversight)
                call(s.token, "unpause", sender=s.oversight)
                expected["pauses"] += 1
            elif step >= transactions * 45 // 100 and expected["legal orders"] == 0:
                call(s.token, "freezeAmount", s.alice, 5, ref("ORDER-1"), sender=s.legal)
                expected["legal orders"] += 1
            elif step >= transactions * 6 // 10 and expected["legal orders"] == 1:
                call(s.token, "unfreezeAmount", s.alice, 5, ref("ORDER-1"), sender=s.legal)
                expected["legal orders"] += 1
            elif step >= transactions // 2 and not expected["amendments"]:
                digest = bytes(32 * [0x44])
                call(s.token, "amendTerms", digest, "ipfs://terms-v2", sender=s.admin)
                for party in (s.alice, s.bob, s.carol, s.exchange):
                    call(s.token, "acceptTerms", 2, digest, sender=party)
                expected["amendments"] += 1
            elif i % 500 == 0:
                call(s.token, "issue", s.carol, ISSUED, sender=s.agent)
            elif i % 700 == 0:
                send(s.alice, s.lax.address, sale)
                expected["planted"] += 1
            elif i % 3 == 0:
                send(s.alice, s.token.address, gift)
            elif i % 3 == 1:
                send(s.carol, s.token.address, plain)
            else:
                send(s.bob, s.token.address, back)
        generate = time.perf_counter() - began
        names = {
            s.alice: "alice",
            s.bob: "bob",
            s.carol: "carol",
            s.exchange: "exchange",
            s.admin: "admin",
            s.agent: "placement agent",
            s.legal: "enforcer",
            s.oversight: "oversight",
            s.operator: "operator",
            s.token.address: "token",
            s.lax.address: "lax token",
            s.registry.address: "registry",
            s.escrow.address: "escrow",
        }
        recorder = HistoryRecorder(names)
        began = time.perf_counter()
        report = audit(
            chain, build, deployments=[s.token, s.registry, s.escrow, s.lax], observer=recorder
        )
        report = replace(report, history=recorder.finish(report.block_range))
        return GeneratedAudit(report, sent, generate, time.perf_counter() - began, expected)
    finally:
        chain.close()


def evidence_build() -> Build:
    """Templates plus the audit mocks (LaxToken ...)."""
    return build_project(ROOT, sources=(*TEMPLATES, *TEST_MOCKS))
