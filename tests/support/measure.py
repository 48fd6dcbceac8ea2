"""Readings taken from a deployed system: the findings of a report per transaction, and the gas of
each escrow operation (the escrow gas test, the revm gas-parity test and bench/bench_escrow.py)."""

from __future__ import annotations

from typing import Any

from web3.types import TxReceipt

from decree8.report import Finding, Report

from .constants import DAY, DEAL_TERMS, ETH, SALE, ref
from .system import System


def by_tx(report: Report) -> dict[str | None, set[str]]:
    """Rule IDs of the report's findings, per transaction hash."""
    out: dict[str | None, set[str]] = {}
    for finding in report.findings:
        out.setdefault(finding.tx_hash, set()).add(finding.rule_id)
    return out


def of_rule(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


def measure_gas(s: System) -> list[dict[str, Any]]:
    """Gas used by each escrow operation on a fresh deal, as `{"name", "value", "unit"}` figures
    (a system deployed with the kit). Runs inside a snapshot, so the system is left as it was."""
    figures: list[dict[str, Any]] = []
    escrow, plain = s.escrow, s.plain

    def record(name: str, receipt: TxReceipt) -> None:
        figures.append({"name": f"escrow {name}", "value": int(receipt["gasUsed"]), "unit": "gas"})

    def opened(receipt: TxReceipt) -> int:
        return int(s.events(escrow, "DealOpened", receipt)[0]["dealId"])

    with s.snapshot():
        deadline = s.now() + DAY
        receipt = s.esc(
            "openDeal", s.bob, ETH, 10**18, ETH, 0, deadline, SALE, DEAL_TERMS, sender=s.alice
        )
        record("openDeal (one-sided, ETH)", receipt)
        deposit = opened(receipt)
        receipt = s.esc(
            "openDeal",
            s.carol,
            s.token.address,
            10**18,
            plain.address,
            10**18,
            deadline,
            SALE,
            DEAL_TERMS,
            sender=s.alice,
        )
        record("openDeal (two-sided, ERC-20 both legs)", receipt)
        swap = opened(receipt)
        record("acceptDeal", s.accept(deposit, s.bob))
        s.accept(swap, s.carol)
        record("fund (ETH leg)", s.fund(deposit, s.alice))
        record("fund (compliant token leg)", s.fund(swap, s.alice))
        record("fund (plain ERC-20 leg)", s.fund(swap, s.carol))
        record("complete (one-sided)", s.esc("complete", deposit, sender=s.alice))
        record("complete (two-sided)", s.esc("complete", swap, sender=s.carol))
        record("withdraw (ETH)", s.esc("withdraw", ETH, sender=s.bob))
        record("withdraw (compliant token)", s.esc("withdraw", s.token.address, sender=s.carol))
        record("withdraw (plain ERC-20)", s.esc("withdraw", plain.address, sender=s.alice))
        late = s.ready(s.alice, s.carol, ETH, 10**18, plain.address, 10**18)
        s.chain.time_travel(DAY)
        record("refund (two legs)", s.esc("refund", late, sender=s.bob))
        disputed = s.ready(s.alice, s.carol, ETH, 10**18, plain.address, 10**18)
        record("dispute", s.esc("dispute", disputed, ref("reason"), sender=s.carol))
        record(
            "resolve (two legs, split)",
            s.esc("resolve", disputed, 5_000, ref("ruling"), sender=s.operator),
        )
    return figures
