"""The templates' Solidity-side definitions, once: holder types and statuses, the registry's
eligibility rule, the escrow's deal struct and states.

Each mirrors a definition in ``contracts/`` (named in its docstring); ``tests/abi`` compares them
with the shipped ABI (the deal's fields with ``dealOf``'s tuple components, the holder status with
``statusOf``'s), so a change of a contract that is not made here fails there.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

__all__ = [
    "DEAL_STATES",
    "FLAG_COMPETENCE_PASSED",
    "FLAG_MINOR",
    "HOLDER_TYPES",
    "UNFINISHED",
    "Deal",
    "DealState",
    "HolderStatus",
    "HolderType",
    "eligible_if_identified",
]


class HolderType(IntEnum):
    """``IHolderRegistry.HolderType``."""

    NONE = 0
    INDIVIDUAL = 1
    ENTITY = 2
    OPERATOR = 3

    @property
    def title(self) -> str:
        """The name as Solidity spells it: ``Individual``."""
        return self.name.capitalize()


#: ``IHolderRegistry.HolderType`` names as Solidity spells them, by value.
HOLDER_TYPES: tuple[str, ...] = tuple(t.title for t in HolderType)

#: ``HolderRegistry`` attestation flags.
FLAG_MINOR = 1
FLAG_COMPETENCE_PASSED = 2


def eligible_if_identified(holder_type: int, flags: int, jurisdiction_prohibited: bool) -> bool:
    """``HolderRegistry._eligibleIfIdentified``: an identified holder is eligible unless a minor,
    an individual without the competence test, or attested in a prohibited jurisdiction."""
    if flags & FLAG_MINOR:
        return False
    if holder_type == HolderType.INDIVIDUAL and not flags & FLAG_COMPETENCE_PASSED:
        return False
    return not jurisdiction_prohibited


class HolderStatus(NamedTuple):
    """``IHolderRegistry.HolderStatus`` of one address: ``holder_type`` is 0 (None) unless
    identified."""

    holder_type: int
    identified: bool
    eligible: bool
    blocked: bool

    @property
    def type_name(self) -> str:
        return (
            HOLDER_TYPES[self.holder_type] if 0 <= self.holder_type < 4 else str(self.holder_type)
        )


class DealState(IntEnum):
    """``DealEscrow.DealState``."""

    NONE = 0
    OPEN = 1
    FUNDED = 2
    COMPLETED = 3
    REFUNDED = 4
    DISPUTED = 5
    RESOLVED = 6


#: ``DealEscrow.DealState`` names as Solidity spells them, by value.
DEAL_STATES: tuple[str, ...] = tuple(s.name.capitalize() for s in DealState)
#: The states in which a deal still holds or awaits funds.
UNFINISHED = frozenset({DealState.OPEN, DealState.FUNDED, DealState.DISPUTED})


class Deal(NamedTuple):
    """``DealEscrow.Deal``, field for field (``dealOf``'s answer)."""

    party_a: str
    deadline: int
    purpose: int
    state: int
    frozen: bool
    party_b: str
    accepted_a: bool
    accepted_b: bool
    funded_a: bool
    funded_b: bool
    asset_a: str
    asset_b: str
    amount_a: int
    amount_b: int
    terms_hash: bytes

    @property
    def two_sided(self) -> bool:
        return self.amount_b != 0

    @property
    def unfinished(self) -> bool:
        return self.state in UNFINISHED
