"""Fixtures of the token and registry tests: one build per session, one deployment per module on
the embedded chain, and a snapshot reverted after every test so that tests never see each other's
state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from token_helpers import (
    CAP,
    ENTITY,
    INDIVIDUAL,
    ISSUED,
    ISSUER_REGISTRATION,
    OPERATOR,
    OPERATOR_REGISTRATION,
    TERMS_HASH,
    TERMS_URI,
    System,
)

from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.deploy import deploy

ROOT = Path(__file__).resolve().parents[2]
#: Only what these tests deploy, so that work in progress elsewhere in contracts/ cannot break them.
SOURCES = ("contracts/registry", "contracts/token", "contracts/mocks/PlainERC20.sol")


@pytest.fixture(scope="session")
def build() -> Build:
    return build_project(ROOT, sources=SOURCES)


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    chain = Chain.embedded()
    yield chain
    chain.close()


@pytest.fixture(scope="module")
def system(build: Build, chain: Chain) -> System:
    admin, operator, agent, legal, oversight, alice, bob, carol, exchange, dave = chain.accounts[
        :10
    ]
    registry = deploy(
        chain,
        build.artifact("HolderRegistry"),
        [OPERATOR_REGISTRATION, admin, operator],
        sender=admin,
    ).bind(chain)
    token = deploy(
        chain,
        build.artifact("CompliantToken"),
        [
            "Decree Token",
            "DCR",
            CAP,
            ISSUER_REGISTRATION,
            registry.address,
            TERMS_HASH,
            TERMS_URI,
            admin,
            agent,
            legal,
            oversight,
        ],
        sender=admin,
    ).bind(chain)
    sys_ = System(
        chain=chain,
        registry=registry,
        token=token,
        admin=admin,
        operator=operator,
        agent=agent,
        legal=legal,
        oversight=oversight,
        alice=alice,
        bob=bob,
        carol=carol,
        exchange=exchange,
        dave=dave,
    )
    for holder, holder_type in (
        (alice, INDIVIDUAL),
        (bob, INDIVIDUAL),
        (carol, ENTITY),
        (exchange, OPERATOR),
    ):
        sys_.attest(holder, holder_type)
        sys_.accept_terms(holder)
    sys_.tok("issue", alice, ISSUED, sender=agent)
    sys_.tok("issue", carol, ISSUED, sender=agent)
    return sys_


@pytest.fixture(autouse=True)
def _isolated(system: System) -> Iterator[None]:
    """Every test starts from the module's deployment and leaves no trace."""
    with system.snapshot():
        yield
