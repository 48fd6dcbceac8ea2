"""Hex text for values that come back from web3 as bytes, HexBytes or strings."""

from __future__ import annotations

from typing import Any


def to_0x(value: Any) -> str:
    """``0x``-prefixed hex of bytes (a transaction hash, calldata); strings get the prefix once."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text
