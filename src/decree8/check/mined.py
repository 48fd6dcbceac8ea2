"""Mined transactions: did a transaction that is on chain comply?

The transaction and its receipt are fetched; its calldata and events are decoded with the
templates' ABIs and, when it failed, its revert is recovered in its own context where the node
allows (see :mod:`decree8.check.context`). Every rule in force at its block's time is evaluated
against the state **before** the transaction, in its own block: the state at the end of the
block before, at the transaction's block time, with the events of the transactions before it in
the same block applied (:mod:`decree8.check.inblock`). The verdict is VIOLATION when a rule
fails, REFUSED when it reverted for a reason that is no rule in force, else COMPLIANT.

RECORDS: for a successful transaction that moved compliant tokens, the balance change of every party
between the two blocks must equal what the ``Transfer`` events of the receipt say, and the change of
the total supply what the issuance events say; any difference is a RECORDS finding. (When the block
holds other transactions, the change of one transaction cannot be read from the chain: the verdict
notes it, and an audit of the block compares them.)
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from web3.exceptions import TransactionNotFound

from decree8.check.context import BlockContext, block_context, mined_revert
from decree8.check.decode import DecodedEvent
from decree8.check.verdict import DecodedCall, Verdict
from decree8.errors import UsageError
from decree8.hexutil import checksummed
from decree8.rules.evaluators import TOKEN, ZERO_ADDRESS, TxContext, movements, prefetch_plan
from decree8.rules.finding import Finding
from decree8.rules.state import StateReader, StateView, prefetch_together

if TYPE_CHECKING:
    from decree8.check.core import CheckerBase

__all__ = ["check_tx", "records_findings", "state_before"]

_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


def check_tx(checker: CheckerBase, tx_hash: str) -> Verdict:
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

    to = checksummed(tx["to"])
    sender = checksummed(tx["from"])
    contract = checker.contract_at(to)
    data = bytes(tx["input"])
    fn = checker.abis[contract].function_for(data)
    decoded = checker._decoded(
        contract, to, fn, fn.decode(data), sender, int(tx.get("value", 0)), data
    )

    where = block_context(checker.chain, receipt)
    number, timestamp = where.number, where.timestamp
    ctx = checker.context(
        decoded, source="mined", block=number, timestamp=timestamp, tx_hash=tx_hash
    )
    state, notes = state_before(checker, where, decoded)
    success = int(receipt["status"]) == 1
    events = checker.decode_logs(receipt["logs"])
    records = success and where.alone and isinstance(state, StateReader)
    plan = prefetch_plan(ctx, state)
    after: StateReader | None = None
    if records and isinstance(state, StateReader):
        # RECORDS' reads of the state before join the one batched read, and those of the state
        # after are sent with it (one round trip on a JSON-RPC node)
        after = checker.state_at(number, timestamp)
        reads = records_reads(ctx, state, events, checker.token_contracts())
        prefetch_together([(state, [*plan, *reads]), (after, reads)])
    else:
        state.prefetch(plan)
    findings = checker.evaluate(ctx, state)

    revert = None if success else mined_revert(checker.chain, tx, receipt, explain_gas=True)
    sim = checker.simulation_from(decoded, None, timestamp, revert)
    findings = checker.with_simulated_rule(findings, sim, ctx)

    if success:
        if after is not None and isinstance(state, StateReader):
            findings += records_findings(ctx, state, after, events, checker.token_contracts())
        else:
            notes.append(
                f"block {number} holds {where.count} transactions: the balance changes of this "
                "one alone cannot be read from the chain, so they were not compared with its "
                "Transfer events (an audit of the block compares them)"
            )
    return checker.verdict(
        "mined",
        findings,
        sim,
        decoded,
        timestamp,
        notes,
        tx_hash=tx_hash,
        block=number,
        events=events,
    )


def state_before(
    checker: CheckerBase, where: BlockContext, decoded: DecodedCall | None = None
) -> tuple[StateView, list[str]]:
    """The state a mined transaction ran on, at its own block time: the end of the block before,
    or, when transactions before it in its block emitted events of decree8's contracts, that
    state with their events applied (:mod:`decree8.check.inblock`)."""
    parent = max(where.number - 1, 0)
    if where.before:
        from decree8.check.inblock import in_block_state

        named: list[str] = []
        deals: list[int] = []
        if decoded is not None:
            named = [decoded.sender, decoded.address]
            named += [v for v in decoded.args.values() if isinstance(v, str) and v[:2] == "0x"]
            if "dealId" in decoded.args:
                deals.append(int(decoded.args["dealId"]))
        rebuilt = in_block_state(checker, where, named, deals)
        if rebuilt is not None:
            return rebuilt, [
                f"{len(where.before)} transaction(s) ran before it in block {where.number}: the "
                f"state it ran on was rebuilt from block {parent} and their events"
            ]
    return checker.state_at(parent, where.timestamp), []


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
    nets, minted, kind_of, parties, reads = _records_plan(ctx, before, events, kinds)
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


_Read = tuple[str, str, str, tuple[str, ...]]


def _records_plan(
    ctx: TxContext, before: StateView, events: tuple[DecodedEvent, ...], kinds: set[str]
) -> tuple[
    dict[str, dict[str, int]], dict[str, int], dict[str, str], dict[str, set[str]], list[_Read]
]:
    """What :func:`records_findings` compares: the net changes the ``Transfer`` events record per
    token and party, the supply they mint, the contract of each token, the parties, and the
    reads of balances and supplies it needs (on both sides)."""
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

    reads: list[_Read] = [
        (token, kind_of.get(token, TOKEN), "balanceOf", (party,))
        for token in parties
        for party in parties[token]
    ] + [(token, kind_of.get(token, TOKEN), "totalSupply", ()) for token in parties]
    return nets, minted, kind_of, parties, reads


def records_reads(
    ctx: TxContext, before: StateView, events: tuple[DecodedEvent, ...], kinds: set[str]
) -> list[_Read]:
    """The reads :func:`records_findings` makes, when they can be known without reading state (a
    call of a token: its movements come from its arguments), so they join the check's one batched
    read of the state before; else none."""
    if ctx.contract not in kinds:
        return []
    return _records_plan(ctx, before, events, kinds)[4]
