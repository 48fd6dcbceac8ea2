"""Hex text: values that come back from web3 as bytes, HexBytes or strings, and hex a user types
(addresses with their EIP-55 checksum, fixed-size byte strings)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils import is_checksum_address, to_checksum_address


def to_0x(value: Any) -> str:
    """``0x``-prefixed hex of bytes (a transaction hash, calldata); strings get the prefix once."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


def to_bytes(value: Any) -> bytes:
    """Bytes of a value web3 or a node gives back as bytes, HexBytes or hex text (with or
    without ``0x``); the inverse of :func:`to_0x`. ``ValueError`` for text that is not hex."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    text = str(value)
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


_HEX40 = re.compile(r"^0x[0-9a-fA-F]{40}$")


def checksummed(address: Any) -> ChecksumAddress:
    """``to_checksum_address(address)``, remembered for text: a checker sees the same few
    addresses again and again, and the checksum (a keccak over the hex) costs more than the rest
    of a lookup."""
    if isinstance(address, str):
        return _checksummed(address)
    return to_checksum_address(address)


@lru_cache(maxsize=8192)
def _checksummed(address: str) -> ChecksumAddress:
    return to_checksum_address(address)


def parse_address(text: str) -> str:
    """A user-typed address, checksummed. ``0x`` + 40 hex digits; all-lower or all-upper case is
    taken as it is, mixed case must be a valid EIP-55 checksum (a typo is refused, not fixed).
    Raises ValueError saying what was wrong."""
    if isinstance(text, str):
        found = _PARSED.get(text)
        if found is not None:
            return found
    parsed = _parse_address(text)
    if len(_PARSED) >= 8192:
        _PARSED.clear()
    _PARSED[text] = parsed
    return parsed


#: Addresses :func:`parse_address` accepted (only those: a refusal is explained every time).
_PARSED: dict[str, str] = {}


def _parse_address(text: str) -> str:
    if not isinstance(text, str) or not _HEX40.match(text):
        raise ValueError(f"{text!r} is not an address (0x followed by 40 hex digits)")
    digits = text[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(text):
        raise ValueError(
            f"{text} has a wrong EIP-55 checksum (a mistyped letter?): expected "
            f"{to_checksum_address(text)}, or write it all in lower case"
        )
    return to_checksum_address(text)


def parse_hex_bytes(text: str, size: int | None = None) -> bytes:
    """``0x``-prefixed hex as bytes; with ``size``, exactly that many bytes. ValueError if not."""
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ValueError(f"{text!r} is not 0x-prefixed hex")
    try:
        data = bytes.fromhex(text[2:])
    except ValueError:
        raise ValueError(f"{text!r} is not valid hex (0x followed by pairs of 0-9, a-f)") from None
    if size is not None and len(data) != size:
        raise ValueError(f"{text!r} is {len(data)} bytes, not {size} (0x + {2 * size} hex digits)")
    return data
