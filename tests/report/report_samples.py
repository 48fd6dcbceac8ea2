"""Sample reports shared by the report-format tests (imported by conftest and the tests)."""

from __future__ import annotations

from decree8.report import Check, Finding, Report

TOKEN = "0x" + "11" * 20
ALICE = "0x" + "ab" * 20
BOB = "0x" + "cd" * 20
TX_1 = "0x" + "12" * 32
TX_2 = "0x" + "34" * 32


def make_sample_report() -> Report:
    """Three findings under two rules (a statute rule and a policy rule), out of pack order."""
    cap = Finding.for_rule(
        "SUPPLY-CAP",
        "totalSupply 1000001 exceeds the cap 1000000",
        source="audit",
        contract=TOKEN,
        block=40,
    )
    unidentified = Finding.for_rule(
        "HOLDER-IDENTIFIED",
        "receiver has no attestation at the block",
        source="mined",
        contract=TOKEN,
        tx_hash=TX_1,
        block=12,
        timestamp=1_757_000_000,
        parties=[("from", ALICE), ("to", BOB)],
        function="transfer(to, value)",
        details={"value": 10**18, "data": b"\x01\x02"},
    )
    expired = Finding.for_rule(
        "HOLDER-IDENTIFIED",
        "sender's attestation expired | at block 15",
        source="mined",
        contract=TOKEN,
        tx_hash=TX_2,
        block=15,
        timestamp=1_757_000_100,
        parties=[("from", BOB), ("to", ALICE)],
        function="transfer(to, value)",
    )
    return Report(
        title="Audit of the token",
        subject=(TOKEN, "deployments/token.json"),
        chain_id=1337,
        block_range=(1, 200),
        generated_at="2025-09-05T10:00:00Z",
        tool_version="0.1.0",
        findings=(cap, unidentified, expired),
        checks=(
            Check(
                "ILLICIT-ADDRESS",
                "transfers screened against the illicit-address register",
                "transfers in blocks 1-200",
                1204,
                True,
            ),
            Check(
                "HOLDER-IDENTIFIED", "parties checked for an attestation", "transfers", 1204, False
            ),
        ),
        facts=(("HTP registration reference", "0x" + "99" * 32), ("Terms version", "1")),
        transactions=1204,
    )


def make_empty_report() -> Report:
    return Report(
        title="Pre-flight check", generated_at="2025-09-05T10:00:00Z", tool_version="0.1.0"
    )
