"""decree8.abi on the templates' shipped build: calls, constructor arguments, return data, events
and revert data of real contracts, on a real chain; structs as named tuples that agree with the
Solidity-side definitions in decree8.rules.solidity; coercion errors that name the argument."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from eth_abi import abi as eth_abi
from eth_utils import keccak, to_checksum_address

from decree8.abi import ContractAbi, coerce_arg, encode_error_string
from decree8.chain import Chain
from decree8.compile import Build
from decree8.errors import TransactionReverted, UsageError
from decree8.rules.solidity import (
    DEAL_STATES,
    FLAG_COMPETENCE_PASSED,
    FLAG_MINOR,
    HOLDER_TYPES,
    Deal,
    DealState,
    HolderStatus,
    HolderType,
    eligible_if_identified,
)
from decree8.templates.home import template_build
from decree8.testing import ELIGIBLE_INDIVIDUAL, Accounts, Factory

ALICE = to_checksum_address("0x" + "a1" * 20)


@pytest.fixture(scope="module")
def build() -> Build:
    return template_build()


@pytest.fixture(scope="module")
def token(build: Build) -> ContractAbi:
    return ContractAbi("CompliantToken", build.artifact("CompliantToken").abi)


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    with Chain.embedded() as opened:
        yield opened


def test_functions_by_name_and_selector_round_trip(token: ContractAbi) -> None:
    fn = token.function("transfer")
    assert fn.signature == "transfer(address,uint256)"
    assert fn.selector == keccak(text="transfer(address,uint256)")[:4]
    data = fn.encode(fn.arguments([ALICE.lower(), "1_000e18"]))
    assert token.function_for(data) is fn
    assert fn.decode(data) == {"to": ALICE, "value": 1000 * 10**18}
    by_name = fn.arguments({"to": ALICE, "value": 5})
    assert fn.decode(fn.encode(by_name)) == by_name


def test_every_view_encodes_and_decodes_as_eth_abi_does(build: Build) -> None:
    samples: dict[str, Any] = {
        "address": ALICE,
        "bool": True,
        "bytes2": b"BY",
        "bytes32": bytes(range(32)),
        "uint8": 3,
        "uint32": 2**32 - 1,
        "uint64": 9,
        "uint256": 2**256 - 1,
    }
    checked = 0
    for name in ("CompliantToken", "HolderRegistry", "DealEscrow"):
        for fn in ContractAbi(name, build.artifact(name).abi).functions:
            if not fn.view or not all(t in samples for t in fn.input_types):
                continue
            args = [samples[t] for t in fn.input_types]
            assert fn.encode_values(args) == fn.selector + eth_abi.encode(
                list(fn.input_types), args
            ), fn.name
            kinds = [t for t in fn.output_types if t in samples]
            if len(kinds) != len(fn.output_types):
                continue
            values = [samples[t] for t in kinds]
            decoded = fn.decode_output(eth_abi.encode(kinds, values))
            assert (decoded if len(values) > 1 else (decoded,)) == tuple(values), fn.name
            checked += 1
    assert checked > 20


def test_structs_decode_as_named_tuples_matching_the_solidity_definitions(build: Build) -> None:
    escrow = ContractAbi("DealEscrow", build.artifact("DealEscrow").abi)
    registry = ContractAbi("HolderRegistry", build.artifact("HolderRegistry").abi)
    deal = Deal(ALICE, 9, 5, int(DealState.OPEN), False, ALICE, True, False, False, False,
                ALICE, ALICE, 7, 0, b"\x01" * 32)  # fmt: skip
    dealof = escrow.function("dealOf")
    decoded = dealof.decode_output(eth_abi.encode(list(dealof.output_types), [tuple(deal)]))
    assert type(decoded).__name__ == "Deal"
    assert decoded._fields == Deal._fields
    assert Deal(*decoded) == deal
    status = registry.function("statusOf")
    raw = eth_abi.encode(list(status.output_types), [(2, True, False, True)])
    found = status.decode_output(raw)
    assert found._fields == HolderStatus._fields
    assert HolderStatus(*found).type_name == "Entity"
    assert DEAL_STATES[int(DealState.RESOLVED)] == "Resolved"
    assert HOLDER_TYPES == ("None", "Individual", "Entity", "Operator")


def test_constructor_arguments_round_trip(build: Build) -> None:
    registry = ContractAbi("HolderRegistry", build.artifact("HolderRegistry").abi)
    ctor = registry.constructor
    args = ctor.arguments(["HTP-OPERATOR-0001", ALICE, ALICE])
    data = ctor.encode(args)
    assert ctor.selector == b""
    assert ctor.decode(data) == args


def test_events_and_reverts_of_a_real_token(build: Build, chain: Chain) -> None:
    accounts = Accounts.of(chain)
    factory = Factory(chain, build, accounts)
    deployed = factory.token(parties={"alice": ELIGIBLE_INDIVIDUAL}, issue={"alice": 10})
    token = ContractAbi("CompliantToken", build.artifact("CompliantToken").abi)
    with pytest.raises(TransactionReverted) as caught:
        deployed.send("transfer", accounts.bob, 1, sender=accounts.alice)
    decoded = token.decode_error(caught.value.data)
    assert decoded is not None and decoded.name == "TransferRestricted"
    assert decoded.args["from"] == accounts.alice and decoded.args["to"] == accounts.bob
    issued = deployed.send("issue", accounts.alice, 3, sender=accounts.issuer)
    events = [token.decode_event(log["topics"], log["data"]) for log in issued["logs"]]
    assert ("Transfer", {"from": "0x" + "00" * 20, "to": accounts.alice, "value": 3}) in events
    message = token.decode_error(encode_error_string("no"))
    assert message is not None and message.args == {"message": "no"}
    panic = token.decode_error(bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big"))
    assert panic is not None and panic.name == "Panic" and panic.args == {"code": 0x11}
    assert token.decode_error(b"\xde\xad\xbe\xef") is None


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("address", "0x" + "aB" * 20, "argument holder (address) of f: 0xaB"),
        ("address", "0x" + "aB" * 20, "has a wrong EIP-55 checksum"),
        ("bytes32", "0xZZ", "argument holder (bytes32) of f: '0xZZ' is not valid hex"),
        ("bytes2", "0x1234ab", "argument holder (bytes2) of f: '0x1234ab' is 3 bytes, not 2"),
        ("uint8", "-1", "argument holder (uint8) of f: expected a whole number"),
        ("bool[]", '["yes", "perhaps"]', "item 1: 'perhaps' is not true or false"),
        ("(address,uint8)", "[1]", "(address,uint8) takes 2 values, 1 given"),
    ],
)
def test_coercion_errors_name_the_argument_and_what_was_wrong(
    kind: str, value: str, message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)) as caught:
        coerce_arg(kind, value, f"argument holder ({kind}) of f")
    assert "\n" not in str(caught.value)


def test_wrong_calls_are_usage_errors(token: ContractAbi) -> None:
    with pytest.raises(UsageError, match="CompliantToken has no function 'fly'"):
        token.function("fly")
    with pytest.raises(UsageError, match="takes 2 arguments, 1 given"):
        token.function("transfer").arguments([ALICE])
    with pytest.raises(UsageError, match="is not a function of CompliantToken"):
        token.function_for(b"\xde\xad\xbe\xef")
    with pytest.raises(UsageError, match="calldata of transfer does not decode"):
        token.function("transfer").decode(token.function("transfer").selector + b"\x01")


def test_the_eligibility_rule_is_the_registrys(build: Build, chain: Chain) -> None:
    accounts = Accounts.of(chain)
    registry = Factory(chain, build, accounts).registry()
    operator = accounts.operator
    ref = b"decree8-abi-test".ljust(32, b"\0")
    registry.send("setJurisdictionProhibited", b"KP", True, ref, sender=operator)
    until = chain.timestamp() + 10**6
    cases = [
        (HolderType.INDIVIDUAL, FLAG_COMPETENCE_PASSED, b"BY"),
        (HolderType.INDIVIDUAL, 0, b"BY"),
        (HolderType.INDIVIDUAL, FLAG_COMPETENCE_PASSED | FLAG_MINOR, b"BY"),
        (HolderType.ENTITY, 0, b"BY"),
        (HolderType.ENTITY, 0, b"KP"),
        (HolderType.OPERATOR, FLAG_MINOR, b"BY"),
    ]
    for i, (kind, flags, where) in enumerate(cases):
        holder = to_checksum_address(f"0x{i + 1:040x}")
        registry.send("attest", holder, int(kind), where, until, keccak(i), flags, sender=operator)
        status = HolderStatus(*registry.call("statusOf", holder))
        assert status.identified and status.holder_type == kind
        assert status.eligible == eligible_if_identified(kind, flags, where == b"KP"), (kind, flags)
