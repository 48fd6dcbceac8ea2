"""decree8: smart-contract templates, a local chain and a compliance checker for tokens under
Belarusian law (Decree No. 8 of 2017 and the acts that followed it).

The public API is re-exported here; everything else is private.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

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
