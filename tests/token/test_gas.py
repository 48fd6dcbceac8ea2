"""Gas: a compliant transfer costs at most twice a plain OpenZeppelin ERC-20 transfer (both between
holders that already have a balance, so neither pays for a new storage slot)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from decree8.compile import Build
from decree8.deploy import deploy
from support import PURPOSE_GIFT, System

V = 10**18
MAX_RATIO = 2.0


@pytest.fixture
def plain_transfer_gas(system: System, build: Build) -> int:
    plain = deploy(
        system.chain,
        build.artifact("PlainERC20"),
        ["Plain", "PLN", system.alice, 10**24],
        sender=system.admin,
        gas=2_000_000,
    ).bind(system.chain)
    system.send(
        plain, "transfer", system.bob, V, sender=system.alice
    )  # bob's slot becomes non-zero
    return int(system.send(plain, "transfer", system.bob, V, sender=system.alice)["gasUsed"])


def test_compliant_transfer_costs_at_most_twice_a_plain_transfer(
    system: System, plain_transfer_gas: int, record_property: Callable[[str, Any], None]
) -> None:
    system.tok("transfer", system.exchange, V, sender=system.carol)
    compliant = int(system.tok("transfer", system.exchange, V, sender=system.carol)["gasUsed"])

    system.tok("transferWithPurpose", system.bob, V, PURPOSE_GIFT, sender=system.alice)
    with_purpose = int(
        system.tok("transferWithPurpose", system.bob, V, PURPOSE_GIFT, sender=system.alice)[
            "gasUsed"
        ]
    )

    system.tok("approve", system.exchange, 2**256 - 1, sender=system.alice)
    via_operator = int(
        system.tok("transferFrom", system.alice, system.bob, V, sender=system.exchange)["gasUsed"]
    )

    figures = {
        "plain_transfer": plain_transfer_gas,
        "compliant_transfer": compliant,
        "compliant_transfer_with_purpose": with_purpose,
        "compliant_transfer_from_by_operator": via_operator,
    }
    for name, gas in figures.items():
        record_property(name, gas)
    print("gas used:", figures, f"ratio {compliant / plain_transfer_gas:.2f}")
    assert compliant <= MAX_RATIO * plain_transfer_gas
    assert with_purpose <= MAX_RATIO * plain_transfer_gas
