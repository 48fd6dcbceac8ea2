"""Audits of any block range: the state at ``--from-block - 1`` comes from the chain, so a range
audit finds exactly what a full audit finds in that range."""

from __future__ import annotations

import random

from decree8.audit import audit
from decree8.report import Finding
from support import ISSUED, PURPOSE_GIFT, System, ref


def _key(finding: Finding) -> tuple[object, ...]:
    return (finding.tx_hash or "", finding.block or 0, finding.rule_id, finding.message)


def _history(s: System, seed: int) -> None:
    """A generated history: terms acceptances and amendments, compliant and planted transfers,
    attestations, blocks and freezes, in an order drawn from ``seed``."""
    rng = random.Random(seed)
    parties = [s.alice, s.bob, s.carol, s.exchange, s.minor, s.frank, s.dave]
    for step in range(18):
        action = rng.choice(["accept", "transfer", "lax", "gift", "attest", "block", "freeze"])
        if action == "accept":
            s.accept_terms(rng.choice(parties[:4]), rng.choice([s.token, s.lax, s.escrow]))
        elif action == "transfer":
            s.send_hash(s.token, "transferWithPurpose", s.bob, 1, PURPOSE_GIFT, sender=s.alice)
        elif action == "lax":
            s.send_hash(
                s.lax, "laxTransfer", rng.choice(parties), rng.randint(1, 5), sender=s.alice
            )
        elif action == "gift":
            s.send_hash(s.lax, "laxTransferWithPurpose", s.bob, 1, PURPOSE_GIFT, sender=s.carol)
        elif action == "attest":
            s.attest(rng.choice([s.frank, s.dave]), rng.choice([1, 2]))
        elif action == "block":
            s.send_hash(s.registry, "blockAddress", s.frank, ref(f"reg-{step}"), sender=s.operator)
            s.send_hash(
                s.registry, "unblockAddress", s.frank, ref(f"reg-{step}"), sender=s.operator
            )
        else:
            s.send_hash(
                s.lax, "freezeAmount", s.carol, ISSUED // 2, ref(f"o-{step}"), sender=s.legal
            )
        if step == 9:  # amended terms in the middle of the history
            digest = bytes([step]) * 32
            s.send_hash(s.lax, "amendTerms", digest, "ipfs://v2", sender=s.admin)


def test_a_range_audit_finds_the_full_audit_restricted_to_the_range(s: System) -> None:
    first = s.chain.block_number + 1
    _history(s, seed=13)
    last = s.chain.block_number
    contracts = [s.token.address, s.lax.address, s.escrow.address]
    full = audit(s.chain, s.build, addresses=contracts, from_block=0)
    assert full.findings, "the generated history plants violations"
    for start in sorted({first, first + 3, (first + last) // 2, last - 2, last}):
        ranged = audit(s.chain, s.build, addresses=contracts, from_block=start)
        # every finding of the full audit in the range, and those about the end block
        expected = sorted(_key(f) for f in full.findings if f.block is None or f.block >= start)
        got = sorted(_key(f) for f in ranged.findings)
        assert got == expected, start
        facts = dict(ranged.facts)
        assert "state before the range" in facts, facts
