"""The audit's fast paths give what the plain ones give: logs decoded from a node's hex strings
equal those decoded from bytes, view calls encoded and decoded without eth_abi equal eth_abi's,
the read-ahead thread hands over items in order and its errors, and an audit read in many small
chunks on a node (replayed while the next is read, the state before the range seeded chunk by
chunk) finds what an audit read in one chunk finds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from decree8.audit import AuditStats, audit
from decree8.history import EmbeddedLogSource, EventDecoder, ReadAhead
from decree8.history import sources as logs_module
from support import PURPOSE_GIFT, System, by_tx, ref

KINDS = ("CompliantToken", "HolderRegistry", "DealEscrow")


@pytest.mark.backends("embedded")  # reads the embedded chain's log walker (EmbeddedLogSource)
def test_logs_decoded_from_hex_strings_equal_logs_decoded_from_bytes(s: System) -> None:
    s.send_hash(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)
    s.send_hash(s.token, "freezeAmount", s.carol, 3, ref("order-1"), sender=s.legal)
    deal = s.open_deal(s.alice, s.carol, amount_a=10**18)
    s.send_hash(s.escrow, "fund", deal, sender=s.alice, value=10**18)
    kinds = {s.token.address: KINDS[0], s.registry.address: KINDS[1], s.escrow.address: KINDS[2]}
    decoder = EventDecoder({k: s.build.artifact(k).abi for k in KINDS})
    logs = EmbeddedLogSource(s.chain).logs(sorted(kinds), 0, s.chain.block_number, None)

    from_bytes = [decoder.decode(log, kinds[log.address]) for log in logs]
    from_json = [
        decoder.decode_json(
            {
                "topics": ["0x" + t.hex() for t in log.topics],
                "data": "0x" + log.data.hex(),
                "transactionHash": log.tx_hash.upper().replace("0X", "0x"),
                "transactionIndex": hex(log.tx_index),
                "logIndex": hex(log.log_index),
            },
            kinds[log.address],
            log.address,
            log.block,
        )
        for log in logs
    ]

    assert len(logs) > 30 and None not in from_bytes
    assert from_json == from_bytes
    names = {e.name for e in from_bytes if e is not None}
    assert {"Transfer", "TermsPublished", "HolderAttested", "DealOpened", "LegFunded"} <= names
    assert s.alice in decoder.addresses() and s.escrow.address in decoder.addresses()


def test_read_ahead_hands_over_items_in_order_and_raises_the_producers_error() -> None:
    assert list(ReadAhead(iter(range(50)))) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("node gone")

    seen: list[int] = []
    with pytest.raises(ValueError, match="node gone"):
        seen.extend(ReadAhead(failing()))
    assert seen == [1]

    produced: list[int] = []

    def counted() -> Iterator[int]:
        for i in range(1_000):
            produced.append(i)
            yield i

    ahead = ReadAhead(counted())
    for item in ahead:
        if item == 2:
            break
    ahead.close()
    assert len(produced) <= 5  # the producer stays at most two items ahead, then stops


@pytest.mark.backends("hardhat")
def test_an_audit_read_in_many_chunks_finds_what_one_chunk_finds(
    s: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    with s.snapshot():
        start = s.chain.block_number + 1
        for _ in range(6):
            s.send_hash(s.lax, "transfer", s.carol, 1, sender=s.alice)
        planted: dict[str | None, set[str]] = {
            s.send_hash(s.lax, "laxTransfer", s.bob, 1, sender=s.alice): {"P2P-SALE"},
            s.send_hash(s.lax, "laxIssue", s.carol, 1, sender=s.dave): {"ISSUER-HTP"},
        }
        s.send_hash(s.registry, "blockAddress", s.exchange, ref("register-1"), sender=s.operator)
        for _ in range(6):
            s.send_hash(s.lax, "transferWithPurpose", s.bob, 1, PURPOSE_GIFT, sender=s.alice)
        # holders first named late in the range: their state before it is read then
        planted[s.send_hash(s.lax, "laxTransfer", s.dave, 1, sender=s.alice)] = {
            "HOLDER-IDENTIFIED",
            "TERMS-ACCEPTED",
        }
        planted[s.send_hash(s.lax, "laxTransferWithPurpose", s.exchange, 1, 1, sender=s.alice)] = {
            "ILLICIT-ADDRESS"
        }
        s.send_hash(s.lax, "silentMint", s.carol, 4, sender=s.dave)

        def run(first_chunk: int) -> tuple[Any, AuditStats]:
            monkeypatch.setattr(logs_module, "FIRST_CHUNK", first_chunk)
            stats = AuditStats()
            report = audit(
                s.chain, s.build, addresses=[s.lax.address], from_block=start, stats=stats
            )
            return report, stats

        whole, one = run(10_000)
        chunked, many = run(1)

    assert by_tx(whole) == {**planted, None: {"RECORDS"}}
    assert [f.to_dict() for f in chunked.findings] == [f.to_dict() for f in whole.findings]
    assert [c.to_dict() for c in chunked.checks] == [c.to_dict() for c in whole.checks]
    assert "state before the range" in dict(chunked.facts)
    assert one.events == many.events and one.transactions == many.transactions
    assert many.requests > one.requests  # 1, 2, 4, 8 ... blocks a chunk
    records = {dict(f.details)["view"] for f in whole.findings if f.rule_id == "RECORDS"}
    assert records == {f"balanceOf({s.carol})", "totalSupply()"}
