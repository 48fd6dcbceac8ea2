"""A hypothesis state machine over the escrow: open, accept, fund, complete, refund, dispute, resolve,
withdraw and time travel, checked step by step against a model of the deal book.

Each rule predicts from the model whether the escrow accepts the call (and with which custom error it
refuses), then checks the chain agrees. Invariants after every step, for every asset: the escrow holds
exactly the funded, unreleased legs plus the credited, unwithdrawn balances; the model's credits equal the
escrow's; every unfinished deal past its deadline can be refunded (FUNDS-RETURN); and no party ends with
more or less than it was owed (wallet = start - deposits + withdrawals - gas fees).

The machine snapshots the chain once per example and reverts to it at teardown. Default runs are small
(`max_examples=15`, 20 steps); `HYPOTHESIS_PROFILE=long` or `-m slow` runs more.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from escrow_helpers import (
    COMPLETED,
    DAY,
    DEAL_TERMS,
    DISPUTED,
    ETH,
    FUNDED,
    OPEN,
    REFUNDED,
    RESOLVED,
    SALE,
    EscrowSystem,
    ref,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from decree8.errors import TransactionReverted

HOUR = 60 * 60
#: Deadlines and time jumps are whole hours apart while a run makes far fewer than 3600 one-second blocks,
#: so "before the deadline" never sits on a boundary the model and the chain could read differently.
DURATIONS = (2 * HOUR, DAY, 2 * DAY)
JUMPS = (HOUR, 6 * HOUR, DAY)
STEP_GAS = 600_000
UNFINISHED = (OPEN, FUNDED, DISPUTED)


@dataclass
class DealModel:
    id: int
    a: str
    b: str
    asset_a: str
    amount_a: int
    asset_b: str
    amount_b: int
    deadline: int
    state: int = OPEN
    accepted_b: bool = False
    funded_a: bool = False
    funded_b: bool = False

    @property
    def two_sided(self) -> bool:
        return self.amount_b != 0

    def legs(self) -> list[tuple[str, str, int]]:
        """(depositor, asset, amount) of every funded leg."""
        legs = []
        if self.funded_a:
            legs.append((self.a, self.asset_a, self.amount_a))
        if self.funded_b:
            legs.append((self.b, self.asset_b, self.amount_b))
        return legs


class EscrowMachine(RuleBasedStateMachine):
    """Drives one deployed :class:`EscrowSystem`; set ``system`` on the class before running."""

    system: ClassVar[EscrowSystem]
    deals = Bundle("deals")

    def __init__(self) -> None:
        super().__init__()
        s = self.system
        self.snap = s.chain.snapshot()
        self.parties = [s.alice, s.bob, s.carol]
        self.assets = [ETH, s.token.address, s.plain.address]
        self.book: dict[int, DealModel] = {}
        self.credits: dict[tuple[str, str], int] = defaultdict(int)
        self.locked: dict[str, int] = defaultdict(int)
        self.deposited: dict[tuple[str, str], int] = defaultdict(int)
        self.owed: dict[tuple[str, str], int] = defaultdict(int)  # everything ever credited
        self.paid: dict[tuple[str, str], int] = defaultdict(int)  # everything withdrawn
        self.fees: dict[str, int] = defaultdict(int)
        self.start = self._wallets(self._read())

    def teardown(self) -> None:
        self.system.chain.revert(self.snap)

    # -- plumbing -------------------------------------------------------------------------------
    def _wallets(self, reading: dict[str, Any]) -> dict[tuple[str, str], int]:
        n = len(self.assets)
        return {
            (p, x): int(reading["balances"][i * n + j])
            for i, p in enumerate(self.parties)
            for j, x in enumerate(self.assets)
        }

    def _now(self) -> int:
        return self.system.chain.timestamp()

    def _send(self, fn: str, *args: Any, sender: str, value: int = 0, error: str | None) -> Any:
        """Sends `fn`; when `error` is None it must succeed, else revert with that custom error."""
        s = self.system
        try:
            receipt = s.esc(fn, *args, sender=sender, value=value, gas=STEP_GAS)
        except TransactionReverted as exc:
            if exc.tx_hash:
                failed = s.chain.w3.eth.get_transaction_receipt(exc.tx_hash)
                self.fees[sender] += failed["gasUsed"] * failed["effectiveGasPrice"]
            assert error is not None, f"{fn}{args} from {sender} reverted: {exc}"
            assert exc.name == error, f"{fn}{args}: expected {error}, got {exc}"
            return None
        self.fees[sender] += receipt["gasUsed"] * receipt["effectiveGasPrice"]
        assert error is None, f"{fn}{args} from {sender} succeeded, expected {error}"
        return receipt

    def _credit(self, account: str, asset: str, amount: int) -> None:
        self.credits[(account, asset)] += amount
        self.owed[(account, asset)] += amount
        self.locked[asset] -= amount

    def _read(self) -> dict[str, Any]:
        """The escrow's books in one call (EscrowProbe), with the model's expired unfinished deals."""
        s = self.system
        now = self._now()
        due = [d.id for d in self.book.values() if d.state in UNFINISHED and now >= d.deadline]
        fn = s.probe.functions.read(s.escrow.address, self.assets, self.parties, list(self.book), due)
        names = [c["name"] for c in fn.abi["outputs"][0]["components"]]
        reading = dict(zip(names, fn.call({"from": s.dave}), strict=True))
        reading["due"] = due
        return reading

    # -- rules ----------------------------------------------------------------------------------
    @rule(
        target=deals,
        pair=st.permutations([0, 1, 2]).map(lambda p: (p[0], p[1])),
        asset_a=st.integers(0, 2),
        amount_a=st.integers(1, 5 * 10**18),
        asset_b=st.integers(0, 2),
        amount_b=st.one_of(st.just(0), st.integers(1, 5 * 10**18)),
        duration=st.sampled_from(DURATIONS),
        then=st.sampled_from(["nothing", "accept", "fund", "fund all"]),
    )
    def open_deal(
        self,
        pair: tuple[int, int],
        asset_a: int,
        amount_a: int,
        asset_b: int,
        amount_b: int,
        duration: int,
        then: str,
    ) -> int:
        """Opens a deal and, to reach the later states often, may go on to accept and fund it."""
        s = self.system
        a, b = self.parties[pair[0]], self.parties[pair[1]]
        leg_b_asset = self.assets[asset_b] if amount_b else ETH
        deadline = self._now() + duration
        receipt = self._send(
            "openDeal",
            b,
            self.assets[asset_a],
            amount_a,
            leg_b_asset,
            amount_b,
            deadline,
            SALE,
            DEAL_TERMS,
            sender=a,
            error=None,
        )
        (opened,) = s.events(s.escrow, "DealOpened", receipt)
        deal = DealModel(int(opened["dealId"]), a, b, self.assets[asset_a], amount_a, leg_b_asset, amount_b, deadline)
        self.book[deal.id] = deal
        if then != "nothing":
            self.accept(deal.id)
        if then.startswith("fund"):
            self.fund(deal.id, side_b=False)
        if then == "fund all" and deal.two_sided:
            self.fund(deal.id, side_b=True)
        return deal.id

    @rule(deal_id=deals)
    def accept(self, deal_id: int) -> None:
        d = self.book[deal_id]
        if d.state != OPEN:
            error: str | None = "InvalidDealState"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif d.accepted_b:
            error = "AlreadyAccepted"
        else:
            error = None
        if self._send("acceptDeal", deal_id, DEAL_TERMS, sender=d.b, error=error) is not None:
            d.accepted_b = True

    @rule(deal_id=deals, side_b=st.booleans())
    def fund(self, deal_id: int, side_b: bool) -> None:
        d = self.book[deal_id]
        caller, asset, amount = (d.b, d.asset_b, d.amount_b) if side_b else (d.a, d.asset_a, d.amount_a)
        if d.state != OPEN:
            error: str | None = "InvalidDealState"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif side_b and not d.two_sided:
            error = "NoLegToFund"
        elif (d.funded_b if side_b else d.funded_a):
            error = "LegAlreadyFunded"
        elif side_b and not d.accepted_b:
            error = "DealRestricted"
        else:
            error = None
        value = amount if asset == ETH and amount else 0
        if self._send("fund", deal_id, sender=caller, value=value, error=error) is not None:
            if side_b:
                d.funded_b = True
            else:
                d.funded_a = True
            if d.funded_a and (d.funded_b or not d.two_sided):
                d.state = FUNDED
            self.locked[asset] += amount
            self.deposited[(caller, asset)] += amount

    @rule(deal_id=deals, who=st.sampled_from(["a", "b", "operator"]))
    def complete(self, deal_id: int, who: str) -> None:
        s = self.system
        d = self.book[deal_id]
        caller = {"a": d.a, "b": d.b, "operator": s.operator}[who]
        if d.state != FUNDED:
            error: str | None = "InvalidDealState"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif who == "b" and not d.two_sided:
            error = "NotAParty"
        else:
            error = None
        if self._send("complete", deal_id, sender=caller, error=error) is not None:
            d.state = COMPLETED
            self._credit(d.b, d.asset_a, d.amount_a)
            if d.two_sided:
                self._credit(d.a, d.asset_b, d.amount_b)

    @rule(deal_id=deals, caller=st.integers(0, 2))
    def refund(self, deal_id: int, caller: int) -> None:
        d = self.book[deal_id]
        if d.state not in UNFINISHED:
            error: str | None = "InvalidDealState"
        elif self._now() < d.deadline:
            error = "DeadlineNotReached"
        else:
            error = None
        if self._send("refund", deal_id, sender=self.parties[caller], error=error) is not None:
            d.state = REFUNDED
            for depositor, asset, amount in d.legs():
                self._credit(depositor, asset, amount)

    @rule(deal_id=deals, side_b=st.booleans())
    def dispute(self, deal_id: int, side_b: bool) -> None:
        d = self.book[deal_id]
        if d.state not in (OPEN, FUNDED):
            error: str | None = "InvalidDealState"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif not (d.funded_a or d.funded_b):
            error = "NothingFunded"
        else:
            error = None
        if self._send("dispute", deal_id, ref("dispute"), sender=d.b if side_b else d.a, error=error) is not None:
            d.state = DISPUTED

    @rule(deal_id=deals, bps=st.one_of(st.sampled_from([0, 10_000]), st.integers(0, 10_000)))
    def resolve(self, deal_id: int, bps: int) -> None:
        d = self.book[deal_id]
        error = None if d.state == DISPUTED else "InvalidDealState"
        if self._send("resolve", deal_id, bps, ref("ruling"), sender=self.system.operator, error=error) is not None:
            d.state = RESOLVED
            for _, asset, amount in d.legs():
                to_a = amount * bps // 10_000
                if to_a:
                    self._credit(d.a, asset, to_a)
                if amount - to_a:
                    self._credit(d.b, asset, amount - to_a)

    @rule(pick=st.integers(0, 2**16), party=st.integers(0, 2), asset=st.integers(0, 2))
    def withdraw(self, pick: int, party: int, asset: int) -> None:
        """Withdraws a credited balance, or (when nothing is credited) tries an empty one."""
        s = self.system
        credited = sorted(k for k, v in self.credits.items() if v)
        account, token = credited[pick % len(credited)] if credited else (self.parties[party], self.assets[asset])
        amount = self.credits[(account, token)]
        error = "NothingToWithdraw" if amount == 0 else None
        receipt = self._send("withdraw", token, sender=account, error=error)
        if receipt is not None:
            assert s.events(s.escrow, "Withdrawn", receipt) == [{"account": account, "asset": token, "amount": amount}]
            self.credits[(account, token)] = 0
            self.paid[(account, token)] += amount

    @rule(seconds=st.sampled_from(JUMPS))
    def time_travel(self, seconds: int) -> None:
        self.system.chain.time_travel(seconds)

    # -- invariants -----------------------------------------------------------------------------
    @invariant()
    def books_balance_and_every_party_got_what_it_was_owed(self) -> None:
        """One probe read per step checks every invariant of the module docstring."""
        r = self._read()
        # The escrow holds exactly the funded, unreleased legs plus the credited, unwithdrawn balances.
        for j, asset in enumerate(self.assets):
            credited = sum(v for (_, x), v in self.credits.items() if x == asset)
            assert (r["locked"][j], r["totalCredits"][j]) == (self.locked[asset], credited), asset
            assert r["escrowBalances"][j] == self.locked[asset] + credited, asset
        # Credits match the model; nobody ends with more (or less) than it was owed.
        n = len(self.assets)
        wallets = self._wallets(r)
        for i, party in enumerate(self.parties):
            for j, asset in enumerate(self.assets):
                key = (party, asset)
                assert r["credits"][i * n + j] == self.credits[key], key
                assert self.paid[key] + self.credits[key] == self.owed[key], key
                expected = self.start[key] - self.deposited[key] + self.paid[key]
                if asset == ETH:
                    expected -= self.fees[party]
                assert wallets[key] == expected, key
        # Every deal is in the model's state; every unfinished deal past its deadline can be refunded.
        for k, d in enumerate(self.book.values()):
            word = int(r["deals"][k])
            flags = (word & 0xFF, bool(word >> 8 & 1), bool(word >> 9 & 1), bool(word >> 10 & 1))
            assert flags == (d.state, d.funded_a, d.funded_b, d.accepted_b), d
        assert all(r["refundable"]), dict(zip(r["due"], r["refundable"], strict=True))


def _run(system: EscrowSystem, max_examples: int, steps: int) -> None:
    EscrowMachine.system = system
    run_state_machine_as_test(
        EscrowMachine,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            derandomize=os.environ.get("HYPOTHESIS_PROFILE") != "long",
            database=None,
        ),
    )


def test_escrow_machine_keeps_its_invariants(system: EscrowSystem) -> None:
    if os.environ.get("HYPOTHESIS_PROFILE") == "long":
        _run(system, max_examples=200, steps=40)
    else:
        _run(system, max_examples=15, steps=20)


@pytest.mark.slow
def test_escrow_machine_keeps_its_invariants_long(system: EscrowSystem) -> None:
    _run(system, max_examples=150, steps=40)
