"""Mined transactions: did a transaction that is on chain comply?

The transaction and its receipt are fetched; its calldata and events are decoded with the
templates' ABIs and, when it failed, its revert is recovered by replaying it as a call on the state
of the block before (the chain layer decodes the custom error). Every rule is evaluated against that
state, the state **before** the transaction, at the block time it ran with. Transactions earlier in
the same block are not accounted for: on a node that mines several transactions a block, the state
a transaction really saw may differ from the parent block's (the embedded chain and ``decree8
node`` mine one transaction a block).

RECORDS: for a successful transaction that moved compliant tokens, the balance change of every party
between the two blocks must equal what the ``Transfer`` events of the receipt say, and the change of
the total supply what the issuance events say; any difference is a RECORDS finding.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address
from web3.exceptions import TransactionNotFound

from decree8.check.decode import DecodedEvent
from decree8.check.verdict import Verdict
from decree8.errors import ChainError, TransactionReverted, UsageError
from decree8.hexutil import to_0x
from decree8.report.finding import Finding
from decree8.rules.evaluators import TOKEN, ZERO_ADDRESS, TxContext, movements, prefetch_plan
from decree8.rules.state import StateReader

if TYPE_CHECKING:
    from decree8.check.checker import Checker

__all__ = ["check_tx", "records_findings"]

_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


def check_tx(checker: Checker, tx_hash: str) -> Verdict:
    if not isinstance(tx_hash, str) or not _HASH.match(tx_hash.strip()):
        raise UsageError(f"{tx_hash!r} is not a transaction hash (0x followed by 64 hex digits)")
    tx_hash = tx_hash.strip().lower()
    w3 = checker.chain.w3
    try:
        tx = w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        raise UsageError(f"{tx_hash} is not a transaction on this chain") from None
    if tx.get("blockNumber") is None:
        raise UsageError(f"transaction {tx_hash} is not mined yet")
    if not tx.get("to"):
        raise UsageError(
            f"transaction {tx_hash} deploys a contract; `check tx` checks calls to a template "
            "(use `decree8 verify` for deployments)"
        )
    try:
        receipt = w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        raise UsageError(f"transaction {tx_hash} has no receipt yet") from None

    to = to_checksum_address(tx["to"])
    sender = to_checksum_address(tx["from"])
    contract = checker.contract_at(to)
    data = bytes(tx["input"])
    fn = checker.abis[contract].function_for(data)
    decoded = checker._decoded(
        contract, to, fn, fn.decode(data), sender, int(tx.get("value", 0)), data
    )

    number = int(receipt["blockNumber"])
    timestamp = int(w3.eth.get_block(number)["timestamp"])
    before = max(number - 1, 0)
    state = checker.state_at(before, timestamp)
    ctx = checker.context(
        decoded, source="mined", block=number, timestamp=timestamp, tx_hash=tx_hash
    )
    state.prefetch(prefetch_plan(ctx, state))
    findings = checker.evaluate(ctx, state)

    success = int(receipt["status"]) == 1
    err: TransactionReverted | None = None
    if not success:
        err = _replay(checker, tx, before, tx_hash)
    sim = checker.simulation_from(decoded, err)
    findings = checker.with_simulated_rule(findings, sim, ctx)

    events = checker.decode_logs(receipt["logs"])
    if success:
        after = checker.state_at(number, timestamp)
        findings += records_findings(ctx, state, after, events, checker.token_contracts())
    return Verdict(
        source="mined",
        compliant=not findings,
        findings=tuple(findings),
        simulation=sim,
        decoded=decoded,
        tx_hash=tx_hash,
        block=number,
        timestamp=timestamp,
        events=events,
    )


def _replay(checker: Checker, tx: Any, block: int, tx_hash: str) -> TransactionReverted:
    """The revert of a failed transaction, from replaying it as a call on its parent block."""
    call = {
        "from": to_checksum_address(tx["from"]),
        "to": to_checksum_address(tx["to"]),
        "data": to_0x(tx["input"]),
        "gas": int(tx["gas"]),
    }
    if int(tx.get("value", 0)):
        call["value"] = int(tx["value"])
    try:
        checker.chain.call(call, block=block)
    except TransactionReverted as exc:
        return TransactionReverted(
            name=exc.name, args=exc.args, data=exc.data, tx_hash=tx_hash, signature=exc.signature
        )
    except ChainError:
        pass
    # The replay succeeded (or could not run) where the transaction failed: it ran out of gas.
    return TransactionReverted(name=None, data=b"", tx_hash=tx_hash)


def records_findings(
    ctx: TxContext,
    before: StateReader,
    after: StateReader,
    events: tuple[DecodedEvent, ...],
    token_contracts: set[str] | None = None,
) -> list[Finding]:
    """RECORDS findings: token balances and supply that changed otherwise than the transaction's
    ``Transfer`` events say. ``token_contracts`` names the ERC-20-shaped contracts to check
    (default: the compliant-token template only)."""
    kinds = token_contracts or {TOKEN}
    nets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    minted: dict[str, int] = defaultdict(int)
    kind_of: dict[str, str] = {}
    for event in events:
        if event.contract not in kinds or event.name != "Transfer":
            continue
        kind_of[event.address] = str(event.contract)
        token, value = event.address, int(event.args["value"])
        src, dst = str(event.args["from"]), str(event.args["to"])
        if src == ZERO_ADDRESS:
            minted[token] += value
        else:
            nets[token][src] -= value
        if dst == ZERO_ADDRESS:
            minted[token] -= value
        else:
            nets[token][dst] += value
    parties: dict[str, set[str]] = defaultdict(set)
    for token, net in nets.items():
        parties[token].update(net)
    for mv in movements(ctx, before):
        parties[mv.token].update(p for p in (mv.sender, mv.receiver) if p != ZERO_ADDRESS)
        kind_of.setdefault(mv.token, TOKEN)
    if ctx.contract in kinds:
        parties[ctx.address].update(
            str(v) for k, v in ctx.args.items() if k in ("from", "to") and v != ZERO_ADDRESS
        )
        parties[ctx.address].add(ctx.sender)
        kind_of[ctx.address] = ctx.contract

    reads = [
        (token, kind_of.get(token, TOKEN), "balanceOf", (party,))
        for token in parties
        for party in parties[token]
    ] + [(token, kind_of.get(token, TOKEN), "totalSupply", ()) for token in parties]
    before.prefetch(reads)
    after.prefetch(reads)
    out: list[Finding] = []
    for token in sorted(parties):
        for party in sorted(parties[token]):
            old = int(before.call(token, kind_of.get(token, TOKEN), "balanceOf", party))
            new = int(after.call(token, kind_of.get(token, TOKEN), "balanceOf", party))
            recorded = nets[token].get(party, 0) if token in nets else 0
            if new - old != recorded:
                out.append(
                    ctx.finding(
                        "RECORDS",
                        f"the balance of {party} in token {token} changed by {new - old}, but the "
                        f"Transfer events record {recorded}",
                        parties=[("holder", party)],
                        details={"token": token, "change": new - old, "recorded": recorded},
                    )
                )
        supply_old = int(before.call(token, kind_of.get(token, TOKEN), "totalSupply"))
        supply_new = int(after.call(token, kind_of.get(token, TOKEN), "totalSupply"))
        if supply_new - supply_old != minted.get(token, 0):
            out.append(
                ctx.finding(
                    "RECORDS",
                    f"the total supply of token {token} changed by {supply_new - supply_old}, but "
                    f"the Transfer events record {minted.get(token, 0)}",
                    details={"token": token},
                )
            )
    return out
