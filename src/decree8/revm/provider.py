"""A web3.py provider that answers JSON-RPC from an in-process revm chain (:class:`RevmNode`).

``Web3(RevmProvider())`` works like ``Web3(EthereumTesterProvider())``: funded unlocked accounts,
one block per transaction, snapshots and time travel, but the EVM is revm (Rust) and the answers are
what a JSON-RPC node (geth, Hardhat) sends: hex quantities, a reverting ``eth_call`` or
``eth_estimateGas`` answers ``{"code": 3, "message": "execution reverted", "data": "0x..."}``, and a
transaction the node refuses answers a ``-32000`` error with a one-line message.

Methods: ``web3_clientVersion``, ``net_version``, ``net_listening``, ``eth_chainId``,
``eth_accounts``, ``eth_coinbase``, ``eth_blockNumber``, ``eth_getBlockByNumber``,
``eth_getBlockByHash``, ``eth_getBalance``, ``eth_getCode``, ``eth_getStorageAt``,
``eth_getTransactionCount``, ``eth_gasPrice``, ``eth_maxPriorityFeePerGas``, ``eth_feeHistory``,
``eth_estimateGas``, ``eth_call``, ``eth_sendTransaction``, ``eth_sendRawTransaction``,
``eth_getTransactionReceipt``, ``eth_getTransactionByHash``, ``eth_getLogs``, ``eth_syncing``,
``eth_mining``, ``evm_snapshot``, ``evm_revert``, ``evm_increaseTime``, ``evm_mine``,
``evm_setNextBlockTimestamp``, ``testing_timeTravel``. Reads and calls work at any mined block
(older blocks are rebuilt by replaying transactions, see :class:`decree8.revm.node.RevmNode`).
Receipts carry one extra field,
``revertData``, the revert data of a status-0 transaction (no replay needed). See
:mod:`decree8.revm.node` for the gas and fee model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, cast

from eth_utils import to_checksum_address
from web3.providers import BaseProvider
from web3.types import RPCEndpoint, RPCResponse

from decree8.revm.engine import keccak
from decree8.revm.node import RevmNode
from decree8.revm.records import Block, Log, Receipt, RevmError, Transaction, TxRequest

CLIENT_VERSION = "decree8-revm/revm-43"
_ZERO32 = "0x" + "00" * 32

Handler = Callable[[list[Any]], Any]


class RevmProvider(BaseProvider):
    """A web3 provider over an in-process revm chain. ``provider.node`` is the :class:`RevmNode`.

    Keyword arguments go to :class:`RevmNode` (``accounts``, ``balance``, ``chain_id``,
    ``hardfork``, ``gas_limit``, ``gas_price``, ``coinbase``, ``timestamp``).
    """

    def __init__(self, node: RevmNode | None = None, **node_options: Any) -> None:
        super().__init__()
        if node is not None and node_options:
            raise RevmError("give either a RevmNode or options for a new one, not both")
        self.node = node if node is not None else RevmNode(**node_options)
        self._request_id = 0
        self._handlers: dict[str, Handler] = {
            "web3_clientVersion": lambda p: CLIENT_VERSION,
            "net_version": lambda p: str(self.node.chain_id),
            "net_listening": lambda p: True,
            "net_peerCount": lambda p: "0x0",
            "eth_chainId": lambda p: hex(self.node.chain_id),
            "eth_accounts": lambda p: list(self.node.accounts),
            "eth_coinbase": lambda p: self.node.coinbase,
            "eth_syncing": lambda p: False,
            "eth_mining": lambda p: True,
            "eth_blockNumber": lambda p: hex(self.node.block_number),
            "eth_getBlockByNumber": self._get_block_by_number,
            "eth_getBlockByHash": self._get_block_by_hash,
            "eth_getBalance": self._get_balance,
            "eth_getCode": self._get_code,
            "eth_getStorageAt": self._get_storage_at,
            "eth_getTransactionCount": self._get_transaction_count,
            "eth_gasPrice": lambda p: hex(self.node.gas_price),
            "eth_maxPriorityFeePerGas": lambda p: hex(self.node.gas_price),
            "eth_feeHistory": self._fee_history,
            "eth_estimateGas": self._estimate_gas,
            "eth_call": self._call,
            "eth_sendTransaction": self._send_transaction,
            "eth_sendRawTransaction": self._send_raw_transaction,
            "eth_getTransactionReceipt": self._get_receipt,
            "eth_getTransactionByHash": self._get_transaction,
            "eth_getLogs": self._get_logs,
            "evm_snapshot": lambda p: hex(self.node.snapshot()),
            "evm_revert": lambda p: self.node.revert(_quantity(p[0])),
            "evm_increaseTime": lambda p: self.node.increase_time(_quantity(p[0])),
            "evm_mine": self._mine,
            "evm_setNextBlockTimestamp": self._set_next_timestamp,
            "testing_timeTravel": self._time_travel,
        }

    # -- web3 provider API ------------------------------------------------------------------

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """Answer one JSON-RPC request as a node would: ``result`` or ``error``."""
        self._request_id += 1
        request_id = self._request_id
        handler = self._handlers.get(method)
        if handler is None:
            return _error(request_id, -32601, f"method {method} is not supported by the revm chain")
        try:
            result = handler(list(params or ()))
        except RevmError as exc:
            return _error(request_id, exc.code, str(exc), exc.data)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            return _error(request_id, -32602, f"invalid params for {method}: {exc}")
        return cast(RPCResponse, {"jsonrpc": "2.0", "id": request_id, "result": result})

    def is_connected(self, show_traceback: bool = False) -> bool:
        """Always True: the chain lives in this process."""
        return True

    # -- handlers ---------------------------------------------------------------------------

    def _get_block_by_number(self, params: list[Any]) -> dict[str, Any] | None:
        tag = params[0] if params else "latest"
        number = self._block_number(tag)
        block = self.node.block(number)
        return None if block is None else self._format_block(block, bool(params[1:2] and params[1]))

    def _get_block_by_hash(self, params: list[Any]) -> dict[str, Any] | None:
        block = self.node.block_by_hash(_data(params[0]))
        return None if block is None else self._format_block(block, bool(params[1:2] and params[1]))

    def _get_balance(self, params: list[Any]) -> str:
        return hex(self.node.balance(_address(params[0]), self._state_block(params[1:2])))

    def _get_code(self, params: list[Any]) -> str:
        return "0x" + self.node.code(_address(params[0]), self._state_block(params[1:2])).hex()

    def _get_storage_at(self, params: list[Any]) -> str:
        block = self._state_block(params[2:3])
        value = self.node.storage(_address(params[0]), _quantity(params[1]), block)
        return "0x" + value.to_bytes(32, "big").hex()

    def _get_transaction_count(self, params: list[Any]) -> str:
        return hex(self.node.nonce(_address(params[0]), self._state_block(params[1:2])))

    def _fee_history(self, params: list[Any]) -> dict[str, Any]:
        count = max(1, min(_quantity(params[0]), 1024))
        newest = min(self._block_number(params[1]), self.node.block_number)
        oldest = max(0, newest - count + 1)
        blocks = [self.node.block(n) for n in range(oldest, newest + 1)]
        percentiles = params[2] if len(params) > 2 and params[2] else []
        return {
            "oldestBlock": hex(oldest),
            "baseFeePerGas": ["0x0"] * (len(blocks) + 1),
            "gasUsedRatio": [b.gas_used / b.gas_limit if b else 0.0 for b in blocks],
            "reward": [[hex(self.node.gas_price)] * len(percentiles) for _ in blocks],
        }

    def _estimate_gas(self, params: list[Any]) -> str:
        block = self._block_tag(params[1]) if len(params) > 1 else "pending"
        return hex(self.node.estimate_gas(self._tx_request(params[0]), block))

    def _call(self, params: list[Any]) -> str:
        block = self._block_tag(params[1]) if len(params) > 1 else "latest"
        return "0x" + self.node.call(self._tx_request(params[0]), block).hex()

    def _send_transaction(self, params: list[Any]) -> str:
        tx = self._tx_request(params[0])
        return "0x" + self.node.send(tx).hex()

    def _send_raw_transaction(self, params: list[Any]) -> str:
        raw = _data(params[0])
        tx = decode_raw_transaction(raw)
        return "0x" + self.node.send(tx, tx_hash=keccak(raw), signed=True).hex()

    def _get_receipt(self, params: list[Any]) -> dict[str, Any] | None:
        receipt = self.node.receipt(_data(params[0]))
        return None if receipt is None else _format_receipt(receipt)

    def _get_transaction(self, params: list[Any]) -> dict[str, Any] | None:
        tx = self.node.transaction(_data(params[0]))
        return None if tx is None else _format_transaction(tx)

    def _get_logs(self, params: list[Any]) -> list[dict[str, Any]]:
        query: Mapping[str, Any] = params[0] if params else {}
        if query.get("blockHash") is not None:
            block = self.node.block_by_hash(_data(query["blockHash"]))
            if block is None:
                raise RevmError(f"unknown block {query['blockHash']}")
            low = high = block.number
        else:
            low = self._block_number(query.get("fromBlock") or "latest")
            high = self._block_number(query.get("toBlock") or "latest")
        raw_address = query.get("address")
        addresses = (
            []
            if raw_address is None
            else ([raw_address] if isinstance(raw_address, str) else list(raw_address))
        )
        topics = [
            None if t is None else ([t] if isinstance(t, str) else list(t))
            for t in (query.get("topics") or [])
        ]
        return [_format_log(log) for log in self.node.logs(low, high, addresses, topics)]

    def _mine(self, params: list[Any]) -> str:
        timestamp = _quantity(params[0]) if params and params[0] is not None else None
        self.node.mine(1, timestamp)
        return "0x0"

    def _set_next_timestamp(self, params: list[Any]) -> None:
        self.node.set_next_timestamp(_quantity(params[0]))

    def _time_travel(self, params: list[Any]) -> None:
        """eth-tester's ``time_travel``: mine one empty block at the given timestamp."""
        self.node.mine(1, _quantity(params[0]))

    # -- parameter parsing ------------------------------------------------------------------

    def _tx_request(self, raw: Mapping[str, Any]) -> TxRequest:
        to = raw.get("to")
        data = raw.get("data", raw.get("input"))
        numbers = {
            name: _optional_quantity(raw.get(key))
            for name, key in (
                ("value", "value"),
                ("gas", "gas"),
                ("gas_price", "gasPrice"),
                ("max_fee_per_gas", "maxFeePerGas"),
                ("max_priority_fee_per_gas", "maxPriorityFeePerGas"),
                ("nonce", "nonce"),
                ("chain_id", "chainId"),
            )
        }
        for name, number in numbers.items():
            if number is not None and number < 0:
                raise RevmError(f"{name} must not be negative: {number}", code=-32602)
        return TxRequest(
            sender=_address(raw.get("from") or "0x0000000000000000000000000000000000000000"),
            to=_address(to) if to else None,
            value=numbers["value"] or 0,
            data=_data(data) if data else b"",
            gas=numbers["gas"],
            gas_price=numbers["gas_price"],
            max_fee_per_gas=numbers["max_fee_per_gas"],
            max_priority_fee_per_gas=numbers["max_priority_fee_per_gas"],
            nonce=numbers["nonce"],
            chain_id=numbers["chain_id"],
        )

    def _block_tag(self, tag: Any) -> int | str:
        """A block parameter as the node takes it: a number or a tag."""
        if isinstance(tag, Mapping):
            if "blockHash" in tag:
                block = self.node.block_by_hash(_data(tag["blockHash"]))
                if block is None:
                    raise RevmError(f"unknown block {tag['blockHash']}")
                return block.number
            tag = tag.get("blockNumber", "latest")
        if tag is None:
            return "latest"
        if isinstance(tag, str) and not tag.startswith("0x"):
            if tag not in ("latest", "pending", "earliest", "safe", "finalized"):
                raise RevmError(f"unknown block tag {tag!r}", code=-32602)
            return tag
        return _quantity(tag)

    def _block_number(self, tag: Any) -> int:
        block = self._block_tag(tag)
        if block == "earliest":
            return 0
        if isinstance(block, str):
            return self.node.block_number
        return block

    def _state_block(self, rest: list[Any]) -> int | str:
        """The block a state read names (its optional last parameter), "latest" by default."""
        return self._block_tag(rest[0]) if rest else "latest"

    # -- formatting -------------------------------------------------------------------------

    def _format_block(self, block: Block, full: bool) -> dict[str, Any]:
        transactions: list[Any] = []
        for tx_hash in block.transactions:
            tx = self.node.transaction(tx_hash)
            transactions.append(_format_transaction(tx) if full and tx else "0x" + tx_hash.hex())
        logs = [log for h in block.transactions for log in _receipt_logs(self.node, h)]
        return {
            "number": hex(block.number),
            "hash": "0x" + block.hash.hex(),
            "parentHash": "0x" + block.parent_hash.hex(),
            "nonce": "0x0000000000000000",
            "sha3Uncles": "0x" + keccak(b"\xc0").hex(),
            "logsBloom": "0x" + logs_bloom(logs).hex(),
            "transactionsRoot": _ZERO32,
            "stateRoot": _ZERO32,
            "receiptsRoot": _ZERO32,
            "miner": block.coinbase,
            "difficulty": "0x0",
            "totalDifficulty": "0x0",
            "extraData": "0x",
            "size": "0x0",
            "gasLimit": hex(block.gas_limit),
            "gasUsed": hex(block.gas_used),
            "timestamp": hex(block.timestamp),
            "transactions": transactions,
            "uncles": [],
            "baseFeePerGas": hex(block.base_fee),
            "mixHash": "0x" + block.prevrandao.hex(),
            "withdrawals": [],
            "withdrawalsRoot": _ZERO32,
            "blobGasUsed": "0x0",
            "excessBlobGas": "0x0",
            "parentBeaconBlockRoot": _ZERO32,
        }


# ---------------------------------------------------------------------------------------------
# Raw transactions
# ---------------------------------------------------------------------------------------------


def decode_raw_transaction(raw: bytes) -> TxRequest:
    """Decode a signed transaction (legacy, EIP-2930 or EIP-1559) and recover its sender."""
    import rlp
    from eth_account import Account
    from eth_account.typed_transactions import TypedTransaction
    from hexbytes import HexBytes

    try:
        sender = to_checksum_address(Account.recover_transaction(raw))
        if raw[:1] and raw[0] >= 0xC0:
            nonce, gas_price, gas, to, value, data, v, _, _ = rlp.decode(raw)
            v_int = int.from_bytes(v, "big")
            chain_id = (v_int - 35) // 2 if v_int >= 35 else None
            return TxRequest(
                sender=sender,
                to=to_checksum_address(to) if to else None,
                value=int.from_bytes(value, "big"),
                data=bytes(data),
                gas=int.from_bytes(gas, "big"),
                gas_price=int.from_bytes(gas_price, "big"),
                nonce=int.from_bytes(nonce, "big"),
                chain_id=chain_id,
            )
        fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the same user error
        raise RevmError(f"cannot decode the raw transaction: {exc}", code=-32602) from None
    if fields.get("type") not in (1, 2):
        raise RevmError(f"transaction type {fields.get('type')} is not supported by the revm chain")
    to = fields.get("to")
    return TxRequest(
        sender=sender,
        to=to_checksum_address(to) if to else None,
        value=int(fields["value"]),
        data=bytes(fields.get("data", b"")),
        gas=int(fields["gas"]),
        gas_price=fields.get("gasPrice"),
        max_fee_per_gas=fields.get("maxFeePerGas"),
        max_priority_fee_per_gas=fields.get("maxPriorityFeePerGas"),
        nonce=int(fields["nonce"]),
        chain_id=int(fields["chainId"]),
    )


# ---------------------------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------------------------


def _error(request_id: int, code: int, message: str, data: str | None = None) -> RPCResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return cast(RPCResponse, {"jsonrpc": "2.0", "id": request_id, "error": error})


def _format_log(log: Log) -> dict[str, Any]:
    return {
        "address": log.address,
        "topics": list(log.topics),
        "data": "0x" + log.data.hex(),
        "blockNumber": hex(log.block_number),
        "blockHash": "0x" + log.block_hash.hex(),
        "transactionHash": "0x" + log.tx_hash.hex(),
        "transactionIndex": hex(log.tx_index),
        "logIndex": hex(log.log_index),
        "removed": False,
    }


def _format_receipt(receipt: Receipt) -> dict[str, Any]:
    return {
        "transactionHash": "0x" + receipt.tx_hash.hex(),
        "transactionIndex": hex(receipt.tx_index),
        "blockHash": "0x" + receipt.block_hash.hex(),
        "blockNumber": hex(receipt.block_number),
        "from": receipt.sender,
        "to": receipt.to,
        "cumulativeGasUsed": hex(receipt.cumulative_gas_used),
        "gasUsed": hex(receipt.gas_used),
        "effectiveGasPrice": hex(receipt.effective_gas_price),
        "contractAddress": receipt.contract_address,
        "logs": [_format_log(log) for log in receipt.logs],
        "logsBloom": "0x" + logs_bloom(receipt.logs).hex(),
        "status": hex(receipt.status),
        "type": hex(receipt.type),
        "revertData": None if receipt.revert_data is None else "0x" + receipt.revert_data.hex(),
    }


def _format_transaction(tx: Transaction) -> dict[str, Any]:
    formatted: dict[str, Any] = {
        "hash": "0x" + tx.hash.hex(),
        "blockHash": "0x" + tx.block_hash.hex(),
        "blockNumber": hex(tx.block_number),
        "transactionIndex": hex(tx.tx_index),
        "from": tx.sender,
        "to": tx.to,
        "value": hex(tx.value),
        "input": "0x" + tx.data.hex(),
        "gas": hex(tx.gas),
        "gasPrice": hex(tx.gas_price),
        "nonce": hex(tx.nonce),
        "chainId": hex(tx.chain_id),
        "type": hex(tx.type),
        "v": hex(tx.v),
        "r": hex(tx.r),
        "s": hex(tx.s),
    }
    if tx.type == 2:
        formatted["maxFeePerGas"] = hex(tx.max_fee_per_gas or 0)
        formatted["maxPriorityFeePerGas"] = hex(tx.max_priority_fee_per_gas or 0)
        formatted["accessList"] = []
    return formatted


def _receipt_logs(node: RevmNode, tx_hash: bytes) -> tuple[Log, ...]:
    receipt = node.receipt(tx_hash)
    return () if receipt is None else receipt.logs


def logs_bloom(logs: tuple[Log, ...] | list[Log]) -> bytes:
    """The 2048-bit bloom filter of ``logs`` (addresses and topics), as in a block header."""
    bloom = 0
    for log in logs:
        for item in (bytes.fromhex(log.address[2:]), *(bytes.fromhex(t[2:]) for t in log.topics)):
            digest = keccak(item)
            for i in (0, 2, 4):
                bloom |= 1 << (int.from_bytes(digest[i : i + 2], "big") & 2047)
    return bloom.to_bytes(256, "big")


# ---------------------------------------------------------------------------------------------
# Parameter helpers
# ---------------------------------------------------------------------------------------------


def _quantity(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"expected a quantity, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        body = value[1:] if value[:1] == "-" else value
        try:
            number = int(body, 16) if body[:2] in ("0x", "0X") else int(body)
            number = -number if body is not value else number
        except ValueError:
            raise ValueError(f"expected a hex quantity, got {value!r}") from None
    else:
        raise TypeError(f"expected a quantity, got {value!r}")
    return number


def _optional_quantity(value: Any) -> int | None:
    return None if value is None else _quantity(value)


def _data(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        text = value[2:] if value[:2] in ("0x", "0X") else value
        return bytes.fromhex(text)
    raise TypeError(f"expected hex data, got {value!r}")


@lru_cache(maxsize=4096)
def _checksum(value: str) -> str:
    return to_checksum_address(value)


def _address(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        value = "0x" + bytes(value).hex()
    if not isinstance(value, str) or len(value) != 42 or value[:2] not in ("0x", "0X"):
        raise ValueError(f"expected a 20-byte address, got {value!r}")
    return _checksum(value)
