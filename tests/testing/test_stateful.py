"""ChainMachine: one deployment per run, every example from the same snapshot, preconditions, cheap
calls, and failing runs printed as decoded calls with the rule each revert names."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st

from decree8.chain import Chain
from decree8.compile import Build
from decree8.errors import TransactionReverted
from decree8.testing import (
    ELIGIBLE_ENTITY,
    ELIGIBLE_INDIVIDUAL,
    ChainMachine,
    Deployed,
    Kit,
    PartyStatus,
)
from decree8.testing import strategies as d8
from decree8.testing.show import show_amount, show_call
from decree8.testing.stateful import MachineStats, invariant, precondition, revert_rule, rule
from support import IN_PROCESS

UNIT = 10**18
START = 100 * UNIT
GIFT = 1
NAMES = ("alice", "bob", "carol", "dave")


class GiftMachine(ChainMachine):
    """Gifts between holders (dave is not identified), pause and unpause, against a model."""

    token: ClassVar[Deployed]
    starts: ClassVar[list[int]]

    @classmethod
    def setup_chain(cls, kit: Kit) -> None:
        cls.token = kit.factory.token(
            parties={
                "alice": ELIGIBLE_INDIVIDUAL,
                "bob": ELIGIBLE_INDIVIDUAL,
                "carol": ELIGIBLE_ENTITY,
                "dave": PartyStatus(identified=False),
            },
            issue={"alice": START, "carol": START},
        )
        cls.starts = []

    def __init__(self) -> None:
        super().__init__()
        a = self.kit.accounts
        self.balance = {a[n]: self.call(self.token, "balanceOf", a[n]) for n in NAMES}
        self.paused = bool(self.call(self.token, "paused"))
        self.starts.append(self.kit.chain.block_number)

    @rule(src=st.sampled_from(NAMES), dst=st.sampled_from(NAMES), data=st.data())
    def gift(self, src: str, dst: str, data: st.DataObject) -> None:
        a = self.kit.accounts
        frm, to = a[src], a[dst]
        amount = data.draw(d8.amounts(self.balance[frm]), label="amount")
        out = self.send(self.token, "transferWithPurpose", to, amount, GIFT, sender=frm)
        if self.paused:
            out.expect_revert("TransferRestricted", "OVERSIGHT-PAUSE")
        elif "dave" in (src, dst):
            out.expect_revert("TransferRestricted", "HOLDER-IDENTIFIED")
        else:
            out.expect_ok()
            self.balance[frm] -= amount
            self.balance[to] += amount

    @precondition(lambda self: not self.paused)
    @rule()
    def pause(self) -> None:
        self.send(self.token, "pause", sender=self.kit.accounts.oversight).expect_ok()
        self.paused = True

    @precondition(lambda self: self.paused)
    @rule()
    def unpause(self) -> None:
        self.send(self.token, "unpause", sender=self.kit.accounts.oversight).expect_ok()
        self.paused = False

    @invariant()
    def balances_match_the_model(self) -> None:
        for holder, expected in self.balance.items():
            assert self.call(self.token, "balanceOf", holder) == expected


def test_machine_runs_every_example_from_the_deployment_and_leaves_the_chain(
    decree8_chain: Chain, decree8_build: Build
) -> None:
    before = decree8_chain.block_number
    stats = GiftMachine.run(
        decree8_chain, decree8_build, settings=settings(max_examples=6, stateful_step_count=8)
    )
    assert stats.examples >= 6 and stats.calls > 0
    assert decree8_chain.block_number == before
    # pause and unpause never reverted (expect_ok): their preconditions held them back
    assert set(stats.rules) <= {"OVERSIGHT-PAUSE", "HOLDER-IDENTIFIED"}


def test_each_example_starts_at_the_same_block(decree8_machine: Any) -> None:
    recorded: list[int] = []

    class Recorder(GiftMachine):
        @classmethod
        def setup_chain(cls, kit: Kit) -> None:
            super().setup_chain(kit)
            cls.starts = recorded

    stats = decree8_machine(Recorder, settings(max_examples=5, stateful_step_count=5))
    assert len(recorded) == stats.examples >= 5
    assert len(set(recorded)) == 1


class SaleMachine(ChainMachine):
    """Wrongly expects a sale between two individuals to go through."""

    token: ClassVar[Deployed]

    @classmethod
    def setup_chain(cls, kit: Kit) -> None:
        cls.token = kit.factory.token(parties=["alice", "bob"], issue={"alice": START})

    @rule(amount=st.integers(1, 10).map(lambda n: n * UNIT))
    def sell(self, amount: int) -> None:
        a = self.kit.accounts
        self.send(self.token, "transfer", a.bob, amount, sender=a.alice).expect_ok()


def test_a_failing_run_is_printed_as_decoded_calls_with_rules(
    decree8_chain: Chain, decree8_build: Build
) -> None:
    with pytest.raises(AssertionError) as info:
        SaleMachine.run(
            decree8_chain,
            decree8_build,
            # no shrinking: the first failing sequence is reported as it was run
            settings=settings(
                max_examples=20,
                stateful_step_count=5,
                database=None,
                phases=[Phase.explicit, Phase.generate],
            ),
        )
    notes = "\n".join(getattr(info.value, "__notes__", []))
    line = re.search(
        r"^alice: token\.transfer\(to=bob, value=(\d+)e18\) -> reverted "
        r"TransferRestricted\(code=7, from=alice, to=bob, value=\1e18\) \[P2P-SALE\]$",
        notes,
        re.MULTILINE,
    )
    assert line is not None, notes
    assert str(info.value).startswith("expected success: alice: token.transfer(to=bob, value=")


def test_run_returns_counts_of_calls_reverts_and_rules(
    decree8_chain: Chain, decree8_build: Build
) -> None:
    class DaveMachine(ChainMachine):
        token: ClassVar[Deployed]

        @classmethod
        def setup_chain(cls, kit: Kit) -> None:
            cls.token = kit.factory.token(parties=["alice"], issue={"alice": UNIT})

        @rule()
        def to_dave(self) -> None:
            a = self.kit.accounts
            out = self.send(self.token, "transfer", a.dave, 1, sender=a.alice)
            out.expect_revert("TransferRestricted", "HOLDER-IDENTIFIED")

    stats: MachineStats = DaveMachine.run(
        decree8_chain, decree8_build, settings=settings(max_examples=3, stateful_step_count=3)
    )
    assert stats.calls == stats.reverts == stats.rules["HOLDER-IDENTIFIED"] > 0


def test_revert_rule_names_rules_of_coded_and_plain_errors() -> None:
    coded = TransactionReverted(name="TransferRestricted", args={"code": 13})
    assert revert_rule("MyToken", "issue", coded) == "SUPPLY-CAP"
    plain = TransactionReverted(name="MissingOrderReference", args={})
    assert revert_rule("CompliantToken", "freeze", plain) == "LEGAL-ORDER"
    balance = TransactionReverted(name="ERC20InsufficientBalance", args={})
    assert revert_rule("CompliantToken", "transfer", balance) is None
    assert revert_rule("CompliantToken", "transfer", TransactionReverted(name=None)) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5 * UNIT, "5e18"),
        (15 * UNIT // 10, "1.5e18"),
        (42, "42"),
        (10**6, "1e6"),
        (123456789 * 10**9, "123456789000000000"),
        (0, "0"),
    ],
)
def test_amounts_are_shown_short(value: int, text: str) -> None:
    assert show_amount(value) == text


#: Property runs of many transactions each: the in-process chains only (a node adds a round trip
#: per call; the factories themselves run on Hardhat too, in test_factories.py).
BACKENDS = IN_PROCESS


def test_calls_are_shown_with_names() -> None:
    names = {"0x" + "11" * 20: "alice", "0x" + "22" * 20: "bob"}.get
    line = show_call(
        "0x" + "11" * 20,
        "token",
        "transfer",
        {"to": "0x" + "22" * 20, "value": 5 * UNIT},
        lambda a: names(a.lower()),
    )
    assert line == "alice: token.transfer(to=bob, value=5e18)"
