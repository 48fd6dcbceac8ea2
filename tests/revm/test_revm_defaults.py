"""The fast chain is the default where decree8's extension loaded; where it did not, decree8 runs
on eth-tester and says once why."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import ClassVar

from hypothesis import settings

from decree8.chain import Chain
from decree8.chain.revm import RevmChain, fast_chain_missing
from decree8.testing import ELIGIBLE_INDIVIDUAL, ChainMachine, Deployed, Kit
from decree8.testing.stateful import rule


def test_the_extension_loads_here_and_the_default_chain_is_the_fast_one() -> None:
    assert fast_chain_missing() is None
    chain = Chain.default()
    try:
        assert isinstance(chain, RevmChain)
    finally:
        chain.close()


def test_without_the_extension_decree8_runs_on_eth_tester_and_warns_once() -> None:
    # a fresh interpreter in which importing decree8._evm fails, as on a machine without Rust
    script = textwrap.dedent(
        """
        import sys, warnings
        sys.modules["decree8._evm"] = None
        from decree8.chain import Chain
        from decree8.errors import ToolchainError
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first, second = Chain.default(), Chain.default()
        assert type(first).__name__ == type(second).__name__ == "EmbeddedChain"
        assert len(caught) == 1, [str(w.message) for w in caught]
        print(caught[0].category.__name__, caught[0].message)
        try:
            Chain.revm()
        except ToolchainError as exc:
            print("revm:", exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    warning, refusal = done.stdout.strip().splitlines()
    assert warning.startswith("RuntimeWarning the fast (revm) chain is unavailable")
    assert "decree8._evm" in warning and "Rust toolchain" in warning
    assert "eth-tester" in warning
    assert refusal.startswith("revm: the fast (revm) chain is unavailable")


class _Gifts(ChainMachine):
    token: ClassVar[Deployed]
    chains: ClassVar[list[str]] = []

    @classmethod
    def setup_chain(cls, kit: Kit) -> None:
        cls.token = kit.factory.token(
            parties={"alice": ELIGIBLE_INDIVIDUAL, "bob": ELIGIBLE_INDIVIDUAL},
            issue={"alice": 10**21},
        )
        cls.chains.append(type(kit.chain).__name__)

    @rule()
    def gift(self) -> None:
        a = self.kit.accounts
        self.send(self.token, "transferWithPurpose", a.bob, 1, 1, sender=a.alice)


def test_a_chain_machine_without_a_chain_runs_on_the_fast_chain() -> None:
    # no chain and no build: a fresh default chain and decree8's own templates
    stats = _Gifts.run(settings=settings(max_examples=2, stateful_step_count=2))
    assert _Gifts.chains == ["RevmChain"]
    assert stats.examples >= 1
