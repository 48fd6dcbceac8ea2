"""The word codec of :mod:`decree8.abi` (views whose types are single words, as the templates'
are) gives exactly what eth_abi gives, and leaves to eth_abi what it does not take (so eth_abi's
refusals are unchanged)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import to_checksum_address

from decree8.abi import AbiFunction, components

ADDRESS = to_checksum_address("0x" + "ab" * 20)


def _param(kind: str, name: str = "") -> dict[str, Any]:
    if kind.startswith("("):
        parts = [_param(c, f"f{i}") for i, c in enumerate(components(kind))]
        return {"name": name, "type": "tuple", "components": parts}
    return {"name": name, "type": kind}


def function(inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = ()) -> AbiFunction:
    return AbiFunction.from_abi(
        {
            "type": "function",
            "name": "f",
            "inputs": [_param(t, f"a{i}") for i, t in enumerate(inputs)],
            "outputs": [_param(t) for t in outputs],
            "stateMutability": "view",
        }
    )


def _plain(value: Any) -> Any:
    """eth_abi's value with addresses checksummed (what decree8.abi decodes to)."""
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


ENCODABLE: list[tuple[tuple[str, ...], tuple[Any, ...]]] = [
    (("address",), (ADDRESS,)),
    (("address",), (ADDRESS.lower(),)),
    (("uint256",), (0,)),
    (("uint256",), (2**256 - 1,)),
    (("int8",), (-128,)),
    (("uint8", "bool", "bool"), (255, True, False)),
    (("bytes32", "address", "uint64"), (b"\x01" * 32, ADDRESS, 2**64 - 1)),
    (("bytes2",), (b"BY",)),
]


@pytest.mark.parametrize(
    ("types", "values"),
    [
        (("(uint8,bool,bool,bool)",), ((2, True, False, True),)),
        (("(address,uint64,bytes32)", "uint256"), ((ADDRESS, 9, b"\x07" * 32), 5)),
    ],
)
def test_structs_of_plain_words_decode_as_eth_abi_does(
    types: tuple[str, ...], values: tuple[Any, ...]
) -> None:
    encoded = eth_abi.encode(list(types), list(values))
    expected = _plain(eth_abi.decode(list(types), encoded))
    decoded = function(outputs=types).decode_output(encoded)
    assert (decoded,) == expected if len(types) == 1 else decoded == expected
    struct = decoded if len(types) == 1 else decoded[0]
    assert struct._fields[0] == "f0"  # a named tuple of the components


@pytest.mark.parametrize(("types", "values"), ENCODABLE)
def test_plain_words_encode_and_decode_as_eth_abi_does(
    types: tuple[str, ...], values: tuple[Any, ...]
) -> None:
    encoded = eth_abi.encode(list(types), list(values))
    fn = function(types, types)
    assert fn.encode_values(values) == fn.selector + encoded
    decoded = fn.decode_output(encoded)
    assert (decoded if len(types) > 1 else (decoded,)) == _plain(
        eth_abi.decode(list(types), encoded)
    )


@pytest.mark.parametrize(
    ("types", "values"),
    [
        (("address",), ("0x" + "AB" * 19 + "aB",)),  # a wrong checksum: eth_abi refuses it
        (("uint8",), (256,)),
        (("uint256",), (-1,)),
        (("uint256",), (True,)),
        (("bool",), (1,)),
        (("bytes32",), (b"short",)),
        (("string",), ("text",)),
    ],
)
def test_anything_else_is_left_to_eth_abi(types: tuple[str, ...], values: tuple[Any, ...]) -> None:
    fn = function(types)
    try:
        expected: bytes | type[Exception] = fn.selector + eth_abi.encode(list(types), list(values))
    except (EncodingError, TypeError, ValueError, OverflowError) as exc:
        expected = type(exc)
    if isinstance(expected, bytes):
        assert fn.encode_values(values) == expected
    else:
        with pytest.raises(expected):
            fn.encode_values(values)


@pytest.mark.parametrize(
    ("types", "data"),
    [
        (("bool",), (2).to_bytes(32, "big")),
        (("uint8",), (256).to_bytes(32, "big")),
        (("address",), b"\x01" + bytes(31)),
        (("bytes2",), b"BYX" + bytes(29)),
        (("uint256",), bytes(31)),
    ],
)
def test_words_eth_abi_refuses_are_refused_by_it(types: tuple[str, ...], data: bytes) -> None:
    with pytest.raises(DecodingError):
        function(outputs=types).decode_output(data)
