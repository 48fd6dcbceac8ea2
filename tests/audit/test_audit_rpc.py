"""The audit against a real JSON-RPC node (Hardhat): the same findings as on the embedded chain,
with logs read by chunked eth_getLogs and block times fetched only where a rule needs them."""

from __future__ import annotations

import pytest

from decree8.audit import AuditStats, audit
from support import DEAL_TERMS, PURPOSE_GIFT, System, by_tx, ref


@pytest.mark.backends("hardhat")
def test_audit_on_hardhat_finds_the_planted_violations_and_nothing_else(
    s: System,
) -> None:
    with s.snapshot():
        s.send_hash(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)
        s.send_hash(s.token, "freezeAmount", s.carol, 3, ref("order-1"), sender=s.legal)
        deal = s.open_deal(s.alice, s.carol, amount_a=10**18)
        s.send_hash(s.escrow, "acceptDeal", deal, DEAL_TERMS, sender=s.carol)  # B accepts
        s.send_hash(s.escrow, "fund", deal, sender=s.alice, value=10**18)
        s.send_hash(s.escrow, "complete", deal, sender=s.alice)
        p2p = s.send_hash(s.lax, "laxTransfer", s.bob, 1, sender=s.alice)
        unknown = s.send_hash(s.lax, "laxTransfer", s.dave, 1, sender=s.alice)
        s.send_hash(s.lax, "silentMint", s.carol, 9, sender=s.dave)

        stats = AuditStats()
        clean = audit(s.chain, s.build, deployments=[s.token, s.escrow], stats=stats)
        lax = audit(s.chain, s.build, addresses=[s.lax.address])

    assert clean.findings == (), [f.message for f in clean.findings]
    assert dict(clean.facts)["log reading"] == "eth_getLogs in adaptive block chunks"
    assert stats.actions["transfer between individuals"] == 1
    # a handful of requests, not one per transaction: logs, block times at the range's ends,
    # the issuers of mints, the views in batches
    assert stats.requests < stats.transactions
    found = by_tx(lax)
    assert found[p2p] == {"P2P-SALE"}
    assert found[unknown] == {"HOLDER-IDENTIFIED", "TERMS-ACCEPTED"}
    records = {dict(f.details)["view"] for f in lax.findings if f.rule_id == "RECORDS"}
    assert records == {f"balanceOf({s.carol})", "totalSupply()"}
