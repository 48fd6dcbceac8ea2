"""decree8's developer kit for testing contracts built on its templates.

- :mod:`decree8.testing.plugin`: the pytest plugin (fixtures ``decree8_chain``,
  ``decree8_accounts``, ``decree8_factory``, ``decree8_token`` ...);
- :mod:`decree8.testing.factories`: named accounts and deployments with sensible defaults;
- :mod:`decree8.testing.strategies`: hypothesis strategies for ABI values, addresses, amounts and
  parties with a registry status;
- :mod:`decree8.testing.stateful`: :class:`ChainMachine`, a state machine that snapshots once and
  reverts per example, and prints failing runs as decoded calls.

See ``docs/devkit.md``.
"""

from __future__ import annotations

from decree8.testing.factories import (
    ACCOUNT_NAMES,
    DEFAULT_GAS,
    DEFAULT_TERMS_TEXT,
    Accounts,
    Deployed,
    Factory,
    terms_hash,
)
from decree8.testing.parties import (
    ELIGIBLE_ENTITY,
    ELIGIBLE_INDIVIDUAL,
    ELIGIBLE_OPERATOR,
    HolderType,
    PartyStatus,
    apply_status,
    read_status,
)
from decree8.testing.stateful import ChainMachine, Kit, MachineStats, Outcome, machine_settings

__all__ = [
    "ACCOUNT_NAMES",
    "DEFAULT_GAS",
    "DEFAULT_TERMS_TEXT",
    "ELIGIBLE_ENTITY",
    "ELIGIBLE_INDIVIDUAL",
    "ELIGIBLE_OPERATOR",
    "Accounts",
    "ChainMachine",
    "Deployed",
    "Factory",
    "HolderType",
    "Kit",
    "MachineStats",
    "Outcome",
    "PartyStatus",
    "apply_status",
    "machine_settings",
    "read_status",
    "terms_hash",
]
