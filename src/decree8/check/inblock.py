"""The state a transaction ran on when transactions before it in its block changed decree8's
contracts: filled in below."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decree8.check.checker import Checker
    from decree8.check.context import BlockContext
    from decree8.rules.state import StateView


def in_block_state(checker: Checker, where: BlockContext) -> StateView | None:
    return None
