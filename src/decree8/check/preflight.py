"""Pre-flight: is an unsigned call compliant, before anyone signs it?

The call is decoded with its template's ABI, every rule's evaluator runs against the state it
would run on and the call is simulated there with ``eth_call``. By default that is the context
of the next block: the node's ``pending`` block, with the next block's number and time, so an
attestation that expires or a deadline that passes at the next block's time is foreseen (exactly
on the in-process chains; on a node that stamps blocks with the wall clock, the time the node
would give a block mined now). With an explicit block the state and time of that block are used.
The rules applied are those in force at that time. The verdict is COMPLIANT when no rule fails
and the simulation succeeds, VIOLATION when a rule fails, REFUSED when the simulation reverts for
a reason that is no rule in force. The state the evaluators need is read in one batched
``eth_call`` (see :meth:`decree8.rules.state.StateReader.prefetch`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from decree8.check.verdict import CallRequest, Verdict
from decree8.errors import TransactionReverted
from decree8.rules.evaluators import prefetch_plan

if TYPE_CHECKING:
    from decree8.check.core import CheckerBase

__all__ = ["check_call"]

#: The block tag whose state and time a pre-flight check uses by default: the next block's.
NEXT_BLOCK = "pending"


def check_call(
    checker: CheckerBase, req: CallRequest, block: int | str = "latest", resolve: Any = None
) -> Verdict:
    decoded, data = checker.decode_request(req, resolve)
    if isinstance(block, str):
        at: int | str = NEXT_BLOCK
        number = checker.chain.block_number + 1
    else:
        at = number = int(block)
    state = checker.state_at(at, None)
    ctx = checker.context(decoded, source="preflight", block=number, timestamp=None)
    state.prefetch(prefetch_plan(ctx, state))
    timestamp = state.timestamp
    ctx = replace(ctx, timestamp=timestamp)
    findings = checker.evaluate(ctx, state)
    tx = {"from": decoded.sender, "to": decoded.address, "data": "0x" + data.hex()}
    if decoded.value:
        tx["value"] = decoded.value  # type: ignore[assignment]
    try:
        checker.chain.call(tx, block=at)  # type: ignore[arg-type]
        err = None
    except TransactionReverted as exc:
        err = exc
    sim = checker.simulation_from(decoded, err, timestamp)
    findings = checker.with_simulated_rule(findings, sim, ctx)
    return checker.verdict("preflight", findings, sim, decoded, timestamp, block=number)
