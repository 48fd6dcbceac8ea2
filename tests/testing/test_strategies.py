"""Hypothesis strategies: ABI values round-trip through the ABI codec, addresses come from the
chosen set, amounts stay within the balance, and party statuses reach the registry as drawn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_abi import decode, encode
from eth_utils import is_address, is_checksum_address, to_checksum_address
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from decree8.abi import AbiFunction
from decree8.chain import Chain
from decree8.testing import Accounts, Deployed, Factory, HolderType, PartyStatus, read_status
from decree8.testing import strategies as d8
from support import IN_PROCESS

ABI_TYPES = [
    "uint8",
    "uint40",
    "uint256",
    "int8",
    "int72",
    "int256",
    "address",
    "bool",
    "bytes1",
    "bytes7",
    "bytes32",
    "bytes",
    "string",
    "uint16[3]",
    "address[]",
    "bytes32[2][]",
    "(uint256,address)",
    "(bool,bytes32)[2]",
    "(uint8,(string,int16[]))[]",
]


def checksummed(value: Any) -> Any:
    """``value`` as drawn: eth_abi decodes addresses in lower case, the strategies checksum them."""
    if isinstance(value, tuple):
        return tuple(checksummed(v) for v in value)
    if isinstance(value, str) and is_address(value) and value.startswith("0x"):
        return to_checksum_address(value)
    return value


@pytest.mark.parametrize("abi_type", ABI_TYPES)
@given(data=st.data())
def test_abi_values_round_trip_through_the_abi_codec(abi_type: str, data: st.DataObject) -> None:
    value = data.draw(d8.abi_values(abi_type))
    assert checksummed(decode([abi_type], encode([abi_type], [value]))[0]) == value


@pytest.mark.parametrize(
    ("abi_type", "edge"),
    [
        ("uint256", 2**256 - 1),
        ("uint8", 255),
        ("int8", -128),
        ("int256", 2**255 - 1),
        ("uint96", 0),
    ],
)
def test_integer_values_reach_their_edges(abi_type: str, edge: int) -> None:
    assert find(d8.abi_values(abi_type), lambda v: v == edge) == edge


@given(value=d8.abi_values("uint24"))
def test_unsigned_values_stay_in_range(value: int) -> None:
    assert 0 <= value < 2**24


@given(value=d8.abi_values("(address[],bytes32)"))
def test_addresses_inside_tuples_are_checksummed(value: tuple[tuple[str, ...], bytes]) -> None:
    assert all(is_checksum_address(a) for a in value[0])
    assert len(value[1]) == 32


def test_abi_values_accepts_abi_parameter_dicts() -> None:
    param = {
        "type": "tuple[]",
        "components": [{"name": "who", "type": "address"}, {"name": "n", "type": "uint64"}],
    }
    value = find(d8.abi_values(param), lambda v: len(v) == 2)
    decoded = decode(["(address,uint64)[]"], encode(["(address,uint64)[]"], [value]))[0]
    assert checksummed(decoded) == value


@pytest.mark.parametrize("bad", ["uint7", "uint264", "bytes33", "fixed128x18", "mapping"])
def test_unsupported_types_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        d8.abi_values(bad)


def test_function_args_fit_a_real_function(decree8_build) -> None:  # type: ignore[no-untyped-def]
    abi = decree8_build.artifact("CompliantToken").abi
    entry = next(e for e in abi if e.get("name") == "transferFromWithPurpose")
    fn = AbiFunction.from_abi(entry)

    @given(args=d8.function_args(entry))
    def check(args: list[object]) -> None:
        data = fn.encode_values(args)
        assert data[:4] == fn.selector
        assert [checksummed(v) for v in fn.decode(data).values()] == args

    check()


@given(data=st.data())
def test_addresses_come_from_the_chosen_set(data: st.DataObject) -> None:
    chosen = ["0x" + "ab" * 20, "0x" + "0c" * 20]
    addr = data.draw(d8.addresses(chosen))
    assert addr.lower() in chosen and is_checksum_address(addr)


@given(addr=d8.addresses())
def test_random_addresses_are_checksummed_and_never_zero(addr: str) -> None:
    assert is_checksum_address(addr) and int(addr, 16) != 0


@given(balance=st.integers(0, 2**128), data=st.data())
def test_amounts_stay_within_the_balance(balance: int, data: st.DataObject) -> None:
    amount = data.draw(d8.amounts(balance))
    assert 0 <= amount <= balance


def test_amounts_favour_the_whole_balance() -> None:
    assert find(d8.amounts(10**21), lambda a: a == 10**21) == 10**21
    assert find(d8.amounts(10**21, min_value=5), lambda a: a < 10) == 5


@given(status=d8.party_statuses())
def test_unidentified_parties_are_never_eligible(status: PartyStatus) -> None:
    if not status.identified:
        assert not status.eligible and not status.effective_eligible


@given(status=d8.party_statuses(holder_types=[HolderType.ENTITY], identified=True, blocked=True))
def test_fixed_status_fields_are_respected(status: PartyStatus) -> None:
    assert status.holder_type == HolderType.ENTITY and status.identified and status.blocked


def test_every_kind_of_party_is_drawn() -> None:
    for kind in (HolderType.INDIVIDUAL, HolderType.ENTITY, HolderType.OPERATOR):

        def of_kind(s: PartyStatus, k: HolderType = kind) -> bool:
            return s.holder_type == k and s.compliant

        found = find(d8.party_statuses(), of_kind)
        assert found.compliant


# ── statuses on chain ────────────────────────────────────────────────────────────────────────


@pytest.fixture
def registry(decree8_factory: Factory) -> Iterator[Deployed]:
    yield decree8_factory.registry()


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_apply_status_makes_the_registry_report_any_status_from_any_status(
    decree8_chain: Chain, decree8_accounts: Accounts, registry: Deployed, data: st.DataObject
) -> None:
    holders = decree8_accounts.holders[:3]
    first = data.draw(d8.party_maps(holders), label="first")
    then = data.draw(d8.party_maps(holders), label="then")
    with decree8_chain.reverting():
        for statuses in (first, then):
            for addr, status in statuses.items():
                d8.apply_status(registry, addr, status)
            for addr, status in statuses.items():
                assert read_status(registry, addr) == status.registry_view(), status.describe()


#: Property runs of many transactions each: the in-process chains only (a node adds a round trip
#: per call; the factories themselves run on Hardhat too, in test_factories.py).
BACKENDS = IN_PROCESS


def test_parties_pairs_an_address_with_a_status(decree8_accounts: Accounts) -> None:
    addr, status = find(
        d8.parties(decree8_accounts.holders, identified=True), lambda p: p[1].blocked
    )
    assert addr in decree8_accounts.holders and status.identified and status.blocked
