"""Revert data: where to find it in what a node or web3 raised, and how to decode it.

Every chain reports a revert its own way: eth-tester raises ``TransactionFailed`` (with the
bytes, their ``repr`` or an already-decoded reason string), web3 raises ``ContractLogicError``
whose ``data`` is a hex string or a ``{"message", "data"}`` object, Hardhat answers
``eth_sendTransaction`` with a JSON-RPC error whose ``data`` also carries the mined transaction's
hash. :func:`revert_info` reduces all of them to raw bytes; :class:`RevertDecoder` turns those
bytes into a name and named arguments using ``Error(string)``, ``Panic(uint256)`` and the custom
errors of every registered ABI.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from decree8.abi import (
    BUILTIN_ERRORS,
    ERROR_STRING_SELECTOR,
    PANIC_SELECTOR,
    AbiError,
    DecodedError,
    encode_error_string,
)
from decree8.errors import TransactionReverted

__all__ = [
    "ERROR_STRING_SELECTOR",
    "PANIC_SELECTOR",
    "DecodedError",
    "RevertDecoder",
    "RevertInfo",
    "encode_error_string",
    "revert_info",
    "eth_tester_revert_data",
]


class RevertDecoder:
    """Decodes revert data by 4-byte selector: ``Error(string)``, ``Panic(uint256)`` and every
    custom error of the ABIs given to :meth:`register_abi`. Selectors that collide are tried in turn
    until one decodes cleanly.
    """

    def __init__(self) -> None:
        self._by_selector: dict[bytes, list[AbiError]] = {e.selector: [e] for e in BUILTIN_ERRORS}

    def register_abi(self, abi: Iterable[Mapping[str, Any]]) -> None:
        """Learns the custom errors (``"type": "error"`` entries) of ``abi``; other entries are
        ignored and registering the same ABI twice is harmless."""
        for entry in abi:
            if entry.get("type") != "error":
                continue
            known = AbiError.from_abi(entry)
            candidates = self._by_selector.setdefault(known.selector, [])
            if known not in candidates:
                candidates.append(known)

    def decode(self, data: bytes) -> DecodedError | None:
        """The error ``data`` encodes, or ``None`` when no known error matches it."""
        for known in self._by_selector.get(bytes(data[:4]), []):
            decoded = known.decode(data)
            if decoded is not None:
                return decoded
        return None

    def reverted(self, data: bytes, tx_hash: str | None = None) -> TransactionReverted:
        """A :class:`TransactionReverted` for ``data``, decoded when the error is known."""
        decoded = self.decode(data)
        if decoded is None:
            return TransactionReverted(name=None, data=data, tx_hash=tx_hash)
        return TransactionReverted(
            name=decoded.name,
            args=decoded.args,
            data=data,
            tx_hash=tx_hash,
            signature=decoded.signature,
        )


@dataclass(frozen=True)
class RevertInfo:
    """What an exception tells about a revert: its data (``b""`` when it carried none) and, when a
    node mined the reverting transaction anyway (Hardhat), that transaction's hash."""

    data: bytes
    tx_hash: str | None = None


def _hex_bytes(value: str) -> bytes | None:
    text = value.strip()
    if text.startswith("Reverted "):  # some nodes prefix the data
        text = text.split(" ", 1)[1]
    if not text.startswith(("0x", "0X")):
        return None
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        return None


def _from_error_data(value: Any) -> RevertInfo | None:
    """Reads an RPC error's ``data``: a hex string, or an object with ``data`` (and ``txHash``)."""
    if isinstance(value, bytes | bytearray):
        return RevertInfo(bytes(value))
    if isinstance(value, str):
        raw = _hex_bytes(value)
        return None if raw is None else RevertInfo(raw)
    if isinstance(value, Mapping):
        inner = _from_error_data(value.get("data"))
        tx_hash = value.get("txHash") or value.get("transactionHash")
        if inner is None:
            return None
        return RevertInfo(inner.data, str(tx_hash) if tx_hash else None)
    return None


def _literal_bytes(text: str) -> bytes | None:
    if not text.startswith(("b'", 'b"')):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, bytes) else None


def eth_tester_revert_data(exc: BaseException) -> bytes | None:
    """The revert data inside an eth-tester ``TransactionFailed``.

    Its first argument is the EVM's ``Revert`` exception (from ``estimate_gas``), the ``repr`` of
    the revert bytes (from ``call``), or a reason string eth-tester decoded from ``Error(string)``.
    Returns ``None`` for a plain string, which is either such a reason or an EVM error without data
    (out of gas, invalid opcode): the caller tells them apart.
    """
    if not exc.args:
        return b""
    first = exc.args[0]
    if isinstance(first, BaseException):
        inner = first.args[0] if first.args else b""
        return bytes(inner) if isinstance(inner, bytes | bytearray) else b""
    if isinstance(first, bytes | bytearray):
        return bytes(first)
    if isinstance(first, str):
        text = first.removeprefix("execution reverted: ")
        return _literal_bytes(text)
    return b""


def revert_info(exc: BaseException) -> RevertInfo | None:
    """The revert carried by ``exc``, or ``None`` when ``exc`` is not about a revert.

    Understands web3's ``ContractLogicError`` family (``.data``), ``Web3RPCError`` (the JSON-RPC
    error object in ``.rpc_response``; Hardhat puts the data and the mined ``txHash`` there) and
    eth-tester's ``TransactionFailed``.
    """
    from web3.exceptions import ContractLogicError, Web3RPCError

    # Only the embedded chain raises eth-tester's errors, and it has imported eth-tester then: a
    # process on a JSON-RPC node does not pay for importing it here.
    tester = sys.modules.get("eth_tester.exceptions")
    TransactionFailed = getattr(tester, "TransactionFailed", None)  # noqa: N806

    if isinstance(exc, ContractLogicError):
        info = _from_error_data(exc.data)
        if info is None:
            rpc_error = (getattr(exc, "rpc_response", None) or {}).get("error")
            info = (
                _from_error_data(rpc_error.get("data")) if isinstance(rpc_error, Mapping) else None
            )
        return info or RevertInfo(b"")
    if TransactionFailed is not None and isinstance(exc, TransactionFailed):
        raw = eth_tester_revert_data(exc)
        if raw is not None:
            return RevertInfo(raw)
        reason = str(exc.args[0]).removeprefix("execution reverted: ")
        return RevertInfo(encode_error_string(reason))
    if isinstance(exc, Web3RPCError):
        rpc_error = (exc.rpc_response or {}).get("error")
        if not isinstance(rpc_error, Mapping):
            return None
        info = _from_error_data(rpc_error.get("data"))
        if info is not None:
            return info
        message = str(rpc_error.get("message", "")).lower()
        if "revert" in message:
            return RevertInfo(b"")
    return None
