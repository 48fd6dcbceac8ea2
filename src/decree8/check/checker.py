"""The :class:`Checker`: which template is at which address, and the entry points of both checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decree8.check import mined, preflight
from decree8.check.core import CheckerBase

if TYPE_CHECKING:
    from decree8.check.verdict import CallRequest, Verdict

__all__ = ["Checker"]


class Checker(CheckerBase):
    """Checks calls before they are sent (:meth:`check_call`) and transactions after they are mined
    (:meth:`check_tx`) against every rule of the pack.

    ``build`` must hold the template contracts (``HolderRegistry``, ``CompliantToken``,
    ``DealEscrow``). Which template is at an address comes from ``deployments`` (manifests) or, for
    an address no manifest names, from comparing its runtime code with each template's.
    """

    # -- the checks -------------------------------------------------------------------------------
    def check_call(
        self, req: CallRequest, block: int | str = "latest", resolve: Any = None
    ) -> Verdict:
        """Pre-flight: evaluates every rule in force for ``req`` and simulates it, in the next
        block's context (``"latest"``, the default: the node's pending block) or at block number
        ``block``. See :mod:`decree8.check.preflight`."""
        return preflight.check_call(self, req, block, resolve)

    def check_tx(self, tx_hash: str) -> Verdict:
        """A mined transaction, in its own context: its block's time and the state the
        transactions before it left. See :mod:`decree8.check.mined`."""
        return mined.check_tx(self, tx_hash)
