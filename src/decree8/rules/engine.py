"""Running the evaluators: :func:`evaluate` applies every rule in force to one decoded call.

The evaluators register themselves by rule ID (:data:`decree8.rules.evaluators.EVALUATORS`) when
their modules load: this module loads them all (:mod:`decree8.rules.acts`,
:mod:`decree8.rules.parties`).
"""

from __future__ import annotations

from decree8.rules import acts, parties
from decree8.rules.evaluators import EVALUATORS, TxContext
from decree8.rules.finding import Finding
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack
from decree8.rules.state import StateView

__all__ = ["evaluate"]

#: The modules whose evaluators :func:`evaluate` runs (loaded for their registrations).
RULE_MODULES = (acts, parties)


def evaluate(ctx: TxContext, state: StateView, pack: RulePack | None = None) -> list[Finding]:
    """Every finding of every evaluator for ``ctx``, in rule-pack order, without duplicates.

    Only the law in force at the call's block time applies (``ctx.timestamp``, else the block time
    ``state`` reads at): an evaluator whose rule is not in force then is not run, and a finding an
    evaluator makes of another rule that is not in force is dropped (no retroactivity; see
    :meth:`decree8.rules.pack.RulePack.law_at`)."""
    pack = pack or ctx.pack or load_pack()
    moment = ctx.timestamp if ctx.timestamp is not None else state.timestamp
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for rule, fn in pack.bind(EVALUATORS):
        if not rule.in_force_at(moment):
            continue
        for found in fn(ctx, state):
            key = (found.rule_id, found.message)
            if key not in seen and pack.in_force(found.rule_id, moment):
                seen.add(key)
                out.append(found)
    return out
