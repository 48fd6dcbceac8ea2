"""A deal escrow's state, rebuilt from its events (see :mod:`decree8.history.contracts`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from decree8.history.contracts import ESCROW_ROLES, ContractState, TermsState, View
from decree8.history.events import Event
from decree8.rules.evaluators import ESCROW, ZERO_ADDRESS
from decree8.rules.solidity import Deal, DealState

__all__ = ["EscrowState"]

#: The deal state each event leaves a deal in (funding: see ``EscrowState._deal_change``).
_STATE_OF = {
    "DealCompleted": int(DealState.COMPLETED),
    "DealRefunded": int(DealState.REFUNDED),
    "DealDisputed": int(DealState.DISPUTED),
    "DealResolved": int(DealState.RESOLVED),
    "FundsDirected": int(DealState.RESOLVED),
}


@dataclass
class EscrowState(ContractState):
    """A deal escrow."""

    kind: str = ESCROW
    registry: str = ZERO_ADDRESS
    deals: dict[int, Deal] = field(default_factory=dict)
    deal_count: int = 0
    credits: dict[tuple[str, str], int] = field(default_factory=dict)  # (asset, account)
    total_credits: dict[str, int] = field(default_factory=dict)
    locked: dict[str, int] = field(default_factory=dict)
    withdrawn: dict[str, int] = field(default_factory=dict)
    paused: bool = False
    terms: TermsState = field(default_factory=TermsState)
    accounts: set[str] = field(default_factory=set)
    assets: set[str] = field(default_factory=lambda: {ZERO_ADDRESS})

    def _add(self, table: dict[Any, int], key: Any, amount: int) -> None:
        table[key] = table.get(key, 0) + amount

    def _apply(self, event: Event) -> None:
        name, a = event.name, event.args
        if name == "DealOpened":
            self._open(a)
        elif name in ("Credited", "Withdrawn", "CreditDirected"):
            self._credit_event(name, a)
        elif name in ("Paused", "Unpaused"):
            self.paused = name == "Paused"
        elif not self.terms.apply(event):
            deal_id = int(a.get("dealId", 0))
            deal = self.deals.get(deal_id)
            if deal is not None:
                self.deals[deal_id] = deal._replace(**self._deal_change(name, a, deal))

    def _open(self, a: Mapping[str, Any]) -> None:
        deal_id = int(a["dealId"])
        self.deals[deal_id] = Deal(
            party_a=a["partyA"],
            deadline=int(a["deadline"]),
            purpose=int(a["purpose"]),
            state=int(DealState.OPEN),
            frozen=False,
            party_b=a["partyB"],
            accepted_a=True,
            accepted_b=False,
            funded_a=False,
            funded_b=False,
            asset_a=a["assetA"],
            asset_b=a["assetB"] if int(a["amountB"]) else ZERO_ADDRESS,
            amount_a=int(a["amountA"]),
            amount_b=int(a["amountB"]),
            terms_hash=bytes(a["dealTermsHash"]),
        )
        self.deal_count = max(self.deal_count, deal_id)
        self.accounts.update((a["partyA"], a["partyB"]))
        self.assets.update((a["assetA"], a["assetB"]))

    def _deal_change(self, name: str, a: Mapping[str, Any], deal: Deal) -> dict[str, Any]:
        """The fields of ``deal`` that the event ``name`` (with arguments ``a``) changes."""
        if name == "DealAccepted":
            return {
                "accepted_a": deal.accepted_a or a["party"] == deal.party_a,
                "accepted_b": deal.accepted_b or a["party"] == deal.party_b,
            }
        if name == "LegFunded":
            self._add(self.locked, a["asset"], int(a["amount"]))
            self.assets.add(a["asset"])
            funded_a = deal.funded_a or int(a["leg"]) == 0
            funded_b = deal.funded_b or int(a["leg"]) != 0
            state = deal.state
            if funded_a and (deal.amount_b == 0 or funded_b):
                state = int(DealState.FUNDED)
            return {"funded_a": funded_a, "funded_b": funded_b, "state": state}
        if name == "FundsDirected":
            self.accounts.add(a["recipient"])
        if name in _STATE_OF:
            return {"state": _STATE_OF[name]}
        if name in ("DealFrozen", "DealUnfrozen"):
            return {"frozen": name == "DealFrozen"}
        return {}

    def _credit_event(self, name: str, a: Mapping[str, Any]) -> None:
        asset, amount = a["asset"], int(a["amount"])
        self.assets.add(asset)
        if name == "Credited":
            self._add(self.credits, (asset, a["account"]), amount)
            self._add(self.total_credits, asset, amount)
            self._add(self.locked, asset, -amount)
            self.accounts.add(a["account"])
        elif name == "Withdrawn":
            self._add(self.credits, (asset, a["account"]), -amount)
            self._add(self.total_credits, asset, -amount)
            self._add(self.withdrawn, asset, amount)
            self.accounts.add(a["account"])
        else:  # CreditDirected
            self._add(self.credits, (asset, a["account"]), -amount)
            self._add(self.credits, (asset, a["recipient"]), amount)
            self.accounts.update((a["account"], a["recipient"]))

    def credit(self, account: str, asset: str) -> int:
        return self.credits.get((asset, account), 0)

    def role_names(self) -> Sequence[str]:
        return ESCROW_ROLES

    def views(self, holders: Iterable[str]) -> dict[View, Any]:
        holders = sorted(set(holders))
        out = super().views(holders)
        out[("dealCount", ())] = self.deal_count
        out[("paused", ())] = self.paused
        out.update(self.terms.views(holders))
        for deal_id, deal in sorted(self.deals.items()):
            out[("dealOf", (deal_id,))] = tuple(deal)
        accounts = sorted(self.accounts | set(holders))
        for asset in sorted(self.assets):
            out[("totalCredits", (asset,))] = self.total_credits.get(asset, 0)
            out[("lockedIn", (asset,))] = self.locked.get(asset, 0)
            for account in accounts:
                out[("creditOf", (account, asset))] = self.credit(account, asset)
        return out

    def load(self, fn: str, args: tuple[Any, ...], value: Any) -> None:
        if self.terms.load(fn, args, value):
            return
        if fn == "dealCount":
            self.deal_count = int(value)
        elif fn == "paused":
            self.paused = bool(value)
        elif fn == "dealOf":
            if value is not None:
                self.deals[int(args[0])] = Deal(*value)
        elif fn == "totalCredits":
            self.total_credits[str(args[0])] = int(value)
        elif fn == "lockedIn":
            self.locked[str(args[0])] = int(value)
        elif fn == "creditOf":
            if int(value):
                self.credits[(str(args[1]), str(args[0]))] = int(value)
        else:
            super().load(fn, args, value)
