"""What the revm chain records and answers: transactions asked for, logs, receipts, call frames,
blocks, accounts, and the errors it raises (:class:`RevmError`, :class:`ExecutionReverted`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from decree8.errors import ChainError

__all__ = [
    "RevmError",
    "ExecutionReverted",
    "TxRequest",
    "Log",
    "Transaction",
    "Receipt",
    "CallFrame",
    "Block",
    "AccountInfo",
]

_ERROR_STRING = bytes.fromhex("08c379a0")


class RevmError(ChainError):
    """revm (or the node around it) refused a request. ``code`` is the JSON-RPC error code."""

    def __init__(self, message: str, *, code: int = -32000, data: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class ExecutionReverted(RevmError):
    """A call or gas estimate reverted; ``output`` is the revert data (``data`` holds it as hex)."""

    def __init__(self, output: bytes) -> None:
        message = "execution reverted"
        reason = _error_string(output)
        if reason is not None:
            message += f": {reason}"
        super().__init__(message, code=3, data="0x" + output.hex())
        self.output = output


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TxRequest:
    """A transaction to run: ``to`` is None for a contract creation; ``gas`` None means estimate."""

    sender: str
    to: str | None = None
    value: int = 0
    data: bytes = b""
    gas: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    nonce: int | None = None
    chain_id: int | None = None

    @property
    def price(self) -> int:
        """The price per gas this transaction pays when the base fee is 0."""
        if self.gas_price is not None:
            return self.gas_price
        if self.max_fee_per_gas is not None:
            return min(self.max_fee_per_gas, self.max_priority_fee_per_gas or 0)
        return self.max_priority_fee_per_gas or 0

    @property
    def type(self) -> int:
        """The EIP-2718 type: 0 legacy, 2 dynamic fee."""
        return 0 if self.gas_price is not None else 2


@dataclass(frozen=True)
class Log:
    """One event log; ``topics`` are lowercase 0x-hex, ``log_index`` counts within the block."""

    address: str
    topics: tuple[str, ...]
    data: bytes
    block_number: int
    block_hash: bytes
    tx_hash: bytes
    log_index: int
    tx_index: int = 0


@dataclass(frozen=True)
class Transaction:
    """A mined transaction."""

    hash: bytes
    sender: str
    to: str | None
    value: int
    data: bytes
    gas: int
    gas_price: int
    max_fee_per_gas: int | None
    max_priority_fee_per_gas: int | None
    nonce: int
    chain_id: int
    type: int
    block_number: int
    block_hash: bytes
    v: int = 0
    r: int = 0
    s: int = 0
    tx_index: int = 0


@dataclass(frozen=True)
class Receipt:
    """A mined transaction's receipt; ``revert_data`` is set when a revert made ``status`` 0."""

    tx_hash: bytes
    sender: str
    to: str | None
    block_number: int
    block_hash: bytes
    status: int
    gas_used: int
    effective_gas_price: int
    contract_address: str | None
    logs: tuple[Log, ...]
    type: int
    revert_data: bytes | None = None
    tx_index: int = 0

    @property
    def cumulative_gas_used(self) -> int:
        """Gas used in the block up to and including this transaction (one transaction a block)."""
        return self.gas_used


@dataclass(frozen=True)
class CallFrame:
    """One call frame of a traced transaction, in the order the frames were entered.

    ``kind`` is ``CALL``, ``STATICCALL``, ``DELEGATECALL``, ``CALLCODE``, ``CREATE`` or
    ``CREATE2``; ``result`` is ``"ok"``, ``"revert"`` or revm's name for the halt.
    """

    depth: int
    kind: str
    sender: str
    to: str
    value: int
    input: bytes
    output: bytes
    gas_limit: int
    gas_used: int
    result: str


@dataclass(frozen=True)
class Block:
    """A mined block header with its transaction hashes."""

    number: int
    hash: bytes
    parent_hash: bytes
    timestamp: int
    gas_limit: int
    gas_used: int
    coinbase: str
    prevrandao: bytes
    base_fee: int
    transactions: tuple[bytes, ...]


class AccountInfo(NamedTuple):
    """What the state holds for an address besides its code and storage."""

    balance: int
    nonce: int
    code_hash: bytes


@dataclass(frozen=True)
class _Outcome:
    """What running one transaction gave; ``logs`` are (address, topics, data)."""

    status: int
    gas_used: int
    output: bytes
    created: str | None
    logs: tuple[tuple[str, tuple[str, ...], bytes], ...]
    gas_refunded: int = 0


#: A point an :class:`_Engine` can rewind to: the id of a copy of revm's database.
_Mark = int


def _error_string(output: bytes) -> str | None:
    if output[:4] != _ERROR_STRING or len(output) < 68:
        return None
    try:
        length = int.from_bytes(output[36:68], "big")
        return output[68 : 68 + length].decode("utf-8")
    except (UnicodeDecodeError, OverflowError):
        return None
