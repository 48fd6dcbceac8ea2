"""Hypothesis strategies for contract tests: ABI values, addresses, amounts and parties.

```python
from decree8.testing import strategies as d8
d8.abi_values("uint8")                 # 0..255, edges favoured
d8.abi_values("(address,uint256[])[2]")
d8.function_args(abi_entry)            # a list of arguments for one ABI function
d8.addresses(accounts.holders)         # one of these addresses
d8.amounts(balance)                    # 0..balance, with 0, 1, balance-1 and balance favoured
d8.party_statuses(identified=True)     # PartyStatus values (see decree8.testing.parties)
d8.parties(accounts.holders)           # (address, PartyStatus) pairs
```
Give a party its status on chain with :func:`apply_status` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils import to_checksum_address
from hypothesis import strategies as st

from decree8.abi import canonical_type, components
from decree8.testing.parties import HolderType, PartyStatus, apply_status

__all__ = [
    "abi_values",
    "addresses",
    "amounts",
    "apply_status",
    "function_args",
    "parties",
    "party_maps",
    "party_statuses",
]

_ARRAY = re.compile(r"^(?P<inner>.*)\[(?P<size>\d*)\]$")
_INT = re.compile(r"^(?P<signed>u?)int(?P<bits>\d*)$")
_BYTES = re.compile(r"^bytes(?P<size>\d+)$")
#: Longest dynamic array / bytes / string drawn, unless the caller asks for more.
MAX_DYNAMIC = 5


def _integers(bits: int, signed: bool) -> st.SearchStrategy[int]:
    if signed:
        lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        edges = [lo, lo + 1, -1, 0, 1, hi - 1, hi]
    else:
        lo, hi = 0, 2**bits - 1
        edges = [0, 1, hi - 1, hi]
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


def abi_values(
    abi_type: str | Mapping[str, Any], *, max_length: int = MAX_DYNAMIC
) -> st.SearchStrategy[Any]:
    """Values of ``abi_type``: a canonical type string (``uint96``, ``bytes32``,
    ``(address,uint256)[]``, ``string[3]``) or an ABI parameter dict (tuples with components).

    Integers favour their edges (0, 1, the maximum, the minimum for signed types); addresses are
    checksummed; dynamic arrays, ``bytes`` and ``string`` have at most ``max_length`` elements.
    Every value encodes with ``eth_abi.encode`` and decodes back to itself (tuples and arrays as
    tuples, as eth_abi decodes them).
    """
    text = canonical_type(abi_type) if isinstance(abi_type, Mapping) else abi_type.strip()
    return _strategy(text.replace(" ", ""), max_length)


def _strategy(kind: str, max_length: int) -> st.SearchStrategy[Any]:
    array = _ARRAY.match(kind)
    if array:
        element = _strategy(array.group("inner"), max_length)
        size = array.group("size")
        if size:
            n = int(size)
            return st.lists(element, min_size=n, max_size=n).map(tuple)
        return st.lists(element, max_size=max_length).map(tuple)
    if kind.startswith("(") and kind.endswith(")"):
        return st.tuples(*(_strategy(part, max_length) for part in components(kind)))
    integer = _INT.match(kind)
    if integer:
        bits = int(integer.group("bits") or 256)
        if bits % 8 or not 8 <= bits <= 256:
            raise ValueError(f"{kind} is not an ABI integer type")
        return _integers(bits, signed=integer.group("signed") == "")
    if kind == "address":
        return addresses()
    if kind == "bool":
        return st.booleans()
    fixed = _BYTES.match(kind)
    if fixed:
        size = int(fixed.group("size"))
        if not 1 <= size <= 32:
            raise ValueError(f"{kind} is not an ABI bytes type")
        return st.binary(min_size=size, max_size=size)
    if kind == "bytes":
        return st.binary(max_size=max_length * 32)
    if kind == "string":
        return st.text(max_size=max_length * 8)
    raise ValueError(f"unsupported ABI type {kind!r}")


def function_args(
    entry: Mapping[str, Any], *, max_length: int = MAX_DYNAMIC
) -> st.SearchStrategy[list[Any]]:
    """A list of arguments for the ABI function (or constructor, or error) ``entry``."""
    return st.tuples(*(abi_values(p, max_length=max_length) for p in entry.get("inputs", ()))).map(
        list
    )


def addresses(choices: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """One of ``choices`` (checksummed), or any address (never zero) when none are given."""
    if choices is not None:
        if not choices:
            raise ValueError("addresses() needs at least one choice")
        return st.sampled_from([to_checksum_address(a) for a in choices])
    return st.binary(min_size=20, max_size=20).map(
        lambda raw: to_checksum_address("0x" + (raw if any(raw) else b"\x01" * 20).hex())
    )


def amounts(balance: int, *, min_value: int = 0) -> st.SearchStrategy[int]:
    """An amount from ``min_value`` to ``balance``, favouring the edges (``min_value``, 1,
    ``balance - 1``, ``balance``). ``balance`` below ``min_value`` gives ``min_value`` only."""
    if balance <= min_value:
        return st.just(min_value)
    edges = sorted({min_value, max(min_value, 1), balance - 1, balance})
    return st.one_of(st.sampled_from(edges), st.integers(min_value, balance))


def _flag(value: bool | None) -> st.SearchStrategy[bool]:
    return st.booleans() if value is None else st.just(value)


def party_statuses(
    *,
    holder_types: Sequence[HolderType] = (
        HolderType.INDIVIDUAL,
        HolderType.ENTITY,
        HolderType.OPERATOR,
    ),
    identified: bool | None = None,
    eligible: bool | None = None,
    blocked: bool | None = None,
) -> st.SearchStrategy[PartyStatus]:
    """Registry statuses: any holder type of ``holder_types``, identified or not, eligible or
    not, blocked or not (each fixed when given). An unidentified party is never eligible."""

    def build(kind: HolderType, ident: bool, elig: bool, block: bool) -> PartyStatus:
        return PartyStatus(kind, identified=ident, eligible=elig and ident, blocked=block)

    return st.builds(
        build,
        st.sampled_from(list(holder_types)),
        _flag(identified),
        _flag(eligible),
        _flag(blocked),
    )


def parties(choices: Sequence[str], **status: Any) -> st.SearchStrategy[tuple[str, PartyStatus]]:
    """``(address, PartyStatus)`` pairs: an address of ``choices`` and a status drawn with
    :func:`party_statuses` (``status`` passes its keyword arguments)."""
    return st.tuples(addresses(choices), party_statuses(**status))


def party_maps(choices: Sequence[str], **status: Any) -> st.SearchStrategy[dict[str, PartyStatus]]:
    """A status for every address of ``choices``: ``{address: PartyStatus}``."""
    return st.fixed_dictionaries(
        {to_checksum_address(a): party_statuses(**status) for a in choices}
    )
