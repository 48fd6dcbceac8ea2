"""The transaction's own context, exactly at the boundaries: for random attestation expiries,
deal deadlines and block times, the pre-flight verdict (next block's context) and the mined
verdict (the transaction's own block) agree with what the chain did, also when the transaction is
mined at exactly ``validUntil`` or at exactly the deadline; several transactions per block on a
Hardhat node."""

from __future__ import annotations

from typing import Any

import pytest
from eth_typing import HexStr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3
from web3.types import TxParams

from decree8.check import CallRequest, Verdict
from decree8.errors import TransactionReverted
from decree8.report.text_check import verdict_text
from decree8.rules import load_pack
from support import DEAL_TERMS, GAS, INDIVIDUAL, PURPOSE_GIFT, System

PACK = load_pack()
AHEAD = 1_000  # the checked block's time, seconds after the latest block


def _agree(pre: Verdict, mined: Verdict, reverted: TransactionReverted | None) -> None:
    """Pre-flight and mined verdicts are the same, and match what the chain did."""
    shown = f"pre-flight:\n{verdict_text(pre)}\nmined:\n{verdict_text(mined)}\nchain: {reverted}"
    assert pre.verdict == mined.verdict, shown
    assert pre.rule_ids == mined.rule_ids, shown
    assert (pre.verdict == "compliant") == (reverted is None), shown
    if reverted is not None:
        # Both the chain layer and the mined check recover the revert in the transaction's own
        # block (a replay on the block before would not fail at the expiry: "out of gas").
        assert mined.simulation.name is not None, shown
        assert mined.simulation.name == pre.simulation.name == reverted.name, shown
        assert mined.simulation.error is not None and "out of gas" not in mined.simulation.error
        code = mined.simulation.args.get("code")
        if mined.simulation.name in ("TransferRestricted", "DealRestricted") and code:
            assert PACK.by_code(int(code)).id in mined.rule_ids, shown


def _send(s: System, call: CallRequest) -> tuple[str, TransactionReverted | None]:
    dep = s.token if call.to == s.token.address else s.escrow
    data = dep.bind(s.chain).encode_abi(str(call.function), args=list(call.args))
    tx = {"from": call.sender, "to": call.to, "data": data}
    try:
        receipt = s.chain.transact(tx, gas=GAS)
    except TransactionReverted as err:
        assert err.tx_hash
        return err.tx_hash, err
    return "0x" + bytes(receipt["transactionHash"]).hex(), None


def _check_at(s: System, call: CallRequest, when: int) -> None:
    s.chain.set_next_timestamp(when)
    pre = s.checker.check_call(call)
    assert pre.timestamp == when, "pre-flight runs in the next block's context"
    tx_hash, reverted = _send(s, call)
    mined = s.checker.check_tx(tx_hash)
    assert mined.timestamp == when
    _agree(pre, mined, reverted)


def _expiry_case(s: System, expiry: int, kind: str) -> None:
    """``validUntil`` is the first second the attestation is void: a transfer mined exactly then
    is refused under HOLDER-IDENTIFIED, and both checks say so."""
    with s.snapshot():
        when = s.now() + AHEAD
        holder = s.spare[0]
        until = when + expiry
        kyc = bytes(Web3.keccak(text="kyc:spare"))
        s.reg("attest", holder, INDIVIDUAL, b"BY", until, kyc, 2)
        s.accept_token_terms(holder)
        if kind == "gift":
            call = CallRequest(
                s.token.address, s.alice, "transferWithPurpose", [holder, 1, PURPOSE_GIFT]
            )
        else:  # an individual whose attestation expires sends to an entity
            s.tok("transferWithPurpose", holder, 5, PURPOSE_GIFT, sender=s.alice)
            call = CallRequest(s.token.address, holder, "transfer", [s.carol, 1])
        _check_at(s, call, when)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(expiry=st.integers(-2, 2), kind=st.sampled_from(["gift", "entity"]))
def test_a_transfer_at_the_attestation_expiry(s: System, expiry: int, kind: str) -> None:
    _expiry_case(s, expiry, kind)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    deadline=st.integers(-2, 2),
    step=st.sampled_from(["complete", "refund", "refund-stranger", "dispute"]),
)
def test_deal_steps_at_the_deadline(s: System, deadline: int, step: str) -> None:
    """Completing or disputing at or after the deadline, and refunding before it, are
    FUNDS-RETURN findings; the other side of each boundary is compliant."""
    with s.snapshot():
        when = s.now() + AHEAD
        deal = s.open_deal(s.carol, s.bob, amount_a=10**15, deadline_in=AHEAD + deadline)
        s.esc("fund", deal, sender=s.carol, value=10**15)
        sender = s.dave if step == "refund-stranger" else s.carol
        fn = step.split("-")[0]
        args: list[Any] = [deal, DEAL_TERMS] if fn == "dispute" else [deal]
        _check_at(s, CallRequest(s.escrow.address, sender, fn, args), when)


# -- several transactions in one block (Hardhat, automine off) -------------------------------------


def _pending(s: System, dep: Any, fn: str, *args: Any, sender: str) -> str:
    data = dep.bind(s.chain).encode_abi(fn, args=list(args))
    tx: TxParams = {"from": sender, "to": dep.address, "data": data, "gas": GAS}
    return "0x" + bytes(s.chain.w3.eth.send_transaction(tx)).hex()


@pytest.mark.backends("hardhat")
def test_several_transactions_in_one_block_are_checked_after_the_ones_before(
    s: System,
) -> None:
    """In one block: the registrar revokes bob, alice gifts bob tokens (refused: bob is no longer
    identified), bob is attested again, alice gifts him again (compliant). Each transfer is judged
    on the state the transactions before it left."""
    with s.snapshot():
        kyc = bytes(Web3.keccak(text="kyc:bob-again"))
        until = s.now() + 10 * AHEAD
        s.chain.request("evm_setAutomine", [False])
        try:
            revoke = _pending(s, s.registry, "revoke", s.bob, kyc, sender=s.operator)
            refused = _pending(
                s, s.token, "transferWithPurpose", s.bob, 1, PURPOSE_GIFT, sender=s.alice
            )
            _pending(
                s, s.registry, "attest", s.bob, INDIVIDUAL, b"BY", until, kyc, 2, sender=s.operator
            )
            again = _pending(
                s, s.token, "transferWithPurpose", s.bob, 2, PURPOSE_GIFT, sender=s.alice
            )
            s.chain.request("evm_mine", [])
        finally:
            s.chain.request("evm_setAutomine", [True])
        receipts = [
            s.chain.w3.eth.get_transaction_receipt(HexStr(h)) for h in (revoke, refused, again)
        ]
        assert len({r["blockNumber"] for r in receipts}) == 1
        assert [r["status"] for r in receipts] == [1, 0, 1]

        first = s.checker.check_tx(refused)
        assert first.verdict == "violation" and first.rule_ids == ("HOLDER-IDENTIFIED",)
        assert first.simulation.name == "TransferRestricted"
        assert first.simulation.recovered_by == "trace"
        assert any("ran before it in block" in note for note in first.notes)
        second = s.checker.check_tx(again)
        assert second.verdict == "compliant", verdict_text(second)


@settings(
    max_examples=8,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    expiry=st.integers(-1, 1),
    revoke_first=st.booleans(),
    amounts=st.lists(st.integers(1, 3), min_size=1, max_size=3),
)
@pytest.mark.backends("hardhat")
def test_blocks_of_several_transactions_at_the_expiry(
    s: System, expiry: int, revoke_first: bool, amounts: list[int]
) -> None:
    """One block at time T holds (maybe) a revocation and several gifts to a holder whose
    attestation expires around T. Each gift is checked pre-flight just before it is sent (the
    node's pending block holds the ones before it) and after mining (in its own block, after the
    ones before it): both verdicts agree with what the chain did."""
    with s.snapshot():
        holder = s.spare[1]
        when = s.now() + AHEAD
        kyc = bytes(Web3.keccak(text="kyc:spare-1"))
        s.reg("attest", holder, INDIVIDUAL, b"BY", when + expiry, kyc, 2)
        s.accept_token_terms(holder)
        checks: list[tuple[Verdict, str]] = []
        s.chain.request("evm_setAutomine", [False])
        try:
            s.chain.set_next_timestamp(when)
            if revoke_first:
                _pending(s, s.registry, "revoke", holder, kyc, sender=s.operator)
            for amount in amounts:
                args = [holder, amount, PURPOSE_GIFT]
                call = CallRequest(s.token.address, s.alice, "transferWithPurpose", args)
                pre = s.checker.check_call(call)
                checks.append(
                    (pre, _pending(s, s.token, "transferWithPurpose", *args, sender=s.alice))
                )
            s.chain.request("evm_mine", [])
        finally:
            s.chain.request("evm_setAutomine", [True])
        for pre, tx_hash in checks:
            receipt = s.chain.w3.eth.get_transaction_receipt(HexStr(tx_hash))
            mined = s.checker.check_tx(tx_hash)
            shown = f"{verdict_text(pre)}\n---\n{verdict_text(mined)}"
            assert mined.timestamp == when and pre.timestamp == when, shown
            assert pre.verdict == mined.verdict and pre.rule_ids == mined.rule_ids, shown
            assert (mined.verdict == "compliant") == (receipt["status"] == 1), shown
            if receipt["status"] == 0:
                assert mined.rule_ids == ("HOLDER-IDENTIFIED",), shown
