"""The state reader's word codec gives exactly what eth_abi gives, and leaves to eth_abi what it
does not take (so eth_abi's refusals are unchanged)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import to_checksum_address

from decree8.rules.state import ViewFunction, _decode_words, _encode_words, _normalise

ADDRESS = to_checksum_address("0x" + "ab" * 20)

ENCODABLE: list[tuple[tuple[str, ...], tuple[Any, ...]]] = [
    (("address",), (ADDRESS,)),
    (("uint256",), (0,)),
    (("uint256",), (2**256 - 1,)),
    (("uint8", "bool", "bool"), (255, True, False)),
    (("bytes32", "address", "uint64"), (b"\x01" * 32, ADDRESS, 2**64 - 1)),
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
    expected = tuple(_normalise(v) for v in eth_abi.decode(list(types), encoded))
    assert _decode_words(types, encoded) == expected
    assert _decode_words(("(uint8,(bool,bool))",), encoded) is None  # nested: eth_abi's


@pytest.mark.parametrize(("types", "values"), ENCODABLE)
def test_plain_words_encode_and_decode_as_eth_abi_does(
    types: tuple[str, ...], values: tuple[Any, ...]
) -> None:
    encoded = eth_abi.encode(list(types), list(values))
    assert _encode_words(types, values) == encoded
    assert _decode_words(types, encoded) == tuple(
        _normalise(v) for v in eth_abi.decode(list(types), encoded)
    )


@pytest.mark.parametrize(
    ("types", "values"),
    [
        (("address",), (ADDRESS.lower(),)),  # eth_abi takes it; left to eth_abi
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
    assert _encode_words(types, values) is None
    spec = ViewFunction("f", b"\0" * 4, types, ())
    try:
        expected: bytes | type[Exception] = b"\0" * 4 + eth_abi.encode(list(types), list(values))
    except (EncodingError, TypeError, ValueError, OverflowError) as exc:
        expected = type(exc)
    if isinstance(expected, bytes):
        assert spec.encode(values) == expected
    else:
        with pytest.raises(expected):
            spec.encode(values)


@pytest.mark.parametrize(
    ("types", "data"),
    [
        (("bool",), (2).to_bytes(32, "big")),
        (("uint8",), (256).to_bytes(32, "big")),
        (("address",), b"\x01" + bytes(31)),
        (("uint256",), bytes(31)),
    ],
)
def test_words_eth_abi_refuses_are_refused_by_it(types: tuple[str, ...], data: bytes) -> None:
    assert _decode_words(types, data) is None
    spec = ViewFunction("f", b"\0" * 4, (), types)
    with pytest.raises(DecodingError):
        spec.decode(data)
