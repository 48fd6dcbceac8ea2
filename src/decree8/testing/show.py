"""Readable text for values in traces: account names for addresses, ``5e18`` for round amounts,
text for bytes32 references, and one line per call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eth_utils import is_address, to_checksum_address

__all__ = ["show_amount", "show_call", "show_value"]

Namer = Callable[[str], str | None]


def show_amount(value: int) -> str:
    """``5000000000000000000`` → ``5e18``, ``1500000000000000000`` → ``1.5e18``; small or
    irregular numbers stay as they are."""
    if value < 10**6 or value % 10**3:
        return str(value)
    digits = str(value)
    stripped = digits.rstrip("0")
    exponent = len(digits) - 1
    mantissa = stripped[0] + ("." + stripped[1:] if len(stripped) > 1 else "")
    if len(stripped) > 4:
        return digits
    return f"{mantissa}e{exponent}"


def show_value(value: Any, name_of: Namer | None = None) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return show_amount(value) if value >= 0 else "-" + show_amount(-value)
    if isinstance(value, str) and is_address(value) and value.startswith("0x"):
        name = name_of(to_checksum_address(value)) if name_of else None
        return name or to_checksum_address(value)[:10] + "…"
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
        text = raw.rstrip(b"\0")
        try:
            decoded = text.decode("ascii")
        except UnicodeDecodeError:
            decoded = ""
        if decoded and decoded.isprintable():
            return repr(decoded)
        return "0x" + raw.hex() if len(raw) <= 8 else "0x" + raw.hex()[:12] + "…"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show_value(v, name_of) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def show_call(
    sender: str,
    label: str,
    fn: str,
    args: Mapping[str, Any],
    name_of: Namer | None = None,
    value: int = 0,
) -> str:
    """``alice: token.transfer(to=bob, value=5e18)`` (plus ``{value: 2e18}`` for ETH sent)."""
    shown = ", ".join(f"{k}={show_value(v, name_of)}" for k, v in args.items())
    who = (name_of(sender) if name_of else None) or show_value(sender, name_of)
    text = f"{who}: {label}.{fn}({shown})"
    if value:
        text += f" {{value: {show_amount(value)}}}"
    return text
