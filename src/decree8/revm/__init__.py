"""A fast in-process chain on revm (decree8's extension ``decree8._evm``) behind a web3 provider.

``Web3(RevmProvider())`` is a drop-in for ``Web3(EthereumTesterProvider())`` that answers like a
JSON-RPC node, with the same gas. Needs the compiled extension (built from ``native/`` when decree8
is installed with a Rust toolchain).
"""

from __future__ import annotations

from decree8.revm.node import RevmNode
from decree8.revm.provider import RevmProvider, decode_raw_transaction
from decree8.revm.records import (
    Block,
    CallFrame,
    ExecutionReverted,
    Log,
    Receipt,
    RevmError,
    Transaction,
    TxRequest,
)

__all__ = [
    "Block",
    "CallFrame",
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
