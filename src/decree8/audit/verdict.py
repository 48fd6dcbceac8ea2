"""What an audit concludes at its end block: the end-block and RECORDS checks, the failed
transactions explained by their reverts, and the checks and facts of the report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from decree8.audit.batch import Read
from decree8.audit.contracts import _call_text, _same, _show
from decree8.check.decode import ContractAbi
from decree8.errors import UsageError
from decree8.history import (
    LogSource,
    TxInfo,
    World,
)
from decree8.result import Check, Finding
from decree8.rules.evaluators import (
    rule_for_error,
)
from decree8.rules.pack import RulePack
from decree8.rules.solidity import UNFINISHED
from decree8.templates.params import reference_text

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = ["REFUSALS_LISTED", "Refusal", "AuditStats"]

#: Refused transactions listed one by one in the report's facts (the rest are counted).
REFUSALS_LISTED = 20


@dataclass(frozen=True)
class Refusal:
    """A failed transaction to an audited contract, explained."""

    tx_hash: str
    block: int
    contract: str
    function: str
    error: str
    rule_id: str | None
    rule_not_in_force: str | None = None

    @property
    def label(self) -> str:
        """``(P2P-SALE)`` for a refusal under a rule in force, else ``REFUSED (no rule ...)``."""
        if self.rule_id is not None:
            return f"({self.rule_id})"
        if self.rule_not_in_force is not None:
            return f"REFUSED ({self.rule_not_in_force} was not in force then)"
        return "REFUSED (no rule)"


@dataclass
class AuditStats:
    """Counts and timings of one audit (also summarised in the report's facts)."""

    blocks: int = 0
    logs: int = 0
    events: int = 0
    undecoded: int = 0
    transactions: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    views_compared: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    refusals: list[Refusal] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# End-block checks
# --------------------------------------------------------------------------------------------------


def _end_findings(
    world: World, end: int, end_time: int, pack: RulePack
) -> tuple[list[Finding], int]:
    """FUNDS-RETURN and SUPPLY-CAP at the end block; also the number of deals looked at."""
    out: list[Finding] = []
    deals = 0
    for escrow in world.escrows():
        for deal_id, deal in sorted(escrow.deals.items()):
            deals += 1
            if deal.state not in UNFINISHED or not (deal.funded_a or deal.funded_b):
                continue
            if deal.frozen or deal.deadline > end_time:
                continue
            out.append(
                _at_end(
                    "FUNDS-RETURN",
                    f"deal {deal_id} of escrow {escrow.address} passed its deadline "
                    f"{deal.deadline} and its funded legs were still not returned at block {end} "
                    f"(block time {end_time})",
                    (escrow.address, end, end_time, pack),
                    parties=[("party A", deal.party_a), ("party B", deal.party_b)],
                    details={
                        "deal": deal_id,
                        "deadline": deal.deadline,
                        "funded_a": deal.funded_a,
                        "funded_b": deal.funded_b,
                    },
                )
            )
    out.extend(
        _at_end(
            "SUPPLY-CAP",
            f"the total supply of token {token.address} is {token.supply} at block {end}, "
            f"above its cap {token.cap}",
            (token.address, end, end_time, pack),
            details={"supply": token.supply, "cap": token.cap},
        )
        for token in world.tokens()
        if token.cap and token.supply > token.cap
    )
    return out, deals


def _at_end(
    rule_id: str, message: str, where: tuple[str, int, int, RulePack], **context: Any
) -> Finding:
    """A finding of the audit about ``contract`` at the end block, ``where`` = (contract, end
    block, its time, the pack)."""
    contract, end, end_time, pack = where
    return Finding.for_rule(
        rule_id,
        message,
        pack=pack,
        source="audit",
        contract=contract,
        block=end,
        timestamp=end_time,
        **context,
    )


def _records_findings(
    expected: Mapping[Read, Any],
    actual: Mapping[Read, Any],
    end: int,
    end_time: int,
    pack: RulePack,
) -> list[Finding]:
    out = []
    for read, value in expected.items():
        address, kind, fn, args = read
        found = actual.get(read)
        if _same(fn, value, found):
            continue
        holders = [("holder", str(a)) for a in args if isinstance(a, str) and a.startswith("0x")]
        out.append(
            _at_end(
                "RECORDS",
                f"{kind} {address}: {_call_text(fn, args)} is {_show(found)} on chain at block "
                f"{end}, but its events rebuild {_show(value)}: the state changed without the "
                "event that records it",
                (address, end, end_time, pack),
                function=fn,
                parties=holders,
                details={"view": _call_text(fn, args), "on_chain": found, "rebuilt": value},
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Failed transactions
# --------------------------------------------------------------------------------------------------


def _refusal(chain: Chain, info: TxInfo, kind: str, cabi: ContractAbi, pack: RulePack) -> Refusal:
    """A failed transaction, its revert recovered in its own block's context (see
    :func:`decree8.chain.replay.mined_revert`) and mapped to the rule in force that governs it;
    without one it is a REFUSED transaction."""
    from decree8.chain.replay import mined_revert

    try:
        fn = cabi.function_for(info.data)
        function = fn.name
    except UsageError:
        function = "0x" + info.data[:4].hex()
    tx = {
        "from": info.sender,
        "to": info.to,
        "input": "0x" + info.data.hex(),
        "gas": info.gas,
        "value": info.value,
    }
    rule_id = not_in_force = None
    try:
        receipt = chain.w3.eth.get_transaction_receipt(info.tx_hash)  # type: ignore[arg-type]
        timestamp = int(chain.w3.eth.get_block(info.block)["timestamp"])
        revert = mined_revert(chain, tx, receipt, explain_gas=True)
    except Exception:  # noqa: BLE001 - a node that cannot say leaves the refusal unexplained
        error = "reverted; this node could not tell why"
        return Refusal(info.tx_hash, info.block, str(info.to), function, error, None)
    err = revert.error
    if err.name:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in err.args.items())
        error = f"{err.name}({shown})"
        rule_id = rule_for_error(kind, function, err.name, err.args, pack)
        if rule_id is not None and not pack.in_force(rule_id, timestamp):
            rule_id, not_in_force = None, rule_id
    elif err.data:
        error = f"unknown revert 0x{err.data.hex()}"
    else:
        error = revert.text or "reverted without data"
    return Refusal(info.tx_hash, info.block, str(info.to), function, error, rule_id, not_in_force)


# --------------------------------------------------------------------------------------------------
# Checks and facts
# --------------------------------------------------------------------------------------------------


def _action_rows(counts: Mapping[str, int]) -> list[tuple[str, str, str, int]]:
    """The checks the replay made of every action: (rule, what, scope, how many)."""
    moves = counts["transfer"] + counts["issuance"]
    legs = counts["deal step"] + counts["deal opened"] + counts["withdrawal"]
    legal = counts["legal order"] + counts["forced transfer"]
    return [
        (
            "ILLICIT-ADDRESS",
            f"{moves:,} token movements and {legs:,} deal steps screened against the "
            "illicit-address register",
            "token movements",
            moves + legs,
        ),
        (
            "HOLDER-IDENTIFIED",
            f"{moves:,} token movements and {legs:,} deal steps: every party identified at its "
            "block",
            "token movements",
            moves + legs,
        ),
        (
            "HOLDER-ELIGIBLE",
            f"{moves:,} token movements and {legs:,} deal steps: every identified party eligible "
            "at its block",
            "token movements",
            moves + legs,
        ),
        (
            "TERMS-ACCEPTED",
            f"{moves:,} token receipts: every receiver had accepted the current terms",
            "token movements",
            moves,
        ),
        (
            "P2P-SALE",
            f"{counts['transfer between individuals']:,} transfers between two individuals: each "
            "stated a non-sale purpose or went through a compliant operator",
            "transfers between individuals",
            counts["transfer between individuals"],
        ),
        (
            "LEGAL-ORDER",
            f"{moves:,} token movements checked against freezes; {legal:,} legal-order actions "
            "made by the legal-order role with an order reference",
            "token movements and legal orders",
            moves + legal,
        ),
        (
            "OVERSIGHT-PAUSE",
            f"{moves + legs:,} token movements and deal steps checked against the pause",
            "token movements",
            moves + legs,
        ),
        (
            "ISSUER-HTP",
            f"{counts['issuance']:,} issuances made by the placement agent",
            "issuances",
            counts["issuance"],
        ),
        (
            "SUPPLY-CAP",
            f"{counts['issuance']:,} issuances kept the total supply within the cap",
            "issuances",
            counts["issuance"],
        ),
        (
            "TERMS-BOUND",
            f"{counts['terms acceptance']:,} terms acceptances named the current version and "
            f"hash; {counts['terms amendment']:,} amendments by the terms admin",
            "terms",
            counts["terms acceptance"] + counts["terms amendment"],
        ),
    ]


def _checks(
    world: World,
    counts: Mapping[str, int],
    findings: Sequence[Finding],
    stats: AuditStats,
    deals: int,
    end: int,
) -> tuple[Check, ...]:
    failing = {f.rule_id for f in findings}
    rows = _action_rows(counts)
    rows += [
        (
            "RECORDS",
            f"state of {len(world.contracts)} contracts rebuilt from {stats.events:,} events "
            f"matches {stats.views_compared:,} views read at block {end}",
            "contract state",
            stats.views_compared,
        ),
    ]
    if world.escrows():
        rows += [
            (
                "NOT-PAYMENT",
                f"{counts['deal opened']:,} deals opened: none for payment for goods, works or "
                "services",
                "deals",
                counts["deal opened"],
            ),
            (
                "FUNDS-RETURN",
                f"{deals:,} deals: none funded, past its deadline and unrefunded at block {end}",
                "deals",
                deals,
            ),
        ]
    if counts["registry change"]:
        rows.append(
            (
                "HOLDER-IDENTIFIED",
                f"{counts['registry change']:,} registry changes made by the registrar or "
                "blocklist role, with references",
                "registry changes",
                counts["registry change"],
            )
        )
    refused = Counter(r.rule_id for r in stats.refusals if r.rule_id)
    for rule_id, n in sorted(refused.items()):
        rows.append(
            (rule_id, f"{n:,} transactions refused by the contract under this rule", "refused", n)
        )
    return tuple(
        Check(rule_id, text, scope, count, passed=rule_id not in failing)
        for rule_id, text, scope, count in rows
    )


def _law_facts(
    pack: RulePack, start_time: int, end_time: int, stats: AuditStats
) -> tuple[tuple[str, str], ...]:
    """The version of the law applied: each transaction is judged by the rules in force on its
    block's day (Minsk time); which versions the range spans, and the verdicts of its
    transactions."""
    first, last = pack.law_at(start_time), pack.law_at(end_time)
    facts = [("law applied", "the rules in force at each block's time (no retroactivity)")]
    if first.since == last.since:
        facts.append(("law version", f"{last.label} (the whole range)"))
    else:
        entering = [r for r in last.in_force if r not in first.in_force]
        facts.append(
            (
                "law version",
                f"{first.label} at the first block ({first.day:%d.%m.%Y}) to {last.label} at "
                f"the end block ({last.day:%d.%m.%Y}); in force during the range: "
                + ", ".join(f"{r} ({pack.rule(r).period.describe()})" for r in entering),
            )
        )
    not_yet = list(last.not_yet)
    if not_yet:
        facts.append(("not in force at the end block", ", ".join(not_yet)))
    uncertain = sorted(set(first.uncertain) | set(last.uncertain))
    if uncertain:
        facts.append(
            (
                "approximate entry into force",
                ", ".join(f"{r}: {pack.rule(r).period.describe()}" for r in uncertain),
            )
        )
    refused = sum(1 for r in stats.refusals if r.rule_id is None)
    facts.append(
        (
            "verdicts",
            f"{stats.transactions:,} mined transactions judged by their events; "
            f"{len(stats.refusals) - refused:,} failed under a rule in force (attempted "
            f"violations the contract refused); {refused:,} REFUSED (failed for a reason that is "
            "no rule in force)",
        )
    )
    return tuple(facts)


def _facts(
    world: World,
    stats: AuditStats,
    source: LogSource,
    seeded: Sequence[str],
    legal: Mapping[Read, Any],
    before: int = -1,
) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = []
    for (address, kind, fn, _), value in legal.items():
        label = "issuer HTP registration" if fn == "issuerRegistration" else "operator registration"
        is_bytes = isinstance(value, bytes | bytearray)
        shown = reference_text(bytes(value)) if is_bytes else _show(value)
        facts.append((f"{kind} {address} {label}", shown))
    for token in world.tokens():
        digest, uri = token.terms.versions.get(token.terms.version, (b"", ""))
        facts.append((f"CompliantToken {token.address} cap", str(token.cap)))
        facts.append((f"CompliantToken {token.address} registry", token.registry))
        facts.append(
            (
                f"CompliantToken {token.address} terms",
                f"v{token.terms.version} {_show(digest)} {uri}",
            )
        )
    facts += [
        ("log reading", source.method),
        ("events", f"{stats.events:,} decoded of {stats.logs:,} logs in {stats.blocks:,} blocks"),
        ("chain requests", f"{stats.requests:,}"),
        ("audit time", f"{stats.seconds.get('total', 0.0):.2f} s"),
    ]
    if seeded:
        facts.append(
            (
                "state before the range",
                f"read from the chain at block {before} for " + ", ".join(seeded),
            )
        )
    if stats.undecoded:
        facts.append(("undecoded logs", f"{stats.undecoded:,}"))
    if source.failed_search.startswith("not looked for"):
        facts.append(("failed transactions", source.failed_search))
    else:
        facts.append(("failed transactions", f"{len(stats.refusals):,}"))
        if source.failed_search:
            facts.append(("failed transactions searched", source.failed_search))
    for refusal in stats.refusals[:REFUSALS_LISTED]:
        facts.append(
            (
                f"refused {refusal.tx_hash}",
                f"block {refusal.block}: {refusal.function} -> {refusal.error} {refusal.label}",
            )
        )
    return tuple(facts)
