"""Pre-flight: is an unsigned call compliant, before anyone signs it?

The call is decoded with its template's ABI, every rule's evaluator runs against the state at the
chosen block (``latest`` by default) and the call is simulated there with ``eth_call``. The verdict
is compliant when no rule fails and the simulation succeeds. Rules are evaluated at the block time
the simulation sees (read from the EVM itself), so a deadline or an attestation expiring between
that block and the one the transaction is mined in is not foreseen. The state the evaluators need
is read in one batched ``eth_call`` (see :meth:`decree8.rules.state.StateReader.prefetch`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from decree8.check.verdict import CallRequest, Verdict
from decree8.errors import TransactionReverted
from decree8.rules.evaluators import prefetch_plan

if TYPE_CHECKING:
    from decree8.check.checker import Checker

__all__ = ["check_call"]


def check_call(
    checker: Checker, req: CallRequest, block: int | str = "latest", resolve: Any = None
) -> Verdict:
    decoded, data = checker.decode_request(req, resolve)
    number = checker.chain.block_number if isinstance(block, str) else int(block)
    state = checker.state_at(block, None)
    ctx = checker.context(decoded, source="preflight", block=number, timestamp=None)
    state.prefetch(prefetch_plan(ctx, state))
    timestamp = state.timestamp
    ctx = replace(ctx, timestamp=timestamp)
    findings = checker.evaluate(ctx, state)
    tx = {"from": decoded.sender, "to": decoded.address, "data": "0x" + data.hex()}
    if decoded.value:
        tx["value"] = decoded.value  # type: ignore[assignment]
    try:
        checker.chain.call(tx, block=block)  # type: ignore[arg-type]
        err = None
    except TransactionReverted as exc:
        err = exc
    sim = checker.simulation_from(decoded, err)
    findings = checker.with_simulated_rule(findings, sim, ctx)
    return Verdict(
        source="preflight",
        compliant=not findings and sim.success,
        findings=tuple(findings),
        simulation=sim,
        decoded=decoded,
        block=number,
        timestamp=timestamp,
    )
