"""A fast in-process chain on revm (Rust EVM, through pyrevm) behind a web3.py provider.

``Web3(RevmProvider())`` is a drop-in for ``Web3(EthereumTesterProvider())`` that answers like a
JSON-RPC node. Needs the optional ``pyrevm`` package (``pip install decree8[revm]``).
"""

from __future__ import annotations

from decree8.revm.node import (
    Block,
    ExecutionReverted,
    Log,
    Receipt,
    RevmError,
    RevmNode,
    Transaction,
    TxRequest,
)
from decree8.revm.provider import RevmProvider, decode_raw_transaction

__all__ = [
    "Block",
    "ExecutionReverted",
    "Log",
    "Receipt",
    "RevmError",
    "RevmNode",
    "RevmProvider",
    "Transaction",
    "TxRequest",
    "decode_raw_transaction",
]
