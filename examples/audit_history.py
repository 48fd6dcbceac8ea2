"""Example: audit a token's history and write the Markdown report.

A short history is made on a fresh chain: a registry, a token and an escrow are deployed (their
manifests written to the output folder), holders are identified and accept the terms, tokens are
issued and move, a few transfers are refused on chain (mined as failed transactions), a legal order
is executed, and a deposit is left in the escrow past its deadline without being refunded. The
audit then reads every event, rebuilds the state from the events alone, compares it with the chain
and evaluates every rule for every transaction; the report is written as Markdown.

    python examples/audit_history.py -o audit-report       # writes audit-report/audit.md

The same audit from the command line, against a node that holds the history:

    decree8 --rpc URL audit --manifest audit-report/token.json --format markdown -o audit.md
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from decree8.audit import audit
from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.errors import TransactionReverted
from decree8.report import OutputFormat, Report, write_report
from decree8.testing import ELIGIBLE_ENTITY, ELIGIBLE_INDIVIDUAL, Factory, PartyStatus

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = ("contracts/registry", "contracts/token", "contracts/escrow")
UNIT = 10**18
ETH = "0x" + "00" * 20
DAY = 24 * 3600
ORDER = b"MoJ-EP-2026-117".ljust(32, b"\0")
GIFT, INVESTMENT = 1, 2


@dataclass(frozen=True)
class AuditResult:
    report: Report
    markdown: Path
    manifests: tuple[Path, ...]
    refused_on_chain: int  # transactions mined as failed in the history


def make_history(chain: Chain, build: Build, out: Path) -> tuple[list[Path], int, Factory]:
    factory = Factory(chain, build)
    a = factory.accounts
    parties = {
        "alice": ELIGIBLE_INDIVIDUAL,
        "bob": ELIGIBLE_INDIVIDUAL,
        "carol": ELIGIBLE_ENTITY,
        "enforcer": ELIGIBLE_ENTITY,
        "dave": PartyStatus(identified=False),
    }
    registry = factory.registry(parties=parties)
    token = factory.token(registry=registry, parties=parties)
    escrow = factory.escrow(registry=registry, parties=parties, tokens=[token])
    manifests = [
        d.deployment.save(out / f"{d.label}.json", overwrite=True)
        for d in (registry, token, escrow)
    ]

    token.send("issue", a.carol, 1_000 * UNIT, sender=a.issuer)
    token.send("transfer", a.alice, 100 * UNIT, sender=a.carol)
    token.send("transferWithPurpose", a.bob, 10 * UNIT, GIFT, sender=a.alice)
    refused = 0
    for fn, args, sender in [
        ("transfer", (a.bob, UNIT), a.alice),  # P2P-SALE
        ("transfer", (a.dave, UNIT), a.carol),  # HOLDER-IDENTIFIED
        ("issue", (a.alice, UNIT), a.alice),  # ISSUER-HTP
    ]:
        try:
            token.send(fn, *args, sender=sender)  # explicit gas: mined, and failed
        except TransactionReverted:
            refused += 1
    token.send("freezeAmount", a.alice, 20 * UNIT, ORDER, sender=a.enforcer)
    token.send("forcedTransfer", a.alice, a.enforcer, 20 * UNIT, ORDER, sender=a.enforcer)

    deal_terms = b"deposit-1".ljust(32, b"\0")
    deadline = chain.timestamp() + DAY
    escrow.send(
        "openDeal", a.carol, ETH, UNIT, ETH, 0, deadline, INVESTMENT, deal_terms, sender=a.alice
    )
    escrow.send("fund", 1, sender=a.alice, value=UNIT)
    chain.time_travel(3 * DAY)  # nobody refunds the expired deposit
    return manifests, refused, factory


def run(chain: Chain, build: Build, out: Path, say: bool = True) -> AuditResult:
    out.mkdir(parents=True, exist_ok=True)
    manifests, refused, factory = make_history(chain, build, out)
    deployments = [d.deployment for d in factory.deployed]
    report = audit(chain, build, deployments=deployments)
    markdown = out / "audit.md"
    write_report(report, OutputFormat.MARKDOWN, path=markdown, overwrite=True)
    if say:
        print(
            f"history: {report.transactions} transactions in blocks "
            f"{report.block_range[0] if report.block_range else '?'}-"
            f"{report.block_range[1] if report.block_range else '?'}; {refused} refused on chain"
        )
        for finding in report.findings:
            print(f"  finding {finding.rule_id}: {finding.message}")
        print(f"{len(report.checks)} checks; report written to {markdown}")
    return AuditResult(report, markdown, tuple(manifests), refused)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default="audit-report", help="output folder")
    args = parser.parse_args(argv)
    build = build_project(REPO, sources=TEMPLATES)
    with Chain.embedded() as chain:
        run(chain, build, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
