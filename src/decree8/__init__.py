"""decree8: smart-contract templates, a local chain and a compliance checker for tokens under
Belarusian law (Decree No. 8 of 2017 and the acts that followed it).

The public API is re-exported here; everything else is private.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec

# eth-hash's default keccak (pycryptodome) costs ~25 µs a hash, safe-pysha3's ~3.5 µs; every
# transaction on the embedded chains hashes a lot, so prefer pysha3 when it is installed.
if "ETH_HASH_BACKEND" not in os.environ and find_spec("sha3") is not None:
    os.environ["ETH_HASH_BACKEND"] = "pysha3"

from decree8.errors import (
    ChainError,
    CompileError,
    Decree8Error,
    ManifestError,
    RpcUnavailable,
    TemplateError,
    ToolchainError,
    TransactionReverted,
    UsageError,
)

try:
    __version__ = version("decree8")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"

__all__ = [
    "ChainError",
    "CompileError",
    "Decree8Error",
    "ManifestError",
    "RpcUnavailable",
    "TemplateError",
    "ToolchainError",
    "TransactionReverted",
    "UsageError",
    "__version__",
]
