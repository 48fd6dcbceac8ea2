"""``decree8 node``: an in-process chain served over HTTP JSON-RPC, like a small Hardhat node.

Requests (single or batched) are answered one at a time under a lock, by an eth-tester chain
(through web3's eth-tester middleware; the default) or by the fast chain (``--chain revm``,
:class:`~decree8.revm.RevmProvider`), in JSON-RPC encoding (hex quantities). Both answer the
standard methods as Hardhat does, so that ethers, viem and web3 clients work unchanged: receipts
with ``logsBloom`` and ``"to": null`` for a creation, ``eth_feeHistory`` with rewards,
``eth_getLogs`` by ``blockHash``, ``eth_sign``/``personal_sign``/``eth_signTypedData_v4`` for the
node's accounts, replay protection for raw transactions, geth's wording for refused ones. A body
nesting JSON deeper than :data:`MAX_JSON_DEPTH` is refused before it is parsed. On top of the
chain it implements the development methods Hardhat has: ``evm_snapshot``, ``evm_revert``
(single-use snapshots, as on Hardhat), ``evm_increaseTime``, ``evm_setNextBlockTimestamp`` and
``evm_mine``. Reverts are errors carrying their data, ``{"code": 3, "message": "execution
reverted", "data": "0x..."}``, as geth and Hardhat send them. The accounts are unlocked and there
is no authentication, so it binds to loopback addresses only unless told otherwise.

``python -m decree8.chain.node --port 8545`` runs it; :class:`NodeProcess` runs that as a
subprocess for tests and the CLI.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_utils import keccak
from web3 import Web3
from web3.types import RPCEndpoint

from decree8.chain.embedded import (
    RevertingTesterProvider,
    increase_next_timestamp,
    new_tester,
    set_next_block_timestamp,
)
from decree8.errors import ChainError, RpcUnavailable, UsageError

__all__ = [
    "NodeDispatcher",
    "NodeProcess",
    "NodeServer",
    "free_port",
    "main",
    "serve",
    "wait_for_rpc",
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


# -- backends: where the dispatcher sends the standard methods -----------------------------------


def _index_transaction_lookups() -> None:
    """eth-tester finds a mined transaction by scanning every block back from the head (its own
    TODO says so), so a receipt costs time linear in the chain's length: 20 ms after a hundred
    blocks. py-evm indexes canonical transactions by hash; look there first, check the entry
    against the block it names (snapshot reverts can leave stale entries) and fall back to the
    scan when it does not match. Same answers, constant time."""
    from eth_tester.backends.pyevm import main as pyevm_main

    scan = pyevm_main._get_transaction_by_hash
    if getattr(scan, "decree8_indexed", False):
        return

    def lookup(chain: Any, transaction_hash: bytes) -> Any:
        head = chain.get_block()
        for index, transaction in enumerate(head.transactions):
            if transaction.hash == transaction_hash:
                return head, transaction, index
        try:
            number, index = chain.chaindb.get_transaction_index(transaction_hash)
            block = chain.get_canonical_block_by_number(number)
            transaction = block.transactions[index]
        except Exception:  # noqa: BLE001 - not indexed (or stale): eth-tester's own scan decides
            return scan(chain, transaction_hash)
        if transaction.hash != transaction_hash:
            return scan(chain, transaction_hash)
        return block, transaction, index

    lookup.decree8_indexed = True  # type: ignore[attr-defined]
    pyevm_main._get_transaction_by_hash = lookup


class _EmbeddedBackend:
    """eth-tester through web3's eth-tester middleware; answers in Python values."""

    name = "embedded"

    def __init__(self, accounts: int) -> None:
        _index_transaction_lookups()
        self.tester = new_tester(accounts)
        self.provider = RevertingTesterProvider(self.tester)
        w3 = Web3(self.provider, middleware=[])
        # Only the provider's own middleware: eth-tester's request/result formatting.
        self._forward = self.provider.request_func(w3, w3.middleware_onion)
        self._snapshots: list[int] = []
        self._time_offset = 0
        self.methods: dict[str, Callable[[list[Any]], Any]] = {
            "evm_snapshot": self._evm_snapshot,
            "evm_revert": self._evm_revert,
            "evm_increaseTime": self._evm_increase_time,
            "evm_setNextBlockTimestamp": self._evm_set_next_block_timestamp,
            "evm_mine": self._evm_mine,
        }

    @property
    def chain_id(self) -> int:
        return int(self.tester.backend.chain.chain_id)

    @property
    def accounts(self) -> list[str]:
        return [Web3.to_checksum_address(a) for a in self.tester.get_accounts()]

    def request(self, method: str, params: list[Any]) -> Any:
        """The JSON-ready result, or :class:`_RpcFailure`."""
        if method == "eth_sendTransaction":
            self._fill_gas(params)
        try:
            response = self._forward(RPCEndpoint(method), params)
        except (TypeError, IndexError, KeyError, AttributeError) as exc:
            raise _RpcFailure(INVALID_PARAMS, f"invalid params for {method}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - eth-tester's validation errors, reworded
            raise _validation_failure(method, exc) from None
        if "error" in response:
            error = response["error"]
            raise _RpcFailure(
                int(error.get("code", SERVER_ERROR)),
                _geth_wording(str(error.get("message", ""))),
                error.get("data"),
            )
        result = response.get("result")
        if method in _BLOCK_METHODS and isinstance(result, dict):
            result = self._standard_block(result)
        return _to_json(result)

    def _fill_gas(self, params: list[Any]) -> None:
        """Gives a transaction sent without ``gas`` its estimate, as Hardhat does (eth-tester
        requires it); raises the estimate's error when estimating fails."""
        if not params or not isinstance(params[0], dict) or params[0].get("gas") is not None:
            return
        estimate = self.request("eth_estimateGas", [params[0]])
        params[0] = {**params[0], "gas": estimate}

    def _standard_block(self, block: dict[str, Any]) -> dict[str, Any]:
        """eth-tester leaves the full transactions of a block in its own snake_case shape (web3's
        tester provider formats only top-level results): give them the JSON-RPC field names."""
        txs = block.get("transactions")
        if not txs or not isinstance(txs[0], dict):
            return block
        fixed = []
        for tx in txs:
            out = {_CAMEL.get(k, k): v for k, v in tx.items()}
            if "input" not in out and "data" in out:
                out["input"] = out["data"]
            out["chainId"] = hex(self.chain_id)
            fixed.append(out)
        return {**block, "transactions": fixed}

    # -- development methods -------------------------------------------------------------------

    def _evm_snapshot(self, params: list[Any]) -> str:
        snap_id = int(self.tester.take_snapshot()) + 1  # Hardhat's ids start at 1
        self._snapshots.append(snap_id)
        return hex(snap_id)

    def _evm_revert(self, params: list[Any]) -> bool:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_revert takes one snapshot id")
        snap_id = _quantity(params[0], "the snapshot id")
        if snap_id not in self._snapshots:
            return False
        self.tester.revert_to_snapshot(snap_id - 1)
        self._snapshots = [s for s in self._snapshots if s < snap_id]
        return True

    def _evm_increase_time(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_increaseTime takes a number of seconds")
        seconds = _quantity(params[0], "the seconds")
        increase_next_timestamp(self.tester, seconds)
        self._time_offset += seconds
        return str(self._time_offset)  # Hardhat answers the total offset, as a decimal string

    def _evm_set_next_block_timestamp(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_setNextBlockTimestamp takes a timestamp")
        timestamp = _quantity(params[0], "the timestamp")
        set_next_block_timestamp(self.tester, timestamp)
        return str(timestamp)

    def _evm_mine(self, params: list[Any]) -> str:
        if params and params[0] is not None:
            set_next_block_timestamp(self.tester, _quantity(params[0], "the timestamp"))
        self.tester.mine_blocks(1)
        return "0x0"


class _RevmBackend:
    """The fast chain: a :class:`~decree8.revm.RevmProvider`, which answers in JSON-RPC encoding."""

    name = "revm"

    def __init__(self, accounts: int) -> None:
        from decree8.chain.revm import fast_chain_missing

        missing = fast_chain_missing(warn=False)
        if missing is not None:
            raise UsageError(missing.replace("; running on eth-tester instead", ""))
        from decree8.revm import RevmError, RevmProvider

        self._error_type = RevmError
        self.provider = RevmProvider(accounts=accounts)
        self.node = self.provider.node
        self.methods: dict[str, Callable[[list[Any]], Any]] = {
            "evm_snapshot": lambda p: hex(self.node.snapshot()),
            "evm_revert": self._evm_revert,
            "evm_increaseTime": self._evm_increase_time,
            "evm_setNextBlockTimestamp": self._evm_set_next_block_timestamp,
            "evm_mine": self._evm_mine,
        }

    @property
    def chain_id(self) -> int:
        return self.node.chain_id

    @property
    def accounts(self) -> list[str]:
        return list(self.node.accounts)

    def request(self, method: str, params: list[Any]) -> Any:
        response: Any = self.provider.make_request(RPCEndpoint(method), params)
        if "error" in response:
            error = response["error"]
            raise _RpcFailure(error["code"], error["message"], error.get("data"))
        return response["result"]

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except self._error_type as exc:
            raise _RpcFailure(SERVER_ERROR, str(exc)) from None

    def _evm_revert(self, params: list[Any]) -> bool:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_revert takes one snapshot id")
        snap_id = _quantity(params[0], "the snapshot id")
        return bool(self.node.revert(snap_id, keep=False))  # single use, as on Hardhat

    def _evm_increase_time(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_increaseTime takes a number of seconds")
        seconds = _quantity(params[0], "the seconds")
        return str(self._call(lambda: self.node.increase_time(seconds)))

    def _evm_set_next_block_timestamp(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_setNextBlockTimestamp takes a timestamp")
        timestamp = _quantity(params[0], "the timestamp")
        latest = self.node.latest.timestamp
        if timestamp <= latest:
            raise _RpcFailure(
                SERVER_ERROR,
                f"the next block's timestamp {timestamp} must be after the latest block's "
                f"({latest})",
            )
        self._call(lambda: self.node.set_next_timestamp(timestamp))
        return str(timestamp)

    def _evm_mine(self, params: list[Any]) -> str:
        timestamp = None
        if params and params[0] is not None:
            timestamp = _quantity(params[0], "the timestamp")
            latest = self.node.latest.timestamp
            if timestamp <= latest:
                raise _RpcFailure(
                    SERVER_ERROR,
                    f"the next block's timestamp {timestamp} must be after the latest block's "
                    f"({latest})",
                )
        self._call(lambda: self.node.mine(1, timestamp))
        return "0x0"


CHAINS = ("embedded", "revm")


class NodeDispatcher:
    """Answers JSON-RPC request objects from an in-process chain, one request at a time.

    ``chain`` is ``"embedded"`` (eth-tester) or ``"revm"`` (the fast chain). Both answer the
    standard methods the way Hardhat does (field names, null vs empty, error codes and wording
    that clients such as ethers and viem classify), plus the development methods ``evm_*`` and
    signing for the node's own accounts.
    """

    def __init__(self, accounts: int = 10, chain: str = "embedded") -> None:
        if chain not in CHAINS:
            raise UsageError(f"unknown chain {chain!r}: use one of {', '.join(CHAINS)}")
        self.backend: _EmbeddedBackend | _RevmBackend = (
            _RevmBackend(accounts) if chain == "revm" else _EmbeddedBackend(accounts)
        )
        self.chain = chain
        self._lock = threading.Lock()
        self._keys = _account_keys(self.backend.accounts)
        self._methods: dict[str, Callable[[list[Any]], Any]] = {
            **self.backend.methods,
            "net_version": lambda p: str(self.chain_id),
            "net_listening": lambda p: True,
            "eth_gasPrice": self._gas_price,
            "eth_feeHistory": self._fee_history,
            "eth_getLogs": self._get_logs,
            "eth_getTransactionReceipt": self._get_receipt,
            "eth_sendRawTransaction": self._send_raw_transaction,
            "eth_sign": self._eth_sign,
            "personal_sign": self._personal_sign,
            "eth_signTypedData_v4": self._sign_typed_data,
        }

    @property
    def chain_id(self) -> int:
        return self.backend.chain_id

    @property
    def accounts(self) -> list[str]:
        return self.backend.accounts

    def handle(self, payload: Any) -> Any:
        """The response to a request object, or the list of responses to a batch."""
        if isinstance(payload, list):
            if not payload:
                return _error(None, INVALID_REQUEST, "empty batch")
            return [self.handle_one(item) for item in payload]
        return self.handle_one(payload)

    def handle_one(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return _error(None, INVALID_REQUEST, "a request is an object with a method")
        request_id = request.get("id")
        method: str = request["method"]
        params = request.get("params", [])
        if params is None:
            params = []
        if not isinstance(params, list):
            return _error(request_id, INVALID_PARAMS, "params must be an array")
        try:
            with self._lock:
                custom = self._methods.get(method)
                result = custom(params) if custom is not None else self._forward(method, params)
            return {"jsonrpc": "2.0", "id": request_id, "result": result}
        except _RpcFailure as exc:
            return _error(request_id, exc.code, exc.message, exc.data)
        except ChainError as exc:
            return _error(request_id, SERVER_ERROR, str(exc))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON-RPC error
            return _error(request_id, SERVER_ERROR, f"{type(exc).__name__}: {exc}")

    def _forward(self, method: str, params: list[Any]) -> Any:
        return self.backend.request(method, params)

    # -- standard methods, answered the same way on both backends --------------------------------

    def _priority_fee(self) -> int:
        return _quantity(self._forward("eth_maxPriorityFeePerGas", []), "priority fee")

    def _gas_price(self, params: list[Any]) -> str:
        """The next block's base fee plus the suggested tip (what a legacy transaction must pay
        to be mined), as Hardhat answers."""
        latest = self._forward("eth_getBlockByNumber", ["latest", False])
        return hex(_next_base_fee(latest) + self._priority_fee())

    def _fee_history(self, params: list[Any]) -> dict[str, Any]:
        """``eth_feeHistory(count, newestBlock, percentiles)``: base fees of the blocks and of the
        one after (N+1), gas used ratios, and per block the tips paid at each percentile of gas."""
        if len(params) < 2:
            raise _RpcFailure(
                INVALID_PARAMS,
                "eth_feeHistory takes a block count, the newest block and "
                "optionally reward percentiles",
            )
        count = _quantity(params[0], "the block count")
        if not 1 <= count <= 1024:
            raise _RpcFailure(INVALID_PARAMS, f"the block count must be 1 to 1024, not {count}")
        percentiles = params[2] if len(params) > 2 and params[2] is not None else []
        if (
            not isinstance(percentiles, list)
            or not all(
                isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 100
                for p in percentiles
            )
            or percentiles != sorted(percentiles)
        ):
            raise _RpcFailure(
                INVALID_PARAMS, "reward percentiles must be increasing numbers from 0 to 100"
            )
        head = _quantity(self._forward("eth_blockNumber", []), "block number")
        newest = self._block_number(params[1], head)
        if newest > head:
            raise _RpcFailure(INVALID_PARAMS, f"block {newest} does not exist (latest is {head})")
        oldest = max(0, newest - count + 1)
        base_fees: list[str] = []
        ratios: list[float] = []
        rewards: list[list[str]] = []
        block: dict[str, Any] = {}
        for number in range(oldest, newest + 1):
            block = self._forward("eth_getBlockByNumber", [hex(number), True])
            base = int(block.get("baseFeePerGas") or "0x0", 16)
            base_fees.append(hex(base))
            limit = int(block["gasLimit"], 16)
            ratios.append(int(block["gasUsed"], 16) / limit if limit else 0.0)
            if percentiles:
                rewards.append([hex(r) for r in self._rewards(block, base, percentiles)])
        base_fees.append(hex(_next_base_fee(block)))
        answer: dict[str, Any] = {
            "oldestBlock": hex(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
        }
        if percentiles:
            answer["reward"] = rewards
        return answer

    def _rewards(self, block: dict[str, Any], base: int, percentiles: list[float]) -> list[int]:
        """The tip per gas at each percentile of the block's gas, transactions sorted by tip."""
        paid: list[tuple[int, int]] = []
        for tx in block.get("transactions", []):
            receipt = self._forward("eth_getTransactionReceipt", [tx["hash"]])
            price = int(receipt.get("effectiveGasPrice") or tx.get("gasPrice") or "0x0", 16)
            paid.append((max(0, price - base), int(receipt["gasUsed"], 16)))
        if not paid:
            return [0] * len(percentiles)
        paid.sort()
        total = sum(gas for _, gas in paid)
        answer = []
        for percentile in percentiles:
            threshold = total * percentile / 100
            spent, index = 0, 0
            for index, (_, gas) in enumerate(paid):  # noqa: B007 - the index is the answer
                spent += gas
                if spent >= threshold:
                    break
            answer.append(paid[index][0])
        return answer

    def _block_number(self, tag: Any, head: int) -> int:
        if tag in ("latest", "pending", "safe", "finalized"):
            return head
        if tag == "earliest":
            return 0
        return _quantity(tag, "the block")

    def _get_logs(self, params: list[Any]) -> list[Any]:
        """``eth_getLogs``, with a ``blockHash`` filter on both backends."""
        if len(params) != 1 or not isinstance(params[0], dict):
            raise _RpcFailure(INVALID_PARAMS, "eth_getLogs takes one filter object")
        query = dict(params[0])
        block_hash = query.pop("blockHash", None)
        if block_hash is not None:
            if "fromBlock" in query or "toBlock" in query:
                raise _RpcFailure(
                    INVALID_PARAMS, "a filter has either blockHash or fromBlock/toBlock, not both"
                )
            block = self._forward("eth_getBlockByHash", [block_hash, False])
            if block is None:
                raise _RpcFailure(SERVER_ERROR, f"unknown block {block_hash}")
            query["fromBlock"] = query["toBlock"] = block["number"]
        logs = self._forward("eth_getLogs", [query])
        return [_standard_log(log) for log in logs]

    def _get_receipt(self, params: list[Any]) -> dict[str, Any] | None:
        receipt = self._forward("eth_getTransactionReceipt", params)
        if receipt is None:
            return None
        logs = [_standard_log(log) for log in receipt.get("logs", [])]
        out = {k: v for k, v in receipt.items() if k in _RECEIPT_FIELDS}
        out["to"] = receipt.get("to") or None
        out["contractAddress"] = receipt.get("contractAddress") or None
        out["logs"] = logs
        out["logsBloom"] = _logs_bloom(logs)
        return out

    def _send_raw_transaction(self, params: list[Any]) -> Any:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "eth_sendRawTransaction takes the signed transaction")
        chain_id = _raw_chain_id(_hex_data(params[0], "the signed transaction"))
        if chain_id is not None and chain_id != self.chain_id:
            raise _RpcFailure(
                SERVER_ERROR,
                f"invalid chain id for signer: the transaction is signed for chain {chain_id}, "
                f"this chain is {self.chain_id}",
            )
        return self._forward("eth_sendRawTransaction", params)

    # -- signing with the node's accounts --------------------------------------------------------

    def _key(self, address: Any) -> bytes:
        if not isinstance(address, str):
            raise _RpcFailure(INVALID_PARAMS, f"an account address is a 0x-hex string: {address!r}")
        key = self._keys.get(address.lower())
        if key is None:
            raise _RpcFailure(
                SERVER_ERROR, f"unknown account {address}: the node signs for its own accounts only"
            )
        return key

    def _sign_message(self, address: Any, data: Any) -> str:
        from eth_account import Account
        from eth_account.messages import encode_defunct

        message = encode_defunct(primitive=_hex_data(data, "the message"))
        return "0x" + bytes(Account.sign_message(message, self._key(address)).signature).hex()

    def _personal_sign(self, params: list[Any]) -> str:
        if len(params) < 2:
            raise _RpcFailure(INVALID_PARAMS, "personal_sign takes the message and the account")
        return self._sign_message(params[1], params[0])

    def _eth_sign(self, params: list[Any]) -> str:
        if len(params) != 2:
            raise _RpcFailure(INVALID_PARAMS, "eth_sign takes the account and the message")
        return self._sign_message(params[0], params[1])

    def _sign_typed_data(self, params: list[Any]) -> str:
        from eth_account import Account

        if len(params) != 2:
            raise _RpcFailure(INVALID_PARAMS, "eth_signTypedData_v4 takes the account and the data")
        key = self._key(params[0])
        typed = params[1]
        if isinstance(typed, str):
            try:
                typed = json.loads(typed)
            except json.JSONDecodeError:
                raise _RpcFailure(INVALID_PARAMS, "the typed data is not JSON") from None
        if not isinstance(typed, dict):
            raise _RpcFailure(INVALID_PARAMS, "the typed data is a JSON object")
        try:
            signed = Account.sign_typed_data(key, full_message=typed)
        except Exception as exc:  # noqa: BLE001 - malformed typed data, whatever eth-account says
            raise _RpcFailure(INVALID_PARAMS, f"invalid typed data: {exc}") from None
        return "0x" + bytes(signed.signature).hex()


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


class _Handler(BaseHTTPRequestHandler):
    server: NodeServer
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse one connection
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(
                413,
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {"code": INVALID_REQUEST, "message": "bad length"},
                },
            )
            return
        body = self.rfile.read(length)
        if json_depth_exceeds(body, MAX_JSON_DEPTH):
            self._send(
                200,
                _error(
                    None,
                    INVALID_REQUEST,
                    f"the request nests JSON deeper than {MAX_JSON_DEPTH} levels",
                ),
            )
            return
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._send(200, _error(None, PARSE_ERROR, "the body is not JSON"))
            return
        self._send(200, self.server.dispatcher.handle(payload))

    def do_GET(self) -> None:  # noqa: N802
        self._send(405, _error(None, INVALID_REQUEST, "send JSON-RPC requests with POST"))

    def _send(self, status: int, answer: Any) -> None:
        """The status line, two headers and the body in one write (one packet for small
        answers: with keep-alive, the write count is what bounds a client's request rate)."""
        data = json.dumps(answer, separators=(",", ":")).encode()
        head = (
            f"{self.protocol_version} {status} {self.responses[status][0]}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass


class NodeServer(ThreadingHTTPServer):
    """The HTTP server of ``decree8 node``; ``port=0`` picks a free port (see :attr:`url`)."""

    daemon_threads = True

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        accounts: int = 10,
        allow_remote: bool = False,
        chain: str = "embedded",
    ) -> None:
        if not allow_remote and not _is_loopback(host):
            raise UsageError(
                f"refusing to serve on {host}: the node's accounts are unlocked and it has no "
                "authentication; use 127.0.0.1 (or allow remote access explicitly)"
            )
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            super().__init__((host, port), _Handler)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        try:
            self.dispatcher = NodeDispatcher(accounts, chain)
        except BaseException:
            self.server_close()
            raise

    @property
    def url(self) -> str:
        address = self.server_address
        host = address[0] if isinstance(address[0], str) else address[0].decode()
        port = address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    accounts: int = 10,
    ready_callback: Callable[[NodeServer], None] | None = None,
    allow_remote: bool = False,
    chain: str = "embedded",
) -> None:
    """Serves an in-process chain (``chain``: ``"embedded"``, eth-tester, or ``"revm"``, the fast
    chain) over JSON-RPC until interrupted (Ctrl-C or SIGTERM).

    ``ready_callback`` is called with the listening server (its ``url``, ``dispatcher.accounts``)
    once requests can be made. Raises :class:`~decree8.errors.UsageError` for a non-loopback
    ``host`` unless ``allow_remote``, or when the port is taken.
    """
    server = NodeServer(host, port, accounts, allow_remote=allow_remote, chain=chain)
    previous = signal.getsignal(signal.SIGTERM)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if ready_callback is not None:
            ready_callback(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# -- running a node in a subprocess ---------------------------------------------------------------


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _answers(url: str, timeout: float) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "result" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def wait_for_rpc(
    url: str, timeout: float = 30, process: subprocess.Popen[Any] | None = None
) -> None:
    """Waits until a JSON-RPC node at ``url`` answers ``eth_chainId``.

    Raises :class:`~decree8.errors.RpcUnavailable` after ``timeout`` seconds, or as soon as
    ``process`` (the node, when we started it) has exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RpcUnavailable(f"the node for {url} exited with code {process.returncode}")
        if _answers(url, timeout=0.5):
            return
        if time.monotonic() >= deadline:
            raise RpcUnavailable(f"no JSON-RPC node answered at {url} within {timeout:g}s")
        time.sleep(0.05)


def _src_dir() -> Path:
    return Path(__file__).resolve().parents[2]


class NodeProcess:
    """``python -m decree8.chain.node`` in a subprocess, on a free loopback port by default.

    ``start()`` returns once the node answers; ``stop()`` ends that process by its pid (SIGTERM,
    then SIGKILL). Use it as a context manager. Its output goes to :attr:`log_path`.
    """

    def __init__(
        self,
        port: int | None = None,
        accounts: int = 10,
        host: str = DEFAULT_HOST,
        startup_timeout: float = 30,
        python: str = sys.executable,
        chain: str = "embedded",
    ) -> None:
        self.chain = chain
        self.host = host
        self.port = port
        self.accounts = accounts
        self.startup_timeout = startup_timeout
        self.python = python
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise ChainError("the node has not been started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> NodeProcess:
        if self.process is not None:
            raise ChainError(f"the node is already running (pid {self.process.pid})")
        if self.port is None:
            self.port = free_port(self.host)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_src_dir()), env.get("PYTHONPATH", "")) if p
        )
        fd, log_name = tempfile.mkstemp(prefix="decree8-node-", suffix=".log")
        self.log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "decree8.chain.node",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                    "--accounts",
                    str(self.accounts),
                    "--chain",
                    self.chain,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            wait_for_rpc(self.url, self.startup_timeout, self.process)
        except RpcUnavailable:
            output = self.output()
            self.stop()
            raise RpcUnavailable(
                f"decree8 node did not start on {self.url}: {output.strip()[-300:] or 'no output'}"
            ) from None
        return self

    def output(self) -> str:
        """What the node printed so far."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 5) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout)
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def __enter__(self) -> NodeProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- python -m decree8.chain.node -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m decree8.chain.node",
        description="Serve an in-process decree8 chain over HTTP JSON-RPC.",
    )
    parser.add_argument(
        "--chain", choices=CHAINS, default="embedded", help="embedded (eth-tester) or revm (fast)"
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: any free one)")
    parser.add_argument("--accounts", type=int, default=10, help="funded, unlocked accounts")
    args = parser.parse_args(argv)

    def ready(server: NodeServer) -> None:
        accounts = server.dispatcher.accounts
        print(
            f"decree8 node listening on {server.url} ({args.chain} chain, "
            f"chain id {server.dispatcher.chain_id}, "
            f"{len(accounts)} unlocked accounts)",
            flush=True,
        )
        for account in accounts:
            print(f"  {account}", flush=True)

    try:
        serve(args.host, args.port, args.accounts, ready_callback=ready, chain=args.chain)
    except (UsageError, ChainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
