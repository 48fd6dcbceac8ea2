"""A hypothesis state machine over the escrow: open, accept, fund, complete, refund, dispute,
resolve, withdraw and time travel, and the legal-order actions (freeze and unfreeze a deal, direct a
deal's funds or a party's credit, the token's orders against the escrow's address, which it refuses,
and the loss of every legal-order role), checked step by step against a model of the deal book.

Every action first predicts from the model whether the escrow accepts it (and with which custom
error it refuses), then checks the chain agrees. After every step, for every asset: the escrow holds
exactly the funded, unreleased legs plus the credited, unwithdrawn balances, as the model says; and
every unfinished deal past its deadline can be refunded by anyone (FUNDS-RETURN), unless a legal
order froze it and an account can still lift that order. At the end of every run: each party's
credits equal the model's, no party ends with more or less than it was owed (wallet = start -
deposits + withdrawals - gas fees; credits directed away by a legal order are owed no more) and
every deal is in the model's state.

The machine snapshots the chain once per example and reverts to it at teardown. Default runs are
small (15 examples, up to 20 steps); `HYPOTHESIS_PROFILE=dev|long` or `-m slow` runs more.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from eth_typing import HexStr
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from web3 import Web3

from decree8.chain import Chain
from decree8.compile import Build
from decree8.errors import TransactionReverted
from support import (
    ACCOUNTS,
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
    System,
    deploy_system,
    ref,
)

HOUR = 60 * 60
#: Deadlines and time jumps are whole hours apart while a run makes far fewer than 3600 one-second
#: blocks, so "before the deadline" never sits on a boundary the model and the chain could read
#: differently.
DURATIONS = (2 * HOUR, DAY, 2 * DAY)
JUMPS = (0, 0, 0, HOUR, 6 * HOUR, DAY)
ACTIONS = (
    "open",
    "accept",
    "fund",
    "complete",
    "refund",
    "dispute",
    "resolve",
    "withdraw",
    "freeze",
    "unfreeze",
    "direct funds",
    "direct credit",
    "token order",
    "lose roles",
)
LEGAL_ORDER_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_ROLE"))
AUTHORITY_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_AUTHORITY_ROLE"))
ORDER = ref("order")
#: (parties, asset A, amount A, asset B, amount B (0 = one-sided), duration, what to do after
#: opening)
Opening = tuple[tuple[int, int], int, int, int, int, int, str]
OPENING = st.tuples(
    st.permutations([0, 1, 2]).map(lambda p: (p[0], p[1])),
    st.integers(0, 2),
    st.integers(1, 5 * 10**18),
    st.integers(0, 2),
    st.one_of(st.just(0), st.integers(1, 5 * 10**18)),
    st.sampled_from(DURATIONS),
    st.sampled_from(["nothing", "accept", "fund", "fund all"]),
)
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
    frozen: bool = False

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
    """Drives one deployed :class:`System`; set ``system`` on the class before running."""

    system: ClassVar[System]
    #: steps run so far, over every example
    steps: ClassVar[list[int]] = [0]

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
        self.directed: dict[tuple[str, str], int] = defaultdict(int)  # credits moved by order
        self.roles = True  # someone holds LEGAL_ORDER_ROLE or LEGAL_ORDER_AUTHORITY_ROLE
        self.fees: dict[str, int] = defaultdict(int)
        self.start = self._wallets(self._read(full=True))

    def teardown(self) -> None:
        try:
            self._check_parties_and_deals(self._read(full=True))
        finally:
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
                failed = s.chain.w3.eth.get_transaction_receipt(HexStr(exc.tx_hash))
                self.fees[sender] += failed["gasUsed"] * failed["effectiveGasPrice"]
            assert error is not None, f"{fn}{args} from {sender} reverted: {exc}"
            assert exc.name == error, f"{fn}{args}: expected {error}, got {exc}"
            event(f"{fn}: {exc.name}")
            return None
        self.fees[sender] += receipt["gasUsed"] * receipt["effectiveGasPrice"]
        assert error is None, f"{fn}{args} from {sender} succeeded, expected {error}"
        event(f"{fn}: ok")
        return receipt

    def _credit(self, account: str, asset: str, amount: int) -> None:
        self.credits[(account, asset)] += amount
        self.owed[(account, asset)] += amount
        self.locked[asset] -= amount

    def _read(self, *, full: bool) -> dict[str, Any]:
        """The escrow's books in one call (EscrowProbe): per-asset totals and whether each expired,
        unfinished deal of the model can be refunded; with `full`, also every party's credits and
        wallet and every deal's state.
        """
        s = self.system
        now = self._now()
        due = [
            d.id
            for d in self.book.values()
            if d.state in UNFINISHED and now >= d.deadline and not (d.frozen and self.roles)
        ]
        accounts, deal_ids = (self.parties, list(self.book)) if full else ([], [])
        fn = s.contract(s.probe).functions.read(
            s.escrow.address, self.assets, accounts, deal_ids, due
        )
        names = [c["name"] for c in fn.abi["outputs"][0]["components"]]
        reading = dict(zip(names, fn.call({"from": s.dave}), strict=True))
        reading["due"] = due
        return reading

    # -- rules ----------------------------------------------------------------------------------
    @initialize(opening=OPENING)
    def first_deal(self, opening: Opening) -> None:
        self._open(*opening)

    @rule(
        action=st.sampled_from(ACTIONS),
        sensible=st.booleans(),
        deal_pick=st.integers(0, 2**16),
        who=st.integers(0, 2),
        move_pick=st.integers(0, 2**16),
        bps=st.one_of(st.sampled_from([0, 10_000]), st.integers(0, 10_000)),
        jump=st.sampled_from(JUMPS),
        opening=OPENING,
    )
    def step(
        self,
        action: str,
        sensible: bool,
        deal_pick: int,
        who: int,
        move_pick: int,
        bps: int,
        jump: int,
        opening: Opening,
    ) -> None:
        """One step: maybe let time pass, then open a deal, act on one, or withdraw. With
        `sensible`, the step is one the model expects to succeed (so that runs often reach
        completion, dispute and resolution); otherwise it is any action by anyone, usually refused.
        Everything is one rule with the action as data, because hypothesis's swarm testing switches
        whole rules off for an example.
        """
        self.steps[0] += 1
        if jump:
            self.system.chain.time_travel(jump)
        if action == "open":
            self._open(*opening)
            return
        deal_id = list(self.book)[deal_pick % len(self.book)]
        if sensible:
            moves = self._sensible(self.book[deal_id])
            if any(self.credits.values()):
                moves.append(("withdraw", 0))
            if moves:
                action, who = moves[move_pick % len(moves)]
        if action == "accept":
            self.accept(deal_id)
        elif action == "fund":
            self.fund(deal_id, side_b=who == 1)
        elif action == "complete":
            self.complete(deal_id, who)
        elif action == "refund":
            self.refund(deal_id, who)
        elif action == "dispute":
            self.dispute(deal_id, side_b=who == 1)
        elif action == "resolve":
            self.resolve(deal_id, bps)
        elif action == "freeze":
            self.freeze(deal_id, on=True)
        elif action == "unfreeze":
            self.freeze(deal_id, on=False)
        elif action == "direct funds":
            self.direct_funds(deal_id)
        elif action == "direct credit":
            self.direct_credit(move_pick)
        elif action == "token order":
            self.token_order(move_pick)
        elif action == "lose roles":
            if move_pick % 8 == 0:  # rarely: the rest of the example has no legal orders
                self.lose_roles()
        else:
            self.withdraw(move_pick, who)

    # -- actions, each predicted by the model ----------------------------------------------------
    def _open(
        self,
        pair: tuple[int, int],
        asset_a: int,
        amount_a: int,
        asset_b: int,
        amount_b: int,
        duration: int,
        then: str,
    ) -> None:
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
        deal = DealModel(
            int(opened["dealId"]),
            a,
            b,
            self.assets[asset_a],
            amount_a,
            leg_b_asset,
            amount_b,
            deadline,
        )
        self.book[deal.id] = deal
        if then != "nothing":
            self.accept(deal.id)
        if then.startswith("fund"):
            self.fund(deal.id, side_b=False)
        if then == "fund all" and deal.two_sided:
            self.fund(deal.id, side_b=True)

    def _sensible(self, d: DealModel) -> list[tuple[str, int]]:
        """The (action, who) pairs the model expects the escrow to accept on deal `d` now."""
        before = self._now() < d.deadline
        moves: list[tuple[str, int]] = []
        if d.frozen:
            return [("unfreeze", 0)] if self.roles else []
        if d.state == OPEN and before:
            if not d.accepted_b:
                moves.append(("accept", 1))
            if not d.funded_a:
                moves.append(("fund", 0))
            if d.two_sided and d.accepted_b and not d.funded_b:
                moves.append(("fund", 1))
        if d.state == FUNDED and before and not d.accepted_b:
            moves.append(("accept", 1))  # a one-sided deal funded before B accepted
        if d.state == FUNDED and before and d.accepted_b:
            moves += [("complete", 0), ("complete", 2)] + ([("complete", 1)] if d.two_sided else [])
        if d.state in (OPEN, FUNDED) and before and (d.funded_a or d.funded_b):
            moves += [("dispute", 0)] + ([("dispute", 1)] if d.accepted_b else [])
        if d.state in UNFINISHED and not before:
            moves.append(("refund", 0))
        if d.state == DISPUTED:
            moves.append(("resolve", 2))
        return moves

    def accept(self, deal_id: int) -> None:
        d = self.book[deal_id]
        if d.state not in (OPEN, FUNDED):
            error: str | None = "InvalidDealState"
        elif d.frozen:
            error = "DealRestricted"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif d.accepted_b:
            error = "AlreadyAccepted"
        else:
            error = None
        if self._send("acceptDeal", deal_id, DEAL_TERMS, sender=d.b, error=error) is not None:
            d.accepted_b = True

    def fund(self, deal_id: int, side_b: bool) -> None:
        d = self.book[deal_id]
        caller, asset, amount = (
            (d.b, d.asset_b, d.amount_b) if side_b else (d.a, d.asset_a, d.amount_a)
        )
        if d.state != OPEN:
            error: str | None = "InvalidDealState"
        elif d.frozen:
            error = "DealRestricted"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif side_b and not d.two_sided:
            error = "NoLegToFund"
        elif d.funded_b if side_b else d.funded_a:
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

    def complete(self, deal_id: int, who: int) -> None:
        s = self.system
        d = self.book[deal_id]
        caller = (d.a, d.b, s.operator)[who]
        if d.state != FUNDED:
            error: str | None = "InvalidDealState"
        elif d.frozen:
            error = "DealRestricted"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif who == 1 and not d.two_sided:
            error = "NotAParty"
        elif not d.accepted_b:  # B is paid only if it accepted (issue 12)
            error = "DealRestricted"
        else:
            error = None
        if self._send("complete", deal_id, sender=caller, error=error) is not None:
            d.state = COMPLETED
            self._credit(d.b, d.asset_a, d.amount_a)
            if d.two_sided:
                self._credit(d.a, d.asset_b, d.amount_b)

    def refund(self, deal_id: int, caller: int) -> None:
        d = self.book[deal_id]
        if d.state not in UNFINISHED:
            error: str | None = "InvalidDealState"
        elif d.frozen and self.roles:  # refundable once nobody can lift the order
            error = "DealRestricted"
        elif self._now() < d.deadline:
            error = "DeadlineNotReached"
        else:
            error = None
        if self._send("refund", deal_id, sender=self.parties[caller], error=error) is not None:
            d.state = REFUNDED
            for depositor, asset, amount in d.legs():
                self._credit(depositor, asset, amount)

    def dispute(self, deal_id: int, side_b: bool) -> None:
        d = self.book[deal_id]
        if d.state not in (OPEN, FUNDED):
            error: str | None = "InvalidDealState"
        elif d.frozen:
            error = "DealRestricted"
        elif self._now() >= d.deadline:
            error = "DeadlinePassed"
        elif side_b and not d.accepted_b:  # only a party that accepted disputes (issue 12)
            error = "NotAParty"
        elif not (d.funded_a or d.funded_b):
            error = "NothingFunded"
        else:
            error = None
        if (
            self._send(
                "dispute", deal_id, ref("dispute"), sender=d.b if side_b else d.a, error=error
            )
            is not None
        ):
            d.state = DISPUTED

    def resolve(self, deal_id: int, bps: int) -> None:
        d = self.book[deal_id]
        if d.state != DISPUTED:
            error: str | None = "InvalidDealState"
        elif d.frozen:
            error = "DealRestricted"
        elif bps != 10_000 and not d.accepted_b:  # no share for a B that never accepted
            error = "DealRestricted"
        else:
            error = None
        if (
            self._send(
                "resolve", deal_id, bps, ref("ruling"), sender=self.system.operator, error=error
            )
            is not None
        ):
            d.state = RESOLVED
            for _, asset, amount in d.legs():
                to_a = amount * bps // 10_000
                if to_a:
                    self._credit(d.a, asset, to_a)
                if amount - to_a:
                    self._credit(d.b, asset, amount - to_a)

    def withdraw(self, pick: int, party: int) -> None:
        """Withdraws one credited balance or, with nothing credited, tries an empty withdrawal."""
        s = self.system
        # The enforcement body's wallet is not identified: it cannot receive the compliant token.
        unpayable = (s.enforcer, s.token.address)
        credited = sorted(k for k, v in self.credits.items() if v and k != unpayable)
        account, token = (
            credited[pick % len(credited)]
            if credited
            else (self.parties[party], self.assets[pick % 3])
        )
        amount = self.credits[(account, token)]
        error = None if amount else "NothingToWithdraw"
        receipt = self._send("withdraw", token, sender=account, error=error)
        if receipt is not None:
            assert s.events(s.escrow, "Withdrawn", receipt) == [
                {"account": account, "asset": token, "amount": amount}
            ]
            self.credits[(account, token)] = 0
            self.paid[(account, token)] += amount

    # -- legal orders ---------------------------------------------------------------------------
    def _legal_error(self) -> str | None:
        """The escrow's onlyRole(LEGAL_ORDER_ROLE) comes first."""
        return None if self.roles else "AccessControlUnauthorizedAccount"

    def freeze(self, deal_id: int, on: bool) -> None:
        d = self.book[deal_id]
        error = self._legal_error()
        if error is None and d.state not in UNFINISHED:
            error = "InvalidDealState"
        elif error is None and d.frozen == on:
            error = "AlreadyFrozen" if on else "NotFrozen"
        fn = "freezeDeal" if on else "unfreezeDeal"
        if self._send(fn, deal_id, ORDER, sender=self.system.legal, error=error) is not None:
            d.frozen = on

    def direct_funds(self, deal_id: int) -> None:
        """An order credits every funded leg of the deal to the enforcement body's wallet."""
        s = self.system
        d = self.book[deal_id]
        error = self._legal_error()
        if error is None and d.state not in UNFINISHED:
            error = "InvalidDealState"
        args = (deal_id, s.enforcer, ORDER)
        if self._send("directFunds", *args, sender=s.legal, error=error) is not None:
            d.state = RESOLVED
            for _, asset, amount in d.legs():
                self._credit(s.enforcer, asset, amount)

    def direct_credit(self, pick: int) -> None:
        """An order moves one party's credited balance to the enforcement body's wallet."""
        s = self.system
        credited = sorted(k for k, v in self.credits.items() if v and k[0] in self.parties)
        account, asset = (
            credited[pick % len(credited)]
            if credited
            else (self.parties[pick % 3], self.assets[(pick // 3) % 3])
        )
        amount = self.credits[(account, asset)]
        error = self._legal_error() or (None if amount else "NothingToWithdraw")
        args = (account, asset, s.enforcer, ORDER)
        if self._send("directCredit", *args, sender=s.legal, error=error) is not None:
            self.credits[(account, asset)] = 0
            self.directed[(account, asset)] += amount
            self.credits[(s.enforcer, asset)] += amount

    def token_order(self, pick: int) -> None:
        """The token's legal orders cannot reach the escrow's address (it is a registered escrow):
        the escrow keeps what it owes."""
        s = self.system
        fn, args = (
            ("freeze", [s.escrow.address, ORDER]),
            ("freezeAmount", [s.escrow.address, 1, ORDER]),
            ("forcedTransfer", [s.escrow.address, s.alice, 1, ORDER]),
        )[pick % 3]
        with pytest.raises(TransactionReverted) as info:
            s.send(s.token, fn, *args, sender=s.legal, gas=STEP_GAS)
        assert info.value.name == "OrderAgainstEscrow", info.value
        failed = s.chain.w3.eth.get_transaction_receipt(HexStr(info.value.tx_hash or ""))
        self.fees[s.legal] += failed["gasUsed"] * failed["effectiveGasPrice"]

    def lose_roles(self) -> None:
        """Every holder of a legal-order role on the escrow renounces it: no order can be lifted
        any more, so frozen deals become refundable after their deadline."""
        s = self.system
        for role in (LEGAL_ORDER_ROLE, AUTHORITY_ROLE):
            self._send("renounceRole", role, s.legal, sender=s.legal, error=None)
        self.roles = False
        assert not s.view(s.escrow, "canExecuteLegalOrders")

    # -- invariants -----------------------------------------------------------------------------
    @invariant()
    def escrow_holds_exactly_locked_plus_credited_and_expired_deals_refund(self) -> None:
        """After every step, for every asset: the escrow holds exactly the funded, unreleased legs
        plus the credited, unwithdrawn balances, as the model says; every unfinished deal past its
        deadline can be refunded (FUNDS-RETURN).
        """
        r = self._read(full=False)
        for j, asset in enumerate(self.assets):
            credited = sum(v for (_, x), v in self.credits.items() if x == asset)
            assert (r["locked"][j], r["totalCredits"][j]) == (self.locked[asset], credited), asset
            assert r["escrowBalances"][j] == self.locked[asset] + credited, asset
        assert all(r["refundable"]), dict(zip(r["due"], r["refundable"], strict=True))

    def _check_parties_and_deals(self, r: dict[str, Any]) -> None:
        """At the end of every run (reading every party and deal costs too much EVM time for every
        step): credits match the model; no party ends with more, or less, than it was owed; every
        deal is in the model's state.
        """
        n = len(self.assets)
        wallets = self._wallets(r)
        for i, party in enumerate(self.parties):
            for j, asset in enumerate(self.assets):
                key = (party, asset)
                assert r["credits"][i * n + j] == self.credits[key], key
                owed = self.paid[key] + self.credits[key] + self.directed[key]
                assert owed == self.owed[key], key
                expected = self.start[key] - self.deposited[key] + self.paid[key]
                if asset == ETH:
                    expected -= self.fees[party]
                assert wallets[key] == expected, key
        for k, d in enumerate(self.book.values()):
            word = int(r["deals"][k])
            flags = (word & 0xFF, bool(word >> 8 & 1), bool(word >> 9 & 1), bool(word >> 10 & 1))
            assert flags == (d.state, d.funded_a, d.funded_b, d.accepted_b), d


def _run(system: System, sizes: settings) -> None:
    EscrowMachine.system = system
    run_state_machine_as_test(
        EscrowMachine,
        settings=settings(sizes, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
    )


def test_escrow_machine_keeps_its_invariants(system: System) -> None:
    """15 examples of up to 20 steps, derandomized, under the default profile (`ci`); another
    `HYPOTHESIS_PROFILE` (`dev`, `long`) sets the sizes instead."""
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" or settings.default is None:
        _run(
            system,
            settings(max_examples=15, stateful_step_count=20, derandomize=True, database=None),
        )
    else:
        _run(system, settings.default)


@pytest.fixture(scope="module")
def revm_system(build: Build) -> Iterator[System]:
    chain = Chain.revm(accounts=ACCOUNTS)
    try:
        yield deploy_system(chain, build, kit=True)
    finally:
        chain.close()


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_escrow_machine_keeps_its_invariants_long_on_revm(revm_system: System) -> None:
    """The ``long`` profile's examples (300 of up to 40 steps) on revm (issue 8: long property runs
    use revm), with the legal-order and role actions; at least 2,000 steps in all."""
    EscrowMachine.steps[0] = 0
    _run(revm_system, settings(settings.get_profile("long"), database=None))
    assert EscrowMachine.steps[0] >= 2_000, EscrowMachine.steps[0]
