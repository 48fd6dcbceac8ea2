"""Parties and their holder-registry status, and how to give a party a status on chain.

A :class:`PartyStatus` is what a token or an escrow asks the registry about a party (identified,
eligible, which type, blocked). :func:`apply_status` makes the registry say exactly that, with the
registry's own functions called by its operator, so a property test can start from any mix of
statuses (see :func:`decree8.testing.strategies.party_statuses`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from eth_utils import keccak

from decree8.rules.solidity import FLAG_COMPETENCE_PASSED, FLAG_MINOR, HolderType

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.deploy import Deployment

__all__ = [
    "ELIGIBLE_ENTITY",
    "ELIGIBLE_INDIVIDUAL",
    "ELIGIBLE_OPERATOR",
    "FLAG_COMPETENCE_PASSED",
    "FLAG_MINOR",
    "HolderType",
    "PartyStatus",
    "Registry",
    "apply_status",
    "read_status",
]

#: How long an attestation made by :func:`apply_status` lasts.
ATTESTATION_VALIDITY = 365 * 24 * 60 * 60
#: Jurisdiction of eligible parties, and the one :func:`apply_status` marks prohibited to make an
#: entity or an operator ineligible.
HOME_JURISDICTION = b"BY"
PROHIBITED_JURISDICTION = b"KP"
_REF = b"decree8-testing".ljust(32, b"\0")


class Registry(Protocol):
    """What :func:`apply_status` needs of a deployed holder registry (a
    :class:`~decree8.testing.factories.Deployed` is one)."""

    @property
    def chain(self) -> Chain: ...

    @property
    def deployment(self) -> Deployment: ...

    def call(self, fn: str, *args: Any, sender: str | None = None) -> Any: ...

    def send(self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = ...) -> Any: ...


@dataclass(frozen=True)
class PartyStatus:
    """A party's status in the holder registry.

    ``eligible`` counts only when ``identified`` (the registry calls nobody eligible who is not
    identified); :attr:`effective_eligible` is what the registry reports. An ineligible individual
    lacks the competence test; an ineligible entity or operator is attested in a prohibited
    jurisdiction.
    """

    holder_type: HolderType = HolderType.INDIVIDUAL
    identified: bool = True
    eligible: bool = True
    blocked: bool = False

    @property
    def effective_eligible(self) -> bool:
        return self.identified and self.eligible

    @property
    def compliant(self) -> bool:
        """Whether the party may hold and move tokens: identified, eligible and not blocked."""
        return self.effective_eligible and not self.blocked

    def registry_view(self) -> tuple[int, bool, bool, bool]:
        """What ``HolderRegistry.statusOf`` returns for the party: (holderType, identified,
        eligible, blocked), the type being ``NONE`` unless identified."""
        shown = int(self.holder_type) if self.identified else int(HolderType.NONE)
        return (shown, self.identified, self.effective_eligible, self.blocked)

    def describe(self) -> str:
        if not self.identified:
            text = "unidentified"
        else:
            text = ("eligible " if self.eligible else "ineligible ") + self.holder_type.name.lower()
        return text + (", blocked" if self.blocked else "")


ELIGIBLE_INDIVIDUAL = PartyStatus(HolderType.INDIVIDUAL)
ELIGIBLE_ENTITY = PartyStatus(HolderType.ENTITY)
ELIGIBLE_OPERATOR = PartyStatus(HolderType.OPERATOR)


def apply_status(
    registry: Registry, party: str, status: PartyStatus, *, sender: str | None = None
) -> None:
    """Makes ``registry`` report ``status`` for ``party``: attests (or re-attests), revokes, blocks
    or unblocks as needed, sent by ``sender`` (default: the registry's deployer, which the factories
    make its operator). Raises :class:`~decree8.errors.TransactionReverted` if the registry refuses.
    """
    operator = sender or registry.deployment.deployer
    if status.identified:
        if status.holder_type == HolderType.NONE:
            raise ValueError("an identified party needs a holder type other than NONE")
        jurisdiction = HOME_JURISDICTION
        flags = 0
        if status.holder_type == HolderType.INDIVIDUAL:
            flags = FLAG_COMPETENCE_PASSED if status.eligible else 0
        elif not status.eligible:
            jurisdiction = PROHIBITED_JURISDICTION
            if not registry.call("isJurisdictionProhibited", jurisdiction):
                registry.send(
                    "setJurisdictionProhibited", jurisdiction, True, _REF, sender=operator
                )
        valid_until = registry.chain.timestamp() + ATTESTATION_VALIDITY
        kyc = keccak(text=f"kyc:{party.lower()}")
        registry.send(
            "attest",
            party,
            int(status.holder_type),
            jurisdiction,
            valid_until,
            kyc,
            flags,
            sender=operator,
        )
    elif registry.call("isIdentified", party):
        registry.send("revoke", party, _REF, sender=operator)
    blocked = bool(registry.call("isBlocked", party))
    if status.blocked and not blocked:
        registry.send("blockAddress", party, _REF, sender=operator)
    elif blocked and not status.blocked:
        registry.send("unblockAddress", party, _REF, sender=operator)


def read_status(registry: Registry, party: str) -> tuple[int, bool, bool, bool]:
    """``statusOf(party)`` as (holderType, identified, eligible, blocked), comparable with
    :meth:`PartyStatus.registry_view`."""
    holder_type, identified, eligible, blocked = registry.call("statusOf", party)
    return (int(holder_type), bool(identified), bool(eligible), bool(blocked))
