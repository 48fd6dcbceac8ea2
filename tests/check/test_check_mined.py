"""`check_tx`: mined transactions of the token, the registry and the escrow, successful and failed
(status 0, sent with explicit gas), checked against the state before them."""

from __future__ import annotations

import pytest
from eth_typing import HexStr

from decree8.check.mined import records_findings
from decree8.errors import UsageError
from decree8.report.text_check import verdict_text
from support import CODE, DAY, DEAL_TERMS, ISSUED, PURPOSE_GIFT, System, ref


def test_successful_token_transfer(s: System) -> None:
    h = s.send_raw(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)
    v = s.checker.check_tx(h)
    assert v.compliant, verdict_text(v)
    assert v.source == "mined" and v.tx_hash == h and v.simulation.success
    assert v.decoded.function == "transferWithPurpose"
    assert [e.name for e in v.events] == ["Transfer", "TransferPurposeStated"]
    assert v.events[0].args == {"from": s.alice, "to": s.bob, "value": 5}


def test_failed_token_transfer_is_explained_by_its_rule(s: System) -> None:
    h = s.send_raw(s.token, "transfer", s.dave, 5, sender=s.alice)
    receipt = s.chain.w3.eth.get_transaction_receipt(HexStr(h))
    assert receipt["status"] == 0
    v = s.checker.check_tx(h)
    assert not v.compliant
    assert v.rule_ids == ("HOLDER-IDENTIFIED", "TERMS-ACCEPTED")
    assert v.simulation.name == "TransferRestricted"
    assert v.simulation.code == CODE["HOLDER-IDENTIFIED"]
    assert v.simulation.rule_id == "HOLDER-IDENTIFIED"
    assert v.events == ()
    assert all(f.tx_hash == h and f.block == v.block and f.source == "mined" for f in v.findings)


def test_rules_are_evaluated_on_the_state_before_the_transaction(s: System) -> None:
    # Bob is blocked by the transaction itself: before it, he was not, so the block is compliant.
    h = s.send_raw(s.registry, "blockAddress", s.bob, ref("D48-1"), sender=s.operator)
    v = s.checker.check_tx(h)
    assert v.compliant, verdict_text(v)
    assert [e.name for e in v.events] == ["AddressBlocked"]


def test_failed_registry_call(s: System) -> None:
    h = s.send_raw(s.registry, "blockAddress", s.bob, ref("D48-1"), sender=s.alice)
    v = s.checker.check_tx(h)
    assert v.rule_ids == ("ILLICIT-ADDRESS",)
    assert v.simulation.name == "AccessControlUnauthorizedAccount"
    assert v.simulation.rule_id == "ILLICIT-ADDRESS"


def test_successful_and_failed_escrow_calls(s: System) -> None:
    deal = s.open_deal(s.alice, s.carol)
    s.esc("acceptDeal", deal, DEAL_TERMS, sender=s.carol)  # B is paid only if it accepted
    h = s.send_raw(s.escrow, "fund", deal, sender=s.alice, value=10**18)
    v = s.checker.check_tx(h)
    assert v.compliant and v.decoded.value == 10**18
    assert [e.name for e in v.events] == ["LegFunded"]
    s.chain.time_travel(2 * DAY)
    h = s.send_raw(s.escrow, "complete", deal, sender=s.alice)
    v = s.checker.check_tx(h)
    assert v.rule_ids == ("FUNDS-RETURN",)
    assert v.simulation.name == "DeadlinePassed" and v.simulation.rule_id == "FUNDS-RETURN"


#: How each backend gives back a mined transaction's revert (decree8.chain.replay.RECOVERED_BY).
RECOVERED_BY = {"embedded": "block replay", "revm": "receipt", "hardhat": "trace"}


def test_failed_transaction_without_a_rule_is_refused_with_its_reason(
    s: System, backend: str
) -> None:
    h = s.send_raw(s.token, "transfer", s.carol, ISSUED + 1, sender=s.alice)
    v = s.checker.check_tx(h)
    assert v.verdict == "refused" and not v.compliant and v.rule_ids == ()
    assert not v.simulation.success and v.simulation.name == "ERC20InsufficientBalance"
    assert v.simulation.recovered_by == RECOVERED_BY[backend]
    text = verdict_text(v)
    assert text.startswith("REFUSED: the call reverted with ERC20InsufficientBalance(")
    assert "no rule in force applies" in text and "COMPLIANT" not in text
    assert v.to_dict()["refusal"].startswith("ERC20InsufficientBalance(")


#: How each backend shows that a transaction ran out of gas (decree8.chain.replay): py-evm reports
#: the halt in the embedded chain's block replay; elsewhere the call, replayed on the block before,
#: reverts without data with the transaction's own gas and succeeds with more.
OUT_OF_GAS_EVIDENCE = {
    "embedded": "py-evm reports it in the block replay",
    "revm": "gas, it succeeds",
    "hardhat": "gas, it succeeds",
}


def test_out_of_gas_transaction(s: System, backend: str) -> None:
    # the token's call to the registry runs out of gas; the token then reverts without data,
    # leaving a 64th of the gas unused, so "it used all its gas" alone would not show it
    h = s.send_raw(s.token, "transfer", s.carol, 5, sender=s.alice, gas=30_000)
    v = s.checker.check_tx(h)
    assert not v.simulation.success and v.simulation.name is None
    assert v.simulation.recovered_by == RECOVERED_BY[backend]
    error = v.simulation.error or ""
    assert "ran out of gas" in error and OUT_OF_GAS_EVIDENCE[backend] in error, error


def test_revert_without_data_that_more_gas_does_not_change_is_not_out_of_gas(
    s: System, backend: str
) -> None:
    # ether sent to a function that takes none: a revert without data, whatever the gas
    h = s.send_raw(s.token, "transfer", s.carol, 5, sender=s.alice, value=1, gas=30_000)
    v = s.checker.check_tx(h)
    assert not v.simulation.success and v.simulation.name is None and not v.simulation.data
    assert "out of gas" not in (v.simulation.error or ""), v.simulation.error
    assert "reverted without data" in (v.simulation.error or "")


def test_records_mismatch_between_balances_and_events_is_a_finding(s: System) -> None:
    h = s.send_raw(s.token, "transfer", s.carol, 5, sender=s.alice)
    v = s.checker.check_tx(h)
    assert v.compliant
    # The same transaction, as if its Transfer event had not been emitted.
    ctx = s.checker.context(
        v.decoded, source="mined", block=v.block, timestamp=v.timestamp, tx_hash=h
    )
    assert v.block is not None and v.timestamp is not None  # a mined transaction's verdict
    before = s.checker.state_at(v.block - 1, v.timestamp)
    after = s.checker.state_at(v.block, v.timestamp)
    found = records_findings(ctx, before, after, events=())
    assert {f.rule_id for f in found} == {"RECORDS"}
    assert {dict(f.parties)["holder"] for f in found} == {s.alice, s.carol}


def test_a_hash_that_is_not_a_transaction_is_bad_input(s: System) -> None:
    with pytest.raises(UsageError, match="not a transaction"):
        s.checker.check_tx("0x" + "ab" * 32)
    with pytest.raises(UsageError, match="not a transaction hash"):
        s.checker.check_tx("0x1234")
