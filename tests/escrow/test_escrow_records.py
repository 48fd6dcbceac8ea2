"""RECORDS: the escrow's events alone rebuild its deal book, credits and locked totals."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from web3.logs import DISCARD

from support import (
    COMPLETED,
    DAY,
    DISPUTED,
    ETH,
    FUNDED,
    OPEN,
    REFUNDED,
    RESOLVED,
    System,
    ref,
)

ONE = 10**18
ORDER = ref("order-9")


def _rebuild(
    s: System,
) -> tuple[dict[int, dict[str, Any]], dict[tuple[str, str], int], dict[str, int]]:
    """Replays every escrow event since deployment into (deals, credits, locked)."""
    deals: dict[int, dict[str, Any]] = {}
    credits: dict[tuple[str, str], int] = defaultdict(int)
    locked: dict[str, int] = defaultdict(int)
    logs = s.chain.get_logs(address=s.escrow.address, from_block=0)
    by_topic = {}
    for entry in s.escrow.abi:
        if entry["type"] == "event":
            event = s.contract(s.escrow).events[entry["name"]]()
            by_topic[bytes(s.chain.w3.keccak(text=event.abi_element_identifier))] = event
    for log in logs:
        known = by_topic.get(bytes(log["topics"][0]))
        if known is None:
            continue
        (decoded,) = known.process_receipt({"logs": [log]}, errors=DISCARD)
        name, a = decoded["event"], decoded["args"]
        if name == "DealOpened":
            deals[a["dealId"]] = {
                "partyA": a["partyA"],
                "partyB": a["partyB"],
                "assetA": a["assetA"],
                "amountA": a["amountA"],
                "assetB": a["assetB"],
                "amountB": a["amountB"],
                "deadline": a["deadline"],
                "purpose": a["purpose"],
                "termsHash": bytes(a["dealTermsHash"]),
                "state": OPEN,
                "acceptedA": False,
                "acceptedB": False,
                "fundedA": False,
                "fundedB": False,
                "frozen": False,
            }
        elif name == "DealAccepted":
            d = deals[a["dealId"]]
            d["acceptedA" if a["party"] == d["partyA"] else "acceptedB"] = True
        elif name == "LegFunded":
            d = deals[a["dealId"]]
            d["fundedA" if a["leg"] == 0 else "fundedB"] = True
            locked[a["asset"]] += a["amount"]
            if d["fundedA"] and (d["amountB"] == 0 or d["fundedB"]):
                d["state"] = FUNDED
        elif name in (
            "DealCompleted",
            "DealRefunded",
            "DealDisputed",
            "DealResolved",
            "FundsDirected",
        ):
            deals[a["dealId"]]["state"] = {
                "DealCompleted": COMPLETED,
                "DealRefunded": REFUNDED,
                "DealDisputed": DISPUTED,
                "DealResolved": RESOLVED,
                "FundsDirected": RESOLVED,
            }[name]
        elif name in ("DealFrozen", "DealUnfrozen"):
            deals[a["dealId"]]["frozen"] = name == "DealFrozen"
        elif name == "Credited":
            credits[(a["account"], a["asset"])] += a["amount"]
            locked[a["asset"]] -= a["amount"]
        elif name == "Withdrawn":
            credits[(a["account"], a["asset"])] -= a["amount"]
        elif name == "CreditDirected":
            credits[(a["account"], a["asset"])] -= a["amount"]
            credits[(a["recipient"], a["asset"])] += a["amount"]
    return deals, credits, locked


def test_events_rebuild_the_deal_book_credits_and_locked_totals(system: System) -> None:
    s = system
    done = s.ready(s.alice, s.carol, ETH, ONE, s.token.address, 2 * ONE)
    s.esc("complete", done, sender=s.carol)
    resolved = s.ready(s.bob, s.alice, s.plain.address, 3 * ONE)
    s.esc("dispute", resolved, ref("late"), sender=s.alice)
    s.esc("resolve", resolved, 2_500, ref("ruling"), sender=s.operator)
    seized = s.ready(s.carol, s.bob, ETH, ONE)
    s.esc("freezeDeal", seized, ORDER, sender=s.legal)
    s.esc("directFunds", seized, s.enforcer, ORDER, sender=s.legal)
    thawed = s.open(s.alice, s.bob, s.plain.address, ONE, ETH, ONE)
    s.fund(thawed, s.alice)
    s.esc("freezeDeal", thawed, ORDER, sender=s.legal)
    s.esc("unfreezeDeal", thawed, ORDER, sender=s.legal)
    expired = s.ready(s.bob, s.carol, s.token.address, ONE, duration=DAY // 2)
    open_funded = s.ready(s.carol, s.alice, ETH, 5, s.plain.address, 7, duration=2 * DAY)
    s.chain.time_travel(DAY)
    s.esc("refund", expired, sender=s.dave)
    s.esc("withdraw", ETH, sender=s.carol)
    s.block(s.alice)
    s.esc("directCredit", s.alice, s.token.address, s.enforcer, ORDER, sender=s.legal)

    deals, credits, locked = _rebuild(s)

    assert sorted(deals) == list(range(1, s.view(s.escrow, "dealCount") + 1))
    assert deals[open_funded]["state"] == FUNDED and deals[thawed]["state"] == OPEN
    for deal_id, rebuilt in deals.items():
        assert rebuilt == s.deal(deal_id), deal_id
    accounts = {s.alice, s.bob, s.carol, s.enforcer}
    for asset in (ETH, s.token.address, s.plain.address):
        assert locked[asset] == s.locked(asset), asset
        assert sum(v for (_, x), v in credits.items() if x == asset) == s.total_credits(asset)
        for account in accounts:
            assert credits[(account, asset)] == s.credit(account, asset), (account, asset)
