"""JSON-RPC as ``decree8 node`` speaks it: error codes and failures, hex quantities and data,
blooms, the standard shapes of logs and receipts, geth's wording of refusals, and the check of a
body's nesting before it is parsed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils import keccak

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "MAX_BODY",
    "PARSE_ERROR",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "INVALID_PARAMS",
    "SERVER_ERROR",
    "json_depth_exceeds",
    "MAX_JSON_DEPTH",
]


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8545
MAX_BODY = 16 * 1024 * 1024

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_ERROR = -32000


def _to_json(value: Any) -> Any:
    """eth-tester's Python values in JSON-RPC encoding: quantities and bytes as 0x-hex."""
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {
            str(k): _bloom(v) if k == "logsBloom" and isinstance(v, int) else _to_json(v)
            for k, v in value.items()
        }
    if isinstance(value, Sequence):
        return [_to_json(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__} as JSON-RPC")


def _bloom(value: int) -> str:
    """eth-tester gives a block's logs bloom as an int; JSON-RPC has it as 256 bytes of data."""
    return "0x" + value.to_bytes(256, "big").hex()


def _logs_bloom(logs: Sequence[Mapping[str, Any]]) -> str:
    """The 2048-bit bloom of JSON-RPC logs (their addresses and topics), as 0x-hex."""
    bits = 0
    for log in logs:
        for item in (log["address"], *log.get("topics", ())):
            digest = keccak(bytes.fromhex(str(item)[2:]))
            for i in (0, 2, 4):
                bits |= 1 << (int.from_bytes(digest[i : i + 2], "big") & 2047)
    return "0x" + bits.to_bytes(256, "big").hex()


def _quantity(value: Any, what: str) -> int:
    """A JSON-RPC quantity given as a number, a decimal string or 0x-hex."""
    if isinstance(value, bool):
        raise _RpcFailure(INVALID_PARAMS, f"{what} must be a number, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16) if value.startswith(("0x", "0X")) else int(value)
        except ValueError:
            pass
    raise _RpcFailure(INVALID_PARAMS, f"{what} must be a number, not {value!r}")


def _hex_data(value: Any, what: str) -> bytes:
    """0x-hex data."""
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise _RpcFailure(INVALID_PARAMS, f"{what} must be 0x-prefixed hex data, not {value!r}")


def _next_base_fee(block: Mapping[str, Any]) -> int:
    """EIP-1559: the base fee of the block after ``block`` (a JSON-RPC block)."""
    base = int(block.get("baseFeePerGas") or "0x0", 16)
    used, limit = int(block["gasUsed"], 16), int(block["gasLimit"], 16)
    target = limit // 2
    if target == 0 or used == target:
        return base
    if used > target:
        return base + max(1, base * (used - target) // target // 8)
    return base - base * (target - used) // target // 8


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """True when the JSON text ``body`` nests arrays and objects deeper than ``limit``: checked on
    the raw text (strings removed), before any parser recurses into it."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = 0
    for char in brackets:
        if char in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
#: How deep a request may nest JSON: a batch of transactions with access lists or typed data
#: needs about ten levels.
MAX_JSON_DEPTH = 64


class _RpcFailure(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


_RECEIPT_FIELDS = frozenset(
    {
        "transactionHash",
        "transactionIndex",
        "blockHash",
        "blockNumber",
        "from",
        "to",
        "cumulativeGasUsed",
        "gasUsed",
        "effectiveGasPrice",
        "contractAddress",
        "logs",
        "logsBloom",
        "status",
        "type",
    }
)
_LOG_FIELDS = (
    "address",
    "topics",
    "data",
    "blockNumber",
    "blockHash",
    "transactionHash",
    "transactionIndex",
    "logIndex",
    "removed",
)


def _standard_log(log: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: log[k] for k in _LOG_FIELDS if k in log}
    out.setdefault("removed", False)
    return out


def _account_keys(accounts: Sequence[str]) -> dict[str, bytes]:
    """The private keys of the node's accounts (both backends use keys 1, 2, 3..., eth-tester's)."""
    from eth_keys import keys

    wanted = {a.lower() for a in accounts}
    found: dict[str, bytes] = {}
    for i in range(1, len(accounts) + 1):
        key = i.to_bytes(32, "big")
        address = keys.PrivateKey(key).public_key.to_checksum_address().lower()
        if address in wanted:
            found[address] = key
    return found


def _raw_chain_id(raw: bytes) -> int | None:
    """The chain id a signed transaction is bound to (None: a legacy one without EIP-155)."""
    import rlp

    try:
        if raw[:1] and raw[0] >= 0xC0:
            fields = rlp.decode(raw)
            v = int.from_bytes(fields[6], "big")
            return (v - 35) // 2 if v >= 35 else None
        return int.from_bytes(rlp.decode(raw[1:])[0], "big")
    except Exception:  # noqa: BLE001 - the backend words the decoding error
        return None


def _validation_failure(method: str, exc: Exception) -> _RpcFailure:
    """eth-tester's validation errors, worded as geth words them (clients classify by it)."""
    return _RpcFailure(SERVER_ERROR, _geth_wording(f"{type(exc).__name__}: {exc}"))


_NONCE = re.compile(r"Invalid transaction nonce: Expected (\d+), but got (\d+)")
_FUNDS = re.compile(r"Sender does not have enough balance.*\(has (\d+), needs (\d+)\)")


def _geth_wording(message: str) -> str:
    nonce = _NONCE.search(message)
    if nonce:
        state, tx = int(nonce.group(1)), int(nonce.group(2))
        word = "low" if tx < state else "high"
        return f"nonce too {word}: next nonce {state}, tx nonce {tx}"
    funds = _FUNDS.search(message)
    if funds:
        return (
            f"insufficient funds for gas * price + value: have {funds.group(1)} "
            f"want {funds.group(2)}"
        )
    return message


_BLOCK_METHODS = {"eth_getBlockByNumber", "eth_getBlockByHash"}
_CAMEL = {
    "block_hash": "blockHash",
    "block_number": "blockNumber",
    "transaction_index": "transactionIndex",
    "chain_id": "chainId",
    "access_list": "accessList",
    "max_fee_per_gas": "maxFeePerGas",
    "max_priority_fee_per_gas": "maxPriorityFeePerGas",
    "gas_price": "gasPrice",
    "max_fee_per_blob_gas": "maxFeePerBlobGas",
    "blob_versioned_hashes": "blobVersionedHashes",
    "authorization_list": "authorizationList",
    "y_parity": "yParity",
}


def _error(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}
